"""Access reviews: for each case in a period, who could read it and who did (docs/design.md,
'The audit trail: redaction, anchors, access reviews').

"Could read" is derived from what the platform records, by the scope rules (scope.py):

- reps on the case (``case_reps``: assigned or shared, since ``assigned_at``), and reps whose
  removal the audit log records in or after the period (``case.rep_removed``);
- the branch's coordinators and, while the case was brought to the region (a referral, a support
  request, an enquiry forwarded to an official), the region's officials; the region's caseworkers
  while a referral to them was agreed or a support request asked them. Who holds those roles is
  asked of the identity provider *now*;
- officials and caseworkers named on a referral or support request (who acted on or answered it);
- the member, through member-visible records only.

"Did read" is the audit log: every record of a read action on the case in the period (case,
timeline, referral, evidence, deadline facts, information requests, a bundle share's recipient),
and every case list that showed it, counted per actor with the first and last time.

What it cannot know is said in every report (:data:`LIMITS`).
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections import defaultdict
from dataclasses import dataclass
from typing import Any, Literal

from keycloak.exceptions import KeycloakError
from pydantic import BaseModel, Field, field_validator, model_validator
from sqlalchemy import Connection, Engine, func, or_, select, text, union

from casework_common.auth import Principal
from casework_common.directory import Directory
from casework_common.problems import forbidden, not_found, unavailable
from casework_common.vocabulary import REFERRAL_CASEWORKER_STATES, REFERRAL_ENDED_STATES
from casework_workflow import audit, scope
from casework_workflow.schemas import Strict
from casework_workflow.tables import audit_log, case_reps, cases, enquiries, referrals, support_requests

#: Audit actions that are a read of a case's content (denied attempts end in ``.denied`` and are not).
READ_ACTIONS = (
    "case.read",
    "case.view",
    "timeline.read",
    "referral.read",
    "evidence.read",
    "evidence.read_reps_only",
    "deadline_facts.read",
    "information_request.read",
)
SHARE_READS = "bundle.share.%"  # a bundle share's external recipient opening or downloading it
LISTED = "case.list"  # the case appeared in someone's list of cases (member name and reference shown)
MAX_DAYS = 366
MAX_CASES = 200

DERIVATION = {
    "assigned_rep": "case_reps: a rep assigned to the case (from assigned_at), in the case's branch.",
    "shared_rep": "case_reps: a rep the case is shared with (from assigned_at), in the case's branch.",
    "former_rep": "audit log case.rep_removed: a rep taken off the case in or after the period.",
    "branch_coordinator": "identity provider: the branch's coordinators as of now (they see every case "
    "of their branch).",
    "regional_official": "referrals, support requests to an official and forwarded enquiries: while one "
    "was current (and for the configured time after it ended), the region's officials as of now.",
    "regional_caseworker": "referrals to a regional caseworker once agreed, and support requests to a "
    "caseworker: while current, the region's caseworkers as of now.",
    "named_official": "referrals.official and support_requests.answered_by: the official or caseworker "
    "who acted on the referral or answered the request.",
    "member": "the case's membership number and the identity provider's member with it: member-visible records only.",
}
LIMITS = [
    "Role holders (coordinators, officials, caseworkers) are today's, from the identity provider: it keeps "
    "no history of who held a role or belonged to a branch or region on a past day.",
    "A referral's state history is not kept: a caseworker's window starts at the referral's creation, "
    "not at its agreement, and an ended referral's end is its last change.",
    "Service accounts (the platform's own services) can read every case; they are not listed.",
    "Reps removed before the audit log's content was redacted (an erased case) cannot be named.",
    "Reads outside the platform are not seen: printed or downloaded copies, e-mail, bundles passed on.",
    "Reads of a redacted (erased) case are counted, but a member's own reads show the actor '[redacted]'.",
    "Searches record the query and scope, not which results were opened; an opened result is a read here.",
]


class AccessReviewQuery(Strict):
    """The period (both days included, UTC) and optionally one case."""

    from_: str = Field(
        alias="from",
        pattern=r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$",
        json_schema_extra={"format": "date"},
        description="YYYY-MM-DD",
    )
    to: str = Field(
        pattern=r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$", json_schema_extra={"format": "date"}, description="YYYY-MM-DD"
    )
    case_id: uuid.UUID | None = Field(default=None, description="Only this case.")
    after: uuid.UUID | None = Field(default=None, description="The next page: the last case id of the previous one.")

    @field_validator("from_", "to")
    @classmethod
    def _a_day(cls, value: str) -> str:
        dt.date.fromisoformat(value)  # ValueError: not a real day (2026-02-30)
        return value

    @model_validator(mode="after")
    def _a_period(self) -> AccessReviewQuery:
        start, end = dt.date.fromisoformat(self.from_), dt.date.fromisoformat(self.to)
        if end < start:
            raise ValueError("'to' is before 'from'")
        if (end - start).days >= MAX_DAYS:
            raise ValueError(f"a period is at most {MAX_DAYS} days")
        return self


class CouldRead(BaseModel):
    """One person who could read the case in the period, and why."""

    username: str
    role: str
    access: Literal["full", "member"]
    basis: str = Field(description="A key of the report's ``derivation``.")
    since: str | None = Field(description="When this basis began, if the platform records it.")
    until: str | None = Field(description="When it ended, if it did and the platform records it.")


class DidRead(BaseModel):
    """One actor's reads of the case in the period (from the audit log)."""

    actor: str
    actor_role: str
    reads: int
    first_at: str
    last_at: str
    actions: dict[str, int]


