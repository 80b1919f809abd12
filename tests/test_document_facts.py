"""Document facts (services/ocr/casework_ocr/facts): dates, titles and kinds read from text and
metadata. Pure logic, no servers: the readers take strings and return a DocumentFacts message."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

import pytest
from labelled_documents import generate

from casework.v1 import events_pb2
from casework_ocr.facts import dates, read_facts

TODAY = dt.date(2026, 4, 1)
K = events_pb2


def facts(text: str, **kwargs: object) -> events_pb2.DocumentFacts:
    kwargs.setdefault("today", TODAY)
    return read_facts([text], kwargs.pop("metadata", {}), kwargs.pop("detected_type", "application/pdf"), **kwargs)


@pytest.mark.parametrize(
    ("written", "iso"),
    [
        ("3 March 2026", "2026-03-03"),
        ("3rd March 2026", "2026-03-03"),
        ("3rd of March, 2026", "2026-03-03"),
        ("Tuesday, 3 March 2026", "2026-03-03"),
        ("Tues 3 Mar 2026", "2026-03-03"),
        ("March 3, 2026", "2026-03-03"),
        ("03/03/2026", "2026-03-03"),
        ("3.3.26", "2026-03-03"),
        ("04/03/2026", "2026-03-04"),  # day first: 4 March, not 3 April
        ("12.11.2025", "2025-11-12"),
        ("2026-03-03", "2026-03-03"),
        ("3 Sept 2025", "2025-09-03"),
        ("31 January 2026", "2026-01-31"),
        ("30/04/2025", "2025-04-30"),
        ("28 February 2026", "2026-02-28"),
        ("3 Marcn 2026", "2026-03-03"),  # one OCR slip in the month
        ("14/07/98", "1998-07-14"),
    ],
)
def test_dates_as_people_write_them(written: str, iso: str) -> None:
    assert [f.value.isoformat() for f in dates.find_dates(written, TODAY)] == [iso]


@pytest.mark.parametrize(
    "written",
    ["31/02/2026", "31 April 2025", "29/02/2027", "30 February 2024", "13/13/2025", "1 March 1949", "12/12/2027",
     "10 March", "020 7946 0958", "Ref 12/34/5678", "version 1.2.3"],
)  # fmt: skip
def test_impossible_or_implausible_dates_are_rejected(written: str) -> None:
    assert dates.find_dates(written, TODAY) == []


def test_leap_day_is_valid_only_in_a_leap_year() -> None:
    later = dt.date(2027, 6, 1)
    assert [f.value for f in dates.find_dates("29/02/2028", later)] == [dt.date(2028, 2, 29)]
    assert dates.find_dates("29/02/2027", later) == []


LETTER = """Northgate Logistics Ltd
Unit 4, Brindley Park
Wakefield WF2 0XQ

{date}

Ms Zoë Clarke
12 Ashdown Road
Leeds LS6 2QT

Dear Ms Clarke,

{subject}

You are required to attend a disciplinary hearing on 10 March 2026 at 10am. You have the right to be
accompanied by a trade union representative or a work colleague.

