"""Notification rules: from an event to who hears about it. One function per event type.

Messages carry facts about the case's progress and a link, never evidence content or the
free text people wrote (reasons, questions, notes): those are read after signing in.

Gating (protocol rules 3–4, docs/design.md#referral-protocol): a member hears nothing about a
referral until the official has confirmed the pack and the member has been advised to contact
the regional office. The rules below never address the member before that, and
:func:`member_may_hear` is checked again for every notification before delivery.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from google.protobuf.message import Message

from casework.v1 import events_pb2, organising_pb2
from casework_common import events
from casework_common.auth import HUMAN_ROLES, Principal
from casework_common.directory import Directory
from casework_common.service_token import ServiceTokenProvider
from casework_common.typed_dates import long_date
from casework_common.vocabulary import ORGANISING_ROLES
from casework_common.workflow_client import WorkflowClient

# Notification kinds (each can be sent immediately or in a daily digest; see preferences).
KINDS = {
    "evidence_added": "New evidence on a case you work on",
    "case_opened": "A case was opened for you",
    "case_update": "Updates on your case",
    "member_update": "A member added something to their case",
    "rep_assigned": "You were assigned to or given access to a case",
    "referral_discussion": "Referral discussions requested in your region",
    "referral_update": "Progress of referrals you are part of",
    "referral_member_advised": "You are asked to contact the regional office",
    "support_request": "Support requests and their answers",
    "member_enquiry": "Members contacting the regional office",
    "branch_flag": "Branches without a casework coordinator",
    "evidence_quarantined": "A file was quarantined as infected",
    "deadline_reminder": "Reminders of deadlines coming up or passed (3 days or less away, or passed: always at once)",
    "organising_followup": "Recruitment follow-ups that fall due (call again, will join online)",
    "organising_help": "Requests for help from recruitment sessions",
    "organising_materials": "Materials ordered for recruitment campaigns",
}
# Who can receive each kind, so a person is offered preferences only for news they can get.
MEMBERS_ONLY = frozenset({"case_opened", "case_update", "referral_member_advised"})
FOR_MEMBERS = MEMBERS_ONLY | {"evidence_quarantined", "deadline_reminder"}
# Recruitment weeks (the organising service) involve branch reps, coordinators and officials only.
ORGANISING_KINDS = frozenset({"organising_followup", "organising_help", "organising_materials"})


def kinds_for(caller: Principal) -> dict[str, str]:
    """The notification kinds this person can receive, with their descriptions."""
    staff = caller.has(*(role for role in HUMAN_ROLES if role != "member"))
    wanted = KINDS.keys() - MEMBERS_ONLY if staff else FOR_MEMBERS
    if not caller.has(*ORGANISING_ROLES):
        wanted = wanted - ORGANISING_KINDS
    return {kind: about for kind, about in KINDS.items() if kind in wanted}


WHERE = {"regional_office": "the regional office", "regional_caseworker": "the regional caseworker"}


@dataclass(frozen=True)
class Notification:
    kind: str
    recipient: str  # preferred_username
    title: str
    message: str
    link: str
    case_id: str | None = None
    to_member: bool = False
    about_referral: bool = False
    urgent: bool = False  # sent at once even to those who chose the daily digest for this kind


@dataclass(frozen=True)
class RuleContext:
    workflow: WorkflowClient
    tokens: ServiceTokenProvider
    directory: Directory
    portal_url: str

    def case_link(self, case_id: str) -> str:
        return f"{self.portal_url}/cases/{case_id}"

    def member_of(self, case: events_pb2.CaseRef) -> str | None:
        person = self.directory.member(case.membership_number) if case.membership_number else None
        return person.username if person else None

    def people(self, role: str, *, branch: str | None = None, region: str | None = None) -> list[str]:
        return [p.username for p in self.directory.with_role(role, branch=branch, region=region)]


Rule = Callable[[Any, RuleContext], list[Notification]]
RULES: dict[type[Message], Rule] = {}
TOPICS: set[str] = set()  # what the notify consumer subscribes to: exactly what the rules need


def rule(event_type: type[Message], topic: str) -> Callable[[Rule], Rule]:
    def register(fn: Rule) -> Rule:
        RULES[event_type] = fn
        TOPICS.add(topic)
        return fn

    return register


def member_may_hear(notification: Notification, event: Message) -> bool:
    """The last check before delivery: nothing about a referral reaches a member before they are advised."""
    if not notification.to_member:
        return True
    if isinstance(event, events_pb2.ReferralChanged) or notification.about_referral:
        return isinstance(event, events_pb2.ReferralChanged) and event.member_advised
    return True


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
    by = ROLE_WORDS.get(uploaded.uploaded_by_role, "someone")
    return [
        Notification(
            "evidence_added",
            rep,
            f"New evidence on case {case.reference}",
            f"A new document was added to case {case.reference} by {by}.",
            ctx.case_link(case.case_id),
            case.case_id,
        )
        for rep in case.reps
        if rep != uploaded.uploaded_by
    ]


@rule(events_pb2.EvidenceStatusChanged, events.EVIDENCE_STATUS)
def evidence_quarantined(change: events_pb2.EvidenceStatusChanged, ctx: RuleContext) -> list[Notification]:
    """An infected upload is flagged to whoever uploaded it and to the case's reps."""
    if change.status != events_pb2.EVIDENCE_STATUS_QUARANTINED:
        return []
    case = ctx.workflow.get_case(ctx.tokens.token(), change.case_id)
    link = ctx.case_link(case.case_id)
    people = sorted({*case.reps, change.uploaded_by} - {""})
    return [
        Notification(
            "evidence_quarantined",
            person,
            f"A file was quarantined on case {case.reference}",
            f"A file added to case {case.reference} contains a virus. It is kept in quarantine and "
            f"was not opened. Please send a clean copy.",
            link,
            case.case_id,
            to_member=person == change.uploaded_by and person not in case.reps,
        )
        for person in people
    ]


