"""The scope rules: who may see and do what on which case. The only implementation.

Visibility is expressed once, as SQL conditions over the ``cases`` table, so "may P
see case C" and "which cases can P see" are the same query with or without an id.
Two levels exist:

- FULL: the case and all its records and evidence: reps assigned to it or sharing it in
  their branch, the branch's coordinator, the region's officials once the case is brought
  to them (a referral discussion, a support request, a forwarded enquiry), the region's
  caseworkers once a referral to them is agreed or a coordinator asks them for support,
  and service accounts;
- MEMBER: the member's own case, its member-visible timeline and evidence.

Regional staff's access lasts as long as what brought the case to them: while a referral or
support request is open and for ``after_end`` once it has ended (declined, withdrawn, closed,
returned to the branch; answered); a member's forwarded enquiry counts from when it was made.
After that they are outsiders again, in every service (search gets its scope from here).

Admins and the data-protection officer (``dpo``) match neither: they cannot read case content at
all (the dpo works through the data-protection endpoints only, api/data_protection.py and subject access).

The SQL's form depends only on a caller's :class:`Shape` (which clauses apply); their branch, region,
username and membership number are bound parameters. So the scope lookup before every search runs a
statement built once per shape, not one built per call (building an official's took 1.5 ms of
Python, more than Postgres took to run it).
"""

from __future__ import annotations

import datetime as dt
import enum
import functools
import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    BindParameter,
    ColumnElement,
    CompoundSelect,
    Interval,
    Select,
    and_,
    bindparam,
    exists,
    false,
    func,
    literal,
    or_,
    select,
    true,
    union,
)
from sqlalchemy import case as sql_case

from casework.v1 import workflow_pb2
from casework_common.auth import Principal
from casework_common.problems import forbidden
from casework_common.vocabulary import BRANCH_STAFF_ROLES, REFERRAL_CASEWORKER_STATES, REFERRAL_ENDED_STATES
from casework_workflow.tables import case_reps, cases, enquiries, referrals, support_requests


class Access(enum.IntEnum):
    NONE = 0
    MEMBER = 1
    FULL = 2


# The caller's values, bound at execution (bound_values); the SQL only names them.
BRANCH = "scope_branch"
REGION = "scope_region"
USERNAME = "scope_username"
MEMBERSHIP = "scope_membership"


@dataclass(frozen=True)
class Shape:
    """What of a caller decides the form of their scope's SQL: which clauses apply. Every SQL rule
    reads the caller through a Shape and bound_values, never the Principal itself, so a form
    built for one caller is right for every caller of that shape."""

    service: bool
    coordinator: bool
    rep: bool
    official: bool
    caseworker: bool
    member: bool

    @classmethod
    def of(cls, caller: Principal) -> Shape:
        return cls(
            service=caller.is_service,
            coordinator=caller.has("coordinator") and bool(caller.branch),
            rep=caller.has("rep") and bool(caller.branch),
            official=caller.has("official") and bool(caller.region),
            caseworker=caller.has("caseworker") and bool(caller.region),
            member=caller.has("member") and bool(caller.membership_number),
        )


def bound_values(caller: Principal) -> dict[str, Any]:
    """The caller's values for the parameters a Shape's SQL names."""
    return {
        BRANCH: caller.branch,
        REGION: caller.region,
        USERNAME: caller.username,
        MEMBERSHIP: (caller.membership_number or "").upper(),
    }


def _about_the_case(*conditions: ColumnElement[bool]) -> ColumnElement[bool]:
    """EXISTS over a related table, correlated to ``cases`` only (so it also works inside
    queries that select from that related table themselves)."""
    return exists().where(*conditions).correlate(cases)


