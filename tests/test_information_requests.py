"""Subject access and FOI requests of a case (docs/design.md, 'Deadlines'), against the running platform: the
generated letters, the statutory deadline a sent request puts on the case (dates worked out by hand
below), the extension, the reply with the case's own evidence, the complaint offered only when
overdue, who may see and change them, and hostile input.

Dates are in the past (a request cannot be recorded as sent in the future), chosen so that the
answer does not depend on the day the suite runs: a request received in 2026 is long overdue by
now, one sent today is not due for weeks.
"""

from __future__ import annotations

import datetime as dt
import time
import uuid
from typing import Any

import jsonschema
import pytest
import requests
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from harness import Platform, unique_number

pytestmark = pytest.mark.stack

SAR = {
    "kind": "subject_access",
    "recipient": "Metro Transit Ltd",
    "recipient_email": "dpo@metro-transit.example",
    "requested": "The notes of my investigation meeting, the witness statements, and all emails mentioning me "
    "since 1 March 2026.",
    "employee_number": "MT-40711",
}


DOC_URI = "urn:casework:workflow-openapi"


@pytest.fixture(scope="module")
def documented(platform: Platform) -> Any:
    """Checks a body against a schema of workflow's served OpenAPI document (the models the API declares)."""
    doc = requests.get(f"{platform.url('workflow')}/openapi.json", timeout=10).json()
    registry = Registry().with_resource(DOC_URI, Resource(contents=doc, specification=DRAFT202012))

    def check(body: Any, model: str) -> None:
        validator = jsonschema.Draft202012Validator(
            {"$ref": f"{DOC_URI}#/components/schemas/{model}"}, registry=registry
        )
        errors = [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(body)]
        assert errors == [], errors[:5]

    return check


def base(case: dict[str, Any]) -> str:
    return f"/v1/cases/{case['id']}/information-requests"


def create(platform: Platform, case: dict[str, Any], body: dict[str, Any], who: str = "rachel") -> requests.Response:
    return platform.call(who, "POST", "workflow", base(case), json=body)


def act(
    platform: Platform, case: dict[str, Any], rid: str, action: str, body: dict[str, Any], who: str = "rachel"
) -> requests.Response:
    return platform.call(who, "POST", "workflow", f"{base(case)}/{rid}/{action}", json=body)


def deadline_of(platform: Platform, case: dict[str, Any], rid: str, who: str = "rachel") -> dict[str, Any] | None:
    """The request's deadline as the case's deadline list (deadlines API) shows it."""
    listed = platform.call(who, "GET", "workflow", f"/v1/cases/{case['id']}/deadlines")
    assert listed.status_code == 200, listed.text
    found = [d for d in listed.json()["items"] if d["origin"] == f"request:{rid}"]
    assert len(found) <= 1
    return found[0] if found else None


def evidence_on_case(platform: Platform, case: dict[str, Any], name: str = "reply.txt") -> str:
    """Upload one item and wait until workflow has it on the case's timeline (it learns of
    evidence from intake's events)."""
    upload = platform.upload("rachel", case["id"], [(name, b"The employer's reply.", "text/plain")])
    assert upload.status_code in (201, 202), upload.text
    evidence_id = upload.json()["items"][0]["id"]
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        timeline = platform.call("rachel", "GET", "workflow", f"/v1/cases/{case['id']}/timeline").json()["items"]
        if any(e["data"].get("evidence_id") == evidence_id for e in timeline):
            return evidence_id
        time.sleep(0.3)
    raise AssertionError("the evidence never reached the case's timeline")


@pytest.fixture
def case(platform: Platform) -> dict[str, Any]:
    """Maria's case (maria is the member M100001), Rachel its rep."""
    return platform.create_case(
        "rachel",
        "M100001",
        name="Maria Okafor",
        member={
            "name": "Maria Okafor",
            "membership_number": "M100001",
            "employer": "Metro Transit Ltd",
            "workplace": "Finsbury Park depot",
            "job_role": "Station assistant",
            "email": "maria@union.example.org",
        },
    )


