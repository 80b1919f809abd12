"""Notification rules: from an event to who hears about it. One function per event type.

Emails and inbox items carry links, never evidence content.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from google.protobuf.message import Message

from casework.v1 import events_pb2
from casework_common import events
from casework_common.service_token import ServiceTokenProvider
from casework_common.workflow_client import WorkflowClient


@dataclass(frozen=True)
class Notification:
    kind: str  # names the templates: <kind>.txt, <kind>.html
    recipient: str  # preferred_username
    title: str
    link: str
    case_id: str | None = None
    context: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class RuleContext:
    workflow: WorkflowClient
    tokens: ServiceTokenProvider
    portal_url: str


Rule = Callable[[Any, RuleContext], list[Notification]]
RULES: dict[type[Message], Rule] = {}
TOPICS: set[str] = set()  # what the notify consumer subscribes to: exactly what the rules need


def rule(event_type: type[Message], topic: str) -> Callable[[Rule], Rule]:
    def register(fn: Rule) -> Rule:
        RULES[event_type] = fn
        TOPICS.add(topic)
        return fn

    return register


ROLE_WORDS = {
    "member": "the member",
    "rep": "a rep",
    "coordinator": "the branch coordinator",
    "official": "the regional official",
    "caseworker": "the regional caseworker",
}


@rule(events_pb2.EvidenceUploaded, events.EVIDENCE_UPLOADED)
def evidence_added(uploaded: events_pb2.EvidenceUploaded, ctx: RuleContext) -> list[Notification]:
    """Assigned reps hear that new evidence arrived (not the rep who uploaded it)."""
    case = ctx.workflow.get_case(ctx.tokens.token(), uploaded.evidence.case_id)
    return [
        Notification(
            kind="evidence_added",
            recipient=rep,
            title=f"New evidence on case {case.reference}",
            link=f"{ctx.portal_url}/cases/{case.case_id}",
            case_id=case.case_id,
            context={"reference": case.reference, "by": ROLE_WORDS.get(uploaded.uploaded_by_role, "someone")},
        )
        for rep in case.reps
        if rep != uploaded.uploaded_by
    ]