@rule(events_pb2.CaseChanged, events.CASE_EVENTS)
def case_changed(changed: events_pb2.CaseChanged, ctx: RuleContext) -> list[Notification]:
    case, link = changed.case, ctx.case_link(changed.case.case_id)
    if changed.kind == "created":
        member = ctx.member_of(case)
        return (
            [
                Notification(
                    "case_opened",
                    member,
                    f"Your case {case.reference} is open",
                    f"Your branch opened case {case.reference} for you. You can follow it and add "
                    f"documents in the portal.",
                    link,
                    case.case_id,
                    to_member=True,
                )
            ]
            if member
            else []
        )
    if changed.kind in ("rep_assigned", "shared") and changed.subject != changed.actor:
        verb = "assigned you to" if changed.kind == "rep_assigned" else "shared with you"
        return [
            Notification(
                "rep_assigned",
                changed.subject,
                f"Case {case.reference}",
                f"{changed.actor} {verb} case {case.reference}.",
                link,
                case.case_id,
            )
        ]
    return []


@rule(events_pb2.TimelineEntryAdded, events.CASE_EVENTS)
def timeline_entry(entry: events_pb2.TimelineEntryAdded, ctx: RuleContext) -> list[Notification]:
    """Member-visible updates by staff reach the member; what the member adds reaches the reps."""
    case, link = entry.case, ctx.case_link(entry.case.case_id)
    own_rules = ("referral", "case_opened", "evidence_added")  # announced by their own rules
    if entry.kind in own_rules or entry.visibility != events_pb2.VISIBILITY_MEMBER:
        return []
    if entry.author_role == "member":
        return [
            Notification(
                "member_update",
                rep,
                f"Update from the member on case {case.reference}",
                f"The member added to the timeline of case {case.reference}.",
                link,
                case.case_id,
            )
            for rep in case.reps
        ]
    member = ctx.member_of(case)
    if member is None:
        return []
    return [
        Notification(
            "case_update",
            member,
            f"Update on your case {case.reference}",
            f"There is an update on your case {case.reference}.",
            link,
            case.case_id,
            to_member=True,
        )
    ]


