"""A generated, labelled set of UK workplace documents, for measuring the document-facts
readers (services/ocr/casework_ocr/facts) on text they were not written from.

Each document comes with its true date, title and kind. The phrasings here were written apart
from the classifier's rules, several per kind, and some on purpose trip a keyword rule: an
invitation that names the possible outcomes, an appeal against a written warning, minutes of a
hearing that issued a warning, a car-park permit that cites a policy. Dates are written in the
ways people write them and sometimes sit where a reader must not take them (a hearing date, a
date of birth, a start date). A fraction of documents carry OCR-like character errors.

Truth for the date follows the product rule: an email's Date header; else the date the text
gives the document (letter date, meeting date, signature date, pay date, issue date); else the
photo's EXIF date; else the PDF's creation date; else none. The title is the subject, the
"Re:" line or the document's heading, or none for a letter that has none.

Deterministic for a seed: ``generate(600, seed=7)`` is the same list on every machine.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field

TODAY = dt.date(2026, 4, 1)

FIRST = [
    "Siobhán",
    "Zoë",
    "Łukasz",
    "Aisha",
    "Oluwaseun",
    "Priya",
    "Gareth",
    "Mohammed",
    "Chloé",
    "Dariusz",
    "Niamh",
    "Tomás",
    "Kwame",
    "Fatima",
    "Ewan",
    "Bronwen",
    "Saoirse",
    "Raj",
    "Hannah",
    "Jamal",
    "Agnieszka",
    "Callum",
    "Mei",
    "Daniel",
    "Ngozi",
]
LAST = [
    "Ó Ceallaigh",
    "Nowak",
    "Okafor",
    "Patel",
    "Jones",
    "Hughes",
    "Kowalski",
    "McBride",
    "Ahmed",
    "Ferreira",
    "Nguyen",
    "Williams",
    "O'Neill",
    "Müller",
    "Szymańska",
    "Begum",
    "Campbell",
    "Evans",
    "Mensah",
    "Thompson",
]
TITLES = ["Mr", "Ms", "Mrs", "Miss", "Mx", "Dr"]
EMPLOYERS = [
    ("Northgate Logistics Ltd", ["Unit 4, Brindley Park", "Wakefield WF2 0XQ"]),
    ("Riverside Care Homes Limited", ["22 Wharf Road", "Bristol BS1 6QH"]),
    ("Brightwell Academy Trust", ["Brightwell House", "Station Approach", "Leicester LE1 3WA"]),
    ("Calder Valley Council", ["Town Hall", "Crossley Street", "Halifax HX1 1UJ"]),
    ("Harbour & Finch LLP", ["3 Quayside", "Newcastle upon Tyne NE1 3DX"]),
    ("St Aldhelm's NHS Foundation Trust", ["St Aldhelm's Hospital", "Cotton Lane", "Salisbury SP2 7EZ"]),
    ("Greenline Buses plc", ["Depot Office, 90 Fore Street", "Plymouth PL1 1QR"]),
    ("Pennine Foods Group", ["Mill Lane", "Oldham OL9 6RT"]),
    ("Kestrel Warehousing", ["Plot 7, Meadow Way", "Milton Keynes MK5 8HF"]),
    ("Castell Housing Association", ["Tŷ Castell", "Heol y Frenhines", "Cardiff CF10 2BS"]),
]
STREETS = ["Ashdown Road", "Victoria Terrace", "Church Lane", "Hawthorn Close", "Bridge Street", "Canal Walk"]
TOWNS = [
    ("Leeds", "LS6 2QT"),
    ("Derby", "DE1 3FP"),
    ("Swansea", "SA1 5HE"),
    ("Glasgow", "G41 2PE"),
    ("Hull", "HU3 1AB"),
]
ROLES = ["HR Business Partner", "Operations Manager", "Head of Service", "Store Manager", "People Advisor"]
JOBS = ["Warehouse Operative", "Care Assistant", "Teaching Assistant", "Bus Driver", "Administrator", "Nurse"]
MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December"]  # fmt: skip
KINDS = [
    "INVITATION", "OUTCOME_LETTER", "SUSPENSION_LETTER", "WARNING", "MINUTES", "WITNESS_STATEMENT", "POLICY",
    "EMAIL", "MEDICAL", "PAY_RECORD", "CONTRACT", "GRIEVANCE", "APPEAL", "OTHER",
]  # fmt: skip


@dataclass
class Labelled:
    """One generated document with its truth (kind is the DocumentKind name without prefix)."""

    pages: list[str]
    kind: str
    date: str
    title: str
    metadata: dict[str, str] = field(default_factory=dict)
    detected_type: str = "application/pdf"
    pdf_info: dict[str, str] | None = None
    exif_date: str | None = None
    noisy: bool = False


def _ordinal(day: int) -> str:
    suffix = "th" if 11 <= day <= 13 else {1: "st", 2: "nd", 3: "rd"}.get(day % 10, "th")
    return f"{day}{suffix}"


def write_date(rng: random.Random, value: dt.date) -> str:
    """A date as a person or a template writes it, UK style."""
    month = MONTHS[value.month - 1]
    style = rng.randrange(9)
    if style == 0:
        return f"{value.day} {month} {value.year}"
    if style == 1:
        return f"{_ordinal(value.day)} {month} {value.year}"
    if style == 2:
        return f"{value.strftime('%A')}, {value.day} {month} {value.year}"
    if style == 3:
        return value.strftime("%d/%m/%Y")
    if style == 4:
        return f"{value.day}.{value.month}.{value.strftime('%y')}"
    if style == 5:
        return f"{value.day} {month[:3]} {value.year}"
    if style == 6:
        return f"{_ordinal(value.day)} {month}, {value.year}"
    if style == 7:
        return value.strftime("%d.%m.%Y")
    return f"{value.day} {month} {value.year}"


def _later(rng: random.Random, value: dt.date, low: int, high: int) -> dt.date:
    return value + dt.timedelta(days=rng.randint(low, high))


def _short(rng: random.Random, value: dt.date) -> str:
    """A date in the body, often without the year ("Tuesday 10 March")."""
    month = MONTHS[value.month - 1]
    if rng.random() < 0.5:
        return f"{value.strftime('%A')} {value.day} {month}"
    return write_date(rng, value)


class _Doc:
    """Shared pieces of one document: people, employer, dates."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.member = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
        self.member_title = rng.choice(TITLES)
        self.manager = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
        self.witness = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
        self.employer, self.employer_address = rng.choice(EMPLOYERS)
        self.role = rng.choice(ROLES)
        self.job = rng.choice(JOBS)
        self.date = TODAY - dt.timedelta(days=rng.randint(5, 6 * 365))
        town, postcode = rng.choice(TOWNS)
        self.home = [f"{rng.randint(1, 140)} {rng.choice(STREETS)}", f"{town} {postcode}"]

    def pick(self, *options: str) -> str:
        return self.rng.choice(options)

    @property
    def surname(self) -> str:
        return self.member.split(" ", 1)[1]