@dataclass(frozen=True)
class Rules:
    """Who sees which case in full, as SQL; ``after_end``: how long regional staff keep access to
    a case once what brought it to them has ended."""

    after_end: dt.timedelta

    def _since(self) -> ColumnElement[dt.datetime]:
        return func.now() - literal(self.after_end, Interval)

    def _referral_current(self) -> ColumnElement[bool]:
        return or_(referrals.c.state.not_in(REFERRAL_ENDED_STATES), referrals.c.updated_at > self._since())

    def _support_current(self) -> ColumnElement[bool]:
        return or_(support_requests.c.answered_at.is_(None), support_requests.c.answered_at > self._since())

    def _brought_to_officials(self) -> ColumnElement[bool]:
        return or_(
            _about_the_case(referrals.c.case_id == cases.c.id, self._referral_current()),
            _about_the_case(
                support_requests.c.case_id == cases.c.id,
                support_requests.c.to_role == "official",
                self._support_current(),
            ),
            _about_the_case(
                enquiries.c.case_id == cases.c.id,
                enquiries.c.routed_to == "official",
                enquiries.c.created_at > self._since(),
            ),
        )

    def _brought_to_caseworkers(self) -> ColumnElement[bool]:
        return or_(
            _about_the_case(
                referrals.c.case_id == cases.c.id,
                referrals.c.target == "regional_caseworker",
                referrals.c.state.in_(REFERRAL_CASEWORKER_STATES),
                self._referral_current(),
            ),
            _about_the_case(
                support_requests.c.case_id == cases.c.id,
                support_requests.c.to_role == "caseworker",
                self._support_current(),
            ),
        )

    def regional_staff_named(self, case_id: uuid.UUID) -> CompoundSelect:
        """Officials and caseworkers named on the case's referrals (the official who acted on one)
        and support requests (who answered one) while that still gives them access: the people
        to remind of its deadlines besides the branch (the DeadlineChanged ``officials``)."""
        named_on_referrals = select(referrals.c.official.label("username")).where(
            referrals.c.case_id == case_id, referrals.c.official.is_not(None), self._referral_current()
        )
        answered_support = select(support_requests.c.answered_by.label("username")).where(
            support_requests.c.case_id == case_id,
            support_requests.c.answered_by.is_not(None),
            self._support_current(),
        )
        return union(named_on_referrals, answered_support)

    def full_access(self, caller: Principal) -> ColumnElement[bool]:
        """Cases whose every record and document ``caller`` may see."""
        return self.build_full_access(Shape.of(caller), bound_values(caller))

    def access_column(self, caller: Principal) -> ColumnElement[int]:
        """A SQL expression giving each case's Access level for ``caller``."""
        shape, values = Shape.of(caller), bound_values(caller)
        return _access_column(self.build_full_access(shape, values), _member_access(shape, values))

    def visible(self, caller: Principal) -> ColumnElement[bool]:
        shape, values = Shape.of(caller), bound_values(caller)
        return or_(self.build_full_access(shape, values), _member_access(shape, values))

    def scope_query(self, shape: Shape) -> Select:
        """id and access level of every case a caller of ``shape`` can see, less the cases of the
        branches they see whole (whole_branches); execute it with their bound_values."""
        return _scope_query(self, shape)

    def build_full_access(self, shape: Shape, values: dict[str, Any] | None = None) -> ColumnElement[bool]:
        """The full-access rule for callers of ``shape``, bound to ``values`` (bound_values) or,
        without them, naming parameters to bind at execution."""
        if shape.service:
            return true()
        clauses = []
        if shape.coordinator:
            clauses.append(cases.c.branch == _param(BRANCH, values))
        if shape.rep:
            # The rep's cases as one uncorrelated subquery, which Postgres reads once (by username)
            # and hashes, where a correlated EXISTS is probed for every case of the branch, twice
            # with the access column: a rep on 200 of 2,000 cases waited 21.6 ms for GetScope,
            # before every search they made.
            mine = select(case_reps.c.case_id).where(case_reps.c.username == _param(USERNAME, values))
            clauses.append(and_(cases.c.branch == _param(BRANCH, values), cases.c.id.in_(mine)))
        if shape.official:
            clauses.append(and_(cases.c.region == _param(REGION, values), self._brought_to_officials()))
        if shape.caseworker:
            clauses.append(and_(cases.c.region == _param(REGION, values), self._brought_to_caseworkers()))
        return or_(*clauses) if clauses else false()