def test_a_subject_access_request_letter_is_filled_from_the_case(platform: Platform, case: dict[str, Any]) -> None:
    made = create(platform, case, SAR)
    assert made.status_code == 201, made.text
    body = made.json()
    assert made.headers["Location"] == f"{base(case)}/{body['id']}"
    assert body["state"] == "draft" and body["deadline"] is None and body["overdue"] is False
    assert body["allowed_actions"] == ["sent", "withdraw"]
    letter = body["letter"]
    assert letter["subject"] == "Subject access request: Maria Okafor" and letter["to"] == "Metro Transit Ltd"
    text = letter["body"]
    for fact in (
        "To the Data Protection Officer, Metro Transit Ltd",
        "Article 15 of the UK General Data Protection Regulation",
        "Data Protection Act 2018",
        "- Name: Maria Okafor",
        "- Job role: Station assistant",
        "- Workplace: Finsbury Park depot",
        "- Employee or payroll number: MT-40711",
        "maria@union.example.org",
        SAR["requested"],
        "within one month of receiving this request",
        "the purposes for which you process it",
        "how long you will keep it",
        "where it came from",
    ):
        assert fact in text, fact
    # Only the case's and the request's facts: not the union membership number (trade union membership
    # is special category data the employer is not told by this letter), no placeholders.
    assert "M100001" not in text and "[" not in text and "{" not in text
    # It is on the case's list, and the member (whose request it is) reads it too.
    listed = platform.call("rachel", "GET", "workflow", base(case)).json()["items"]
    assert [r["id"] for r in listed] == [body["id"]]
    mine = platform.call("maria", "GET", "workflow", f"{base(case)}/{body['id']}")
    assert mine.status_code == 200 and mine.json()["letter"] == letter and mine.json()["allowed_actions"] == []
    member_timeline = platform.call("maria", "GET", "workflow", f"/v1/cases/{case['id']}/timeline").json()["items"]
    assert any(e["kind"] == "information_request" and "drafted" in e["body"] for e in member_timeline)


def test_a_line_whose_fact_is_not_recorded_is_left_out(platform: Platform) -> None:
    bare = platform.create_case("rachel", unique_number(), name="Sam Bare")  # no job role, workplace, email
    made = create(platform, bare, {k: v for k, v in SAR.items() if k != "employee_number"})
    assert made.status_code == 201, made.text
    text = made.json()["letter"]["body"]
    assert "- Name: Sam Bare" in text
    assert "Job role" not in text and "Workplace" not in text and "Employee" not in text and "Email:" not in text
    assert "None" not in text


def test_sending_puts_the_one_month_deadline_on_the_case_and_an_extension_adds_two(
    platform: Platform, case: dict[str, Any], documented: Any
) -> None:
    rid = create(platform, case, SAR).json()["id"]
    # Received Monday 31 August 2026 (an email: received the day it was sent). September has no
    # 31st, so the month ends on its last day: Wednesday 30 September 2026.
    sent = act(platform, case, rid, "sent", {"sent_on": "2026-08-31"})
    assert sent.status_code == 200, sent.text
    body = sent.json()
    documented(body, "InformationRequestOut")
    assert body["state"] == "sent" and body["sent_on"] == "2026-08-31" and body["received_on"] == "2026-08-31"
    assert body["deadline"]["due_on"] == "2026-09-30"
    listed = deadline_of(platform, case, rid)
    assert listed is not None
    assert listed["kind"] == "subject_access" and listed["due_on"] == "2026-09-30" and listed["state"] == "open"
    assert listed["visibility"] == "member" and "Metro Transit Ltd" in listed["label"]
    assert any("the day it was sent" in step for step in listed["computation"])  # the assumption is said
    assert deadline_of(platform, case, rid, who="maria") is not None  # the member sees her request's clock
    assert body["overdue"] is True and "complaint" in body["allowed_actions"]
    # Sending twice is refused and changes nothing.
    again = act(platform, case, rid, "sent", {"sent_on": "2026-09-01"})
    assert again.status_code == 409 and again.headers["Content-Type"] == "application/problem+json"
    # The controller extended it on 15 September 2026, within the first month: two further months,
    # to Monday 30 November 2026 (three months from receipt).
    extended = act(platform, case, rid, "extension", {"notified_on": "2026-09-15", "reason": "Many records."})
    assert extended.status_code == 200, extended.text
    assert extended.json()["state"] == "extended" and extended.json()["extended_on"] == "2026-09-15"
    listed = deadline_of(platform, case, rid)
    assert listed is not None and listed["due_on"] == "2026-11-30" and listed["state"] == "open"
    # Extended once only.
    assert act(platform, case, rid, "extension", {"notified_on": "2026-09-16", "reason": "x"}).status_code == 409


