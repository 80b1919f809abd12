"""The letters of subject access and freedom of information requests, and the complaint letters an
overdue request offers, from the Jinja templates in ``templates/``; and the guidance on what each
request can obtain (``guidance/information_requests.json``).

Letters are plain text (an email body or a letter to print), so nothing is HTML-escaped; what the
portal shows, it escapes itself. Templates get only facts recorded on the case or the request:
a fact that is not recorded leaves its line out, never a placeholder or a guess (StrictUndefined
turns a template asking for anything else into an error, not a blank).
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined
from pydantic import BaseModel, ConfigDict, Field, HttpUrl

from casework_common.typed_dates import long_date

SCOTLAND = "scotland"
ICO = {"name": "Information Commissioner's Office", "url": "https://ico.org.uk/make-a-complaint/"}
SIC = {"name": "Scottish Information Commissioner", "url": "https://www.foi.scot/"}


@cache
def _environment() -> Environment:
    env = Environment(
        loader=PackageLoader("casework_workflow"),
        autoescape=False,  # noqa: S701 (plain-text letters, never HTML; see the module docstring)
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=False,
    )
    env.filters["long_date"] = long_date
    return env


def _render(template: str, **context: Any) -> str:
    text = _environment().get_template(template).render(**context)
    # Optional lines left out can leave runs of blank lines; a letter has at most one between paragraphs.
    lines: list[str] = []
    for line in text.strip().splitlines():
        if line.strip() or (lines and lines[-1].strip()):
            lines.append(line.rstrip())
    return "\n".join(lines) + "\n"


@dataclass(frozen=True)
class Letter:
    """A letter or email: who it goes to, its subject line and its body."""

    to: str
    subject: str
    body: str
    stage: str = "request"  # request | review | complaint

    def to_json(self) -> dict[str, str]:
        return {"stage": self.stage, "to": self.to, "subject": self.subject, "body": self.body}


def request_letter(
    kind: str, *, case_row: Any, recipient: str, requested: str, jurisdiction: str, employee_number: str | None
) -> Letter:
    """The request a rep sends for the member, in the member's name (they are the data subject, or
    the FOI applicant): UK GDPR Article 15 for ``subject_access``; FOIA 2000, or FOISA 2002 when the
    public authority is Scottish, for ``foi``."""
    member = {
        "name": case_row.member_name,
        "job_role": case_row.job_role,
        "workplace": case_row.workplace,
        "email": case_row.member_email,
    }
    if kind == "subject_access":
        body = _render(
            "subject_access_request.txt",
            recipient=recipient,
            member=member,
            employee_number=employee_number,
            requested=requested,
        )
        return Letter(recipient, f"Subject access request: {case_row.member_name}", body)
    scottish = jurisdiction == SCOTLAND
    body = _render(
        "foi_request.txt",
        recipient=recipient,
        requested=requested,
        scottish=scottish,
        name=case_row.member_name,
        email=case_row.member_email,
    )
    act = "Freedom of Information (Scotland) Act 2002" if scottish else "Freedom of Information Act 2000"
    return Letter(recipient, f"{act} request", body)


def next_steps(kind: str, jurisdiction: str, request: Any, case_row: Any, due_on: dt.date, today: dt.date) -> dict:
    """What an overdue request offers next: the regulator, the letters in the order to send them,
    and the notes to read first. ``request``: the information_requests row."""
    facts = {
        "recipient": request.recipient,
        "sent_on": request.sent_on,
        "received_on": request.received_on,
        "extended_on": request.extended_on,
        "extension_reason": request.extension_reason,
        "due_on": due_on,
        "today": today,
        "name": case_row.member_name,
        "email": case_row.member_email,
        "letter_subject": request.letter_subject,
        "letter_body": request.letter_body,
    }
    if kind == "subject_access":
        return {
            "regulator": ICO,
            "letters": [
                Letter(
                    ICO["name"],
                    f"Complaint: {request.recipient} has not responded to my subject access request",
                    _render("subject_access_complaint.txt", **facts),
                    "complaint",
                ).to_json()
            ],
            "notes": [
                "The ICO expects you to have raised the delay with the organisation first: send it a short "
                "reminder and allow it a little time to reply before complaining.",
                f"Complain through the ICO's website ({ICO['url']}) and attach a copy of the request and any "
                "reply; the letter below has the facts the form asks for.",
            ],
        }
    if jurisdiction == SCOTLAND:
        return {
            "regulator": SIC,
            "letters": [
                Letter(
                    request.recipient,
                    "Requirement for review under section 20 of the Freedom of Information (Scotland) Act 2002",
                    _render("foisa_review.txt", **facts),
                    "review",
                ).to_json(),
                Letter(
                    SIC["name"],
                    f"Application for a decision: {request.recipient}",
                    _render("foisa_application.txt", **facts),
                    "complaint",
                ).to_json(),
            ],
            "notes": [
                "Under the Freedom of Information (Scotland) Act 2002 the authority must first be asked to review "
                "its failure to respond (section 20): send the requirement for review now, within 40 working days "
                "of the date the reply was due.",
                "The authority has 20 working days to answer the review (section 21). Only if it does not answer, "
                "or you are unhappy with the answer, send the application to the Scottish Information "
                f"Commissioner (section 47; {SIC['url']}), within six months.",
            ],
        }
    return {
        "regulator": ICO,
        "letters": [
            Letter(
                ICO["name"],
                f"Complaint: {request.recipient} has not responded to my Freedom of Information request",
                _render("foi_complaint.txt", **facts),
                "complaint",
            ).to_json()
        ],
        "notes": [
            "The ICO can consider a complaint that a public authority has not responded within 20 working days. "
            "It may first ask you to chase the authority, so a short reminder to it is worth sending too.",
            f"Complain through the ICO's website ({ICO['url']}) and attach a copy of the request.",
        ],
    }


# -- guidance ------------------------------------------------------------------------------------


class GuidanceSource(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    title: str = Field(min_length=1)
    url: HttpUrl


class GuidanceSection(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=r"^[a-z_]+$")
    title: str = Field(min_length=1)
    body: str = Field(min_length=1)
    sources: tuple[GuidanceSource, ...] = Field(min_length=1)  # every section is cited


class Guidance(BaseModel):
    """What subject access and FOI requests can obtain, their deadlines and how to complain."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    title: str
    notice: str
    sections: tuple[GuidanceSection, ...] = Field(min_length=1)


@cache
def guidance() -> dict[str, Any]:
    """The guidance document as the API serves it (validated once, when first asked for)."""
    raw = resources.files("casework_workflow").joinpath("guidance", "information_requests.json").read_text("utf-8")
    return Guidance.model_validate(json.loads(raw)).model_dump(mode="json")
