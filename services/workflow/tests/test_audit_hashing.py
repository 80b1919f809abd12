"""The audit chain's hashing and the anchors' signatures (pure logic; the chain itself, the trigger
and the object lock are tested on the platform in tests/test_audit_anchors.py)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import types
import uuid

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from pydantic import ValidationError

from casework_workflow import audit, audit_anchors
from casework_workflow.access_review import AccessReviewQuery

AT = dt.datetime(2026, 12, 1, 19, 0, tzinfo=dt.UTC)
CASE = uuid.UUID("0190a1b2-0000-7000-8000-000000000001")


def frame_hash(actor: str, role: str, digest: str) -> str:
    return audit._digest(audit._frame(7, AT, actor, role, "case.read", CASE, digest, "prev"))


def test_the_digest_covers_the_content_and_a_salt() -> None:
    digest = audit.content_digest("salt-a", "rachel", "case:x", {"name": "Maria Okafor"})
    assert digest == audit.content_digest("salt-a", "rachel", "case:x", {"name": "Maria Okafor"})
    assert digest != audit.content_digest("salt-b", "rachel", "case:x", {"name": "Maria Okafor"})
    assert digest != audit.content_digest("salt-a", "rachel", "case:x", {"name": "Maria Okafor "})
    assert digest != audit.content_digest("salt-a", "rachel", None, {"name": "Maria Okafor"})


def test_the_chain_hash_keeps_staff_but_not_the_member() -> None:
    # A rep's username is in the frame: changing it changes the chain hash, even after redaction.
    assert frame_hash("rachel", "rep", "d") != frame_hash("raj", "rep", "d")
    # The member's is only in the redactable content: the frame is the same whoever it was.
    assert frame_hash("maria", "member", "d") == frame_hash(audit.REDACTED_ACTOR, "member", "d")
    assert frame_hash("rachel", "rep", "d") != frame_hash("rachel", "rep", "e")


def redacted(case_id: uuid.UUID | None, detail: object, role: str = "rep", actor: str = "rachel") -> object:
    """A redacted record as verify() reads it (only the fields its form check looks at)."""
    return types.SimpleNamespace(
        scheme=audit.SCHEME,
        redacted_at=AT,
        case_id=case_id,
        detail=detail,
        resource=None,
        content_salt=None,
        actor_role=role,
        actor=actor,
    )


def test_a_redacted_record_holds_exactly_its_marker_and_names_its_erased_case() -> None:
    erased = str(CASE)
    # A case's own record: the bare marker; the case is in the frame.
    assert audit._redaction_well_formed(redacted(CASE, {"redacted": True}))
    assert audit._redacted_case(redacted(CASE, {"redacted": True})) == erased
    assert not audit._redaction_well_formed(redacted(CASE, {"redacted": True, "erased_case": erased}))
    # A case-less record: the marker names the erased case it was redacted for.
    caseless = redacted(None, {"redacted": True, "erased_case": erased}, role="member", actor=audit.REDACTED_ACTOR)
    assert audit._redaction_well_formed(caseless) and audit._redacted_case(caseless) == erased
    assert not audit._redaction_well_formed(redacted(None, {"redacted": True}))
    assert not audit._redaction_well_formed(redacted(None, {"redacted": True, "erased_case": 7}))
    assert not audit._redaction_well_formed(redacted(None, {"redacted": True, "erased_case": erased, "x": 1}))
    # The member's username never survives a redaction.
    assert not audit._redaction_well_formed(
        redacted(None, {"redacted": True, "erased_case": erased}, "member", "maria")
    )


def test_an_anchor_verifies_only_with_its_key_and_content() -> None:
    key = Ed25519PrivateKey.generate()
    anchor = audit_anchors.Anchor.sign(42, "ab" * 32, key, AT)
    parsed = audit_anchors.Anchor.parse(anchor.to_json())
    assert parsed == anchor and parsed.signed_by([key.public_key()])
    assert not parsed.signed_by([Ed25519PrivateKey.generate().public_key()])
    assert not dataclasses.replace(parsed, hash="cd" * 32).signed_by([key.public_key()])
    assert not dataclasses.replace(parsed, record_id=43).signed_by([key.public_key()])
    assert not dataclasses.replace(parsed, signature="not base64!").signed_by([key.public_key()])
    # A key given in PEM, as an auditor would, verifies it too.
    public = audit_anchors.load_public_key(audit_anchors.public_pem(key))
    assert parsed.signed_by([public])


@pytest.mark.parametrize(
    "data", [b"", b"{}", b"[1]", b'{"format": "other"}', b"\xff", b'{"format": "casework-audit-anchor/1"}']
)
def test_what_is_not_an_anchor_is_refused(data: bytes) -> None:
    with pytest.raises(ValueError):
        audit_anchors.Anchor.parse(data)


def test_the_anchor_key_sorts_by_record() -> None:
    assert audit_anchors.object_key(9) < audit_anchors.object_key(10) < audit_anchors.object_key(123456)


@pytest.mark.parametrize(
    ("query", "valid"),
    [
        ({"from": "2026-01-01", "to": "2026-01-01"}, True),
        ({"from": "2026-01-01", "to": "2027-01-01"}, True),  # 366 days
        ({"from": "2026-01-01", "to": "2027-01-02"}, False),
        ({"from": "2026-01-02", "to": "2026-01-01"}, False),
        ({"from": "2026-02-29", "to": "2026-03-01"}, False),  # not a leap year
        ({"from": "2026-01-01"}, False),
        ({"from": "2026-01-01", "to": "2026-01-02", "case_id": "x"}, False),
        ({"from": "٢٠٢٦-01-01", "to": "2026-01-02"}, False),  # other digits
        ({"from": "2026-01-01", "to": "2026-01-02", "extra": "1"}, False),
    ],
)
def test_access_review_periods(query: dict[str, str], valid: bool) -> None:
    if valid:
        AccessReviewQuery.model_validate(query)
    else:
        with pytest.raises(ValidationError):
            AccessReviewQuery.model_validate(query)