def _employer_letter(d: _Doc, subject: str | None, body: list[str], *, dated: bool = True) -> tuple[str, str]:
    """An employer's letter; returns (text, true date)."""
    rng = d.rng
    lines = [d.employer, *d.employer_address]
    if rng.random() < 0.5:
        lines.append(f"Tel: 0{rng.randint(1000, 9999)} {rng.randint(100000, 999999)}")
    lines.append("")
    if rng.random() < 0.4:
        lines += [d.pick("PRIVATE AND CONFIDENTIAL", "Strictly Private & Confidential", "By email and post"), ""]
    date_line = write_date(rng, d.date)
    where = rng.random()
    if dated and where < 0.45:
        lines += [date_line, ""]
    lines += [f"{d.member_title} {d.member}", *d.home, ""]
    if rng.random() < 0.3:
        lines += [f"Our ref: {rng.choice('ABCDEFHR')}{rng.randint(100, 999)}/{rng.randint(10, 99)}", ""]
    if dated and where >= 0.45:
        lines += [d.pick(date_line, f"Date: {date_line}", date_line), ""]
    lines += [d.pick(f"Dear {d.member_title} {d.surname},", f"Dear {d.member.split()[0]}", f"Dear {d.member},"), ""]
    if subject:
        lines += [subject, ""]
    lines += body
    lines += ["", d.pick("Yours sincerely,", "Yours sincerely", "Kind regards,"), "", d.manager, d.role]
    return "\n".join(lines), (d.date.isoformat() if dated else "")


def _subject(d: _Doc, text: str) -> tuple[str | None, str]:
    """A subject as the letter writes it, and the title it gives (None, "" for no subject)."""
    style = d.rng.random()
    if style < 0.45:
        return f"{d.pick('Re:', 'RE:', 'Re -')} {text}", text
    if style < 0.6:
        return f"Subject: {text}", text
    if style < 0.9:
        return text, text
    return None, ""