Yours sincerely,
Sam Hughes
"""


def test_the_letter_date_wins_over_a_hearing_date_in_the_body() -> None:
    got = facts(LETTER.format(date="3 March 2026", subject="Re: Invitation to a disciplinary hearing"))
    assert (got.date, got.date_source) == ("2026-03-03", "text")


def test_a_body_date_alone_is_not_the_document_date() -> None:
    got = facts(LETTER.format(date="", subject=""), pdf_info={"CreationDate": "D:20260304101500Z"})
    assert (got.date, got.date_source) == ("2026-03-04", "pdf-metadata")


@pytest.mark.parametrize(
    ("text", "iso"),
    [
        ("Notes of investigation meeting\nDate of meeting: 12/02/2026\nPresent: AB, CD", "2026-02-12"),
        ("Witness statement\nName: Łukasz Nowak\nDate of birth: 4 May 1988\n1. I saw it.\nSigned\nDated 9 Feb 2026",
         "2026-02-09"),
        ("Payslip\nEmployee: Siobhán Ó Ceallaigh\nStart date: 01/09/2019\nPay date: 27/02/2026\nNet pay 1,800.00",
         "2026-02-27"),
        ("Dignity at Work Policy\nVersion 2.1\nNext review: 1 April 2027\nDate issued: 1 April 2024", "2024-04-01"),
    ],
)  # fmt: skip
def test_the_labelled_date_beats_other_dates(text: str, iso: str) -> None:
    assert facts(text).date == iso


def test_an_email_date_header_wins_over_its_text() -> None:
    body = "Hi Zoë,\n\nDate: 1 March 2026\nThe hearing is on 10 March 2026.\n\nOn 2 March 2026, Sam wrote:\n> ok"
    metadata = {"from": "Sam <sam@example.org>", "date": "Tue, 03 Mar 2026 18:05:00 +0000", "subject": "Hearing"}
    got = facts(body, metadata=metadata, detected_type="message/rfc822")
    assert (got.date, got.date_source) == ("2026-03-03", "email-header")
    assert (got.title, got.title_source) == ("Hearing", "subject")
    assert got.kind == K.DOCUMENT_KIND_EMAIL


def test_an_outlook_iso_date_header_is_read() -> None:
    got = facts("hello", metadata={"from": "a@b", "date": "2026-03-03 09:00:00+00:00"})
    assert (got.date, got.date_source) == ("2026-03-03", "email-header")


def test_an_unreadable_date_header_falls_back_to_the_text() -> None:
    got = facts("Date: 2 March 2026\nhello", metadata={"from": "a@b", "date": "sometime"})
    assert (got.date, got.date_source) == ("2026-03-02", "text")


@pytest.mark.parametrize(
    ("exif", "pdf", "expected"),
    [
        ("2026:03:03 12:00:00", None, ("2026-03-03", "exif")),
        ("2026:03:03 12:00:00", "D:20260101000000Z", ("2026-03-03", "exif")),
        ("0000:00:00 00:00:00", "D:20260101000000Z", ("2026-01-01", "pdf-metadata")),
        (None, "D:20260303120000+01'00'", ("2026-03-03", "pdf-metadata")),
        (None, "20260303", ("2026-03-03", "pdf-metadata")),
        (None, "D:2026", ("", "")),
        (None, "D:20260231120000Z", ("", "")),
        ("2031:01:01 00:00:00", None, ("", "")),
    ],
)
def test_exif_then_pdf_dates_when_the_text_has_none(exif: str | None, pdf: str | None, expected: tuple) -> None:
    got = facts("a photo of a noticeboard", exif_date=exif, pdf_info={"CreationDate": pdf} if pdf else None)
    assert (got.date, got.date_source) == expected


def test_the_text_date_wins_over_exif_and_pdf() -> None:
    got = facts("Date: 3 March 2026\nhello", exif_date="2026:03:20 10:00:00", pdf_info={"CreationDate": "D:20260321"})
    assert (got.date, got.date_source) == ("2026-03-03", "text")


@pytest.mark.parametrize(
    ("subject", "title", "source"),
    [
        ("Re: Invitation to a disciplinary hearing", "Invitation to a disciplinary hearing", "subject-line"),
        ("RE: SUSPENSION FROM WORK", "SUSPENSION FROM WORK", "subject-line"),
        ("Subject: Outcome of your grievance", "Outcome of your grievance", "subject-line"),
        ("Invitation to investigation meeting", "Invitation to investigation meeting", "heading"),
        ("", "", ""),  # a letter without a subject has no title, not the employer's name
    ],
)
def test_letter_titles(subject: str, title: str, source: str) -> None:
    got = facts(LETTER.format(date="3 March 2026", subject=subject))
    assert (got.title, got.title_source) == (title, source)


@pytest.mark.parametrize(
    ("text", "title"),
    [
        ("Calder Valley Council\nTown Hall\n\nNOTES OF GRIEVANCE MEETING\nDate: 2 March 2026",
         "NOTES OF GRIEVANCE MEETING"),
        ("Pennine Foods Group\n\nDignity at Work Policy\nVersion 3", "Dignity at Work Policy"),
        ("WITNESS STATEMENT\nName: Zoë Clarke", "WITNESS STATEMENT"),
    ],
)  # fmt: skip
def test_document_headings(text: str, title: str) -> None:
    got = facts(text)
    assert (got.title, got.title_source) == (title, "heading")


def test_a_long_subject_is_cut_at_a_word() -> None:
    got = facts("Dear Zoë,\nRe: " + "appeal against the final written warning " * 8)
    assert got.title_source == "subject-line"
    assert 60 < len(got.title) <= 121
    assert got.title.endswith("…") and got.title.startswith("appeal against the final written warning appeal")


KIND_SNIPPETS = [
    (K.DOCUMENT_KIND_INVITATION, "Re: Investigation meeting\nI invite you to attend an investigation meeting on "
     "Monday 9 March at 2pm. You may be accompanied by a trade union representative."),
    (K.DOCUMENT_KIND_INVITATION, "Notice of disciplinary hearing\nYou are required to attend a hearing which will "
     "take place on 12 March. Possible outcomes include dismissal."),
    (K.DOCUMENT_KIND_OUTCOME_LETTER, "Re: Outcome of disciplinary hearing\nThank you for attending. I have decided "
     "that you are summarily dismissed for gross misconduct. You have the right to appeal."),
    (K.DOCUMENT_KIND_OUTCOME_LETTER, "Grievance outcome\nHaving investigated your grievance, I have concluded that it "
     "is not upheld. You may appeal within 5 days."),
    (K.DOCUMENT_KIND_SUSPENSION_LETTER, "Re: Suspension\nI confirm you are suspended on full pay pending an "
     "investigation. Suspension is not a disciplinary sanction."),
    (K.DOCUMENT_KIND_SUSPENSION_LETTER, "With immediate effect you are relieved of your duties. You must not contact "
     "colleagues. Your pay and benefits continue as normal."),
    (K.DOCUMENT_KIND_WARNING, "Re: Final written warning\nThis warning will remain live for 12 months."),
    (K.DOCUMENT_KIND_WARNING, "Following the hearing I am issuing you with a first written warning, which will be "
     "kept on your personnel file for six months."),
    (K.DOCUMENT_KIND_MINUTES, "Minutes of disciplinary hearing\nPresent: JS (chair), AB, CD (note taker)\n"
     "JS: Opened the meeting.\nAB: Said she was not there.\nMeeting closed at 11:40."),
    (K.DOCUMENT_KIND_MINUTES, "Notes of investigation meeting\nIn attendance: Sam Hughes, Zoë Clarke\n"
     "SH: Asked about the written warning issued last year.\nZC: Said it had expired."),
    (K.DOCUMENT_KIND_WITNESS_STATEMENT, "Witness statement of Łukasz Nowak\n1. I make this statement about events "
     "on 2 March.\n2. I saw the manager shout.\nStatement of truth: I believe that the facts stated are true."),
    (K.DOCUMENT_KIND_WITNESS_STATEMENT, "STATEMENT\nName: Zoë Clarke\n1. I have worked here for 6 years.\n"
     "2. On 3 March I heard shouting.\nThis statement is true to the best of my knowledge."),
    (K.DOCUMENT_KIND_POLICY, "Disciplinary Policy and Procedure\n1. Purpose\n2. Scope\nThis policy applies to all "
     "employees.\nReview date: April 2027"),
    (K.DOCUMENT_KIND_POLICY, "Code of Conduct\nVersion 4.0\n1. Introduction\nThis document sets out the standards "
     "expected. Managers must apply it consistently."),
    (K.DOCUMENT_KIND_EMAIL, "From: Sam Hughes <sam@example.org>\nSent: 03 March 2026 10:15\nTo: Zoë Clarke\n"
     "Subject: Tomorrow\n\nHi Zoë, see you tomorrow."),
    (K.DOCUMENT_KIND_MEDICAL, "Statement of Fitness for Work\nI assessed your case on 3/3/26 and advise that you "
     "are not fit for work because of stress at work."),
    (K.DOCUMENT_KIND_MEDICAL, "Occupational Health Report\nReason for referral: sickness absence.\nOpinion: symptoms "
     "are improving with treatment. Recommend a phased return."),
    (K.DOCUMENT_KIND_PAY_RECORD, "PAYSLIP\nEmployee: Siobhán Ó Ceallaigh  NI number: QQ123456C  Tax code: 1257L\n"
     "Gross pay 2,100.00\nDeductions 350.00\nNet pay 1,750.00"),
    (K.DOCUMENT_KIND_PAY_RECORD, "Pay Advice\nPay date: 27/02/2026\nBasic pay 1,900.00\nIncome tax 120.00\n"
     "National Insurance 80.00"),
    (K.DOCUMENT_KIND_CONTRACT, "Contract of Employment\nJob title: Care Assistant\nPlace of work: Bristol\n"
     "Hours of work: 37.5\nNotice period: one month"),
    (K.DOCUMENT_KIND_CONTRACT, "Statement of main terms and conditions of employment between Pennine Foods Group "
     "(the Employer) and Zoë Clarke (the Employee). Holiday entitlement: 28 days."),
    (K.DOCUMENT_KIND_GRIEVANCE, "Dear Ms Hughes,\nFormal grievance\nI wish to raise a formal grievance about the "
     "bullying I have suffered from my supervisor."),
    (K.DOCUMENT_KIND_GRIEVANCE, "Dear Sir or Madam,\nPlease treat this letter as a formal grievance. I believe I am "
     "being singled out because I am a union member."),
    (K.DOCUMENT_KIND_APPEAL, "Dear Mr Patel,\nRe: Appeal against dismissal\nI wish to appeal against the decision "
     "to dismiss me. My grounds of appeal are set out below."),
    (K.DOCUMENT_KIND_APPEAL, "Dear Ms Hughes,\nI do not accept the final written warning and I am appealing. "
     "My appeal is on the grounds that the sanction was too harsh."),
    (K.DOCUMENT_KIND_OTHER, "Certificate of Completion\nManual Handling Level 2\nTrainer: J Smith"),
    (K.DOCUMENT_KIND_OTHER, "Taxi receipt\nFare £12.50\nThank you for travelling with us"),
]  # fmt: skip


@pytest.mark.parametrize(("kind", "text"), KIND_SNIPPETS)
def test_kinds(kind: int, text: str) -> None:
    got = facts(text)
    assert (K.DocumentKind.Name(got.kind), got.kind_source) == (K.DocumentKind.Name(kind), "classifier")
    assert 0.0 <= got.kind_confidence <= 1.0


def test_an_email_is_an_email_whatever_it_says() -> None:
    text = "I wish to raise a formal grievance about the bullying I have suffered."
    got = facts(text, metadata={"from": "zoe@example.net", "subject": "Grievance"}, detected_type="message/rfc822")
    assert got.kind == K.DOCUMENT_KIND_EMAIL


def test_confidence_is_higher_for_a_clear_document_than_a_mixed_one() -> None:
    clear = facts(KIND_SNIPPETS[6][1]).kind_confidence
    mixed = facts("Outcome: written warning. I have decided. You may appeal.").kind_confidence
    assert clear > mixed


def test_quality_on_a_generated_labelled_set() -> None:
    """Macro F1, date and title accuracy on 300 generated documents (seed 11, not the bench's 7),
    a quarter with OCR errors. Floors are below what the bench prints, so that a regression, not
    a template draw, fails it."""
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))
    from document_facts import evaluate

    result = evaluate(generate(300, seed=11))
    dates_right = sum(ok for ok, _ in result["dates"]) / len(result["dates"])
    titles_right = sum(ok for ok, _ in result["titles"]) / len(result["titles"])
    assert result["macro_f1"] >= 0.9, result["per_kind"]
    assert dates_right >= 0.9
    assert titles_right >= 0.85