@rule(events_pb2.ReferralChanged, events.CASE_EVENTS)
def referral_changed(change: events_pb2.ReferralChanged, ctx: RuleContext) -> list[Notification]:
    case, link = change.case, ctx.case_link(change.case.case_id)
    where = WHERE.get(change.target, "the region")
    branch = sorted(set(case.reps) | {change.requested_by})

    def to(people: list[str], kind: str, title: str, message: str) -> list[Notification]:
        return [
            Notification(kind, person, title, message, link, case.case_id, about_referral=True)
            for person in people
            if person != change.actor
        ]

    state = change.to_state
    if state == "discussion_requested":
        return to(
            ctx.people("official", region=case.region),
            "referral_discussion",
            f"Referral discussion requested: {case.reference}",
            f"{change.actor} asks to discuss referring case {case.reference} to {where}. "
            f"A case summary is attached to the request.",
        )
    if state in ("agreed", "not_agreed"):
        word = "agreed" if state == "agreed" else "did not agree"
        notes = to(
            branch,
            "referral_update",
            f"Referral {state.replace('_', ' ')}: {case.reference}",
            f"The regional official {word} the referral of case {case.reference} to {where}.",
        )
        if state == "agreed" and change.target == "regional_caseworker":
            notes += to(
                ctx.people("caseworker", region=case.region),
                "referral_update",
                f"Referral to you agreed: {case.reference}",
                f"The regional official agreed to refer case {case.reference} to you.",
            )
        return notes
    if state == "pack_submitted":
        return to(
            [change.official] if change.official else ctx.people("official", region=case.region),
            "referral_update",
            f"Referral pack ready: {case.reference}",
            f"The branch submitted the referral pack for case {case.reference}; please check it is complete.",
        )
    if state in ("pack_requested", "pack_confirmed"):
        message = (
            f"The regional official confirmed the referral pack for case {case.reference} is complete. "
            f"You can now advise the member to contact {where}."
            if state == "pack_confirmed"
            else f"The regional official asks for the referral pack for case {case.reference}."
        )
        return to(branch, "referral_update", f"Referral pack: {case.reference}", message)
    if state == "member_advised":
        member = ctx.member_of(case)
        notes = to(
            branch + ([change.official] if change.official else []),
            "referral_update",
            f"Member advised: {case.reference}",
            f"The member of case {case.reference} has been advised to contact {where}.",
        )
        if member and change.member_advised:
            notes.append(
                Notification(
                    "referral_member_advised",
                    member,
                    f"Please contact {where}",
                    f"Your branch has arranged for {where} to handle your case {case.reference}. "
                    f"Please contact {where} now.",
                    link,
                    case.case_id,
                    to_member=True,
                    about_referral=True,
                )
            )
        return notes
    if state in ("handled_regionally", "returned_to_branch", "closed", "withdrawn"):
        words = {
            "handled_regionally": f"is now handled by {where}",
            "returned_to_branch": "was returned to the branch",
            "closed": f"was closed by {where}",
            "withdrawn": "was withdrawn by the branch",
        }[state]
        notes = to(
            branch,
            "referral_update",
            f"Referral update: {case.reference}",
            f"The referral of case {case.reference} {words}.",
        )
        member = ctx.member_of(case)
        if member and change.member_advised and state != "withdrawn":
            notes.append(
                Notification(
                    "case_update",
                    member,
                    f"Update on your case {case.reference}",
                    f"Your case {case.reference} {words}.",
                    link,
                    case.case_id,
                    to_member=True,
                    about_referral=True,
                )
            )
        return notes
    return []


@rule(events_pb2.SupportRequested, events.CASE_EVENTS)
def support_requested(request: events_pb2.SupportRequested, ctx: RuleContext) -> list[Notification]:
    case, link = request.case, ctx.case_link(request.case.case_id)
    if request.answered:
        return [
            Notification(
                "support_request",
                request.requested_by,
                f"Support answered: {case.reference}",
                f"Your support request on case {case.reference} has an answer.",
                link,
                case.case_id,
            )
        ]
    staff = ctx.people(request.to_role, region=case.region)
    notes = [
        Notification(
            "support_request",
            person,
            f"Support requested: {case.reference}",
            f"{request.requested_by} asks for support with case {case.reference}.",
            link,
            case.case_id,
        )
        for person in staff
    ]
    if request.referred_back:
        notes.append(
            Notification(
                "support_request",
                request.requested_by,
                f"Support request passed to the official: {case.reference}",
                "Support with cases goes to your regional official first; only casework coordinators contact the "
                "regional caseworker directly. Your request went to the official.",
                link,
                case.case_id,
            )
        )
    return notes