def invitation(d: _Doc) -> tuple[str, str, str]:
    meeting = d.pick("disciplinary hearing", "investigation meeting", "grievance meeting", "appeal hearing",
                     "capability review meeting", "formal meeting")  # fmt: skip
    when = _short(d.rng, _later(d.rng, d.date, 3, 14))
    subject, title = _subject(d, d.pick(f"Invitation to {meeting}", f"Notification of {meeting}",
                                        f"{meeting.capitalize()} - {when}", f"Formal {meeting}"))  # fmt: skip
    body = [
        d.pick(
            f"We would like you to come to a {meeting} on {when} at {d.rng.randint(9, 15)}.00.",
            f"You are invited to a {meeting}, which is arranged for {when} at 2pm in Meeting Room 3.",
            f"I am writing to ask you to attend a {meeting} on {when}.",
            f"A {meeting} has been set up for {when} at 10:30am and you should attend.",
        ),
        d.pick(
            "The meeting concerns the allegation that you left your shift early without permission.",
            "It is to discuss concerns about your attendance since January.",
            "The purpose is to consider the complaint made about your conduct towards a colleague.",
            "This is to hear your concerns about the way your overtime has been allocated.",
        ),
        d.pick(
            "You may bring a colleague or a trade union representative with you.",
            "You are entitled to be accompanied by a workplace colleague or a union representative.",
            "Should you wish, a union rep or a colleague can come with you.",
        ),
        d.pick(
            "Possible outcomes include a warning or, if the allegations are upheld, dismissal.",
            "Please let me know if you need any adjustments for the meeting.",
            "If you cannot make this time, tell me and we will offer another date.",
            "I enclose the investigation report and the statements we will rely on.",
        ),
    ]
    text, date = _employer_letter(d, subject, body, dated=d.rng.random() > 0.05)
    return text, date, title


def outcome(d: _Doc) -> tuple[str, str, str]:
    heard = _short(d.rng, d.date - dt.timedelta(days=d.rng.randint(2, 10)))
    kind = d.rng.randrange(4)
    if kind == 0:
        subject, title = _subject(d, d.pick("Outcome of disciplinary hearing", "Disciplinary hearing decision",
                                            "Termination of employment", "Decision following hearing"))  # fmt: skip
        body = [
            f"Thank you for attending the hearing on {heard}, where you were accompanied by your union rep.",
            d.pick(
                "Having considered everything said, I find the allegation of gross misconduct proven.",
                "After careful thought, I am satisfied that the allegations are made out.",
            ),
            d.pick(
                "You are therefore dismissed without notice with effect from today.",
                "My decision is that your employment ends today, without notice or pay in lieu.",
                "Your contract will be terminated with one month's notice.",
            ),
            d.pick(
                "You may appeal in writing within five working days.",
                "Should you disagree, you can appeal to the Director within 7 days.",
                "If you want to challenge this decision, write to HR within ten days setting out why.",
            ),
        ]
    elif kind == 1:
        subject, title = _subject(d, d.pick("Grievance outcome", "Your grievance - our findings",
                                            "Response to your complaint", "Grievance decision"))  # fmt: skip
        body = [
            f"I met you on {heard} to hear the grievance you raised about your line manager.",
            d.pick(
                "I have looked into each point and I uphold your complaint in part.",
                "Having investigated, I do not find that you were treated less favourably.",
                "Your complaint about the rota is upheld; the remaining points are not.",
            ),
            "I recommend mediation between you and your manager.",
            d.pick("You may appeal against my findings within 5 working days.", "You can appeal this decision."),
        ]
    elif kind == 2:
        subject, title = _subject(d, d.pick("Appeal outcome", "Outcome of your appeal", "Appeal hearing result"))
        body = [
            f"This letter confirms what I told you at the appeal hearing on {heard}.",
            d.pick(
                "I have reviewed the original decision and it stands; your appeal is not successful.",
                "I have decided to overturn the dismissal; you will be reinstated with back pay.",
                "The sanction is reduced from dismissal to a final written warning.",
            ),
            "This decision is final and there is no further right of appeal within the company.",
        ]
    else:
        subject, title = _subject(
            d, d.pick("Investigation outcome", "Outcome of investigation", "Result of investigation")
        )
        body = [
            f"Following the investigation meeting on {heard}, I have considered the evidence.",
            d.pick(
                "I find there is no case to answer and the matter is now closed.",
                "The matter will not proceed to a disciplinary hearing and no action will be taken.",
                "I consider the matter should go to a formal disciplinary hearing; you will be written to separately.",
            ),
        ]
    text, date = _employer_letter(d, subject, body)
    return text, date, title


