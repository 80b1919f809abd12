"""Calendar feeds: a person's secret, revocable iCalendar URL of the deadlines and hearings they may see.

The feed's URL is its only credential, since calendar clients (Google, Apple, Outlook) fetch it with no
sign-in. So:

- the token is 256 random bits (``secrets.token_urlsafe(32)``), shown once in the URL when the feed is
  made and kept only as its SHA-256: a token that long cannot be guessed, so a fast hash is enough, and
  finding the feed by an index lookup on the hash leaks nothing about the token by timing;
- the owner is kept by identity-provider id (the token's ``sub``); at every fetch their access is worked
  out afresh from their *current* directory entry (roles, branch, region, membership number), through
  scope.py's conditions, so a rep moved to another branch, a demoted coordinator or a member whose
  membership number changed sees the new scope at the next refresh, and a disabled or removed account's
  feed answers 404 like a revoked or unknown one;
- members get their own cases' member-visible deadlines only; staff every open deadline of the cases
  they see in full (calendar_ics.py says what an entry may carry: no personal data).

Fetches are audited, coalesced: calendar clients poll (some every few minutes), and one hash-chained audit
record per poll would swamp the log and serialise on its head for nothing new. A fetch is recorded when
the feed has no record yet, when its last one is older than ``AUDIT_EVERY``, or when the cases whose dates
it hands out differ from those its last record named; each record names the cases and carries the feed's
fetch count, so the records together say which case dates went out, to whom, from when, and how often.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import secrets
import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Engine, Row, and_, func, or_, select, update

from casework_common.auth import Principal
from casework_common.directory import Directory, Person
from casework_workflow import audit, calendar_ics, scope
from casework_workflow.deadlines.model import VISIBILITY_MEMBER
from casework_workflow.tables import calendar_feeds, cases, deadlines

#: People who may have a feed: every signed-in human role except administrators (who see no cases).
FEED_ROLES = ("member", "rep", "coordinator", "official", "caseworker")
#: Live feeds per person: one per device or calendar is plenty; the bound stops a runaway client or script.
MAX_LIVE_FEEDS = 50
AUDIT_EVERY = dt.timedelta(hours=1)
URL_PATH = "/calendar/{token}.ics"  # on the portal, which forwards it to GET /v1/calendar/<token>.ics
_TOKEN = re.compile(r"[A-Za-z0-9_-]{43}")  # what token_urlsafe(32) gives


def hash_token(token: str) -> str:
    """SHA-256 (hex) of a feed's token: all that is stored."""
    return hashlib.sha256(token.encode()).hexdigest()


def may_have_feed(owner: Principal) -> bool:
    """Signed-in people with a human role that sees cases; not administrators or service accounts."""
    return owner.has(*FEED_ROLES) and not owner.is_service


def feed_json(row: Row[Any]) -> dict[str, Any]:
    """A feed as its owner lists it: never its token or URL."""
    return {
        "id": str(row.id),
        "label": row.label,
        "state": "revoked" if row.revoked_at else "active",
        "created_at": row.created_at.isoformat(),
        "revoked_at": row.revoked_at.isoformat() if row.revoked_at else None,
        "last_fetched_at": row.last_fetched_at.isoformat() if row.last_fetched_at else None,
    }


@dataclass(frozen=True)
class Created:
    row: Row[Any]
    url: str  # the only time the token is seen


class TooManyFeeds(Exception):
    """The person already has MAX_LIVE_FEEDS live feeds."""


@dataclass(frozen=True)
class Feed:
    """The iCalendar document for one fetch."""

    body: bytes
    events: int