def test_an_extension_notified_after_the_first_month_does_not_extend(platform: Platform, case: dict[str, Any]) -> None:
    rid = create(platform, case, SAR).json()["id"]
    assert act(platform, case, rid, "sent", {"sent_on": "2026-08-31"}).status_code == 200
    late = act(platform, case, rid, "extension", {"notified_on": "2026-10-01", "reason": "Busy."})
    assert late.status_code == 422, late.text
    assert (
        late.json()["errors"][0]["field"] == "notified_on"
        and "30 September 2026" in late.json()["errors"][0]["message"]
    )
    listed = deadline_of(platform, case, rid)
    assert listed is not None and listed["due_on"] == "2026-09-30"
    state = platform.call("rachel", "GET", "workflow", f"{base(case)}/{rid}").json()
    assert state["state"] == "sent" and state["extended_on"] is None


def test_a_posted_request_counts_from_the_day_it_was_received(platform: Platform, case: dict[str, Any]) -> None:
    rid = create(platform, case, SAR).json()["id"]
    # Posted Tuesday 28 April, received Thursday 30 April 2026: a month later is Saturday 30 May, so
    # the reply is due on the next working day, Monday 1 June 2026.
    sent = act(platform, case, rid, "sent", {"sent_on": "2026-04-28", "received_on": "2026-04-30"})
    assert sent.status_code == 200, sent.text
    listed = deadline_of(platform, case, rid)
    assert listed is not None and listed["due_on"] == "2026-06-01"
    assert not any("the day it was sent" in step for step in listed["computation"])


def test_the_time_can_run_from_a_later_day(platform: Platform, case: dict[str, Any]) -> None:
    rid = create(platform, case, SAR).json()["id"]
    early = act(platform, case, rid, "received", {"received_on": "2026-09-03", "reason": "ID"})
    assert early.status_code == 409  # not sent yet
    assert act(platform, case, rid, "sent", {"sent_on": "2026-08-31"}).status_code == 200
    # The controller asked for proof of identity and got it on Thursday 3 September 2026: a month
    # later is Saturday 3 October, so the reply is due on Monday 5 October 2026.
    moved = act(platform, case, rid, "received", {"received_on": "2026-09-03", "reason": "Proof of identity received."})
    assert moved.status_code == 200, moved.text
    assert moved.json()["received_on"] == "2026-09-03" and moved.json()["state"] == "sent"
    listed = deadline_of(platform, case, rid)
    assert listed is not None and listed["due_on"] == "2026-10-05"
    assert not any("the day it was sent" in step for step in listed["computation"])
    before = act(platform, case, rid, "received", {"received_on": "2026-08-30", "reason": "x"})
    assert before.status_code == 422 and before.json()["errors"][0]["field"] == "received_on"
    # Extended on 15 September; the time cannot then run from after that notice.
    assert act(platform, case, rid, "extension", {"notified_on": "2026-09-15", "reason": "Many."}).status_code == 200
    assert deadline_of(platform, case, rid)["due_on"] == "2026-12-03"  # type: ignore[index]
    late = act(platform, case, rid, "received", {"received_on": "2026-09-20", "reason": "x"})
    assert late.status_code == 422 and "15 September 2026" in late.json()["errors"][0]["message"]
    assert deadline_of(platform, case, rid)["due_on"] == "2026-12-03"  # type: ignore[index]