@rule(events_pb2.EnquiryReceived, events.CASE_EVENTS)
def enquiry_received(enquiry: events_pb2.EnquiryReceived, ctx: RuleContext) -> list[Notification]:
    link = ctx.case_link(enquiry.case.case_id) if enquiry.case.case_id else f"{ctx.portal_url}/tasks"
    if enquiry.routed_to == "official":
        return [
            Notification(
                "member_enquiry",
                person,
                "A member contacted the regional office",
                "A member whose case you are handling contacted the regional office.",
                link,
                enquiry.case.case_id or None,
            )
            for person in ctx.people("official", region=enquiry.region)
        ]
    branch_people = set(ctx.people("coordinator", branch=enquiry.branch)) | set(enquiry.case.reps)
    return [
        Notification(
            "member_enquiry",
            person,
            "Please contact a member of your branch",
            "A member contacted the regional office directly and was asked to contact the branch. "
            "A task is waiting for your branch.",
            f"{ctx.portal_url}/tasks",
            enquiry.case.case_id or None,
        )
        for person in sorted(branch_people)
    ]


@rule(events_pb2.BranchFlagged, events.CASE_EVENTS)
def branch_flagged(flag: events_pb2.BranchFlagged, ctx: RuleContext) -> list[Notification]:
    return [
        Notification(
            "branch_flag",
            person,
            f"Branch {flag.branch} has no casework coordinator",
            f"Branch {flag.branch} has no casework coordinator. You can advise the branch on setting up the post.",
            f"{ctx.portal_url}/branch-flags",
        )
        for person in ctx.people("official", region=flag.region)
    ]


# -- recruitment weeks (the organising service) ---------------------------------------------------
# Recipients come from the event: organising decided them (the session's team, the plan's link
# official or the regional office, the region's officials). Nothing about the people spoken to is
# in the events or the messages: the link leads to them after signing in.

FOLLOW_UP_WORDS = {
    organising_pb2.CONTACT_OUTCOME_CALL_AGAIN: "asked to be called again",
    organising_pb2.CONTACT_OUTCOME_WILL_JOIN_ONLINE: "said they would join online",
}


def _staff(people: Iterable[str], but: str = "") -> list[str]:
    return sorted({person for person in people if person and person != but})


@rule(organising_pb2.FollowUpDue, events.ORGANISING_EVENTS)
def follow_up_due(due: organising_pb2.FollowUpDue, ctx: RuleContext) -> list[Notification]:
    """Each member of the session's team hears once that a follow-up fell due."""
    try:
        when = long_date(dt.date.fromisoformat(due.due_on))
    except ValueError:
        when = due.due_on
    what = FOLLOW_UP_WORDS.get(due.outcome, "is to be followed up")
    return [
        Notification(
            "organising_followup",
            person,
            f"Follow-up due {when}",
            f"Someone your team spoke to in a recruitment session {what}: the follow-up is due {when}. "
            f"Their details are in the portal.",
            f"{ctx.portal_url}/organising/follow-ups#follow-up-{due.follow_up_id}",
        )
        for person in _staff(due.team)
    ]


@rule(organising_pb2.HelpRequested, events.ORGANISING_EVENTS)
def help_requested(request: organising_pb2.HelpRequested, ctx: RuleContext) -> list[Notification]:
    """The link official (or the region's officials) hear that a session's team asks for help."""
    return [
        Notification(
            "organising_help",
            person,
            f"Help asked for at a recruitment session of branch {request.branch}",
            f"{request.requested_by} of branch {request.branch} asks for help at a recruitment session.",
            # The session page's help requests: where the team's message is read (it is not sent).
            f"{ctx.portal_url}/organising/sessions/{request.session_id}#help-requests",
        )
        for person in _staff(request.recipients, but=request.requested_by)
    ]


@rule(organising_pb2.MaterialsOrdered, events.ORGANISING_EVENTS)
def materials_ordered(order: organising_pb2.MaterialsOrdered, ctx: RuleContext) -> list[Notification]:
    """The region's officials hear that a branch ordered materials."""
    return [
        Notification(
            "organising_materials",
            person,
            f"Materials ordered by branch {order.branch}",
            f"{order.ordered_by} of branch {order.branch} ordered materials for a recruitment campaign.",
            f"{ctx.portal_url}/organising/campaigns/{order.campaign_id}",
        )
        for person in _staff(order.recipients, but=order.ordered_by)
    ]
