"""The evidence viewer's marking of search words."""

from casework_portal.highlight import mark, terms


def test_terms_leave_out_operators_and_excluded_words() -> None:
    assert terms('"final warning" AND lateness OR dismiss* NOT appeal -union') == [
        "final",
        "warning",
        "lateness",
        "dismiss*",
    ]


def test_words_are_marked_with_their_endings_and_prefixes() -> None:
    marked = mark("He was Dismissed after warnings; dismissal followed. Warn.", "dismiss warning")
    assert str(marked) == "He was <mark>Dismissed</mark> after <mark>warnings</mark>; dismissal followed. Warn."
    assert str(mark("dismissal", "dismiss*")) == "<mark>dismissal</mark>"


def test_text_is_escaped_and_markup_in_it_is_never_live() -> None:
    marked = str(mark('<script>alert("x")</script> Smith & Sons: lateness', "lateness script amp quot"))
    assert "<script>" not in marked
    assert "&lt;<mark>script</mark>&gt;" in marked
    assert "<mark>lateness</mark>" in marked
    # The entities escaping makes are not words of the text.
    assert "Smith &amp; Sons" in marked and "&#34;x&#34;" in marked