class CalendarFeeds:
    """Making, listing, revoking and serving calendar feeds."""

    def __init__(self, engine: Engine, directory: Directory, rules: scope.Rules, portal_url: str) -> None:
        self.engine = engine
        self.directory = directory
        self.rules = rules
        self.portal_url = portal_url.rstrip("/")

    # -- the owner (signed in) -------------------------------------------------------

    def create(self, owner: Principal, label: str) -> Created:
        """A new feed for ``owner``; its URL holds the token, which is not kept."""
        token = secrets.token_urlsafe(32)
        feed_id = uuid.uuid4()
        with self.engine.begin() as conn:
            # Serialise one person's creations, so two at once cannot both pass the count.
            conn.execute(select(func.pg_advisory_xact_lock(func.hashtextextended(f"calendar:{owner.subject}", 0))))
            live = conn.execute(
                select(func.count())
                .select_from(calendar_feeds)
                .where(calendar_feeds.c.subject == owner.subject, calendar_feeds.c.revoked_at.is_(None))
            ).scalar_one()
            if live >= MAX_LIVE_FEEDS:
                raise TooManyFeeds
            row = conn.execute(
                calendar_feeds.insert()
                .values(
                    id=feed_id,
                    subject=owner.subject,
                    username=owner.username,
                    token_sha256=hash_token(token),
                    label=label,
                )
                .returning(calendar_feeds)
            ).one()
            audit.record(conn, owner, "calendar-feed.create", resource=f"calendar-feed:{feed_id}")
        return Created(row, self.portal_url + URL_PATH.format(token=token))

    def mine(self, owner: Principal) -> list[Row[Any]]:
        """The owner's feeds, live ones first, newest first."""
        with self.engine.connect() as conn:
            return list(
                conn.execute(
                    select(calendar_feeds)
                    .where(calendar_feeds.c.subject == owner.subject)
                    .order_by(calendar_feeds.c.revoked_at.is_not(None), calendar_feeds.c.created_at.desc())
                )
            )

    def revoke(self, owner: Principal, feed_id: uuid.UUID) -> Row[Any] | None:
        """Revoke the owner's feed (again: no change); None if they have no feed with that id."""
        with self.engine.begin() as conn:
            row = conn.execute(
                select(calendar_feeds)
                .where(calendar_feeds.c.id == feed_id, calendar_feeds.c.subject == owner.subject)
                .with_for_update()
            ).first()
            if row is None or row.revoked_at is not None:
                return row
            row = conn.execute(
                update(calendar_feeds)
                .where(calendar_feeds.c.id == feed_id)
                .values(revoked_at=func.now())
                .returning(calendar_feeds)
            ).one()
            audit.record(conn, owner, "calendar-feed.revoke", resource=f"calendar-feed:{feed_id}")
        return row

    # -- the calendar client (no sign-in: the token is the credential) ----------------

    def find(self, token: str) -> Row[Any] | None:
        """The feed the token names, live or revoked, or None (malformed or unknown)."""
        if not _TOKEN.fullmatch(token):
            return None
        with self.engine.connect() as conn:
            query = select(calendar_feeds).where(calendar_feeds.c.token_sha256 == hash_token(token))
            return conn.execute(query).first()

    def owner_now(self, feed: Row[Any]) -> Principal | None:
        """The feed's owner as the directory has them now, as a principal; None if the account is gone,
        disabled, or no longer holds a role that may have a feed."""
        person: Person | None = self.directory.current(feed.subject)
        if person is None or not person.enabled:
            return None
        owner = Principal(
            subject=feed.subject,
            username=person.username,
            roles=person.roles,
            branch=person.branch,
            region=person.region,
            membership_number=person.membership_number,
        )
        return owner if may_have_feed(owner) else None

    def fetch(self, feed: Row[Any], owner: Principal) -> Feed:
        """The feed's document for ``owner`` now; the fetch is counted and, coalesced, audited."""
        with self.engine.begin() as conn:
            entries = self._deadlines(conn, owner)
            hearings = self._hearings(conn, owner)
            case_ids = sorted({d.case_id for d in entries} | {h.case_id for h in hearings})
            now = self._note_fetch(conn, feed.id, owner, case_ids, len(entries) + len(hearings))
        body = calendar_ics.render(entries, hearings, portal_url=self.portal_url, now=now)
        return Feed(body, len(entries) + len(hearings))

    def _deadlines(self, conn: Connection, owner: Principal) -> list[calendar_ics.DeadlineEntry]:
        """Open deadlines of the cases ``owner`` sees: all of them on cases seen in full, the member-visible
        ones on a member's own cases."""
        rows = conn.execute(
            select(
                deadlines.c.id,
                deadlines.c.case_id,
                deadlines.c.kind,
                deadlines.c.source,
                deadlines.c.label,
                deadlines.c.due_on,
                deadlines.c.indicative,
                deadlines.c.rule,
                deadlines.c.updated_at,
                cases.c.reference,
            )
            .join(cases, cases.c.id == deadlines.c.case_id)
            .where(
                deadlines.c.state == "open",
                self.rules.visible(owner),
                or_(self.rules.full_access(owner), deadlines.c.visibility == VISIBILITY_MEMBER),
            )
            .order_by(deadlines.c.due_on, deadlines.c.id)
        )
        entries = []
        for r in rows:
            by_rule = r.source.startswith("rule:")  # its label comes from the rule set, not from a person
            rule = r.rule or {}
            entries.append(
                calendar_ics.DeadlineEntry(
                    id=str(r.id),
                    case_id=str(r.case_id),
                    reference=r.reference,
                    kind=r.kind,
                    rule_label=r.label if by_rule else None,
                    due_on=r.due_on,
                    indicative=r.indicative,
                    # From the rule set or the statute a request runs under, never typed on the case.
                    citation=", ".join(str(rule[k]) for k in ("title", "citation") if rule.get(k)) or None,
                    updated_at=r.updated_at,
                )
            )
        return entries

    def _hearings(self, conn: Connection, owner: Principal) -> list[calendar_ics.HearingEntry]:
        """Hearing dates of the open cases ``owner`` sees (members see their own case's hearing date too)."""
        rows = conn.execute(
            select(cases.c.id, cases.c.reference, cases.c.case_type, cases.c.hearing_date, cases.c.updated_at)
            .where(and_(self.rules.visible(owner), cases.c.status == "open", cases.c.hearing_date.is_not(None)))
            .order_by(cases.c.hearing_date, cases.c.id)
        )
        return [
            calendar_ics.HearingEntry(str(r.id), r.reference, r.case_type, r.hearing_date, r.updated_at) for r in rows
        ]

    def _note_fetch(
        self, conn: Connection, feed_id: uuid.UUID, owner: Principal, case_ids: list[str], events: int
    ) -> dt.datetime:
        """Count the fetch and audit it, coalesced (see the module docstring); the database's now."""
        row = conn.execute(
            select(calendar_feeds, func.now().label("now")).where(calendar_feeds.c.id == feed_id).with_for_update()
        ).one()
        digest = hashlib.sha256(",".join(case_ids).encode()).hexdigest()
        count = row.fetch_count + 1
        due = row.audited_at is None or row.now - row.audited_at >= AUDIT_EVERY
        values: dict[str, Any] = {"fetch_count": count, "last_fetched_at": row.now}
        if due or digest != row.audited_cases_sha256:
            audit.record(
                conn,
                owner,
                "calendar-feed.fetch",
                resource=f"calendar-feed:{feed_id}",
                detail={"cases": case_ids, "events": events, "fetches": count},
            )
            values.update(audited_at=row.now, audited_cases_sha256=digest)
        conn.execute(update(calendar_feeds).where(calendar_feeds.c.id == feed_id).values(**values))
        return row.now
