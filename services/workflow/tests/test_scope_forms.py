"""The scope rules' SQL is built once per caller shape and bound to each caller's own values
(pure logic: what the SQL returns is tested end to end against Postgres)."""

import datetime as dt

from sqlalchemy.dialects import postgresql

from casework_common.auth import Principal
from casework_workflow.scope import Rules, Shape, bound_values

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