@pytest.mark.parametrize(
    "jurisdiction,received,due",
    [
        # Received Wednesday 1 April 2026. Day 1 is Thursday 2 April; Good Friday (3 April) is not a
        # working day anywhere. Easter Monday (6 April) is a bank holiday in England, Wales and
        # Northern Ireland but not in Scotland: under FOISA (Scottish bank holidays only) it is day 2
        # and the twentieth working day is Thursday 30 April; under FOIA it is not a working day,
        # so the twentieth is Friday 1 May 2026.
        pytest.param("scotland", "2026-04-01", "2026-04-30", id="FOISA over Easter"),
        pytest.param("england_wales", "2026-04-01", "2026-05-01", id="FOIA over Easter"),
        # Received Monday 2 November 2026: the twentieth weekday after it is Monday 30 November, St
        # Andrew's Day, a Scottish bank holiday. FOISA skips it; so does FOIA, whose working days
        # exclude bank holidays "in any part of the United Kingdom" (s.10(6)): Tuesday 1 December.
        pytest.param("scotland", "2026-11-02", "2026-12-01", id="FOISA over St Andrew's Day"),
        pytest.param("england_wales", "2026-11-02", "2026-12-01", id="FOIA over St Andrew's Day"),
    ],
)
def test_foi_deadline_counts_the_right_bank_holidays(
    platform: Platform, case: dict[str, Any], jurisdiction: str, received: str, due: str
) -> None:
    made = create(
        platform,
        case,
        {
            "kind": "foi",
            "recipient": "Glasgow City Council" if jurisdiction == "scotland" else "Islington Council",
            "jurisdiction": jurisdiction,
            "requested": "Your disciplinary policy and the number of disciplinary hearings held in 2025.",
        },
    )
    assert made.status_code == 201, made.text
    rid = made.json()["id"]
    assert act(platform, case, rid, "sent", {"sent_on": received}).status_code == 200
    listed = deadline_of(platform, case, rid)
    assert listed is not None and listed["kind"] == "foi" and listed["due_on"] == due, listed


def test_foi_letters_cite_the_right_act(platform: Platform, case: dict[str, Any]) -> None:
    def letter(jurisdiction: str) -> str:
        made = create(
            platform,
            case,
            {"kind": "foi", "recipient": "A Council", "jurisdiction": jurisdiction, "requested": "The policy."},
        )
        assert made.status_code == 201, made.text
        return made.json()["letter"]["body"]

    scottish, english = letter("scotland"), letter("england_wales")
    assert "Freedom of Information (Scotland) Act 2002" in scottish and "Act 2000" not in scottish
    assert "section 1 of the Freedom of Information Act 2000" in english and "Scotland" not in english
    for text in (scottish, english):
        assert "The policy." in text and "twentieth working day" in text and "Maria Okafor" in text
    no_jurisdiction = create(platform, case, {"kind": "foi", "recipient": "A Council", "requested": "The policy."})
    assert no_jurisdiction.status_code == 422 and "jurisdiction" in no_jurisdiction.text
    # An FOI request is not extended by the authority saying so.
    rid = create(
        platform, case, {"kind": "foi", "recipient": "A Council", "jurisdiction": "scotland", "requested": "x y z"}
    ).json()["id"]
    assert act(platform, case, rid, "sent", {"sent_on": "2026-11-02"}).status_code == 200
    refused = act(platform, case, rid, "extension", {"notified_on": "2026-11-03", "reason": "Public interest."})
    assert refused.status_code == 409 and "subject access" in refused.json()["detail"]
    assert deadline_of(platform, case, rid)["due_on"] == "2026-12-01"  # type: ignore[index]


