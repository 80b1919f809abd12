"""The words the portal shows for the APIs' codes: statuses, actions, choices and fields."""

from __future__ import annotations

from typing import Any

from casework_common.vocabulary import EVIDENCE_FINISHED, EVIDENCE_STATUS_LABELS

# Evidence statuses in words, and those after which nothing more happens to an item: the
# contract's vocabulary (casework_common.vocabulary), under the names pages and templates use.
EVIDENCE_STATUS = EVIDENCE_STATUS_LABELS
FINISHED = EVIDENCE_FINISHED

# Button labels for the referral protocol's actions; workflow says which are allowed.
REFERRAL_ACTIONS = {
    "agree": "Agree the referral",
    "decline": "Decline the referral",
    "request_pack": "Ask the branch for the pack",
    "submit_pack": "Send the pack",
    "return_pack": "Return the pack",
    "confirm_pack": "Confirm the pack",
    "advise_member": "Advise the member",
    "take_on": "Take the case on",
    "return_to_branch": "Return to the branch",
    "close": "Close the referral",
    "withdraw": "Withdraw the referral",
}

# The choices workflow accepts (its schemas), in the order the forms offer them.
CASE_TYPES = {
    "disciplinary": "Disciplinary",
    "grievance": "Grievance",
    "capability": "Capability / performance",
    "sickness_absence": "Sickness absence",
    "redundancy": "Redundancy",
    "dismissal": "Dismissal",
    "discrimination": "Discrimination",
    "tupe": "TUPE transfer",
    "other": "Other",
}
OUTCOMES = {
    "no_case_to_answer": "No case to answer",
    "informal_action": "Informal action",
    "written_warning": "Written warning",
    "final_written_warning": "Final written warning",
    "dismissal": "Dismissal",
    "resigned": "Resigned",
    "settled": "Settled",
    "reinstated": "Reinstated",
    "appeal_upheld": "Appeal upheld",
    "appeal_rejected": "Appeal rejected",
}
ALLEGATIONS = {
    "lateness": "Lateness",
    "absence": "Absence",
    "conduct": "Conduct",
    "gross_misconduct": "Gross misconduct",
    "performance": "Performance",
    "health_and_safety": "Health and safety",
    "bullying_harassment": "Bullying or harassment",
    "discrimination": "Discrimination",
    "pay_and_conditions": "Pay and conditions",
    "workload": "Workload",
    "fraud_dishonesty": "Fraud or dishonesty",
    "other": "Other",
}
SECTORS = {
    "health": "Health",
    "social_care": "Social care",
    "local_government": "Local government",
    "education": "Education",
    "civil_service": "Civil service",
    "transport": "Transport",
    "utilities": "Utilities",
    "retail": "Retail",
    "hospitality": "Hospitality",
    "manufacturing": "Manufacturing",
    "logistics": "Logistics",
    "voluntary": "Voluntary sector",
    "other": "Other",
}
KEY_DATES = {
    "incident": "Incident",
    "investigation_meeting": "Investigation meeting",
    "hearing": "Hearing",
    "outcome": "Outcome",
    "appeal_deadline": "Appeal deadline",
}
MEMBER_FIELDS = {
    "name": "Member's name",
    "membership_number": "Membership number",
    "email": "Email",
    "phone": "Phone",
    "employer": "Employer",
    "workplace": "Workplace",
    "job_role": "Job role",
}
# Timeline entries people write, by who may write them (workflow enforces the same).
STAFF_ENTRY_KINDS = {
    "note": "Note",
    "meeting": "Meeting",
    "hearing": "Hearing",
    "letter_received": "Letter received",
    "letter_sent": "Letter sent",
    "call": "Call",
}
MEMBER_ENTRY_KINDS = {"note": "Note", "letter_received": "Letter received", "call": "Call"}

# Names of the fields in workflow's validation errors, as the forms label them.
FIELDS = {
    **{f"member.{k}": v for k, v in MEMBER_FIELDS.items()},
    "member.sector": "Sector",
    **{f"key_dates.{k}": f"{v} date" for k, v in KEY_DATES.items()},
    "case_type": "Case type",
    "allegations": "Allegations",
    "allegation_details": "Details of the allegations",
    "summary": "Summary",
    "status": "Status",
    "outcome": "Outcome",
    "sanction": "Sanction",
    "kind": "Kind of entry",
    "body": "What happened",
    "occurred_on": "Date",
    "username": "Username",
    "question": "Question",
    "answer": "Answer",
    "reason": "Why",
    "reasons": "Reasons",
    "case": "Case reference",
}
# Validation error types (pydantic's, passed on by the APIs) as sentences.
PROBLEMS = {
    "missing": "is required",
    "string_too_short": "is required",
    "string_too_long": "is too long",
    "string_pattern_mismatch": "is not in the expected format",
    "enum": "is not one of the choices",
    "literal_error": "is not one of the choices",
    "date_from_datetime_parsing": "is not a date",
    "date_parsing": "is not a date",
    "too_long": "has too many items",
}


def evidence_status(item: dict[str, Any]) -> str:
    """An evidence item's status in words, with the reason when it has one."""
    words = EVIDENCE_STATUS.get(item["status"], item["status"])
    return f"{words}: {item['status_reason']}" if item.get("status_reason") else words


def human(code: str | None) -> str:
    """An API code such as ``final_written_warning`` as words, for codes without a label."""
    return (code or "").replace("_", " ")
