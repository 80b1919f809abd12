"""One way to record a change: its timeline entries, its audit record and its event.

Every change a person makes to a case (or to something of a case: a referral, a support request,
an enquiry) leaves the same three traces in the caller's transaction, so they commit or vanish
with the change itself:

1. the timeline entries, in order (each also publishes its ``TimelineEntryAdded``: timeline.py);
2. one audit record (audit.py);
3. the change's own event on ``case.events`` (outbound.py), if it has one.

That order is the order of the events in the outbox, which consumers see.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from google.protobuf.message import Message
from sqlalchemy import Connection

from casework.v1 import events_pb2
from casework_common.auth import Principal
from casework_workflow import audit, timeline
from casework_workflow.outbound import emit


@dataclass(frozen=True)
class Entry:
    """A timeline entry of a change; its author is the person making the change."""

    kind: str
    body: str
    visibility: str  # "member" or "reps"
    data: dict[str, Any] | None = None
    occurred_on: dt.date | None = None
    corrects: uuid.UUID | None = None


def record_change(
    conn: Connection,
    caller: Principal,
    action: str,
    *,
    case: events_pb2.CaseRef | None,
    entries: Iterable[Entry] = (),
    case_id: uuid.UUID | str | None = None,
    resource: str | None = None,
    detail: dict[str, Any] | None = None,
    event: Message | None = None,
    key: str | None = None,
) -> list[uuid.UUID | None]:
    """Record ``caller``'s change in ``conn``'s transaction: ``entries`` on ``case``'s timeline,
    the audit record ``action`` (of ``case_id``, by default ``case``'s id, with ``resource`` and
    ``detail``), then ``event`` keyed by ``key`` (by default the case id). Returns the entries' ids.

    An entry on an erased case raises the ``case-erased`` problem (timeline.add), which rolls the
    whole change back."""
    entries = list(entries)
    case_key = case.case_id if case is not None else None
    event_key = key if key is not None else case_key
    # Checked before anything is written (the caller's transaction would roll it back anyway).
    if entries and case is None:
        raise ValueError("timeline entries need the case they are on")
    if event is not None and event_key is None:
        raise ValueError("an event needs a key: the case's id or an explicit one")
    ids: list[uuid.UUID | None] = []
    if case is not None:
        for entry in entries:
            ids.append(
                timeline.add(
                    conn,
                    case,
                    author=caller.username,
                    author_role=caller.primary_role,
                    kind=entry.kind,
                    body=entry.body,
                    visibility=entry.visibility,
                    occurred_on=entry.occurred_on,
                    corrects=entry.corrects,
                    data=entry.data,
                )
            )
    audit.record(conn, caller, action, case_id if case_id is not None else case_key, resource, detail)
    if event is not None and event_key is not None:
        emit(conn, event_key, event)
    return ids