def test_a_reply_with_the_case_s_evidence_meets_the_deadline(
    platform: Platform, case: dict[str, Any], documented: Any
) -> None:
    other = platform.create_case("rachel", unique_number(), name="Mark Other")
    own, foreign = evidence_on_case(platform, case), evidence_on_case(platform, other)
    rid = create(platform, case, SAR).json()["id"]
    early = act(platform, case, rid, "reply", {"received_on": "2026-09-10", "evidence_ids": [own]})
    assert early.status_code == 409 and "not been sent" in early.json()["detail"]  # reply before sent
    assert act(platform, case, rid, "sent", {"sent_on": "2026-08-31"}).status_code == 200
    # Another case's evidence and ids of nothing are named, and nothing changes.
    nothing = str(uuid.uuid4())
    refused = act(platform, case, rid, "reply", {"received_on": "2026-09-10", "evidence_ids": [own, foreign, nothing]})
    assert refused.status_code == 422, refused.text
    errors = refused.json()["errors"]
    assert [e["field"] for e in errors] == ["evidence_ids"] and errors[0]["evidence_ids"] == [foreign, nothing]
    assert foreign in errors[0]["message"] and own not in errors[0]["evidence_ids"]
    assert platform.call("rachel", "GET", "workflow", f"{base(case)}/{rid}").json()["state"] == "sent"
    assert deadline_of(platform, case, rid)["state"] == "open"  # type: ignore[index]
    not_an_id = act(platform, case, rid, "reply", {"received_on": "2026-09-10", "evidence_ids": ["../etc"]})
    assert not_an_id.status_code == 422 and not_an_id.json()["errors"][0]["field"] == "evidence_ids.0"
    before_sent = act(platform, case, rid, "reply", {"received_on": "2026-08-30", "evidence_ids": [own]})
    assert before_sent.status_code == 422 and before_sent.json()["errors"][0]["field"] == "received_on"
    # The case's own evidence: recorded, listed with its file name, the deadline met.
    replied = act(platform, case, rid, "reply", {"received_on": "2026-09-10", "evidence_ids": [own.upper()]})
    assert replied.status_code == 200, replied.text
    body = replied.json()
    documented(body, "InformationRequestOut")
    documented(platform.call("maria", "GET", "workflow", base(case)).json(), "InformationRequestList")
    assert body["state"] == "replied" and body["replied_on"] == "2026-09-10" and body["overdue"] is False
    assert body["reply_evidence"] == [{"id": own, "filename": "reply.txt"}]
    assert deadline_of(platform, case, rid)["state"] == "met"  # type: ignore[index]
    assert act(platform, case, rid, "reply", {"received_on": "2026-09-11", "evidence_ids": [own]}).status_code == 409
    gone = platform.call("rachel", "GET", "workflow", f"{base(case)}/{rid}/complaint")
    assert gone.status_code == 409  # answered: nothing to complain about


def test_the_complaint_is_offered_only_when_overdue(platform: Platform, case: dict[str, Any], documented: Any) -> None:
    today = dt.date.today().isoformat()
    fresh = create(platform, case, SAR).json()["id"]
    draft = platform.call("rachel", "GET", "workflow", f"{base(case)}/{fresh}/complaint")
    assert draft.status_code == 409 and draft.json()["state"] == "draft"
    assert act(platform, case, fresh, "sent", {"sent_on": today}).status_code == 200
    not_yet = platform.call("rachel", "GET", "workflow", f"{base(case)}/{fresh}/complaint")
    assert not_yet.status_code == 409 and "not overdue" in not_yet.json()["detail"]
    # Received 31 August 2026, due 30 September 2026, never answered.
    old = create(platform, case, SAR).json()["id"]
    assert act(platform, case, old, "sent", {"sent_on": "2026-08-31"}).status_code == 200
    complaint = platform.call("rachel", "GET", "workflow", f"{base(case)}/{old}/complaint")
    assert complaint.status_code == 200, complaint.text
    body = complaint.json()
    documented(body, "ComplaintOut")
    assert body["due_on"] == "2026-09-30" and body["days_overdue"] > 0
    assert body["regulator"]["name"] == "Information Commissioner's Office"
    assert body["regulator"]["url"].startswith("https://ico.org.uk/")
    [letter] = body["letters"]
    assert letter["stage"] == "complaint" and letter["to"] == "Information Commissioner's Office"
    for fact in ("Metro Transit Ltd", "31 August 2026", "30 September 2026", "Article 12(3)", "Maria Okafor"):
        assert fact in letter["body"], fact
    assert SAR["requested"] in letter["body"]  # the original request is attached
    assert platform.call("maria", "GET", "workflow", f"{base(case)}/{old}/complaint").status_code == 200


def test_an_overdue_foisa_request_asks_for_a_review_before_the_scottish_commissioner(
    platform: Platform, case: dict[str, Any]
) -> None:
    rid = create(
        platform,
        case,
        {"kind": "foi", "recipient": "Glasgow City Council", "jurisdiction": "scotland", "requested": "The rota."},
    ).json()["id"]
    assert act(platform, case, rid, "sent", {"sent_on": "2026-04-01"}).status_code == 200
    body = platform.call("rachel", "GET", "workflow", f"{base(case)}/{rid}/complaint").json()
    assert body["regulator"]["name"] == "Scottish Information Commissioner"
    assert [letter["stage"] for letter in body["letters"]] == ["review", "complaint"]
    review, application = body["letters"]
    assert (
        review["to"] == "Glasgow City Council" and "section 20" in review["body"] and "30 April 2026" in review["body"]
    )
    assert application["to"] == "Scottish Information Commissioner" and "section 47" in application["body"]