def _param(key: str, values: dict[str, Any] | None) -> BindParameter[Any]:
    # Bound to a value, the parameter is unique (renamed when compiled), so two callers' rules in one
    # statement keep their own values; only the cached form, executed with bound_values, names them.
    return bindparam(key) if values is None else bindparam(key, values[key], unique=True)


def _access_column(full: ColumnElement[bool], member: ColumnElement[bool]) -> ColumnElement[int]:
    return sql_case((full, int(Access.FULL)), (member, int(Access.MEMBER)), else_=int(Access.NONE))


@functools.cache
def _scope_query(rules: Rules, shape: Shape) -> Select:
    """Built once per shape (a service has one Rules; there are at most 64 shapes)."""
    full, member = rules.build_full_access(shape), _member_access(shape)
    query = select(cases.c.id, _access_column(full, member).label("access")).where(or_(full, member))
    if shape.coordinator and not shape.service:  # those cases are covered by their branch (whole_branches)
        query = query.where(cases.c.branch != bindparam(BRANCH))
    return query


def whole_branches(caller: Principal) -> list[str]:
    """Branches every case of which ``caller`` sees in full (the same rule as in full_access)."""
    shape = Shape.of(caller)
    return [caller.branch] if shape.coordinator and not shape.service and caller.branch else []


def _member_access(shape: Shape, values: dict[str, Any] | None = None) -> ColumnElement[bool]:
    """The member's own cases (seen through member-visible records only)."""
    return cases.c.membership_number == _param(MEMBERSHIP, values) if shape.member else false()


def may(caller: Principal, access: Access, action: int) -> tuple[bool, str]:
    """Whether ``caller`` with ``access`` to a case may perform ``action`` on it, and why not."""
    if access is Access.NONE:
        return False, "The case is not visible to you."
    if action in (workflow_pb2.CASE_ACTION_VIEW, workflow_pb2.CASE_ACTION_VIEW_EVIDENCE):
        return True, ""
    if action == workflow_pb2.CASE_ACTION_VIEW_REPS_EVIDENCE:
        return (access is Access.FULL), "Reps-only evidence is not shown to members."
    if action == workflow_pb2.CASE_ACTION_EDIT_EVIDENCE:
        if caller.is_service:
            return False, "Service accounts do not correct evidence records."
        return (access is Access.FULL), "Only union staff working on the case may correct its evidence records."
    if action == workflow_pb2.CASE_ACTION_EDIT_DEADLINES:
        if caller.is_service:
            return False, "Service accounts do not record deadlines."
        return (access is Access.FULL), "Only union staff working on the case may record or change its deadlines."
    if action == workflow_pb2.CASE_ACTION_ATTACH_EVIDENCE:
        if caller.is_service:
            return False, "Service accounts cannot attach evidence on their own behalf."
        return True, ""
    return False, "Unknown action."


def may_create_case(caller: Principal) -> tuple[bool, str]:
    """Cases are opened by the branch: its reps and coordinator, for their own branch."""
    if not caller.has(*BRANCH_STAFF_ROLES):
        return False, "Only branch reps and coordinators open cases."
    if not caller.branch or not caller.region:
        return False, "Your account has no branch or region; ask an administrator."
    return True, ""


def require_dpo(caller: Principal, detail: str) -> None:
    """Refuse (403, with ``detail``) anyone but the data-protection officer, a person: never a service account."""
    if caller.is_service or not caller.has("dpo"):
        raise forbidden(detail)


def is_branch_staff(caller: Principal) -> bool:
    """Reps and coordinators: the people who run cases in the branch."""
    return caller.has(*BRANCH_STAFF_ROLES) and not caller.is_service