def suspension(d: _Doc) -> tuple[str, str, str]:
    subject, title = _subject(d, d.pick("Suspension from work", "Confirmation of suspension",
                                        "Precautionary suspension", "Temporary removal from duties"))  # fmt: skip
    body = [
        d.pick(
            "I am writing to confirm the conversation we had today, when I told you that you are suspended.",
            "This letter confirms that, with immediate effect, you are relieved of your duties while we investigate.",
            "As explained at our meeting this morning, you are being sent home while an allegation is looked into.",
        ),
        d.pick(
            "You will continue to receive your normal pay and benefits throughout.",
            "Your pay and contractual benefits continue as normal.",
            "You remain on full pay during this period.",
        ),
        d.pick(
            "This is a neutral act and does not imply any finding against you.",
            "It is not a disciplinary penalty and no decision has been made.",
            "Please understand that this is not a judgement on the allegations.",
        ),
        d.pick(
            "During this time please do not come onto company premises or contact colleagues about the matter.",
            "You should stay away from the site and not discuss the case with staff, other than your union rep.",
            f"You will be asked to an investigation meeting, probably on {_short(d.rng, _later(d.rng, d.date, 4, 9))}.",
        ),
    ]
    text, date = _employer_letter(d, subject, body)
    return text, date, title


def warning(d: _Doc) -> tuple[str, str, str]:
    level = d.pick("first written warning", "final written warning", "written warning", "formal verbal warning")
    subject, title = _subject(d, d.pick(f"Confirmation of {level}", level.capitalize(), f"Sanction - {level}",
                                        "Outcome of disciplinary hearing"))  # fmt: skip
    heard = _short(d.rng, d.date - dt.timedelta(days=d.rng.randint(2, 9)))
    body = [
        d.pick(
            f"At the hearing on {heard} I explained that you would receive a {level}.",
            f"Following the disciplinary hearing on {heard}, the outcome is a {level}.",
            f"I am writing to confirm my decision to issue you with a {level}.",
        ),
        d.pick(
            "It will stay on your personnel file for 12 months, after which it will be disregarded.",
            "The warning will be kept on file for six months.",
            "It will be live for twelve months from the date of this letter.",
        ),
        d.pick(
            "Should there be any repeat of this conduct, further disciplinary action may follow, up to dismissal.",
            "Any further misconduct in this period is likely to lead to a more serious sanction.",
        ),
        d.pick("You have the right to appeal within 5 working days.", "You may appeal in writing to the HR Manager."),
    ]
    text, date = _employer_letter(d, subject, body)
    return text, date, title


def minutes(d: _Doc) -> tuple[str, str, str]:
    meeting = d.pick("Investigation meeting", "Disciplinary hearing", "Grievance meeting", "Appeal hearing",
                     "Return to work meeting")  # fmt: skip
    title = d.pick(f"{meeting} - notes", f"Notes of {meeting.lower()}", f"Record of {meeting.lower()}",
                   f"{meeting.upper()} MINUTES", f"Minutes: {meeting}", f"{meeting} record")  # fmt: skip
    rng = d.rng
    ini = ["".join(p[0] for p in name.split()[:2]).upper() for name in (d.manager, d.member, d.witness)]
    date_text = write_date(rng, d.date)
    style = rng.randrange(4)
    date_line = [f"Date: {date_text}", f"Date of meeting: {date_text}", f"Meeting date - {date_text}", date_text][style]
    lines = [d.employer, "", title, "", date_line, f"Time: {rng.randint(9, 15)}:00", ""]
    lines += [d.pick("Present:", "Attendees:", "Those present:", "In the room:")]
    lines += [f"{d.manager} ({ini[0]}) - Chair", f"{d.member} ({ini[1]}) - Employee",
              f"{d.witness} ({ini[2]}) - {d.pick('Union representative', 'Notes', 'HR')}", ""]  # fmt: skip
    exchanges = [
        (0, "Explained the purpose of the meeting and checked everyone had the papers."),
        (1, "Said she had not seen the email about the shift change until the Monday."),
        (2, "Asked whether the rota had been published in the usual way."),
        (0, "Confirmed it had been put on the board but not emailed."),
        (1, "Said this had happened before and she had raised it with her supervisor."),
        (
            0,
            d.pick(
                "Adjourned for 15 minutes.",
                "Said he would consider what had been said.",
                "Explained that a written warning was one possible result.",
            ),
        ),
        (2, "Asked for the statements to be sent before the next meeting."),
    ]
    for who, said in exchanges[: rng.randint(4, 7)]:
        lines.append(f"{ini[who]}: {said}" if rng.random() < 0.7 else f"{ini[who]} {said.lower()}")
    lines += ["", d.pick("Meeting ended at 11:40.", "The meeting finished at 3.15pm.", "Close.")]
    return "\n".join(lines), d.date.isoformat(), title


