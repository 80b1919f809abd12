"""The scope rules' SQL is built once per caller shape and bound to each caller's own values
(pure logic: what the SQL returns is tested end to end against Postgres)."""

import datetime as dt

from sqlalchemy import and_
from sqlalchemy.dialects import postgresql

from casework_common.auth import Principal
from casework_workflow.scope import BRANCH, Rules, Shape, bound_values

RULES = Rules(after_end=dt.timedelta(days=30))


def person(username: str, *roles: str, branch: str | None = "north-london", member: str | None = None) -> Principal:
    return Principal(
        subject=username,
        username=username,
        roles=frozenset(roles),
        branch=branch,
        region="london",
        membership_number=member,
    )


def sql(clause: object) -> str:
    return str(clause.compile(dialect=postgresql.dialect(), compile_kwargs={"literal_binds": True}))  # type: ignore[attr-defined]


def test_callers_of_one_shape_share_one_statement_and_each_gets_their_own_values() -> None:
    rachel, ravi = person("rachel", "rep"), person("ravi", "rep", branch="south-london")
    assert Shape.of(rachel) == Shape.of(ravi)
    assert RULES.scope_query(Shape.of(rachel)) is RULES.scope_query(Shape.of(ravi))
    mine, theirs = sql(RULES.full_access(rachel)), sql(RULES.full_access(ravi))
    assert "'rachel'" in mine and "'north-london'" in mine and "ravi" not in mine and "south-london" not in mine
    assert "'ravi'" in theirs and "'south-london'" in theirs


def test_the_shape_follows_what_the_rules_read() -> None:
    assert Shape.of(person("r", "rep")) != Shape.of(person("r", "rep", branch=None))
    assert sql(RULES.full_access(person("r", "rep", branch=None))) == "false"
    assert sql(RULES.visible(person("m", "member"))) == "false"
    assert "'A1234'" in sql(RULES.visible(person("m", "member", member="a1234")))
    assert sql(RULES.full_access(person("svc", "service"))) == "true"
    assert bound_values(person("m", "member", member="a1234"))["scope_membership"] == "A1234"


def test_the_cached_statement_holds_no_callers_values() -> None:
    for caller in (person("rachel", "rep"), person("cora", "coordinator"), person("m", "member", member="A1")):
        params = RULES.scope_query(Shape.of(caller)).compile(dialect=postgresql.dialect()).params
        named = {k: v for k, v in params.items() if k.startswith("scope_")}
        assert named and set(named.values()) == {None}, params
    # A coordinator's whole branch is sent as a branch, so its cases are left out of the id list.
    assert f"cases.branch != :{BRANCH}" in str(RULES.scope_query(Shape.of(person("cora", "coordinator"))))
    assert "!=" not in str(RULES.scope_query(Shape.of(person("svc", "service"))))


def test_two_callers_rules_in_one_statement_keep_their_own_values() -> None:
    both = and_(
        RULES.full_access(person("rachel", "rep")), RULES.full_access(person("ravi", "rep", branch="south-london"))
    )
    values = set(both.compile(dialect=postgresql.dialect()).params.values())
    assert {"rachel", "ravi", "north-london", "south-london"} <= values
