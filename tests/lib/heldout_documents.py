"""A held-out labelled set of UK workplace documents for the document-facts classifier.

Written apart from the classifier and from ``labelled_documents.py`` (whose rules and phrasings the
author of this module did not read), so that a score on it says how the rules carry over to wording
they were not tuned on. Each document is built from one of several templates per kind, in the
registers real senders use (formal HR, NHS, council, retail, a small firm, a member writing by
hand), with the distractor dates such documents carry (meeting, incident, birth, start of
employment, pay period, scan and photo dates) and about a fifth with OCR-like errors.

Labelling rules (the truth each document carries):

- kind: the ``DocumentKind`` name without its prefix. An email is EMAIL whatever it says (its form
  wins). The employer's decision on an appeal or grievance is an OUTCOME_LETTER; APPEAL and
  GRIEVANCE are the member's (or their rep's) own letters and forms. A letter that gives a warning
  is a WARNING even when headed "Outcome of disciplinary hearing".
- date: ISO ``YYYY-MM-DD``, the document's own date: a letter's date line, an email's sent date
  (its Date header, or the Sent/Date line of a printed email), a statement's signature date, the
  meeting date of minutes, a policy's issue/approval date, a fit note's statement date, a payslip's
  pay date, a contract's issue date, a certificate's award date, a rota's week-commencing date.
  Empty when the document has no date of its own (a leaflet, a membership card). Never the date a
  PDF was scanned or a photo taken.
- title: the subject line of a letter (its "Re:"/"Subject:" label removed) or of an email (the
  Subject header verbatim, "RE:"/"FW:" included); otherwise the main heading as printed (not
  "Private & Confidential", not the employer's name); empty when the document has neither (an
  informal note, a text-message thread). Titles are compared case-insensitively after whitespace
  normalisation; the truth is the clean title even on a noisy document.

    heldout_documents(count, seed) -> list[LabelledDocument]
"""

# ruff: noqa: E501 - the documents are written as they read, one paragraph a line

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable
from dataclasses import dataclass, field

from labelled_documents import Labelled

LabelledDocument = Labelled

# The day the set is "read" on (passed to read_facts as today): every document date is before it.
TODAY = dt.date(2026, 6, 1)

MONTHS = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
]
DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]

FIRST = [
    "Siobhán",
    "Zoë",
    "Łukasz",
    "Nguyễn Thị",
    "Oluwaseun",
    "Priya",
    "Mohammed",
    "Gareth",
    "Aoife",
    "Chloé",
    "Ewa",
    "José",
    "Krzysztof",
    "Fatima",
    "Kerry-Ann",
    "Seán",
    "Renée",
    "Ioana",
    "Ngozi",
    "Dave",
    "Sharon",
    "Callum",
    "Bethan",
    "Tendai",
    "Hamza",
    "Margaret",
    "Wayne",
    "Agnieszka",
    "Rhys",
    "Leanne",
]
LAST = [
    "Ní Bhriain",
    "Clarke",
    "Nowak",
    "Lan",
    "Adeyemi",
    "Patel",
    "Iqbal",
    "Llewellyn",
    "O'Sullivan",
    "Martin",
    "Wiśniewska",
    "García",
    "Wójcik",
    "Begum",
    "Brown",
    "Ó Murchú",
    "Dubois",
    "Popescu",
    "Okafor",
    "Thompson",
    "McAllister",
    "Hughes",
    "Moyo",
    "Khan",
    "Smith",
    "Ferguson",
    "Kowalczyk",
    "Pritchard",
    "Jones",
    "Walsh",
]


@dataclass
class Employer:
    name: str
    address: list[str]
    sector: str  # nhs, council, retail, small, corporate, care, logistics, school


EMPLOYERS = [
    Employer(
        "Northgate Hospitals NHS Foundation Trust",
        ["Workforce Directorate", "Northgate General Hospital", "Holloway Road", "Leeds LS7 4SA"],
        "nhs",
    ),
    Employer("Severn Valley Community NHS Trust", ["People Services", "Beacon House", "Worcester WR5 1DD"], "nhs"),
    Employer(
        "Kirkwood Metropolitan Borough Council", ["Civic Centre", "Market Street", "Kirkwood", "BL9 0EJ"], "council"
    ),
    Employer("Ashby District Council", ["Council Offices", "North Street", "Ashby", "LE65 1HU"], "council"),
    Employer(
        "Harlow & Finch Retail Ltd",
        ["Store 0417, Meadowhall Centre", "Sheffield S9 1EP", "Registered office: 2 Finch Way, Milton Keynes"],
        "retail",
    ),
    Employer("ValuMart Stores plc", ["Colleague Relations", "PO Box 4410", "Bristol BS1 9XX"], "retail"),
    Employer("Bryn Motors", ["Unit 4, Cwm Industrial Estate", "Pontypridd CF37 5UR", "Tel 01443 485 220"], "small"),
    Employer("The Copper Kettle Café Ltd", ["14 High Street", "Whitby YO21 3BH"], "small"),
    Employer(
        "Meridian Logistics UK Ltd",
        ["Distribution Centre 3", "Magna Park", "Lutterworth LE17 4XN"],
        "logistics",
    ),
    Employer("Sunnyside Care Homes Ltd", ["Sunnyside Lodge", "78 Park Avenue", "Swansea SA2 0PW"], "care"),
    Employer(
        "Castlebrook Academy Trust",
        ["Castlebrook High School", "Mill Lane", "Derby DE22 3BH"],
        "school",
    ),
    Employer(
        "Orbital Insurance Services Ltd",
        ["HR Shared Services", "1 Canal Square", "Manchester M1 3LD"],
        "corporate",
    ),
]

JOBS = [
    "Healthcare Assistant",
    "Customer Assistant",
    "Warehouse Operative",
    "Care Worker",
    "Refuse Collector",
    "Teaching Assistant",
    "Staff Nurse (Band 5)",
    "Mechanic",
    "Barista",
    "Claims Handler",
    "Library Assistant",
    "HGV Driver",
    "Domestic Assistant",
]
MANAGER_ROLES = [
    "Ward Manager",
    "Store Manager",
    "Shift Manager",
    "Operations Manager",
    "Head of Service",
    "Team Leader",
    "Deputy Manager",
    "Registered Manager",
    "Business Manager",
]
HR_ROLES = ["HR Advisor", "HR Business Partner", "People Advisor", "Senior HR Officer", "Employee Relations Adviser"]
STREETS = [
    "Acacia Avenue",
    "Mafeking Terrace",
    "Heol y Parc",
    "Kingsway",
    "Bramble Close",
    "Station Road",
    "Victoria Street",
    "Orchard Way",
]
TOWNS = [
    ("Leeds", "LS11 6QT"),
    ("Rotherham", "S65 2JP"),
    ("Cardiff", "CF24 3AA"),
    ("Bolton", "BL3 5HX"),
    ("Worcester", "WR4 9PG"),
    ("Derby", "DE23 8LQ"),
    ("Lutterworth", "LE17 4AB"),
]
ALLEGATIONS = [
    "that you used abusive language towards a colleague",
    "that you failed to follow the cash handling procedure",
    "that you were asleep while on duty",
    "that you falsified a timesheet",
    "that you took goods from the store without paying for them",
    "that you failed to record a resident's medication correctly",
    "that you drove a company vehicle in an unsafe manner",
    "that you accessed patient records without a legitimate reason",
]


# ---------------------------------------------------------------------------------------------
# Dates


def _ordinal(day: int) -> str:
    if 11 <= day % 100 <= 13:
        return f"{day}th"
    return f"{day}{ {1: 'st', 2: 'nd', 3: 'rd'}.get(day % 10, 'th') }"


def fmt(d: dt.date, style: str) -> str:
    """A date written the way UK documents write it (``style`` picks one of the common forms)."""
    mon = MONTHS[d.month - 1]
    return {
        "long": f"{d.day} {mon} {d.year}",
        "ord": f"{_ordinal(d.day)} {mon} {d.year}",
        "ordof": f"the {_ordinal(d.day)} of {mon} {d.year}",
        "slash": f"{d.day:02d}/{d.month:02d}/{d.year}",
        "slash_short": f"{d.day}/{d.month}/{d.year % 100:02d}",
        "dots2": f"{d.day:02d}.{d.month:02d}.{d.year % 100:02d}",
        "day_long": f"{DAYS[d.weekday()]} {d.day} {mon} {d.year}",
        "day_ord": f"{DAYS[d.weekday()]} {_ordinal(d.day)} {mon} {d.year}",
        "short_mon": f"{d.day:02d} {mon[:3]} {d.year}",
        "dash_mon": f"{d.day:02d}-{mon[:3]}-{d.year}",
        "iso": d.isoformat(),
        "us": f"{mon} {d.day}, {d.year}",
        "us_day": f"{DAYS[d.weekday()]}, {mon} {d.day}, {d.year}",
    }[style]


LETTER_STYLES = ["long", "long", "ord", "ordof", "slash", "dots2", "day_long", "short_mon", "dash_mon", "slash_short"]
BODY_STYLES = ["long", "ord", "day_long", "day_ord", "slash", "long"]


def _weekday_after(d: dt.date, days: int) -> dt.date:
    out = d + dt.timedelta(days=days)
    while out.weekday() >= 5:
        out += dt.timedelta(days=1)
    return out


def _rfc2822(d: dt.date, rng: random.Random) -> str:
    hour, minute, second = rng.randint(7, 18), rng.randint(0, 59), rng.randint(0, 59)
    return f"{DAYS[d.weekday()][:3]}, {d.day:02d} {MONTHS[d.month - 1][:3]} {d.year} {hour:02d}:{minute:02d}:{second:02d} +0000"


def _pdf_date(d: dt.date, rng: random.Random) -> str:
    return f"D:{d.year}{d.month:02d}{d.day:02d}{rng.randint(8, 17):02d}{rng.randint(0, 59):02d}00Z"


def _exif(d: dt.date, rng: random.Random) -> str:
    return (
        f"{d.year}:{d.month:02d}:{d.day:02d} {rng.randint(8, 21):02d}:{rng.randint(0, 59):02d}:{rng.randint(0, 59):02d}"
    )


# ---------------------------------------------------------------------------------------------
# One document's people and dates