def witness(d: _Doc) -> tuple[str, str, str]:
    rng = d.rng
    title = d.pick("Witness Statement", f"Statement of {d.witness}", "STATEMENT", "Witness statement",
                   f"Statement by {d.witness}")  # fmt: skip
    incident = _short(rng, d.date - dt.timedelta(days=rng.randint(3, 40)))
    lines = [title, "", f"Name: {d.witness}", f"Job title: {rng.choice(JOBS)}"]
    if rng.random() < 0.4:
        born = dt.date(rng.randint(1960, 2001), rng.randint(1, 12), rng.randint(1, 28))
        lines.append(f"Date of birth: {write_date(rng, born)}")
    lines += [""]
    paragraphs = [
        f"I have been a {rng.choice(JOBS).lower()} at {d.employer} for {rng.randint(2, 15)} years.",
        f"On {incident} I was on the early shift with {d.member}.",
        d.pick(
            f"At about 10am I saw {d.manager} shout at {d.member} in front of the team.",
            f"I heard {d.manager} tell {d.member} that she was useless and would be gone by Christmas.",
            f"{d.member} came to me upset and said she had been spoken to unfairly.",
        ),
        "I did not report it at the time because I was worried about my own job.",
        d.pick("I am willing to attend a hearing if needed.", "I have nothing further to add."),
    ]
    for index, para in enumerate(paragraphs, 1):
        lines.append(f"{index}. {para}" if rng.random() < 0.7 else para)
    lines += [
        "",
        d.pick(
            "I believe the contents of this statement are true.",
            "I confirm that what I have written here is accurate to the best of my recollection.",
            "This statement is true to the best of my knowledge and belief.",
            "",
        ),
        "",
        d.pick("Signed:", "Signature:", "Signed"),
        d.pick(
            f"Date: {write_date(rng, d.date)}",
            f"Dated {write_date(rng, d.date)}",
            f"{write_date(rng, d.date)}",
        ),
    ]
    return "\n".join(lines), d.date.isoformat(), title


def policy(d: _Doc) -> tuple[str, str, str]:
    rng = d.rng
    name = d.pick("Disciplinary Procedure", "Dignity at Work Policy", "Managing Attendance Procedure",
                  "Code of Conduct", "Grievance Policy and Procedure", "Whistleblowing Policy",
                  "Flexible Working Guidance")  # fmt: skip
    lines = [d.employer, "", name, ""]
    dated = rng.random() < 0.7
    if dated:
        lines += [d.pick(f"Version {rng.randint(1, 5)}.{rng.randint(0, 9)}", "Version: final"),
                  d.pick(f"Approved: {write_date(rng, d.date)}", f"Date issued: {write_date(rng, d.date)}",
                         f"Date of issue: {write_date(rng, d.date)}")]  # fmt: skip
        lines.append(f"Next review: {write_date(rng, _later(rng, d.date, 365, 1000))}")
    lines += [
        "",
        d.pick("1. Introduction", "1 Why we have this document", "1. About this document"),
        d.pick(
            "This document sets out how the organisation expects staff to behave and what happens if they do not.",
            "We want everyone to be treated with respect at work.",
            "It explains the steps managers will follow and what employees can expect at each stage.",
        ),
        d.pick("2. Who it covers", "2. Scope", "2. Who this applies to"),
        "All employees, including those on fixed-term contracts. It does not cover agency workers or contractors.",
        d.pick("3. Roles", "3. Responsibilities", "3. Who does what"),
        "Managers must apply this fairly and consistently. Employees must cooperate with any process.",
        "4. Stages",
        "4.1 Informal discussion. 4.2 Formal stage one. 4.3 Formal stage two. 4.4 Final stage.",
    ]
    return "\n".join(lines), (d.date.isoformat() if dated else ""), name