class ReviewedCase(BaseModel):
    case_id: str
    reference: str
    branch: str
    region: str
    could_read: list[CouldRead]
    did_read: list[DidRead]


class AccessReviewOut(BaseModel):
    """Who could read which cases in the period, and who did."""

    model_config = {"populate_by_name": True}

    from_: str = Field(alias="from")
    to: str
    generated_at: str
    cases: list[ReviewedCase]
    next_after: str | None = Field(description="More cases: pass as ``after`` for the next page.")
    derivation: dict[str, str] = Field(description="How each ``basis`` was derived.")
    limits: list[str] = Field(description="What the report cannot know.")


@dataclass(frozen=True)
class _Window:
    since: dt.datetime | None
    until: dt.datetime | None

    def overlaps(self, start: dt.datetime, end: dt.datetime) -> bool:
        return (self.since is None or self.since <= end) and (self.until is None or self.until >= start)


def _iso(value: dt.datetime | None) -> str | None:
    return value.astimezone(dt.UTC).isoformat() if value else None


class AccessReview:
    """Builds access review reports (dpo, admin); each report is itself audited."""

    def __init__(self, engine: Engine, directory: Directory, rules: scope.Rules) -> None:
        self.engine = engine
        self.directory = directory
        self.rules = rules

    def report(self, caller: Principal, query: AccessReviewQuery) -> dict[str, Any]:
        """The report for ``query``; 403 for anyone but the data-protection officer and administrators."""
        if not caller.has("dpo", "admin"):
            raise forbidden("Access reviews are for the data-protection officer and administrators.")
        start = dt.datetime.combine(dt.date.fromisoformat(query.from_), dt.time.min, dt.UTC)
        end = dt.datetime.combine(dt.date.fromisoformat(query.to), dt.time.max, dt.UTC)
        try:
            return self._report(caller, query, start, end)
        except KeycloakError as exc:  # role holders and the member come from the directory
            raise unavailable("The directory cannot be reached just now; try again later.") from exc

    def _report(
        self, caller: Principal, query: AccessReviewQuery, start: dt.datetime, end: dt.datetime
    ) -> dict[str, Any]:
        role_holders: dict[tuple[str, str, str], list[str]] = {}
        with self.engine.begin() as conn:
            rows = self._cases(conn, query, start, end)
            if query.case_id and not rows:
                raise not_found("No such case.")
            more = len(rows) > MAX_CASES
            rows = rows[:MAX_CASES]
            did_read = self._did_read(conn, [row.id for row in rows], start, end)
            reviewed = [
                ReviewedCase(
                    case_id=str(row.id),
                    reference=row.reference,
                    branch=row.branch,
                    region=row.region,
                    could_read=self._could_read(conn, row, start, end, role_holders),
                    did_read=did_read.get(str(row.id), []),
                )
                for row in rows
            ]
            audit.record(
                conn,
                caller,
                "dataprotection.access_review",
                query.case_id,
                detail={"from": query.from_, "to": query.to, "cases": len(reviewed)},
            )
        out = AccessReviewOut(
            from_=query.from_,
            to=query.to,
            generated_at=dt.datetime.now(dt.UTC).isoformat(),
            cases=reviewed,
            next_after=reviewed[-1].case_id if more else None,
            derivation=DERIVATION,
            limits=LIMITS,
        )
        return out.model_dump(by_alias=True)

    def _cases(self, conn: Connection, query: AccessReviewQuery, start: dt.datetime, end: dt.datetime) -> list[Any]:
        """The named case, or every case with an audit record or created in the period, by id."""
        columns = (cases.c.id, cases.c.reference, cases.c.branch, cases.c.region, cases.c.membership_number)
        if query.case_id:
            return list(conn.execute(select(*columns).where(cases.c.id == query.case_id)))
        active = union(
            select(audit_log.c.case_id.label("id")).where(
                audit_log.c.case_id.is_not(None), audit_log.c.at.between(start, end)
            ),
            select(cases.c.id).where(cases.c.created_at.between(start, end)),
        ).subquery()
        statement = select(*columns).where(cases.c.id.in_(select(active.c.id))).order_by(cases.c.id)
        if query.after:
            statement = statement.where(cases.c.id > query.after)
        return list(conn.execute(statement.limit(MAX_CASES + 1)))

    def _holders(self, cache: dict[tuple[str, str, str], list[str]], role: str, kind: str, where: str) -> list[str]:
        key = (role, kind, where)
        if key not in cache:
            people = self.directory.with_role(role, **{kind: where})
            cache[key] = sorted(person.username for person in people if person.enabled)
        return cache[key]

    def _could_read(
        self,
        conn: Connection,
        case: Any,
        start: dt.datetime,
        end: dt.datetime,
        cache: dict[tuple[str, str, str], list[str]],
    ) -> list[CouldRead]:
        found: list[CouldRead] = []
        after_end = self.rules.after_end
        for rep in conn.execute(
            select(case_reps).where(case_reps.c.case_id == case.id, case_reps.c.assigned_at <= end)
        ):
            found.append(
                CouldRead(
                    username=rep.username,
                    role="rep",
                    access="full",
                    basis=f"{rep.kind}_rep",
                    since=_iso(rep.assigned_at),
                    until=None,
                )
            )
        removed = conn.execute(
            select(audit_log.c.detail["username"].astext, audit_log.c.at).where(
                audit_log.c.case_id == case.id,
                audit_log.c.action == "case.rep_removed",
                audit_log.c.at >= start,
                audit_log.c.redacted_at.is_(None),
            )
        )
        for username, at in removed:
            if username:
                found.append(
                    CouldRead(
                        username=username, role="rep", access="full", basis="former_rep", since=None, until=_iso(at)
                    )
                )
        for username in self._holders(cache, "coordinator", "branch", case.branch):
            found.append(
                CouldRead(
                    username=username,
                    role="coordinator",
                    access="full",
                    basis="branch_coordinator",
                    since=None,
                    until=None,
                )
            )

        official_windows, caseworker_windows, named = self._regional(conn, case.id, after_end)
        for role, windows, basis in (
            ("official", official_windows, "regional_official"),
            ("caseworker", caseworker_windows, "regional_caseworker"),
        ):
            current = [w for w in windows if w.overlaps(start, end)]
            if not current:
                continue
            since = min((w.since for w in current if w.since), default=None)
            until = None if any(w.until is None for w in current) else max(w.until for w in current if w.until)
            for username in self._holders(cache, role, "region", case.region):
                found.append(
                    CouldRead(
                        username=username, role=role, access="full", basis=basis, since=_iso(since), until=_iso(until)
                    )
                )
        for username, window in named:
            if window.overlaps(start, end):
                found.append(
                    CouldRead(
                        username=username,
                        role="official",
                        access="full",
                        basis="named_official",
                        since=_iso(window.since),
                        until=_iso(window.until),
                    )
                )
        if case.membership_number:
            member = self.directory.member(case.membership_number)
            if member is not None:
                found.append(
                    CouldRead(
                        username=member.username, role="member", access="member", basis="member", since=None, until=None
                    )
                )
        return found

    def _regional(
        self, conn: Connection, case_id: uuid.UUID, after_end: dt.timedelta
    ) -> tuple[list[_Window], list[_Window], list[tuple[str, _Window]]]:
        """When the case was brought to the region's officials and caseworkers, and who was named."""
        officials: list[_Window] = []
        caseworkers: list[_Window] = []
        named: list[tuple[str, _Window]] = []
        for ref in conn.execute(select(referrals).where(referrals.c.case_id == case_id)):
            ended = ref.state in REFERRAL_ENDED_STATES
            window = _Window(ref.created_at, ref.updated_at + after_end if ended else None)
            officials.append(window)
            if ref.target == "regional_caseworker" and ref.state in REFERRAL_CASEWORKER_STATES:
                caseworkers.append(window)
            if ref.official:
                named.append((ref.official, window))
        for req in conn.execute(select(support_requests).where(support_requests.c.case_id == case_id)):
            window = _Window(req.created_at, req.answered_at + after_end if req.answered_at else None)
            (officials if req.to_role == "official" else caseworkers).append(window)
            if req.answered_by:
                named.append((req.answered_by, window))
        for enquiry in conn.execute(
            select(enquiries.c.created_at).where(enquiries.c.case_id == case_id, enquiries.c.routed_to == "official")
        ):
            officials.append(_Window(enquiry.created_at, enquiry.created_at + after_end))
        return officials, caseworkers, named

    def _did_read(
        self, conn: Connection, case_ids: list[uuid.UUID], start: dt.datetime, end: dt.datetime
    ) -> dict[str, list[DidRead]]:
        """Per case: its read records in the period and the case lists that showed it, per actor.
        Two queries for the whole page of cases (not two per case)."""
        reads = conn.execute(
            select(
                audit_log.c.case_id,
                audit_log.c.actor,
                audit_log.c.actor_role,
                audit_log.c.action,
                func.count().label("n"),
                func.min(audit_log.c.at).label("first"),
                func.max(audit_log.c.at).label("last"),
            )
            .where(
                audit_log.c.case_id.in_(case_ids),
                audit_log.c.at.between(start, end),
                or_(audit_log.c.action.in_(READ_ACTIONS), audit_log.c.action.like(SHARE_READS)),
            )
            .group_by(audit_log.c.case_id, audit_log.c.actor, audit_log.c.actor_role, audit_log.c.action)
        ).all()
        listed = conn.execute(
            text(
                "SELECT e.value AS case_id, a.actor, a.actor_role, :action AS action, count(*) AS n,"
                " min(a.at) AS first, max(a.at) AS last"
                " FROM audit_log a CROSS JOIN LATERAL jsonb_array_elements_text(a.detail -> 'cases') AS e(value)"
                " WHERE a.action = :action AND a.case_id IS NULL AND a.at BETWEEN :start AND :end"
                " AND e.value = ANY(:ids) GROUP BY 1, 2, 3"
            ),
            {"action": LISTED, "start": start, "end": end, "ids": [str(c) for c in case_ids]},
        ).all()
        per_actor: dict[str, dict[tuple[str, str], dict[str, Any]]] = defaultdict(dict)
        for row in [*reads, *listed]:
            entry = per_actor[str(row.case_id)].setdefault(
                (row.actor, row.actor_role), {"reads": 0, "first": row.first, "last": row.last, "actions": {}}
            )
            entry["reads"] += row.n
            entry["actions"][row.action] = entry["actions"].get(row.action, 0) + row.n
            entry["first"], entry["last"] = min(entry["first"], row.first), max(entry["last"], row.last)
        return {
            case_id: [
                DidRead(
                    actor=actor,
                    actor_role=role,
                    reads=entry["reads"],
                    first_at=_iso(entry["first"]) or "",
                    last_at=_iso(entry["last"]) or "",
                    actions=entry["actions"],
                )
                for (actor, role), entry in sorted(actors.items(), key=lambda item: (-item[1]["reads"], item[0]))
            ]
            for case_id, actors in per_actor.items()
        }