class _Case:
    """The people, employer and dates one document is written around."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.first = rng.choice(FIRST)
        self.last = rng.choice(LAST)
        self.member = f"{self.first} {self.last}"
        self.salutation = rng.choice(["Mr", "Ms", "Mrs", "Miss", "Mx"])
        self.manager = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
        self.manager_role = rng.choice(MANAGER_ROLES)
        self.hr = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
        self.hr_role = rng.choice(HR_ROLES)
        self.witness = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
        self.rep = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
        self.employer = rng.choice(EMPLOYERS)
        self.job = rng.choice(JOBS)
        self.date = dt.date(2019, 1, 7) + dt.timedelta(days=rng.randint(0, (TODAY - dt.date(2019, 1, 7)).days - 10))
        if rng.random() < 0.9:  # letters and forms are mostly written on working days
            self.date = _weekday_after(self.date, 0)
        self.meeting = _weekday_after(self.date, rng.randint(5, 14))
        self.incident = self.date - dt.timedelta(days=rng.randint(3, 45))
        self.dob = dt.date(rng.randint(1962, 2003), rng.randint(1, 12), rng.randint(1, 28))
        self.started = dt.date(rng.randint(2005, self.date.year - 1), rng.randint(1, 12), rng.randint(1, 28))
        town, postcode = rng.choice(TOWNS)
        self.home = [f"{rng.randint(1, 140)} {rng.choice(STREETS)}", town, postcode]
        self.employee_no = f"{rng.randint(10000, 99999999)}"
        self.allegation = rng.choice(ALLEGATIONS)

    def d(self, date: dt.date, styles: list[str] | None = None) -> str:
        return fmt(date, self.rng.choice(styles or BODY_STYLES))

    def letterhead(self) -> str:
        e = self.employer
        lines = [e.name if self.rng.random() < 0.7 else e.name.upper(), *e.address]
        if self.rng.random() < 0.5 and not any(line.startswith("Tel") for line in lines):
            lines.append(f"Tel: 0{self.rng.randint(1100, 2099)} {self.rng.randint(100000, 999999)}")
        return "\n".join(lines)

    def addressee(self) -> str:
        name = f"{self.salutation} {self.member}" if self.rng.random() < 0.6 else self.member
        return "\n".join([name, *self.home])

    def ref(self) -> str:
        initials = "".join(p[0] for p in self.manager.split()[:2]).upper()
        return self.rng.choice(
            [
                f"Our ref: ER/{self.rng.randint(100, 9999)}/{initials}",
                f"Ref: {initials}/{self.last[:3].upper()}/{self.date.year % 100}",
                f"Employee No: {self.employee_no}",
                f"Case reference: DISC-{self.date.year}-{self.rng.randint(10, 999):03d}",
            ]
        )

    def dear(self) -> str:
        return self.rng.choice([f"Dear {self.first}", f"Dear {self.salutation} {self.last}", f"Dear {self.first},"])

    def signoff(self, name: str | None = None, role: str | None = None) -> str:
        name = name or self.manager
        role = role or self.manager_role
        return "\n".join(
            [
                self.rng.choice(["Yours sincerely", "Yours sincerely,", "Kind regards", "Yours faithfully"]),
                "",
                name,
                role,
                self.employer.name,
            ]
        )

    def date_line(self, styles: list[str] | None = None) -> str:
        text = fmt(self.date, self.rng.choice(styles or LETTER_STYLES))
        return self.rng.choice([text, text, f"Date: {text}", f"Dated: {text}"])

    def confidential(self) -> str:
        return self.rng.choice(["PRIVATE & CONFIDENTIAL", "Private and Confidential", "STRICTLY CONFIDENTIAL", ""])

    def subject(self, title: str) -> str:
        return self.rng.choice([f"Re: {title}", f"RE: {title.upper()}", title, title.upper(), f"Subject: {title}"])


@dataclass
class _Out:
    """What a template writes (the kind is the template's)."""

    pages: list[str]
    title: str
    date: str
    metadata: dict[str, str] = field(default_factory=dict)
    detected_type: str = "application/pdf"
    pdf_info: dict[str, str] | None = None
    exif_date: str | None = None


def _letter(
    c: _Case, title: str, body: str, *, date_first: bool | None = None, signer: tuple[str, str] | None = None
) -> str:
    """A letter: letterhead, reference, date and address in one of the usual orders, then the body."""
    rng = c.rng
    date_first = rng.random() < 0.5 if date_first is None else date_first
    head = [c.letterhead(), ""]
    conf = c.confidential()
    if date_first:
        head += [c.ref(), c.date_line(), "", c.addressee(), ""]
    else:
        head += [c.addressee(), "", c.ref(), c.date_line(), ""]
    if conf:
        head += [conf, ""]
    head += [c.dear(), "", c.subject(title), "", body.strip(), "", c.signoff(*(signer or (None, None)))]
    return "\n".join(head)


# ---------------------------------------------------------------------------------------------
# Templates, by kind. Each returns an _Out; the clean title and ISO date are the truth.


def inv_investigation(c: _Case) -> _Out:
    title = c.rng.choice(
        ["Invitation to Investigation Meeting", "Investigation Meeting", "Invitation to an investigatory interview"]
    )
    body = f"""I am writing to inform you that an investigation is being carried out into an allegation {c.allegation} on {c.d(c.incident)}.

You are required to attend an investigation meeting on {c.d(c.meeting)} at {c.rng.choice(["10.00am", "2pm", "11:30", "09:15"])} in {c.rng.choice(["Meeting Room 2", "the Training Room", "the Manager's office", "Seminar Room B, Education Centre"])}. The meeting will be conducted by {c.manager}, {c.manager_role}, with {c.hr} ({c.hr_role}) present to take notes.

This is not a disciplinary hearing; its purpose is to establish the facts. You may be accompanied by a trade union representative or a work colleague. If you or your companion cannot attend, please contact me to arrange an alternative date within five working days.

A copy of the Disciplinary Policy is enclosed."""
    return _Out([_letter(c, title, body)], title, c.date.isoformat())


def inv_hearing_nhs(c: _Case) -> _Out:
    title = "Invitation to a Formal Disciplinary Hearing"
    body = f"""Following the investigation undertaken by {c.witness}, I am writing to invite you to a formal disciplinary hearing under the Trust's Disciplinary Policy (HR-POL-012, version 6).

Date:    {c.d(c.meeting, ["day_long", "long", "slash"])}
Time:    {c.rng.choice(["09:30", "13:00", "14:30"])}
Venue:   {c.rng.choice(["Board Room, Trust HQ", "Room 4, Beacon House", "Microsoft Teams (link to follow)"])}

The hearing will consider the following allegation:
1. It is alleged {c.allegation} on or around {c.d(c.incident)}.

The panel will be chaired by {c.manager}, {c.manager_role}, supported by {c.hr}, {c.hr_role}. The management case will be presented by {c.witness}.

Please be aware that, if the allegation is upheld, a possible outcome could be your dismissal from the Trust's employment.

Enclosed is the investigation report and its appendices. You have the right to be accompanied by a representative of a recognised trade union or a work colleague. Please confirm your attendance and the name of your companion by {c.d(_weekday_after(c.date, 3))}."""
    return _Out(
        [_letter(c, title, body, date_first=True)],
        title,
        c.date.isoformat(),
        pdf_info={
            "Title": c.rng.choice(["Microsoft Word - Invite letter template v3.docx", ""]) or "Letter",
            "CreationDate": _pdf_date(c.date, c.rng),
        },
    )


def inv_capability_council(c: _Case) -> _Out:
    stage = c.rng.choice(["Stage 1", "Stage 2", "Stage 3"])
    title = f"Formal Capability Meeting – {stage}"
    body = f"""Further to our previous meetings regarding your performance in the role of {c.job}, and the improvement plan agreed on {c.d(c.incident)}, I am writing to invite you to a {stage} formal capability meeting in accordance with the Council's Capability Procedure.

The meeting will take place on {c.d(c.meeting)} at the Civic Centre, Committee Room 3.

At the meeting we will review the support you have received and whether your performance has reached the required standard. The outcome of the meeting may be the issue of a formal capability warning.

You have the right to be accompanied by a trade union representative or a work colleague. Should you require any reasonable adjustments to attend, please let me know."""
    return _Out([_letter(c, title, body)], title, c.date.isoformat())


def inv_absence_small(c: _Case) -> _Out:
    title = ""
    when = c.d(c.meeting, ["day_long", "long", "day_ord"])
    body = f"""Hi {c.first},

Hope you're keeping ok. As you know you've had {c.rng.randint(3, 6)} spells off sick since {c.d(c.incident, ["long", "ord"])} and I'd like to sit down with you to have a chat about it and see if there's anything we can do to help.

Can you come in on {when} at 3 o'clock? It'll just be me and {c.hr.split()[0]} from the office. You can bring someone with you if you want, a union rep or someone from work.

Give me a ring if that day's no good.

Cheers,
{c.manager.split()[0]}"""
    text = "\n".join(
        [
            c.employer.name,
            *c.employer.address[:2],
            "",
            fmt(c.date, c.rng.choice(["slash", "dots2", "long", "slash_short"])),
            "",
            body,
        ]
    )
    return _Out([text], title, c.date.isoformat())


def inv_absence_review(c: _Case) -> _Out:
    title = c.rng.choice(
        [
            "Invitation to Attendance Review Meeting",
            "Sickness Absence Review Meeting",
            "Long Term Sickness Absence – Welfare Meeting",
        ]
    )
    body = f"""I am writing to invite you to a meeting to discuss your sickness absence, in line with the Managing Attendance Policy. Our records show that you have been absent since {c.d(c.incident)}, most recently certified by a fit note dated {c.d(c.incident + dt.timedelta(days=14))}.

The meeting has been arranged for {c.d(c.meeting)} at {c.rng.choice(["11am", "2.00pm", "10:00"])}. If you are unable to travel, the meeting can take place at your home or by telephone.

The purpose of the meeting is to discuss your health and wellbeing, the likely duration of your absence, any support or adjustments that could help you return, and whether a referral to Occupational Health would be helpful.

You may be accompanied by a trade union representative or work colleague."""
    return _Out([_letter(c, title, body)], title, c.date.isoformat())


def inv_retail_notice(c: _Case) -> _Out:
    title = "Notification of Disciplinary Hearing"
    hearing = c.d(c.meeting, ["slash", "long", "day_long"])
    text = f"""{c.employer.name.upper()}
{title.upper()}

Colleague name: {c.member}                 Payroll no: {c.employee_no}
Store / Dept: {c.employer.address[0]}
Date of issue: {fmt(c.date, c.rng.choice(["slash", "short_mon", "dots2"]))}

You are required to attend a disciplinary hearing on {hearing} at {c.rng.choice(["10:00", "15:00", "16:30"])} in the store office.

The hearing will be to consider the following allegation(s) of misconduct:
- {c.allegation.removeprefix("that you ").capitalize()} on {c.d(c.incident, ["slash", "long"])}

This is being treated as potential gross misconduct and could result in your dismissal.

You have the right to be accompanied by a work colleague or trade union representative.

Hearing manager: {c.manager} ({c.manager_role})
Issued by: {c.witness}

Colleague signature: ________________   Date: ___________"""
    return _Out([text], title, c.date.isoformat())


def out_no_case(c: _Case) -> _Out:
    title = c.rng.choice(
        ["Outcome of Investigation", "Investigation Outcome", "Outcome of investigation – no case to answer"]
    )
    body = f"""I write further to the investigation meeting held on {c.d(c.incident + dt.timedelta(days=2))} into the allegation {c.allegation}.

Having considered the evidence gathered, including the statements of {c.witness} and yourself, I have concluded that there is no case to answer and the matter will not proceed to a disciplinary hearing. No record of this investigation will be held on your personnel file other than this letter.

I appreciate this has been a difficult time for you. Should you wish to access support, the Employee Assistance Programme is available on 0800 028 0199."""
    return _Out([_letter(c, title, body)], title, c.date.isoformat())


def out_dismissal_notice(c: _Case) -> _Out:
    title = c.rng.choice(
        [
            "Outcome of Final Capability Hearing",
            "Outcome of Stage 3 Sickness Absence Hearing",
            "Termination of Employment",
        ]
    )
    notice_weeks = c.rng.randint(4, 12)
    last_day = c.date + dt.timedelta(weeks=notice_weeks)
    body = f"""Thank you for attending the hearing on {c.d(c.date - dt.timedelta(days=c.rng.randint(1, 6)))}, accompanied by {c.rep} of UNISON. The hearing was held to consider your continuing absence from work since {c.d(c.incident)}.

Having carefully considered all the information, including the Occupational Health report and the representations made on your behalf, I have decided to terminate your employment on the grounds of capability (ill health). I am satisfied that all reasonable adjustments and redeployment options have been explored.

You are entitled to {notice_weeks} weeks' notice, and your last day of service will therefore be {c.d(last_day)}. You will be paid in lieu of notice and for any accrued but untaken annual leave.

You have the right to appeal against this decision. If you wish to do so, you should write to {c.hr}, {c.hr_role}, within 10 working days of receiving this letter, setting out your grounds of appeal."""
    return _Out([_letter(c, title, body)], title, c.date.isoformat())


def out_summary_dismissal(c: _Case) -> _Out:
    title = c.rng.choice(
        ["Outcome of Disciplinary Hearing – Summary Dismissal", "Summary Dismissal", "Disciplinary Hearing Outcome"]
    )
    body = f"""I write to confirm the outcome of the disciplinary hearing held on {c.d(c.date - dt.timedelta(days=1), ["day_long", "long", "slash"])}. Present at the hearing were myself, {c.hr} ({c.hr_role}), yourself and your representative, {c.rep}.

The allegation considered was {c.allegation} on {c.d(c.incident)}.

After careful consideration of the evidence and of what you and your representative said, I find the allegation proven. I consider your actions to amount to gross misconduct, which has fundamentally broken the trust and confidence the Company places in you. My decision is therefore to dismiss you summarily, without notice or pay in lieu of notice, with effect from {c.d(c.date, ["long", "ord"])}.

Your final salary, including any accrued holiday pay, will be paid on the next normal pay date and your P45 will be sent to your home address.

You have the right to appeal against this decision. Any appeal must be made in writing, stating your grounds, to {c.witness} within five working days of the date of this letter."""
    return _Out([_letter(c, title, body)], title, c.date.isoformat())


def out_appeal_outcome(c: _Case) -> _Out:
    title = c.rng.choice(["Outcome of Appeal Hearing", "Appeal Outcome", "Your appeal against dismissal – outcome"])
    body = f"""Thank you for attending your appeal hearing on {c.d(c.date - dt.timedelta(days=c.rng.randint(2, 7)))}. Your appeal was against the decision to {c.rng.choice(["dismiss you", "issue you with a final written warning"])}, communicated to you by letter dated {c.d(c.incident, ["long", "slash"])}.

You appealed on the grounds that the sanction was too severe and that the investigation did not take account of the statement from {c.witness}.

I have reviewed the original hearing notes and the new information you provided. {c.rng.choice(["I have decided to uphold your appeal; you will be reinstated with effect from your original date of dismissal with no loss of pay.", "I have decided not to uphold your appeal. The original decision stands.", "I have decided to partially uphold your appeal. The sanction is reduced to a first written warning, which will remain live for 12 months."])}

This decision is final and there is no further right of appeal under the internal procedure."""
    return _Out([_letter(c, title, body, signer=(c.witness, "Director of Operations"))], title, c.date.isoformat())


def out_grievance_outcome(c: _Case) -> _Out:
    title = c.rng.choice(["Grievance Outcome", "Outcome of your formal grievance", "Grievance Hearing Outcome"])
    body = f"""Further to the grievance meeting held on {c.d(c.date - dt.timedelta(days=c.rng.randint(3, 12)))}, I am now writing to confirm the outcome of your formal grievance dated {c.d(c.incident)}.

Your grievance raised three points:
1. That your line manager, {c.manager}, spoke to you in a demeaning way in front of colleagues.
2. That your request for flexible working was not properly considered.
3. That you were excluded from overtime.

Point 1: partially upheld. Point 2: upheld. Point 3: not upheld.

I recommend mediation between you and {c.manager.split()[0]}. If you are not satisfied with this outcome you may appeal within 7 calendar days."""
    return _Out([_letter(c, title, body, signer=(c.hr, c.hr_role))], title, c.date.isoformat())


def susp_formal(c: _Case) -> _Out:
    title = c.rng.choice(["Suspension from Work", "Confirmation of Suspension", "Precautionary Suspension"])
    body = f"""I write to confirm our conversation on {c.d(c.date, ["long", "day_long"])}, when I informed you that you are suspended from work with immediate effect, on full pay, pending an investigation into an allegation {c.allegation} on {c.d(c.incident)}.

Suspension is a neutral act. It is not a disciplinary sanction and does not imply that any decision has been made about the allegation.

While suspended you must not attend any of the Company's premises or contact any colleagues, customers or suppliers about the matter without my prior agreement. You must remain available for work during your normal working hours.

Your suspension will be reviewed on {c.d(c.date + dt.timedelta(days=14))}. Your named contact during the suspension is {c.hr}, {c.hr_role}."""
    return _Out([_letter(c, title, body)], title, c.date.isoformat())


def susp_nhs_exclusion(c: _Case) -> _Out:
    title = "Suspension from Duty"
    text = f"""{c.employer.name}
{c.employer.address[0]}

{c.confidential() or "CONFIDENTIAL"}
{c.addressee()}

{fmt(c.date, c.rng.choice(["ord", "long", "slash"]))}

{c.dear()}

{title.upper()}

I am writing to confirm the decision taken at our meeting today to suspend you from duty on full pay with effect from {c.rng.choice(["12:00", "today", "14:30 today"])}, in accordance with section 8 of the Trust's Disciplinary Policy.

The decision has been taken because of concerns raised on {c.d(c.incident)} regarding patient safety. It is alleged {c.allegation}.

You should not enter Trust premises except to attend an occupational health appointment or a meeting arranged under the policy, and you should not access Trust IT systems, including e-mail. You may contact {c.rep}, your union representative, and the staff support service.

Your suspension will be reviewed every 14 days; the first review will take place no later than {c.d(c.date + dt.timedelta(days=14))}.

Yours sincerely

{c.manager}
{c.manager_role}

cc: Personal file; {c.hr}, {c.hr_role}"""
    return _Out([text], title, c.date.isoformat())


def susp_small(c: _Case) -> _Out:
    title = ""
    text = f"""{c.employer.name}
{c.employer.address[-1]}

{fmt(c.date, c.rng.choice(["slash", "dots2", "slash_short", "long"]))}

{c.first},

Just putting in writing what I told you this morning. You're suspended on full pay while we look into what happened with the {c.rng.choice(["till", "van", "stock room", "keys"])} on {c.d(c.incident, ["day_long", "long"])}. Don't come into work till you hear from me and don't talk to the others about it.

I'll be in touch next week to arrange a meeting.

{c.manager.split()[0]}
Owner"""
    return _Out([text], title, c.date.isoformat())


def susp_extension(c: _Case) -> _Out:
    title = c.rng.choice(["Review of Suspension", "Continuation of Suspension"])
    body = f"""Your suspension, which began on {c.d(c.incident)}, was reviewed on {c.d(c.date, ["long", "day_long"])}. The investigation into the allegation {c.allegation} is not yet complete as two witnesses have been unavailable.

I have therefore decided that your suspension should continue on full pay. The next review will take place on {c.d(c.date + dt.timedelta(days=21))}, and I will write to you again then.

I would remind you that the terms of your suspension, as set out in my letter of {c.d(c.incident, ["long", "slash"])}, continue to apply. If you have any concerns about your wellbeing, please contact Occupational Health on extension 4462."""
    return _Out([_letter(c, title, body)], title, c.date.isoformat())


def warn_first(c: _Case) -> _Out:
    level = c.rng.choice(["First Written Warning", "Written Warning", "Final Written Warning"])
    title = c.rng.choice([level, f"{level} – Conduct", f"Disciplinary Action: {level}"])
    months = c.rng.choice([6, 12, 18])
    body = f"""Following the disciplinary hearing on {c.d(c.date - dt.timedelta(days=c.rng.randint(1, 5)))}, I write to confirm that you are being issued with a {level.lower()}.

The reason for this warning is that you were found to have {c.allegation.removeprefix("that you ")} on {c.d(c.incident)}, in breach of the standards expected of you.

The improvement required is that you follow all procedures correctly from now on. This warning will be placed on your personnel file and will remain live for {months} months from the date of this letter. Any further misconduct during this period may result in further disciplinary action, {"which may include dismissal" if level.startswith("Final") else "which may include a final written warning"}.

You have the right of appeal against this decision. Should you wish to appeal, please write to {c.hr} within 5 working days, stating the grounds."""
    return _Out([_letter(c, title, body)], title, c.date.isoformat())


def warn_outcome_heading(c: _Case) -> _Out:
    title = "Outcome of Disciplinary Hearing"
    body = f"""Thank you for attending the disciplinary hearing on {c.d(c.date - dt.timedelta(days=2), ["day_long", "long"])} with your representative {c.rep}.

Having listened to your explanation and considered the evidence, I find the allegation {c.allegation} proven. However, I have taken into account your length of service since {c.d(c.started, ["long", "slash"])} and your previously clean record.

My decision is to issue you with a first written warning, which will remain on your file for twelve months. I would like to make clear that a repeat of this conduct is likely to lead to a final written warning.

You have the right to appeal against this decision within 10 working days."""
    return _Out([_letter(c, title, body)], title, c.date.isoformat())


def warn_attendance_form(c: _Case) -> _Out:
    stage = c.rng.choice(["Stage 1", "Stage 2"])
    title = f"Attendance Warning – {stage}"
    text = f"""{c.employer.name}
{title.upper()}

Employee: {c.member}        Employee no: {c.employee_no}
Job title: {c.job}
Date of birth: {fmt(c.dob, "slash")}
Manager: {c.manager}

Trigger reached: {c.rng.randint(3, 5)} episodes / {c.rng.randint(8, 20)} days in rolling 12 months
Absences considered: {c.d(c.incident, ["slash"])} to {c.d(c.incident + dt.timedelta(days=3), ["slash"])}; {c.d(c.incident - dt.timedelta(days=70), ["slash"])}

Outcome of attendance review meeting held on {fmt(c.date, "slash")}: a {stage} warning is issued. The review period is 6 months, ending {fmt(c.date + dt.timedelta(days=182), "slash")}. During this period your attendance is expected to improve to below the trigger point.

Signed (manager): {c.manager}   Date: {fmt(c.date, "slash")}
Signed (employee): ________________"""
    return _Out([text], title, c.date.isoformat())


def warn_small(c: _Case) -> _Out:
    title = c.rng.choice(["Written warning", "WARNING LETTER"])
    text = f"""{c.employer.name}
{c.employer.address[0]}

{c.member}
{fmt(c.date, c.rng.choice(["long", "slash", "dots2"]))}

{title}

{c.first}, this is a written warning for {c.rng.choice(["being late", "turning up late", "lateness"])} on {c.d(c.incident, ["slash_short", "long"])}, {c.d(c.incident + dt.timedelta(days=6), ["slash_short", "long"])} and again last Friday. We talked about this before and I told you then it would be a written warning if it happened again.

If it happens again you may lose your job.

This warning stays on file for 6 months.

Signed {c.manager}  (Manager)
Signed ______________ (employee)"""
    return _Out([text], title, c.date.isoformat())


def warn_verbal_confirm(c: _Case) -> _Out:
    title = "Confirmation of Verbal Warning"
    body = f"""I write to confirm the verbal warning given to you at our meeting on {c.d(c.date, ["long", "day_long"])}, in respect of your failure to follow the reporting procedure when absent on {c.d(c.incident)}.

A verbal warning is the first formal stage of the disciplinary procedure. A note of it will be kept on your file for six months, after which it will be disregarded for disciplinary purposes, provided there is no further cause for concern.

You have the right to appeal against this warning."""
    return _Out([_letter(c, title, body)], title, c.date.isoformat())


def min_investigation_qa(c: _Case) -> _Out:
    title = c.rng.choice(
        ["Investigation Meeting Notes", "Notes of Investigation Interview", "Investigatory Interview – Record"]
    )
    initials = {n: "".join(p[0] for p in n.split()[:2]).upper() for n in (c.manager, c.member, c.rep, c.hr)}
    text = f"""{c.confidential() or "CONFIDENTIAL"}
{title}

Date: {c.d(c.date, ["long", "slash", "day_long", "dots2"])}
Time: {c.rng.choice(["10:05", "14:00", "11.30am"])}
Location: {c.rng.choice(["Meeting Room 1", "Ward 12 seminar room", "Teams"])}

Present:
{c.manager} ({initials[c.manager]}) – Investigating Officer
{c.hr} ({initials[c.hr]}) – Note taker
{c.member} ({initials[c.member]}) – Employee
{c.rep} ({initials[c.rep]}) – {c.rng.choice(["UNISON", "GMB", "Unite", "USDAW"])} representative

{initials[c.manager]} explained the purpose of the meeting and that notes would be taken and shared.

Q: Can you tell me what happened on {c.d(c.incident, ["long", "day_long"])}?
A: I started my shift at 7. It was really busy, we were two staff short.
Q: Were you aware of the procedure?
A: Yes but nobody had shown me the new version since {c.d(c.incident - dt.timedelta(days=90), ["long"])}.
{initials[c.rep]}: The member has asked for training on this twice.
Q: Is there anything else you would like to add?
A: No.

Meeting closed at {c.rng.choice(["10:48", "14:35", "12:10"])}.

Signed as a true record: ____________ Date: ________"""
    return _Out([text], title, c.date.isoformat())


def min_hearing(c: _Case) -> _Out:
    title = c.rng.choice(
        ["Disciplinary Hearing – Minutes", "Minutes of Disciplinary Hearing", "Notes of Disciplinary Hearing"]
    )
    text = f"""{c.employer.name}
{title}
held on {c.d(c.date, ["day_long", "day_ord", "long"])} at {c.employer.address[0]}

In attendance:
{c.manager}, {c.manager_role} (Chair)
{c.hr}, {c.hr_role} (HR support)
{c.witness} (Presenting the management case)
{c.member}, {c.job}
{c.rep}, Trade Union Representative

Apologies: none

1. Introductions
The Chair opened the hearing and confirmed that {c.first} had received the invitation letter dated {c.d(c.date - dt.timedelta(days=10), ["long", "slash"])} and the investigation pack.

2. Management case
{c.witness.split()[0]} summarised the investigation. The incident took place on {c.d(c.incident)}.

3. Employee's case
{c.rep.split()[0]} stated that the member has an unblemished record since {c.d(c.started, ["long", "slash"])} and raised mitigation.

4. Adjournment
The hearing adjourned at 11:40 and reconvened at 12:15. The Chair said the outcome would be confirmed in writing within 5 working days."""
    return _Out([text], title, c.date.isoformat())


def min_absence_review(c: _Case) -> _Out:
    title = c.rng.choice(
        ["Record of Attendance Review Meeting", "Sickness Absence Meeting Notes", "Welfare meeting notes"]
    )
    text = f"""{title.upper()}

Employee name | {c.member}
Manager | {c.manager}
Date of meeting | {fmt(c.date, c.rng.choice(["slash", "long", "short_mon"]))}
Others present | {c.rep} (union rep), {c.hr} (HR)
Date absence started | {fmt(c.incident, "slash")}
Fit note expires | {fmt(c.date + dt.timedelta(days=c.rng.randint(5, 28)), "slash")}

Discussion
- {c.first} reported that {c.rng.choice(["her back is improving with physio", "he is waiting for an operation date", "the stress has been made worse by the workload", "the new medication is helping"])}.
- OH referral agreed, to be sent by {c.hr.split()[0]}.
- Phased return discussed: 50% hours for 2 weeks then review.
- Next meeting provisionally {fmt(c.date + dt.timedelta(days=28), "slash")}.

Actions
1. OH referral – {c.hr.split()[0]} – {fmt(c.date + dt.timedelta(days=5), "slash")}
2. Stress risk assessment – {c.manager.split()[0]}"""
    return _Out([text], title, c.date.isoformat())


def min_grievance_meeting(c: _Case) -> _Out:
    title = c.rng.choice(["Grievance Meeting", "Notes of grievance hearing", "Grievance Hearing Notes"])
    text = f"""{title}
{c.member} – {c.job}

Date: {fmt(c.date, c.rng.choice(["dots2", "slash", "ord", "long"]))}    Time: 13:00 – 14:20
Chair: {c.manager}
Notetaker: {c.hr}
Also present: {c.member}; {c.rep} ({c.rng.choice(["Unite", "GMB", "UNISON", "NEU"])})

{c.manager.split()[0]} thanked everyone for attending and confirmed the grievance letter received on {c.d(c.incident, ["long", "slash"])}.
{c.first} went through each point of the grievance. Said the comments were made on the shop floor on {c.d(c.incident - dt.timedelta(days=4))} in front of customers.
{c.rep.split()[0]} asked for the CCTV to be kept.
{c.manager.split()[0]} will interview the two colleagues named and respond in writing.

Notes agreed as accurate: ______ (employee)  ______ (chair)"""
    return _Out([text], title, c.date.isoformat())


def min_informal(c: _Case) -> _Out:
    # The first line is the note's own heading, date and all.
    title = f"Notes – mtg with {c.manager.split()[0]} {fmt(c.date, c.rng.choice(['slash_short', 'dots2']))}"
    text = f"""{title}

me, {c.manager.split()[0]}, {c.rep.split()[0]} (rep)
- said rota change from {c.d(c.date + dt.timedelta(days=30), ["long"])} not negotiable
- {c.rep.split()[0]} asked why no consultation
- {c.manager.split()[0]} said "head office decision"
- asked for it in writing - said would email by Fri
- mentioned my sick days in Jan, not on agenda??

next: speak to branch sec"""
    return _Out(
        [text],
        title,
        c.date.isoformat(),
        detected_type="image/jpeg",
        exif_date=_exif(c.date + dt.timedelta(days=c.rng.randint(0, 3)), c.rng),
    )


def ws_formal(c: _Case) -> _Out:
    title = c.rng.choice(["Witness Statement", "WITNESS STATEMENT", "Statement of Witness"])
    sign = c.date
    text = f"""{title}

Name: {c.witness}
Job title: {c.rng.choice(JOBS)}
Department: {c.rng.choice(["Ward 7", "Checkouts", "Goods In", "Day Services", "Claims", "Maintenance"])}
Date of birth: {fmt(c.dob, "slash")}
Date of incident: {fmt(c.incident, c.rng.choice(["slash", "long"]))}

I, {c.witness}, make this statement in connection with the investigation concerning {c.member}.

On {c.d(c.incident, ["day_long", "long"])} I was working the {c.rng.choice(["early", "late", "night"])} shift. At about {c.rng.choice(["7.45am", "half past two", "23:10"])} I heard raised voices from the staff room. When I went in I saw {c.first} standing by the door. {c.first} seemed upset and said "I've had enough of this". I did not see what happened before I came in.

I have worked with {c.first} since {c.started.year} and have never had any concerns.

This statement is true to the best of my knowledge and belief.

Signed: {c.witness}
Date: {fmt(sign, c.rng.choice(["slash", "long", "dots2", "slash_short"]))}"""
    return _Out([text], title, sign.isoformat())


def ws_form(c: _Case) -> _Out:
    title = c.rng.choice(["Investigation Witness Statement Form", "Statement Form"])
    text = f"""{c.employer.name}
{title}

Section A – Details
Full name ........ {c.witness}
Employee number .. {c.rng.randint(10000, 99999)}
Date statement taken: {fmt(c.date, "slash")}
Statement taken by: {c.manager}

Section B – Account
Please describe in your own words what you saw or heard, including dates, times and who was present.

On the {fmt(c.incident, "ord")} I was on tills with {c.first}. A customer came to the kiosk to complain. {c.first} called the supervisor and then the customer started shouting. I did not hear {c.first} swear at all.

Section C – Declaration
I confirm that this statement is true. I understand that it may be shown to the employee concerned.

Signature: {c.witness}      Date: {fmt(c.date, c.rng.choice(["slash", "dots2"]))}"""
    return _Out([text], title, c.date.isoformat())


def ws_informal(c: _Case) -> _Out:
    title = ""
    text = f"""To whom it may concern,

I am writing about what happened on {c.d(c.incident, ["day_long", "ord", "long"])} at work. I was in the corridor when {c.manager.split()[0]} came out of the office and shouted at {c.first} in front of everyone, saying she was "useless" and "should go back where she came from". {c.first} was crying afterwards and went home.

I have seen {c.manager.split()[0]} speak to {c.first} like this before, around {MONTHS[(c.incident.month - 3) % 12]}.

I am happy to speak to anyone about this.

{c.witness}
{fmt(c.date, c.rng.choice(["long", "slash", "dots2", "ordof"]))}"""
    return _Out(
        [text],
        title,
        c.date.isoformat(),
        detected_type=c.rng.choice(["application/pdf", "image/jpeg"]),
        exif_date=_exif(c.date + dt.timedelta(days=2), c.rng) if c.rng.random() < 0.5 else None,
    )


def ws_member_account(c: _Case) -> _Out:
    title = c.rng.choice(["My account of events", "Statement of " + c.member, "Personal Statement"])
    text = f"""{title}

I started working for {c.employer.name} on {c.d(c.started, ["long", "ord"])} as a {c.job}.

1. On {c.d(c.incident, ["long", "ordof"])} my manager {c.manager} asked me to stay behind after my shift.
2. I told him I could not because I had to collect my son from nursery.
3. On {c.d(c.incident + dt.timedelta(days=2), ["long", "ordof"])} I was told I was being investigated for refusing a reasonable instruction.
4. I believe I am being treated differently because I raised a complaint about the rota in {MONTHS[(c.incident.month - 2) % 12]}.

I believe that the facts stated in this statement are true.

Signed  {c.member}
Dated the {fmt(c.date, "ordof").removeprefix("the ")}"""
    return _Out([text], title, c.date.isoformat())


def ws_nhs(c: _Case) -> _Out:
    title = "Statement for Investigation"
    text = f"""{c.employer.name}
{title}
Investigation reference: {c.rng.randint(1000, 9999)}/{c.incident.year}

Name of person making statement: {c.witness}
Role and band: Staff Nurse, Band 5
Ward/Department: {c.rng.choice(["Ward 21 (Respiratory)", "Emergency Department", "Theatres"])}

Account of events (use first person, include times)
I was the nurse in charge on the night of {fmt(c.incident, "slash")} into {fmt(c.incident + dt.timedelta(days=1), "slash")}. At approximately 02:30 I was asked by {c.first} to check a controlled drug. The CD book had already been signed. I raised this with {c.first} who said she had signed in advance to save time.

I completed a Datix (ref W{c.rng.randint(100000, 999999)}) on {fmt(c.incident + dt.timedelta(days=1), "slash")}.

Signature ............ {c.witness}
Date {fmt(c.date, c.rng.choice(["slash", "short_mon"]))}"""
    return _Out([text], title, c.date.isoformat())


def _version_table(c: _Case, issue: dt.date) -> str:
    prev = issue - dt.timedelta(days=c.rng.randint(400, 1100))
    review = issue.replace(year=issue.year + c.rng.choice([2, 3]))
    return f"""Version: {c.rng.choice(["3.0", "4.1", "2"])}
Approved by: {c.rng.choice(["Joint Negotiating Committee", "People Committee", "Directors", "Cabinet Member for Resources"])}
Date approved: {fmt(issue, c.rng.choice(["slash", "long", "short_mon"]))}
Review date: {fmt(review, c.rng.choice(["slash", "long", "short_mon"]))}
Supersedes: version dated {fmt(prev, "slash")}"""


def pol_disciplinary(c: _Case) -> _Out:
    title = c.rng.choice(
        ["Disciplinary Policy and Procedure", "Disciplinary Procedure", "Conduct and Disciplinary Policy"]
    )
    text = f"""{c.employer.name}
{title}

{_version_table(c, c.date)}

1. Purpose and scope
1.1 This policy sets out the standards of conduct expected of all employees and the procedure to be followed when those standards are not met. It applies to all employees except those in their probationary period.

2. Principles
2.1 No disciplinary action will be taken until the case has been fully investigated.
2.2 Employees have the right to be accompanied at any formal meeting by a trade union representative or work colleague.
2.3 No employee will be dismissed for a first breach of discipline except in the case of gross misconduct.

3. Informal action
Minor conduct issues will normally be dealt with informally."""
    return _Out(
        [text, "4. Formal procedure\n4.1 Investigation ...\n5. Appeals\n"],
        title,
        c.date.isoformat(),
        pdf_info={"Title": title, "Author": c.hr, "CreationDate": _pdf_date(c.date - dt.timedelta(days=20), c.rng)},
    )


def pol_attendance(c: _Case) -> _Out:
    title = c.rng.choice(["Managing Attendance Policy", "Sickness Absence Policy", "Attendance Management Procedure"])
    text = f"""{title.upper()}
{c.employer.name}

Policy owner: {c.hr_role}
Effective from: {fmt(c.date, c.rng.choice(["long", "slash", "ord"]))}
Equality impact assessed: {fmt(c.date - dt.timedelta(days=40), "slash")}

Contents
1 Introduction .................... 2
2 Reporting absence ............... 3
3 Trigger points .................. 4
4 Long-term absence ............... 6

1 Introduction
The organisation recognises that employees will sometimes be unable to attend work through ill health. This policy aims to support employees to achieve good attendance.

3 Trigger points
A formal review will be considered where an employee has 3 episodes or 10 working days of absence in a rolling 12-month period."""
    return _Out([text], title, c.date.isoformat())


def pol_bullying(c: _Case) -> _Out:
    title = c.rng.choice(
        ["Bullying and Harassment Policy", "Dignity at Work Policy", "Preventing Bullying and Harassment at Work"]
    )
    text = f"""{title}

Document control
Reference | HR/POL/{c.rng.randint(10, 40)}
Status | Final
Issued | {fmt(c.date, c.rng.choice(["short_mon", "slash", "long"]))}
Next review | {fmt(c.date.replace(year=c.date.year + 3), "short_mon")}

Our commitment
We are committed to providing a working environment in which everyone is treated with dignity and respect. Bullying, harassment and victimisation will not be tolerated and may be treated as gross misconduct.

What is harassment?
Harassment is unwanted conduct related to a relevant protected characteristic (as defined in the Equality Act 2010) which has the purpose or effect of violating a person's dignity."""
    return _Out([text], title, c.date.isoformat())


def pol_handbook(c: _Case) -> _Out:
    title = c.rng.choice(["Staff Handbook", "Employee Handbook"])
    text = f"""{c.employer.name}
{title}
Last updated {MONTHS[c.date.month - 1]} {c.date.year}

Section 7 – Disciplinary rules

We try to keep things informal where we can. If there is a problem with your work or behaviour your manager will talk to you about it first.

Examples of gross misconduct include theft, fighting, being under the influence of alcohol or drugs at work, and serious breaches of health and safety.

If we need to take formal action we will write to you and invite you to a meeting. You can bring a colleague or a union rep.

Section 8 – Holidays
The holiday year runs from 1 April to 31 March."""
    # The handbook gives a month, not a day: its date is the first of that month.
    return _Out([text], title, c.date.replace(day=1).isoformat())


def pol_capability(c: _Case) -> _Out:
    title = "Capability Procedure (Non-Teaching Staff)"
    text = f"""{c.employer.name.upper()}
{title.upper()}

Adopted by the Board of Trustees on {c.d(c.date, ["long", "ord", "slash"])}.
This procedure was the subject of consultation with the recognised trade unions (GMB, UNISON, Unite) between {fmt(c.date - dt.timedelta(days=60), "long")} and {fmt(c.date - dt.timedelta(days=20), "long")}.

1. Introduction
This procedure applies where an employee's performance falls below the standard required and the cause is a lack of skill or ability rather than misconduct.

2. Informal stage
The line manager will meet the employee, identify the concerns and agree a support plan."""
    return _Out([text], title, c.date.isoformat())


def _email_body_invite(c: _Case) -> str:
    return f"""Hi {c.first},

Just to confirm we've moved your return to work meeting to {c.d(c.meeting, ["day_long", "long"])} at 10am, as {c.hr.split()[0]} is on leave on the original date.

Let me know if that's a problem.

Thanks
{c.manager.split()[0]}

{c.manager}
{c.manager_role} | {c.employer.name}
This email and any attachments are confidential and intended solely for the addressee."""


def email_eml(c: _Case) -> _Out:
    subject = c.rng.choice(
        [
            "Return to work meeting",
            "RE: Return to work meeting",
            "Rota for next month",
            "Your shifts",
            "Meeting tomorrow",
            "FW: Overtime allocation",
        ]
    )
    domain = c.employer.name.split()[0].lower().replace("&", "") + ".co.uk"
    meta = {
        "from": f"{c.manager} <{c.manager.split()[0].lower()}@{domain}>",
        "to": f"{c.member} <{c.last.lower().replace(' ', '').replace(chr(39), '')}{c.rng.randint(1, 99)}@gmail.com>",
        "date": _rfc2822(c.date, c.rng),
        "subject": subject,
    }
    body = _email_body_invite(c)
    if subject.startswith("RE:"):
        body += f"\n\n-----Original Message-----\nFrom: {c.member}\nSent: {fmt(c.date - dt.timedelta(days=2), 'day_long')} 18:02\nSubject: Return to work meeting\n\nHi, can we do another day? Thanks"
    return _Out([body], subject, c.date.isoformat(), metadata=meta, detected_type="message/rfc822")


def email_msg(c: _Case) -> _Out:
    subject = c.rng.choice(
        [
            "Concerns about conduct",
            "Informal chat",
            "Update on your grievance",
            "Disciplinary - outcome letter attached",
        ]
    )
    hour = c.rng.randint(8, 17)
    meta = {
        "from": f"{c.hr} <{c.hr.split()[0].lower()}.hr@{c.employer.sector}.example.org.uk>",
        "to": f"{c.member}",
        "cc": c.manager,
        "date": f"{c.date.isoformat()} {hour:02d}:{c.rng.randint(10, 59)}:00+00:00",
        "subject": subject,
    }
    body = f"""Dear {c.first}

Please find attached a letter dated {c.d(c.date - dt.timedelta(days=1), ["long", "slash"])} regarding the matters discussed at the meeting on {c.d(c.incident, ["long"])}.

If you have any questions please do not hesitate to contact me.

Kind regards

{c.hr}
{c.hr_role}"""
    return _Out([body], subject, c.date.isoformat(), metadata=meta, detected_type="application/vnd.ms-outlook")


def email_printed_outlook(c: _Case) -> _Out:
    subject = c.rng.choice(["RE: Annual leave request", "Shift swap", "Re: incident on Saturday", "Sickness reporting"])
    sent = f"{fmt(c.date, 'day_long')} {c.rng.randint(8, 11)}:{c.rng.randint(10, 59)}"
    text = f"""{c.manager}
From:    {c.manager} <{c.manager.split()[0].lower()}@work.example.co.uk>
Sent:    {sent}
To:      {c.member}
Cc:      {c.hr}
Subject: {subject}

{c.first},

I have had a look at the request. Unfortunately we can't approve leave for {c.d(c.meeting, ["long", "ord"])} as we already have two people off. You could ask {c.witness.split()[0]} if she will swap.

{c.manager.split()[0]}

________________________________
From: {c.member}
Sent: {fmt(c.date - dt.timedelta(days=1), "day_long")} 21:40
To: {c.manager}
Subject: Annual leave request

Hi can I book the {fmt(c.meeting, "ord")} off please? It's my daughter's graduation."""
    return _Out([text], subject, c.date.isoformat())


def email_printed_gmail(c: _Case) -> _Out:
    subject = c.rng.choice(["Hours cut", "Fwd: New contract", "What happened today", "re: sick pay"])
    address = f"{c.first.split()[0].lower()}.{c.rng.randint(70, 99)}@gmail.com"
    when = f"{DAYS[c.date.weekday()][:3]}, {c.date.day} {MONTHS[c.date.month - 1][:3]} {c.date.year}, {c.rng.randint(8, 11)}:{c.rng.randint(10, 59)}"
    text = f"""{fmt(TODAY - dt.timedelta(days=c.rng.randint(1, 20)), "slash")}, 14:22          Gmail - {subject}

Gmail                                                    {c.member} <{address}>

{subject}
1 message

{c.member} <{address}>                     {when}
To: branch.secretary@{c.rng.choice(["unison", "unite", "gmb"])}.example.org

Hi {c.rep.split()[0]},

They've cut my hours again from 30 to 16 starting {c.d(c.meeting, ["long", "day_long"])}. Nobody asked me. I've been here since {c.started.year}. Is this allowed?

Thanks
{c.first}

https://mail.google.com/mail/u/0/?ik=3f2a&view=pt&search=all            1/1"""
    return _Out([text], subject, c.date.isoformat())


def email_us(c: _Case) -> _Out:
    subject = c.rng.choice(["Follow up – site visit", "Re: Your data subject access request", "Policy update"])
    sent = fmt(c.date, "us_day") + f" {c.rng.randint(1, 5)}:{c.rng.randint(10, 59)} PM"
    text = f"""From: Dana Whitfield <dana.whitfield@{c.rng.choice(["orbitalgroup", "meridian-global"])}.com>
Sent: {sent}
To: {c.member}
Subject: {subject}

Hi {c.first},

Thanks for your time on the call. As discussed, the revised policy will go live on {fmt(c.meeting, "us")} and the UK team will circulate it ahead of that.

Best,
Dana
Global HR Operations | Chicago, IL"""
    return _Out([text], subject, c.date.isoformat())


def med_fit_note(c: _Case) -> _Out:
    title = c.rng.choice(
        ["Statement of Fitness for Work", "Statement of Fitness for Work for social security or statutory sick pay"]
    )
    title_line = title
    start = c.date - dt.timedelta(days=c.rng.randint(0, 5))
    end = c.date + dt.timedelta(days=c.rng.choice([7, 14, 28, 56]))
    text = f"""{title_line}

Patient's name  {c.salutation} {c.member}
Date of birth   {fmt(c.dob, "slash")}

I assessed your case on:  {fmt(c.date, "slash")}
and, because of the following condition(s):
{c.rng.choice(["Low back pain", "Work related stress", "Anxiety and depression", "Post-operative recovery", "Fractured wrist"])}

I advise you that:
[X] you are not fit for work.
[ ] you may be fit for work taking account of the following advice:

This will be the case from {fmt(start, "slash")} to {fmt(end, "slash")}

Doctor's signature  Dr {c.rng.choice(LAST)}
Date of statement   {fmt(c.date, "slash")}
{c.rng.choice(["Parkview Medical Centre", "The Surgery, Church Lane", "Riverside Health Centre"])}
FIT NOTE  Med3  {c.rng.choice(["04/22", "2022"])}"""
    return _Out(
        [text],
        title,
        c.date.isoformat(),
        detected_type=c.rng.choice(["application/pdf", "image/jpeg"]),
        exif_date=_exif(c.date + dt.timedelta(days=1), c.rng),
    )


def med_oh_report(c: _Case) -> _Out:
    title = c.rng.choice(
        ["Occupational Health Report", "Management Referral Report", "Occupational Health Assessment Report"]
    )
    text = f"""{c.rng.choice(["Optima Health", "People Asset Management", "Trust Occupational Health Service", "Medigold Health"])}
{c.confidential() or "Medical in confidence"}

{title}

Employee: {c.member}         DOB: {fmt(c.dob, "slash")}
Employer: {c.employer.name}
Referring manager: {c.manager}
Date of referral: {fmt(c.incident, "slash")}
Date of assessment: {fmt(c.date - dt.timedelta(days=c.rng.randint(0, 2)), "slash")}
Date of report: {fmt(c.date, c.rng.choice(["slash", "long"]))}

Background
{c.first} has been absent from work since {c.d(c.incident - dt.timedelta(days=30), ["long"])} with {c.rng.choice(["musculoskeletal symptoms", "symptoms of anxiety", "a long-term health condition"])}.

Opinion and advice
In my opinion {c.first} is currently unfit for work but is likely to be fit for a phased return within 4 weeks. The condition is likely to be considered a disability under the Equality Act 2010. Adjustments to consider: reduced hours, no lifting over 10kg.

{c.rng.choice(["Dr", "Sister", ""])} {c.rng.choice(FIRST)} {c.rng.choice(LAST)}, {c.rng.choice(["OH Physician", "OH Advisor RGN SCPHN(OH)"])}"""
    return _Out([text], title, c.date.isoformat())


def med_gp_letter(c: _Case) -> _Out:
    title = ""
    text = f"""{c.rng.choice(["Parkview Medical Centre", "Llanishen Court Surgery", "Beechwood Group Practice"])}
{c.rng.randint(1, 60)} {c.rng.choice(STREETS)}, {c.home[1]}
Dr A. {c.rng.choice(LAST)}   Dr S. {c.rng.choice(LAST)}

{fmt(c.date, c.rng.choice(["long", "slash", "dots2", "ord"]))}

To whom it may concern

Re: {c.salutation} {c.member}, DOB {fmt(c.dob, c.rng.choice(["slash", "dots2"]))}
NHS No. {c.rng.randint(100, 999)} {c.rng.randint(100, 999)} {c.rng.randint(1000, 9999)}

I can confirm that the above patient is registered at this practice and has been under my care for {c.rng.choice(["anxiety and depression", "asthma", "chronic back pain"])} since {c.started.year}. In my opinion the patient's condition is exacerbated by stress at work and I would support a phased return with reduced hours.

Yours faithfully

Dr {c.rng.choice(LAST)}
General Practitioner"""
    # A letter about a patient ("Re: name, DOB") has no subject; the title is empty.
    return _Out([text], title, c.date.isoformat())


def med_clinic_letter(c: _Case) -> _Out:
    title = c.rng.choice(["Orthopaedic Clinic Letter", "Clinic Letter"])
    text = f"""{c.rng.choice(["University Hospital of Wales", "Royal Derby Hospital", "St James's University Hospital"])}
{title}

Dictated: {fmt(c.date - dt.timedelta(days=4), "slash")}   Typed: {fmt(c.date, "slash")}
Clinic date: {fmt(c.date - dt.timedelta(days=4), "slash")}

Patient: {c.member}   DOB: {fmt(c.dob, "slash")}   Hosp No: K{c.rng.randint(100000, 999999)}

Diagnosis: {c.rng.choice(["Right rotator cuff tear", "Lumbar disc prolapse L4/5"])}

Dear Dr {c.rng.choice(LAST)},

I saw {c.first} in clinic today. I have listed for surgery, expected within 18 weeks. Should avoid heavy lifting and overhead work until then."""
    # The letter's own date is the day it was typed and sent, not the clinic (dictation) date.
    return _Out([text], title, c.date.isoformat())


def pay_sage(c: _Case) -> _Out:
    title = c.rng.choice(["Payslip", "PAYSLIP", "Pay Advice"])
    gross = c.rng.randint(1200, 3200)
    text = f"""{c.employer.name}
{title}

Employee: {c.member}              Employee No: {c.employee_no}
NI Number: {c.rng.choice("ABCEHJKLMNPRSTWXYZ")}{c.rng.choice("ABCEHJKLMNPRSTWXYZ")} {c.rng.randint(10, 99)} {c.rng.randint(10, 99)} {c.rng.randint(10, 99)} {c.rng.choice("ABCD")}
Tax code: 1257L     Period: {c.rng.randint(1, 12)}     Pay method: BACS
Pay date: {fmt(c.date, c.rng.choice(["slash", "short_mon", "dash_mon"]))}

Payments                 Hours   Rate     Amount
Basic pay                {c.rng.randint(60, 160)}.00  {c.rng.randint(11, 16)}.{c.rng.randint(10, 99)}   {gross}.00
Overtime                 4.00    {c.rng.randint(15, 22)}.50    {c.rng.randint(60, 90)}.00

Deductions
PAYE tax                                   {gross // 8}.40
National Insurance                         {gross // 13}.22
Union subs                                 {c.rng.randint(9, 18)}.60

Total gross pay   {gross + 75}.00      Net pay   {gross - gross // 5}.18
Year to date: Gross {gross * 5}.00  Tax {gross * 5 // 8}.00"""
    return _Out([text], title, c.date.isoformat())


def pay_esr(c: _Case) -> _Out:
    title = "Payslip"
    period_end = c.date - dt.timedelta(days=c.rng.randint(0, 5))
    text = f"""{c.employer.name}
Assignment Number {c.employee_no}   {c.member}   Pay Scale: Band {c.rng.randint(2, 6)}
{title.upper()}
Date {fmt(c.date, "slash")}      Period {fmt(period_end.replace(day=1), "slash")} - {fmt(period_end, "slash")}
Annual Salary {c.rng.randint(22, 38)},{c.rng.randint(100, 999)}.00

DESCRIPTION                         WORKED UNITS   RATE    PAYMENTS   DEDUCTIONS
Basic Pay                                                  2,034.17
Unsocial Hrs Enh 30%                 16.00        5.12        81.92
Enhanced Sick Pay (Full)                                    412.50
Tax                                                                    226.40
NI Class 1                                                             112.81
NHS Pension 9.8%                                                       199.35
UNISON Subs                                                             15.45

Net Pay 1,974.58
NHS Pensions: Tier 9.8%  Tax Code 1257L  NI Number QQ123456C"""
    return _Out([text], title, c.date.isoformat())


def pay_p60(c: _Case) -> _Out:
    title = "P60 End of Year Certificate"
    year = c.date.year if c.date.month > 4 else c.date.year - 1
    issued = dt.date(year, 5, c.rng.randint(10, 31))
    text = f"""{title}
Tax year to 5 April {year}

To the employee: Please keep this certificate in a safe place as you will need it if you have to fill in a tax return.

Employee's details
Surname {c.last}    Forenames or initials {c.first}
National Insurance number QQ 12 34 56 C    Works/payroll number {c.employee_no}

Pay and Income Tax details
In previous employment(s)   £0.00
In this employment          £{c.rng.randint(15, 40)},{c.rng.randint(100, 999)}.00
Total for year
Employee's pay £{c.rng.randint(15, 40)},{c.rng.randint(100, 999)}.00  Tax deducted £{c.rng.randint(1, 6)},{c.rng.randint(100, 999)}.00
Final tax code 1257L

Employer's name and address
{c.employer.name}, {", ".join(c.employer.address[-2:])}
Employer PAYE reference 123/AB{c.rng.randint(1000, 9999)}

Date issued {fmt(issued, "slash")}"""
    return _Out([text], title, issued.isoformat())


def pay_small(c: _Case) -> _Out:
    title = "Wage Slip"
    text = f"""{c.employer.name}            {title.upper()}
Name: {c.member}
Week ending: {fmt(c.date, c.rng.choice(["slash_short", "dots2", "slash"]))}
Hours: {c.rng.randint(12, 45)}  @ £{c.rng.randint(11, 13)}.{c.rng.choice(["44", "71", "90"])}
Gross £{c.rng.randint(150, 600)}.00
Tax £0.00   NI £{c.rng.randint(0, 30)}.00   Pension £{c.rng.randint(5, 20)}.00
Net £{c.rng.randint(140, 520)}.00
Holiday taken: 0  Holiday left: {c.rng.randint(2, 25)} days"""
    # A weekly wage slip's own date is its week-ending date, the only date on it.
    return _Out([text], title, c.date.isoformat())


def con_particulars(c: _Case) -> _Out:
    title = c.rng.choice(
        [
            "Written Statement of Employment Particulars",
            "Statement of Main Terms and Conditions of Employment",
            "Principal Statement of Terms and Conditions",
        ]
    )
    text = f"""{c.employer.name}
{title}

This statement, issued on {c.d(c.date, ["long", "ord"])}, sets out the main particulars of your terms and conditions of employment under section 1 of the Employment Rights Act 1996.

1. Employer: {c.employer.name}, {", ".join(c.employer.address[-2:])}
2. Employee: {c.member}
3. Job title: {c.job}
4. Date of commencement: {fmt(c.started if c.started < c.date else c.date, c.rng.choice(["long", "slash"]))}. Your period of continuous employment began on this date.
5. Place of work: {c.employer.address[0]}
6. Pay: £{c.rng.randint(11, 16)}.{c.rng.randint(10, 99)} per hour, paid monthly in arrears on the last working day of each month.
7. Hours of work: {c.rng.choice(["37.5", "30", "16", "40"])} hours per week.
8. Holiday: 28 days inclusive of bank holidays. The holiday year runs from 1 January to 31 December.
9. Probationary period: 6 months.

Signed on behalf of the employer: {c.hr}   Date: {fmt(c.date, "slash")}
Signed by the employee: ____________      Date: ________"""
    return _Out([text], title, c.date.isoformat())


def con_contract(c: _Case) -> _Out:
    title = c.rng.choice(["Contract of Employment", "CONTRACT OF EMPLOYMENT", "Employment Contract"])
    text = f"""{title}

THIS AGREEMENT is dated {fmt(c.date, c.rng.choice(["ordof", "long"]))}

PARTIES
(1) {c.employer.name.upper()} (the "Company")
(2) {c.member.upper()} of {", ".join(c.home)} (the "Employee")

1. COMMENCEMENT
1.1 The employment shall commence on {fmt(c.date + dt.timedelta(days=c.rng.randint(7, 30)), "long")}.
1.2 No employment with a previous employer counts towards the Employee's period of continuous employment.

2. JOB TITLE AND DUTIES
2.1 The Employee shall be employed as {c.job}.

3. NOTICE
3.1 After successful completion of the probationary period, the Employee shall give one month's written notice.

Signed for and on behalf of the Company .................... Director
Signed by the Employee ...................."""
    return _Out(
        [text],
        title,
        c.date.isoformat(),
        pdf_info={
            "Title": "Microsoft Word - CONTRACT TEMPLATE 2019.docx",
            "CreationDate": _pdf_date(dt.date(2019, 2, 4), c.rng),
        },
    )


def con_zero_hours(c: _Case) -> _Out:
    title = c.rng.choice(["Zero Hours Agreement", "Casual Worker Agreement", "Bank Worker Agreement"])
    text = f"""{c.employer.name}
{title}

Between {c.employer.name} and {c.member}
Date: {fmt(c.date, c.rng.choice(["slash", "dots2", "long"]))}

1. There is no obligation on the Company to offer you work, nor on you to accept any work offered.
2. When you work you will be paid £{c.rng.randint(11, 14)}.{c.rng.randint(10, 99)} per hour.
3. Holiday accrues at 12.07% of hours worked.
4. This agreement does not create a contract of employment.

Worker date of birth: {fmt(c.dob, "slash")}
Right to work checked: {fmt(c.date - dt.timedelta(days=3), "slash")}"""
    return _Out([text], title, c.date.isoformat())


def con_variation(c: _Case) -> _Out:
    title = c.rng.choice(
        ["Variation to Contract of Employment", "Change to your terms and conditions", "Contract Variation"]
    )
    body = f"""Further to our meeting on {c.d(c.incident)}, I am writing to confirm the following change to your terms and conditions of employment, with effect from {c.d(c.meeting, ["long", "ord"])}:

Contracted hours: reduced from 37.5 to {c.rng.choice(["30", "22.5", "18.75"])} hours per week, worked {c.rng.choice(["Monday to Thursday", "over three days"])}.

All other terms and conditions of your employment remain unchanged. Please sign and return one copy of this letter to confirm your agreement.

I agree to the variation set out above.
Signed ................  Date ..........."""
    return _Out([_letter(c, title, body, signer=(c.hr, c.hr_role))], title, c.date.isoformat())


def _member_letter(c: _Case, title: str | None, body: str, *, to_line: str | None = None) -> str:
    rng = c.rng
    lines = [c.member, *c.home, ""]
    if rng.random() < 0.5:
        lines += [to_line or f"{c.manager}\n{c.manager_role}\n{c.employer.name}", ""]
    lines += [fmt(c.date, rng.choice(LETTER_STYLES)), ""]
    lines += [rng.choice([f"Dear {c.manager.split()[0]}", "Dear Sir/Madam", f"Dear {c.manager}"]), ""]
    if title:
        lines += [rng.choice([title, f"Re: {title}", title.upper()]), ""]
    lines += [body.strip(), "", rng.choice(["Yours sincerely", "Yours faithfully", "Regards"]), "", c.member]
    return "\n".join(lines)


def gr_formal(c: _Case) -> _Out:
    title = c.rng.choice(["Formal Grievance", "Formal grievance – bullying by line manager", "Grievance"])
    body = f"""I wish to raise a formal grievance under the company's grievance procedure about the way I have been treated by my line manager, {c.manager}.

Since {c.d(c.incident - dt.timedelta(days=60), ["long", "ord"])} I have been repeatedly criticised in front of colleagues, given the worst shifts and refused overtime that others have been offered. On {c.d(c.incident)} {c.manager.split()[0]} told me in front of a customer that I was "a waste of space".

I have tried to resolve this informally by speaking to {c.witness} on {c.d(c.incident + dt.timedelta(days=2), ["long"])}, but nothing has changed.

To resolve my grievance I would like: an apology, a change of line manager, and fair allocation of overtime.

I would like to be accompanied at the grievance meeting by my trade union representative, {c.rep}."""
    return _Out([_member_letter(c, title, body)], title, c.date.isoformat())


def gr_form(c: _Case) -> _Out:
    title = c.rng.choice(["Grievance Form", "Formal Grievance Form", "Employee Grievance Form"])
    text = f"""{c.employer.name}
{title}

Please complete this form to raise a formal grievance and send it to HR.

Name: {c.member}
Job title: {c.job}         Department: {c.rng.choice(["Warehouse", "Housekeeping", "Finance", "Kitchen"])}
Line manager: {c.manager}

1. What is your grievance about?
I was told on {fmt(c.incident, "slash")} that my overtime was being stopped. Other staff on my shift still get overtime. I believe this is because I am pregnant and told my manager on {fmt(c.incident - dt.timedelta(days=5), "slash")}.

2. Have you tried to resolve this informally?  Yes – spoke to {c.manager.split()[0]} and HR.

3. What outcome are you seeking?
Overtime to be given fairly and an explanation.

Signed: {c.member}        Date: {fmt(c.date, c.rng.choice(["slash", "dots2", "slash_short"]))}

For HR use: Received ________ Ref ________"""
    return _Out([text], title, c.date.isoformat())


def gr_collective(c: _Case) -> _Out:
    union = c.rng.choice(["UNISON", "Unite the Union", "GMB", "Usdaw"])
    title = c.rng.choice(["Collective Grievance – Changes to Shift Patterns", "Collective grievance"])
    text = f"""{union}
{c.rng.choice(["Kirkwood Local Government Branch", "Yorkshire & Humber Region", "Magna Park Branch"])}

{c.hr}
{c.hr_role}
{c.employer.name}

{fmt(c.date, c.rng.choice(["long", "ord", "slash"]))}

Dear {c.hr.split()[0]}

{title}

I write on behalf of the {c.rng.randint(12, 80)} members listed in the attached schedule to raise a collective grievance regarding the proposed changes to shift patterns announced on {c.d(c.incident)}, which are due to take effect from {c.d(c.meeting, ["long"])}.

Our members' contracts specify fixed shift patterns, and the changes amount to a unilateral variation of contract without consultation with the recognised trade union.

We request an urgent meeting and that implementation is paused pending the outcome of this grievance.

Yours sincerely

{c.rep}
Branch Secretary"""
    return _Out([text], title, c.date.isoformat())


def gr_handwritten(c: _Case) -> _Out:
    title = ""
    text = f"""{fmt(c.date, c.rng.choice(["slash_short", "dots2", "slash"]))}

To the manager

I want to make a complaint about {c.witness.split()[0]} on my shift. She has been calling me names and telling the others not to talk to me because I'm {c.rng.choice(["Polish", "Muslim", "gay", "from Romania"])}. It started after Christmas and its every day now. On {c.d(c.incident, ["long", "day_long"])} she hid my coat and laughed about it.

I dont want to leave my job but I cant carry on like this. I want it to stop.

{c.member}
({c.job}, nights)"""
    return _Out(
        [text],
        title,
        c.date.isoformat(),
        detected_type="image/jpeg",
        exif_date=_exif(c.date + dt.timedelta(days=c.rng.randint(1, 40)), c.rng),
    )


def ap_dismissal(c: _Case) -> _Out:
    title = c.rng.choice(["Appeal against dismissal", "Appeal Against Dismissal", "Notice of Appeal"])
    body = f"""I am writing to appeal against the decision to dismiss me, which was confirmed in your letter dated {c.d(c.incident, ["long", "slash"])} following the disciplinary hearing on {c.d(c.incident - dt.timedelta(days=3), ["long"])}.

My grounds of appeal are:

1. The investigation was not reasonable: the CCTV footage I asked for was never obtained, and {c.witness} was not interviewed.
2. The sanction was too harsh given my {c.date.year - c.started.year} years of service and clean disciplinary record.
3. Other employees who did the same thing were not dismissed.

I would like to be accompanied at the appeal hearing by my union representative, {c.rep}.

Please acknowledge receipt of this letter."""
    return _Out([_member_letter(c, title, body)], title, c.date.isoformat())


def ap_warning(c: _Case) -> _Out:
    title = c.rng.choice(
        ["Appeal against Final Written Warning", "Appeal against written warning", "Disciplinary Appeal"]
    )
    body = f"""I wish to appeal against the {c.rng.choice(["final written warning", "first written warning"])} issued to me on {c.d(c.incident)}.

I do not believe the warning is fair because I was following the instruction given to me by the shift leader at the time, and this was not taken into account. I also had no opportunity to see the witness statements before the hearing.

I would like the warning to be removed from my file."""
    return _Out(
        [_member_letter(c, title, body, to_line=f"{c.hr}\nHR Department\n{c.employer.name}")], title, c.date.isoformat()
    )


def ap_grievance(c: _Case) -> _Out:
    title = c.rng.choice(["Grievance Appeal", "Appeal against grievance outcome", "Appeal – grievance outcome"])
    body = f"""I am writing to appeal against the outcome of my grievance, which I received on {c.d(c.incident, ["long", "ord"])}.

I am appealing because the investigation only spoke to people chosen by my manager, and the finding that my complaint was "not upheld" does not address the messages I provided as evidence (dated {fmt(c.incident - dt.timedelta(days=40), "slash")} and {fmt(c.incident - dt.timedelta(days=33), "slash")}).

I would like an independent manager to hear my appeal."""
    return _Out([_member_letter(c, title, body)], title, c.date.isoformat())


def ap_rep_letter(c: _Case) -> _Out:
    title = f"Appeal on behalf of {c.member}"
    text = f"""{c.rng.choice(["UNISON", "GMB", "Unite", "NEU", "RCN"])}
Regional Office

{c.hr}
{c.employer.name}
{c.employer.address[-1]}

Our ref: {c.last[:3].upper()}/{c.rng.randint(100, 999)}
{fmt(c.date, c.rng.choice(["long", "slash", "ord"]))}

Dear {c.hr.split()[0]},

{title}

I represent {c.member}, who was dismissed on {c.d(c.incident)}. Please treat this letter as {c.first}'s formal appeal against dismissal under the appeals procedure.

The grounds of appeal are that the decision was procedurally unfair and the sanction outside the band of reasonable responses. Full grounds will follow no later than {c.d(_weekday_after(c.date, 7), ["long"])}.

Please let me have dates for the appeal hearing.

Yours sincerely

{c.rep}
Regional Organiser"""
    return _Out([text], title, c.date.isoformat())


def ap_short(c: _Case) -> _Out:
    title = ""
    text = f"""{fmt(c.date, c.rng.choice(["long", "slash", "ordof"]))}

Dear {c.manager.split()[0]},

I want to appeal the decision you made at the meeting last week. I don't think it's fair. I'll explain why at the appeal meeting.

Thanks,
{c.member}"""
    return _Out([text], title, c.date.isoformat())


def oth_rota(c: _Case) -> _Out:
    wc = c.date - dt.timedelta(days=c.date.weekday())
    title = c.rng.choice([f"Staff Rota – Week Commencing {fmt(wc, 'long')}", f"ROTA w/c {fmt(wc, 'slash')}"])
    days = "  ".join(
        f"{DAYS[i][:3]} {(wc + dt.timedelta(days=i)).day:02d}/{(wc + dt.timedelta(days=i)).month:02d}" for i in range(7)
    )
    rows = "\n".join(
        f"{n:<22}" + "  ".join(c.rng.choice(["E ", "L ", "N ", "OFF", "LD", "AL"]) for _ in range(7))
        for n in [c.member, c.witness, c.manager, c.rep, c.hr]
    )
    text = f"""{c.employer.name}
{title}

Name                  {days}
{rows}

E = 07:00-15:00  L = 14:00-22:00  N = 21:30-07:30  LD = long day  AL = annual leave
Any changes must be agreed with the shift manager."""
    return _Out([text], title, wc.isoformat())


def oth_certificate(c: _Case) -> _Out:
    title = "Certificate of Completion"
    course = c.rng.choice(
        ["Moving and Handling", "Food Hygiene Level 2", "Safeguarding Adults Level 2", "Fire Safety Awareness"]
    )
    text = f"""{title.upper()}

This is to certify that

{c.member}

has successfully completed

{course}

on {c.d(c.date, ["ordof", "long", "ord"])}

Certificate no. {c.rng.randint(100000, 999999)}          Valid until {fmt(c.date.replace(year=c.date.year + c.rng.choice([1, 3])), "slash")}
Trainer: {c.witness}"""
    return _Out([text], title, c.date.isoformat())


def oth_card(c: _Case) -> _Out:
    union = c.rng.choice(["UNISON", "GMB", "Unite", "Usdaw"])
    title = "Membership Card"
    text = f"""{union}
{title.upper()}
{c.member}
Membership no. {c.rng.randint(1000000, 9999999)}
Branch: {c.rng.choice(["Leeds Health", "Cardiff Retail", "Derby City"])}
Joined: {c.started.month:02d}/{c.started.year}
Keep this card safe. Need help at work? Call 0800 0 857 857"""
    return _Out([text], title, "", detected_type="image/jpeg", exif_date=_exif(c.date, c.rng))


def oth_leaflet(c: _Case) -> _Out:
    title = c.rng.choice(
        [
            "Know your rights: disciplinary hearings",
            "Facing a disciplinary? Don't face it alone",
            "Sick pay – what you're entitled to",
        ]
    )
    text = f"""{title}

Being called to a disciplinary hearing can be stressful. Here's what you need to know.

• You have the legal right to be accompanied by a trade union rep or a colleague.
• You should be told in writing what the allegations are before the hearing.
• You should be given the evidence, including witness statements.
• You have the right to appeal.

Contact your branch today. Join online at join.example.org.uk

Promoted by the General Secretary. Printed by Unity Print Ltd."""
    return _Out([text], title, "")


def oth_texts(c: _Case) -> _Out:
    title = ""
    mgr = c.manager.split()[0]
    text = f"""< {mgr} Work
{fmt(c.date, c.rng.choice(["day_long", "short_mon", "long"]))}
{mgr}: u need to come in today, {c.witness.split()[0]} off sick  07:12
Me: I cant I've got the kids, told u last week  07:20
{mgr}: if u dont come in dont bother coming back  07:21
Me: ??? Are you serious  07:21
{mgr}: Deadly  07:34
Read 07:35"""
    return _Out(
        [text],
        title,
        c.date.isoformat(),
        detected_type="image/png",
        exif_date=_exif(c.date + dt.timedelta(days=c.rng.randint(1, 60)), c.rng) if c.rng.random() < 0.4 else None,
    )


def oth_signin(c: _Case) -> _Out:
    title = "Training Attendance Sheet"
    names = "\n".join(f"{i + 1}. {n:<24} ____________" for i, n in enumerate([c.member, c.witness, c.rep, c.hr]))
    text = f"""{c.employer.name}
{title}
Course: {c.rng.choice(["Manual handling refresher", "Conflict resolution", "Dementia awareness"])}
Date: {fmt(c.date, c.rng.choice(["slash", "long", "dots2"]))}   Trainer: {c.manager}

Name                        Signature
{names}"""
    return _Out([text], title, c.date.isoformat())


TEMPLATES: dict[str, list[Callable[[_Case], _Out]]] = {
    "INVITATION": [
        inv_investigation,
        inv_hearing_nhs,
        inv_capability_council,
        inv_absence_small,
        inv_absence_review,
        inv_retail_notice,
    ],
    "OUTCOME_LETTER": [
        out_no_case,
        out_dismissal_notice,
        out_summary_dismissal,
        out_appeal_outcome,
        out_grievance_outcome,
    ],
    "SUSPENSION_LETTER": [susp_formal, susp_nhs_exclusion, susp_small, susp_extension],
    "WARNING": [warn_first, warn_outcome_heading, warn_attendance_form, warn_small, warn_verbal_confirm],
    "MINUTES": [min_investigation_qa, min_hearing, min_absence_review, min_grievance_meeting, min_informal],
    "WITNESS_STATEMENT": [ws_formal, ws_form, ws_informal, ws_member_account, ws_nhs],
    "POLICY": [pol_disciplinary, pol_attendance, pol_bullying, pol_handbook, pol_capability],
    "EMAIL": [email_eml, email_msg, email_printed_outlook, email_printed_gmail, email_us],
    "MEDICAL": [med_fit_note, med_oh_report, med_gp_letter, med_clinic_letter],
    "PAY_RECORD": [pay_sage, pay_esr, pay_p60, pay_small],
    "CONTRACT": [con_particulars, con_contract, con_zero_hours, con_variation],
    "GRIEVANCE": [gr_formal, gr_form, gr_collective, gr_handwritten],
    "APPEAL": [ap_dismissal, ap_warning, ap_grievance, ap_rep_letter, ap_short],
    "OTHER": [oth_rota, oth_certificate, oth_card, oth_leaflet, oth_texts, oth_signin],
}
KINDS = list(TEMPLATES)


# ---------------------------------------------------------------------------------------------
# OCR-like noise

_SWAPS = [("rn", "m"), ("m", "rn"), ("l", "1"), ("O", "0"), ("0", "O"), ("I", "l"), ("e", "c"), ("S", "5"), ("fi", "ﬁ")]


def ocr_noise(text: str, rng: random.Random, rate: float = 0.03) -> str:
    """Scanner-like damage: letter confusions, dropped spaces, lines broken in two, stray marks."""
    out: list[str] = []
    i = 0
    while i < len(text):
        if rng.random() < rate:
            for wrong, right in rng.sample(_SWAPS, len(_SWAPS)):
                if text.startswith(wrong, i):
                    out.append(right)
                    i += len(wrong)
                    break
            else:
                ch = text[i]
                if ch == " " and rng.random() < 0.6:
                    i += 1  # a dropped space
                    continue
                if ch == " " and rng.random() < 0.3:
                    out.append("\n")  # a line broken in two
                    i += 1
                    continue
                out.append(ch)
                if rng.random() < 0.1:
                    out.append(rng.choice(["'", ".", ",", "~"]))
                i += 1
            continue
        out.append(text[i])
        i += 1
    return "".join(out)


def heldout_documents(count: int, seed: int) -> list[LabelledDocument]:
    """``count`` labelled documents, the kinds in turn (so each kind has count/14 or one more),
    each from a template chosen at random; about a fifth carry OCR-like noise."""
    rng = random.Random(seed)
    docs: list[LabelledDocument] = []
    for index in range(count):
        kind = KINDS[index % len(KINDS)]
        case = _Case(rng)
        out = rng.choice(TEMPLATES[kind])(case)
        noisy = out.detected_type not in ("message/rfc822", "application/vnd.ms-outlook") and rng.random() < 0.2
        pages = [ocr_noise(p, rng) for p in out.pages] if noisy else out.pages
        docs.append(
            Labelled(
                pages=pages,
                kind=kind,
                date=out.date,
                title=out.title,
                metadata=out.metadata,
                detected_type=out.detected_type,
                pdf_info=out.pdf_info,
                exif_date=out.exif_date,
                noisy=noisy,
            )
        )
    return docs