def email_message(d: _Doc) -> Labelled:
    rng = d.rng
    subject = d.pick("Meeting on Thursday", "RE: your hours", "Fwd: rota for next week", "Sick note",
                     "Hearing arrangements", "Re: Grievance", "Can we talk?", "Appeal", "Final written warning",
                     "Payslip query")  # fmt: skip
    sent = dt.datetime.combine(d.date, dt.time(rng.randint(7, 20), rng.randint(0, 59)), tzinfo=dt.UTC)
    earlier = d.date - dt.timedelta(days=rng.randint(1, 20))
    body = [
        d.pick(f"Hi {d.member.split()[0]},", "Hello,", f"Dear {d.manager.split()[0]}"),
        "",
        d.pick(
            f"Can you make the meeting on {_short(rng, _later(rng, d.date, 2, 9))}? You can bring your rep.",
            "I've attached my fit note from the GP - I am signed off for two weeks.",
            "I wish to appeal against the decision. I will send my grounds separately.",
            "Please find my payslip attached; the overtime is missing again.",
            "I want to put in a formal grievance about how I was spoken to on Monday.",
            "Just confirming the rota changes we discussed.",
        ),
        "",
        "Thanks",
        d.manager.split()[0],
    ]
    if rng.random() < 0.5:
        body += ["", f"On {write_date(rng, earlier)}, {d.member} wrote:", "> Is the meeting still going ahead?"]
    metadata = {
        "from": f"{d.manager} <{d.manager.split()[0].lower()}@example.org>",
        "to": f"{d.member} <member@example.net>",
        "date": sent.strftime("%a, %d %b %Y %H:%M:%S +0000") if rng.random() < 0.8 else sent.isoformat(" "),
        "subject": subject,
    }
    printed = rng.random() < 0.25
    if printed:
        # A printed email: the header lines are in the text, the file is a PDF.
        head = [f"From: {metadata['from']}", f"Sent: {write_date(rng, d.date)} {sent:%H:%M}",
                f"To: {metadata['to']}", f"Subject: {subject}", ""]  # fmt: skip
        return Labelled(["\n".join(head + body)], "EMAIL", d.date.isoformat(), subject)
    return Labelled(["\n".join(body)], "EMAIL", d.date.isoformat(), subject, metadata=metadata,
                    detected_type=d.pick("message/rfc822", "application/vnd.ms-outlook"))  # fmt: skip


def medical(d: _Doc) -> tuple[str, str, str]:
    rng = d.rng
    if rng.random() < 0.55:
        title = d.pick("Statement of Fitness for Work", "Fit note", "Statement of fitness for work")
        lines = [title, d.pick("For social security or Statutory Sick Pay", "NHS"), "",
                 f"Patient's name: {d.member_title} {d.member}", "",
                 f"I assessed your case on: {write_date(rng, d.date)}", "",
                 "and, because of the following condition(s):", d.pick("Stress at work", "Low back pain", "Anxiety"),
                 "", d.pick("I advise you that you are not fit for work.",
                            "I advise you that you may be fit for work taking into account the following advice:"),
                 d.pick("a phased return to work", "amended duties", ""), "",
                 f"This will be the case for {rng.randint(1, 8)} weeks.", "",
                 "Doctor's signature", f"Date of statement: {write_date(rng, d.date)}"]  # fmt: skip
    else:
        title = d.pick("Occupational Health Report", "Occupational health assessment", "Management referral report")
        lines = [d.pick("Healthwise OH Services", "WorkFit Occupational Health"), "", title, "",
                 f"Employee: {d.member}", f"Employer: {d.employer}", f"Date: {write_date(rng, d.date)}", "",
                 "Reason for referral", "The manager asked for advice about a return to work after sickness absence.",
                 "Opinion", d.pick(
                     f"{d.member.split()[0]} reports ongoing symptoms which are improving with treatment.",
                     "In my opinion the employee is likely to be covered by the disability provisions of the Act.",
                 ), "Recommendations", d.pick("A phased return over four weeks.", "Reduced hours for a month."),
                 "", f"Adviser: {d.witness} RGN"]  # fmt: skip
    return "\n".join(lines), d.date.isoformat(), title


def payslip(d: _Doc) -> tuple[str, str, str]:
    rng = d.rng
    title = d.pick("Payslip", "PAYSLIP", "Pay Advice", "Earnings Statement", "Pay statement")
    basic = rng.randint(1500, 3200)
    tax = round(basic * 0.12, 2)
    ni = round(basic * 0.08, 2)
    lines = [d.employer, title, "",
             f"Employee: {d.member}", f"Employee No: {rng.randint(10000, 99999)}",
             f"NI No: {rng.choice('ABCEGHJ')}{rng.choice('ABCEGHJ')}{rng.randint(100000, 999999)}{rng.choice('ABCD')}",
             f"Tax code: {rng.choice(['1257L', 'BR', '1100L'])}",
             f"Period: {rng.randint(1, 12)}",
             d.pick(f"Pay date: {write_date(rng, d.date)}", f"Payment date: {write_date(rng, d.date)}",
                    f"Paid on {write_date(rng, d.date)}"),
             "", "Payments", f"Basic pay {basic:.2f}", f"Overtime {rng.randint(0, 300):.2f}",
             "Deductions", f"Income tax {tax:.2f}", f"National Insurance {ni:.2f}",
             f"Pension {basic * 0.05:.2f}", "", f"Net {basic - tax - ni:.2f}"]  # fmt: skip
    # "Paid on <date>" is a dated line the reader may miss; the truth is still the pay date.
    return "\n".join(lines), d.date.isoformat(), title