def test_withdrawing_withdraws_the_deadline(platform: Platform, case: dict[str, Any]) -> None:
    rid = create(platform, case, SAR).json()["id"]
    assert act(platform, case, rid, "sent", {"sent_on": "2026-08-31"}).status_code == 200
    withdrawn = act(platform, case, rid, "withdraw", {"reason": "The member settled."})
    assert withdrawn.status_code == 200 and withdrawn.json()["state"] == "withdrawn"
    assert withdrawn.json()["overdue"] is False and withdrawn.json()["allowed_actions"] == []
    assert deadline_of(platform, case, rid)["state"] == "withdrawn"  # type: ignore[index]
    assert act(platform, case, rid, "withdraw", {}).status_code == 409
    draft = create(platform, case, SAR).json()["id"]  # a draft has no deadline to withdraw
    assert act(platform, case, draft, "withdraw", {}).status_code == 200
    assert deadline_of(platform, case, draft) is None


def test_a_request_s_deadline_ends_only_through_the_request(platform: Platform, case: dict[str, Any]) -> None:
    rid = create(platform, case, SAR).json()["id"]
    assert act(platform, case, rid, "sent", {"sent_on": "2026-08-31"}).status_code == 200
    deadline = deadline_of(platform, case, rid)
    assert deadline is not None
    path = f"/v1/cases/{case['id']}/deadlines/{deadline['id']}"
    refused = platform.call("rachel", "PATCH", "workflow", path, json={"state": "met"})
    assert refused.status_code == 409, refused.text
    assert refused.json()["request_id"] == rid and f"information-requests/{rid}/reply" in refused.json()["detail"]
    assert deadline_of(platform, case, rid)["state"] == "open"  # type: ignore[index]
    shown = platform.call("rachel", "PATCH", "workflow", path, json={"visibility": "reps"})
    assert shown.status_code == 200 and shown.json()["visibility"] == "reps"  # who sees it stays the rep's choice


def test_only_staff_on_the_case_change_requests_and_outsiders_see_nothing(
    platform: Platform, case: dict[str, Any]
) -> None:
    rid = create(platform, case, SAR).json()["id"]
    one = f"{base(case)}/{rid}"
    # The member reads but does not change.
    assert create(platform, case, SAR, who="maria").status_code == 403
    assert act(platform, case, rid, "sent", {"sent_on": "2026-08-31"}, who="maria").status_code == 403
    # The branch coordinator works on every case of the branch.
    assert act(platform, case, rid, "sent", {"sent_on": "2026-08-31"}, who="cora").status_code == 200
    # A rep of the branch not on the case, a rep of another branch, an official the case was not
    # brought to, a member of another case, the admin: nothing, as if it did not exist.
    for outsider in ("raj", "ravi", "olive", "mark", "ada"):
        for path in (base(case), one, f"{one}/complaint"):
            assert platform.call(outsider, "GET", "workflow", path).status_code == 404, (outsider, path)
        assert create(platform, case, SAR, who=outsider).status_code == 404, outsider
        assert act(platform, case, rid, "withdraw", {}, who=outsider).status_code == 404, outsider
    assert platform.call(None, "GET", "workflow", base(case)).status_code == 401
    assert platform.call(None, "POST", "workflow", base(case), json=SAR).status_code == 401
    # A request id under another case is not found there.
    other = platform.create_case("rachel", unique_number(), name="Other Member")
    assert platform.call("rachel", "GET", "workflow", f"{base(other)}/{rid}").status_code == 404
    assert platform.call("rachel", "GET", "workflow", f"{base(case)}/not-an-id").status_code == 404
    assert platform.call("rachel", "GET", "workflow", f"{base(case)}/{uuid.uuid4()}").status_code == 404
    assert platform.call("rachel", "GET", "workflow", one).json()["state"] == "sent"


