"""How the case page shows and corrects an item's document facts (pure logic; the pages
themselves in Chromium: tests/portal/test_document_facts.py)."""

from casework_portal import facts


def test_the_date_reads_as_people_write_it_with_its_source() -> None:
    letter = {"date": "2026-03-03", "date_source": "text", "kind": "invitation"}
    assert (facts.shown_date(letter), facts.date_source(letter)) == ("3 Mar 2026", "from the letter")
    assert facts.date_source({"date_source": "text", "kind": "minutes"}) == "from the document"
    assert facts.date_source({"date_source": "email-header"}) == "from the email"
    assert facts.date_source({"date_source": "upload"}) == "the day it was added"
    assert facts.date_source({"date_source": "rep"}) == "set by a rep"
    assert facts.shown_date({"date": None}) == "" and facts.shown_date(None) == ""
    assert facts.kind_label({"kind": "pay_record"}) == "Payslip or pay record"
    assert facts.kind_label({"kind": None}) == ""


def test_only_what_the_rep_changed_is_sent() -> None:
    shown = facts.form_values({"date": "2026-03-03", "title": "Invitation", "kind": "invitation"})
    assert shown == {"date": "3 Mar 2026", "title": "Invitation", "kind": "invitation"}
    assert facts.changes(dict(shown), shown) == {}
    assert facts.changes({**shown, "kind": "outcome_letter", "title": " Invitation "}, shown) == {
        "kind": "outcome_letter"
    }
    assert facts.changes({**shown, "date": "03/03/2026"}, shown) == {"date": "03/03/2026"}
    assert facts.changes({**shown, "title": ""}, shown) == {"title": ""}  # refused by intake, shown inline


def test_an_apis_sentences_lose_the_field_name_the_form_shows() -> None:
    assert facts.field_messages({"date": "Date: Value error, Not a real date.", "kind.0": "Kind: is not one"}) == {
        "date": "Not a real date.",
        "kind": "is not one",
    }
