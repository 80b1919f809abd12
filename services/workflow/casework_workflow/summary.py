"""The generated case summary an official reads when a case is escalated (benefit iii of the
caseworker proposal, source document B in docs/design.md): the facts, the key dates, what has
happened, and what evidence there is."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection

from casework_common.auth import Principal
from casework_workflow import audit, timeline
from casework_workflow.cases import KEY_DATE_COLUMNS, Cases, CaseView

RECENT_ENTRIES = 15


def for_caller(cases: Cases, caller: Principal, case_id: str) -> dict[str, Any]:
    """The summary of a case ``caller`` works on (403 for a member, 404 out of scope); audited."""
    with cases.engine.begin() as conn:
        view = cases.require(conn, caller, case_id, full=True)
        body = generate(conn, view)
        audit.record(conn, caller, "case.summary", view.id)
    return body


def generate(conn: Connection, view: CaseView) -> dict[str, Any]:
    r = view.row
    entries = timeline.entries(conn, view.id, include_reps_only=True)
    evidence = [e for e in entries if e.kind == "evidence_added"]
    history = [e for e in entries if e.kind not in ("evidence_added", "case_update")][-RECENT_ENTRIES:]
    dates = {k: getattr(r, c).isoformat() for k, c in KEY_DATE_COLUMNS.items() if getattr(r, c)}
    facts = {
        "reference": r.reference,
        "case_type": r.case_type,
        "status": r.status,
        "branch": r.branch,
        "member": {
            "name": r.member_name,
            "membership_number": r.membership_number,
            "employer": r.employer,
            "workplace": r.workplace,
            "job_role": r.job_role,
        },
        "reps": view.reps,
        "allegations": r.allegations,
        "allegation_details": r.allegation_details,
        "key_dates": dates,
        "outcome": r.outcome,
        "sanction": r.sanction,
        "branch_summary": r.summary,
        "evidence": [
            {"filename": e.data.get("filename"), "added": e.created_at.date().isoformat(), "visibility": e.visibility}
            for e in evidence
        ],
        "recent_history": [
            {"on": (e.occurred_on or e.created_at.date()).isoformat(), "kind": e.kind, "by": e.author, "what": e.body}
            for e in history
        ],
    }
    facts["text"] = _as_text(facts)
    return facts


def _as_text(f: dict[str, Any]) -> str:
    member = f["member"]
    where = ", ".join(filter(None, [member["employer"] or "employer not recorded", member["workplace"]]))
    lines = [
        f"{f['reference']}: {f['case_type'].replace('_', ' ')} case ({f['status']}), branch {f['branch']}",
        f"Member: {member['name']} ({member['membership_number']}), {member['job_role'] or 'role not recorded'} "
        f"at {where}",
        f"Reps: {', '.join(f['reps']) or 'none assigned'}",
        f"Allegations: {', '.join(a.replace('_', ' ') for a in f['allegations']) or 'not recorded'}",
    ]
    if f["allegation_details"]:
        lines.append(f"Details: {f['allegation_details']}")
    if f["key_dates"]:
        lines.append("Key dates: " + "; ".join(f"{k.replace('_', ' ')} {v}" for k, v in f["key_dates"].items()))
    if f["outcome"]:
        lines.append(f"Outcome: {f['outcome'].replace('_', ' ')}{' (' + f['sanction'] + ')' if f['sanction'] else ''}")
    if f["branch_summary"]:
        lines.append(f"Branch summary: {f['branch_summary']}")
    lines.append(f"Evidence: {len(f['evidence'])} document(s)")
    lines += [f"  {h['on']} {h['kind'].replace('_', ' ')} ({h['by']}): {h['what']}" for h in f["recent_history"]]
    return "\n".join(lines)