@pytest.mark.parametrize(
    "change,field",
    [
        pytest.param({"recipient": "x" * 10_000}, "recipient", id="huge recipient"),
        pytest.param({"requested": "y" * 100_000}, "requested", id="huge request"),
        pytest.param({"recipient": "Metro\nTransit"}, "recipient", id="newline in an address line"),
        pytest.param({"recipient": "Metro\u0000Transit"}, "recipient", id="NUL"),
        pytest.param({"requested": "notes \u001b[2J"}, "requested", id="terminal escape"),
        pytest.param({"kind": "everything"}, "kind", id="unknown kind"),
        pytest.param({"recipient_email": "not an address"}, "recipient_email", id="bad email"),
        pytest.param({"jurisdiction": "wales"}, "jurisdiction", id="unknown jurisdiction"),
        pytest.param({"sneaky": True}, "sneaky", id="unknown field"),
    ],
)
def test_hostile_drafts_are_refused_with_the_field_named(
    platform: Platform, case: dict[str, Any], change: dict[str, Any], field: str
) -> None:
    refused = create(platform, case, {**SAR, **change})
    assert refused.status_code == 422, refused.text
    assert refused.headers["Content-Type"] == "application/problem+json"
    assert field in {e["field"] for e in refused.json()["errors"]}, refused.json()
    assert platform.call("rachel", "GET", "workflow", base(case)).json()["items"] == []


def test_sql_and_markup_are_kept_as_written(platform: Platform, case: dict[str, Any]) -> None:
    odd = "'; DROP TABLE workflow.information_requests; -- <script>alert(1)</script> {{ 7*7 }} {% raw %}"
    made = create(platform, case, {**SAR, "recipient": "O'Brien & Sons <Ltd>", "requested": odd})
    assert made.status_code == 201, made.text
    text = made.json()["letter"]["body"]
    assert odd in text and "O'Brien & Sons <Ltd>" in text and "49" not in text  # data, never a template
    assert [r["requested"] for r in platform.call("rachel", "GET", "workflow", base(case)).json()["items"]] == [odd]


def test_a_sent_date_may_be_typed_as_people_write_it(platform: Platform, case: dict[str, Any]) -> None:
    rid = create(platform, case, SAR).json()["id"]
    sent = act(platform, case, rid, "sent", {"sent_on": "31/08/2026"})  # day first, as in the UK
    assert sent.status_code == 200, sent.text
    assert deadline_of(platform, case, rid)["due_on"] == "2026-09-30"  # type: ignore[index]


@pytest.mark.parametrize(
    "body,field",
    [
        pytest.param({"sent_on": "2026-02-30"}, "sent_on", id="no such day"),
        pytest.param({"sent_on": "31/09/2026"}, "sent_on", id="typed, no such day"),
        pytest.param({"sent_on": "last Tuesday"}, "sent_on", id="not a date"),
        pytest.param({"sent_on": "2999-01-01"}, "sent_on", id="in the future"),
        pytest.param({"sent_on": "1999-01-01"}, "sent_on", id="before the Act"),
        pytest.param({"sent_on": "2026-08-31", "received_on": "2026-08-30"}, "received_on", id="received before sent"),
        pytest.param({}, "sent_on", id="missing"),
    ],
)
def test_bad_dates_are_refused_and_nothing_changes(
    platform: Platform, case: dict[str, Any], body: dict[str, Any], field: str
) -> None:
    rid = create(platform, case, SAR).json()["id"]
    refused = act(platform, case, rid, "sent", body)
    assert refused.status_code == 422, refused.text
    assert field in {e["field"] for e in refused.json()["errors"]}, refused.json()
    assert platform.call("rachel", "GET", "workflow", f"{base(case)}/{rid}").json()["state"] == "draft"
    assert deadline_of(platform, case, rid) is None


def test_guidance_is_short_and_cited(platform: Platform, documented: Any) -> None:
    for who in ("rachel", "maria"):
        response = platform.call(who, "GET", "workflow", "/v1/information-requests/guidance")
        assert response.status_code == 200, response.text
        documented(response.json(), "Guidance")
        sections = response.json()["sections"]
        assert {s["id"] for s in sections} >= {"subject_access", "foi", "subject_access_deadline", "foi_deadline"}
        for section in sections:
            assert section["title"] and 0 < len(section["body"]) < 1500 and section["sources"]
            for source in section["sources"]:
                assert source["url"].startswith(("https://www.legislation.gov.uk/", "https://ico.org.uk/")), source
    assert platform.call(None, "GET", "workflow", "/v1/information-requests/guidance").status_code == 401