def contract(d: _Doc) -> tuple[str, str, str]:
    rng = d.rng
    title = d.pick("Contract of Employment", "Statement of Main Terms of Employment",
                   "Terms and Conditions of Employment", "Written statement of employment particulars",
                   "Employment Agreement")  # fmt: skip
    start = d.date + dt.timedelta(days=rng.randint(7, 30))
    lines = [title, "", f"Between {d.employer} (the Employer) and {d.member} (the Employee)", "",
             f"1. Start date: Your employment begins on {write_date(rng, start)}.",
             f"2. Job title: {d.job}",
             "3. Place of work: the Employer's premises, or any other reasonable location.",
             f"4. Hours: {rng.choice([37.5, 40, 16, 24])} hours a week, Monday to Friday.",
             f"5. Pay: £{rng.randint(18, 40)},{rng.randint(100, 999)} a year, paid monthly.",
             "6. Holidays: 28 days a year including bank holidays.",
             "7. Ending the employment: either party must give one month's notice in writing.",
             "", "Signed for the Employer", d.manager,
             d.pick(f"Date: {write_date(rng, d.date)}", f"Dated: {write_date(rng, d.date)}",
                    f"Date {write_date(rng, d.date)}")]  # fmt: skip
    return "\n".join(lines), d.date.isoformat(), title


def _member_letter(d: _Doc, subject: str | None, body: list[str]) -> tuple[str, str]:
    rng = d.rng
    lines = [d.member, *d.home, ""]
    if rng.random() < 0.5:
        lines += [f"{d.manager}", d.role, d.employer, ""]
    lines += [write_date(rng, d.date), ""]
    lines += [d.pick(f"Dear {d.manager.split()[0]},", "Dear Sir or Madam,", "To whom it may concern,",
                     f"Dear {d.manager},"), ""]  # fmt: skip
    if subject:
        lines += [subject, ""]
    lines += [*body, "", d.pick("Yours sincerely,", "Yours faithfully,", "Regards,"), "", d.member]
    return "\n".join(lines), d.date.isoformat()


def grievance(d: _Doc) -> tuple[str, str, str]:
    subject, title = _subject(d, d.pick("Formal grievance", "Complaint about my manager", "Formal complaint",
                                        "Grievance - treatment by my supervisor"))  # fmt: skip
    body = [
        d.pick(
            "I want to put in a formal grievance about the way I have been treated by my supervisor.",
            "I am writing to complain formally about my line manager's behaviour towards me.",
            "Please treat this letter as a grievance under the company procedure.",
            "I would like my concerns below to be dealt with under the formal grievance process.",
        ),
        d.pick(
            "Since March I have been given the worst shifts while others are not.",
            "On several occasions she has shouted at me in front of customers.",
            "I believe I am being singled out because I am a union member.",
        ),
        d.pick("I would like a meeting to discuss this.", "I want this to stop and an apology.", ""),
    ]
    text, date = _member_letter(d, subject, body)
    return text, date, title


def appeal(d: _Doc) -> tuple[str, str, str]:
    against = d.pick("my dismissal", "the final written warning", "the grievance outcome", "the decision to dismiss me")
    subject, title = _subject(d, d.pick(f"Appeal - {against}", "Appeal", f"Appeal against {against}",
                                        "Notice of appeal"))  # fmt: skip
    body = [
        d.pick(
            f"I am writing to appeal {against}, which was confirmed in your letter.",
            f"I do not accept {against} and ask for it to be reconsidered at an appeal hearing.",
            f"Please accept this letter as my appeal concerning {against}.",
        ),
        d.pick(
            "My reasons are that the investigation was one-sided and my witnesses were not interviewed.",
            "The sanction was too harsh given my twelve years' clean record.",
            "New evidence has come to light which I was not able to present at the hearing.",
        ),
        d.pick("I will be accompanied by my union representative.", "I look forward to hearing from you."),
    ]
    text, date = _member_letter(d, subject, body)
    return text, date, title


def other(d: _Doc) -> tuple[str, str, str]:
    rng = d.rng
    variant = rng.randrange(4)
    if variant == 0:
        title = "Certificate of Completion"
        lines = [title, "", "This is to certify that", d.member, "has completed", "Manual Handling (Level 2)",
                 f"on {write_date(rng, d.date)}", "", "Trainer: " + d.witness]  # fmt: skip
        return "\n".join(lines), "", title
    if variant == 1:
        title = d.pick("Staff rota", "Rota - week commencing", "Shift pattern")
        lines = [d.employer, title, "", "Mon: Early 06:00-14:00", "Tue: Late 14:00-22:00", "Wed: Off",
                 "Thu: Early", "Fri: Early", "", "Any swaps must be agreed with the duty manager."]  # fmt: skip
        return "\n".join(lines), "", title
    if variant == 2:
        title = "Car Park Permit"
        lines = [title, "", f"Holder: {d.member}", f"Vehicle: {rng.choice(['AB12 CDE', 'YX19 KLM'])}",
                 "Display clearly in the windscreen. Permits are issued under the site parking policy.",
                 f"Valid until {write_date(rng, _later(rng, d.date, 30, 300))}"]  # fmt: skip
        return "\n".join(lines), "", title
    title = d.pick("Receipt", "Taxi receipt")
    lines = [d.pick("Star Cars", "City Taxis"), title, f"Date: {write_date(rng, d.date)}",
             f"Fare £{rng.randint(8, 40)}.50", "Thank you for travelling with us"]  # fmt: skip
    return "\n".join(lines), d.date.isoformat(), title


_BUILDERS = {
    "INVITATION": invitation, "OUTCOME_LETTER": outcome, "SUSPENSION_LETTER": suspension, "WARNING": warning,
    "MINUTES": minutes, "WITNESS_STATEMENT": witness, "POLICY": policy, "MEDICAL": medical,
    "PAY_RECORD": payslip, "CONTRACT": contract, "GRIEVANCE": grievance, "APPEAL": appeal, "OTHER": other,
}  # fmt: skip

# OCR slips: (what is read, what it is read as).
_SLIPS = [("rn", "m"), ("m", "rn"), ("l", "1"), ("O", "0"), ("e", "c"), ("i", "l"), ("a", "o"), ("h", "b"),
          ("S", "5"), ("t", "f"), (",", "."), (" ", "")]  # fmt: skip


def ocr_noise(rng: random.Random, text: str, rate: float) -> str:
    """The text with about ``rate`` of its characters misread as a scanner's OCR does."""
    out: list[str] = []
    index = 0
    while index < len(text):
        if rng.random() < rate:
            for seen, read in rng.sample(_SLIPS, len(_SLIPS)):
                if text.startswith(seen, index):
                    out.append(read)
                    index += len(seen)
                    break
            else:
                out.append(text[index])
                index += 1
            continue
        out.append(text[index])
        index += 1
    return "".join(out)


def generate(count: int, seed: int, noise_fraction: float = 0.25) -> list[Labelled]:
    """``count`` labelled documents, kinds in turn (so each kind has about count/14), seeded."""
    rng = random.Random(seed)
    documents: list[Labelled] = []
    for number in range(count):
        kind = KINDS[number % len(KINDS)]
        d = _Doc(rng)
        if kind == "EMAIL":
            documents.append(email_message(d))
            continue
        text, date, title = _BUILDERS[kind](d)
        doc = Labelled([text], kind, date, title)
        # How it reached us: a scan or photo (maybe with EXIF), or a PDF (maybe with a creation date).
        if rng.random() < 0.4:
            doc.detected_type = rng.choice(["image/jpeg", "image/png", "application/pdf"])
            doc.noisy = rng.random() < noise_fraction / 0.4
            if doc.detected_type == "image/jpeg" and rng.random() < 0.6:
                taken = _later(rng, d.date, 0, 20)
                doc.exif_date = taken.strftime("%Y:%m:%d %H:%M:%S")
                doc.date = doc.date or taken.isoformat()
        elif rng.random() < 0.7:
            created = _later(rng, d.date, 0, 3)
            doc.pdf_info = {"CreationDate": created.strftime("D:%Y%m%d%H%M%S+00'00'"), "Producer": "Microsoft Word"}
            doc.date = doc.date or created.isoformat()
        if doc.noisy:
            doc.pages = [ocr_noise(rng, page, rng.uniform(0.01, 0.04)) for page in doc.pages]
        documents.append(doc)
    return documents
