"""One message to one intake address, from its bytes to an outcome: filed to its case, held for
the case's team, a redelivery recognised, or refused with an SMTP reply that says why.

The listener (listener.py) and the IMAP poller (imap.py) both hand messages here, so mail is
treated the same whichever way it arrives.
"""

from __future__ import annotations

import io
import logging
import uuid
from dataclasses import dataclass
from typing import Any, Literal

import sqlalchemy.exc

from casework.v1 import workflow_pb2
from casework_common import metrics
from casework_common.problems import Problem
from casework_intake import filing
from casework_intake.filenames import OriginalName
from casework_intake.mailroom import addresses, receipts
from casework_intake.mailroom.authresults import Verdict, judge
from casework_intake.mailroom.context import Mailroom
from casework_intake.mailroom.messages import Received, Refused, evidence_filename, parse
from casework_intake.mailroom.store import AddressBook, Duplicate, MailLog

log = logging.getLogger(__name__)
_metrics = metrics.Metrics("intake")
MAIL_MESSAGES = _metrics.counter(
    "mail_messages_total",
    "Messages the mailroom took in, by outcome (filed, held, duplicate, refused, dropped).",
    ("outcome",),
)
OutcomeName = Literal["filed", "held", "duplicate", "refused", "dropped"]
SCAN_TYPES = frozenset({"application/pdf", "image/tiff"})
SCAN_SUFFIXES = (".pdf", ".tif", ".tiff")
# The reply to held (and dropped) mail: nothing in it says which case, or whether there is one, so a
# stranger cannot use the mailroom to learn what cases exist.
RECEIVED = "250 2.0.0 Received."
TEMPORARY = "451 4.3.0 The mailroom cannot take this message just now; it will be taken when sent again."


@dataclass(frozen=True)
class Outcome:
    """What became of a message: ``reply`` is the SMTP reply to give."""

    outcome: OutcomeName
    reply: str
    mail_id: uuid.UUID | None = None


def refused(reply: str) -> Outcome:
    MAIL_MESSAGES.labels("refused").inc()
    return Outcome("refused", reply)


class MailIntake:
    """Takes messages in for the mailroom ``room``."""

    def __init__(self, room: Mailroom) -> None:
        self.room = room
        self.settings = room.settings
        self.addresses = AddressBook(room.engine)
        self.log = MailLog(room.engine)

    # -- before DATA (the listener asks at RCPT) -------------------------------------------------

    def check_recipient(self, recipient: str) -> str | None:
        """None when ``recipient`` takes mail; else the SMTP reply refusing it."""
        try:
            found = addresses.route(self.settings, recipient)
        except addresses.NotOurs:
            return "550 5.7.1 This server takes mail for its intake addresses only (no relaying)."
        except addresses.NotInUse:
            return "550 5.1.1 This intake address is not in use."
        if found.kind == "case-address" and self.addresses.live_case(found.token or "") is None:
            return "550 5.1.1 This intake address is not in use."
        return None

    # -- the whole message -----------------------------------------------------------------------

    def take(self, raw: bytes, envelope_from: str | None, recipient: str) -> Outcome:
        """File, hold or refuse one message sent to ``recipient``. Never raises: a failure of the
        platform (workflow, database, object store) is a temporary reply, so the sender retries."""
        try:
            return self._take(raw, envelope_from, recipient.strip().strip("<>").lower())
        except Refused as refusal:
            return refused(refusal.reply)
        except (UnicodeError, sqlalchemy.exc.DataError):
            # The message itself cannot be stored or passed on as sent (text no database or protobuf
            # takes): sending it again would fail the same way, for ever, so the refusal is permanent.
            log.warning("a message to %s could not be taken as sent", recipient, exc_info=True)
            return refused("554 5.6.0 The message could not be read as sent; nothing was stored.")
        except Problem as problem:
            if problem.status in (400, 422):  # the platform says the request itself is wrong: permanent
                log.warning("a message to %s was refused by the platform: %s", recipient, problem)
                return refused("554 5.6.0 The message could not be read as sent; nothing was stored.")
            log.exception("a message to %s could not be taken", recipient)
            return Outcome("refused", TEMPORARY)
        except Exception:
            log.exception("a message to %s could not be taken", recipient)
            return Outcome("refused", TEMPORARY)

    def _take(self, raw: bytes, envelope_from: str | None, recipient: str) -> Outcome:
        problem = self.check_recipient(recipient)
        if problem is not None:
            raise Refused(problem)
        limit = self.settings.mail_max_message_bytes
        if len(raw) > limit:  # the listener stops at its DATA limit; the IMAP poller checks first too
            raise Refused(f"552 5.3.4 The message is larger than the mailroom takes (at most {limit:,} bytes).")
        route = addresses.route(self.settings, recipient)
        received = parse(raw, self.settings.max_files_per_upload)
        verdict = judge(
            received.message.get_all("Authentication-Results") or [], self.settings.mail_authserv_id, received.sender
        )
        if route.kind == "scanner":
            return self._scanner(received, verdict, envelope_from, recipient)
        case = self._case(route, received)
        if case is None:
            return self._no_such_case(received, verdict)
        if self.log.seen(received.dedupe_key, recipient):
            return self._duplicate(received, recipient)
        mail_id = uuid.uuid4()
        row = {
            "id": mail_id,
            "dedupe_key": received.dedupe_key,
            "recipient": recipient,
            "route": route.kind,
            "case_id": uuid.UUID(case.case_id),
            "message_id": received.message_id,
            "sender": received.sender,
            "envelope_from": (envelope_from or "")[:320] or None,
            "subject": received.subject,
            "size_bytes": len(received.raw),
            "attachments": [{"filename": p.filename, "size_bytes": p.size_bytes} for p in received.parts],
            "authentication": verdict.summary,
        }
        if verdict.failed:
            return self._hold(received, row, "failed_authentication", case, envelope_from)
        person = self.room.workflow.authorize_person(
            self.room.tokens.token(),
            case.case_id,
            workflow_pb2.CASE_ACTION_ATTACH_EVIDENCE,
            f"mail:{mail_id}",
            email=received.sender,
        )
        if not person.username:
            return self._hold(received, row, "unknown_sender", case, envelope_from)
        if not verdict.confirmed:
            # An account holder's address, but the receiving server did not vouch for it (no trusted
            # Authentication-Results, or a pass for some other domain): anyone can write that From.
            return self._hold(received, row, "failed_authentication", case, envelope_from)
        if not person.decision.allowed:
            if route.kind == "general":
                # An account holder typed a case they may not see: the same refusal as a case that
                # does not exist, and nothing kept on it.
                raise Refused(_no_such_reference(case.reference))
            return self._hold(received, row, "sender_not_allowed", case, envelope_from, username=person.username)
        return self._file(received, row, case, person, envelope_from, verdict)

    def _no_such_case(self, received: Received, verdict: Verdict) -> Outcome:
        """Mail to the general address naming a case that does not exist. A confirmed account holder
        is told (a typo is theirs to fix); anyone else gets the reply held mail gets, so the reply
        says nothing about which references exist, and the message is dropped."""
        reference = addresses.reference_in(received.subject) or ""
        if verdict.confirmed and self._account_holder(received.sender):
            raise Refused(_no_such_reference(reference))
        MAIL_MESSAGES.labels("dropped").inc()
        log.info("mail %s from %s named no existing case; dropped", received.message_id, received.sender)
        return Outcome("dropped", RECEIVED)

    def _account_holder(self, sender: str) -> bool:
        person = self.room.workflow.authorize_person(
            self.room.tokens.token(), "", workflow_pb2.CASE_ACTION_ATTACH_EVIDENCE, "mail:general", email=sender
        )
        return bool(person.username)

    def _case(self, route: addresses.Route, received: Received) -> workflow_pb2.CaseSummary | None:
        """The case the message is for; None when the general address's reference names no case."""
        token = self.room.tokens.token()
        if route.kind == "case-address":
            case_id = self.addresses.live_case(route.token or "")
            if case_id is None:  # revoked between RCPT and the end of DATA
                raise Refused("550 5.1.1 This intake address is not in use.")
            return self.room.workflow.get_case(token, str(case_id))
        reference = addresses.reference_in(received.subject)
        if reference is None:
            raise Refused(
                "550 5.6.0 Put the case reference (e.g. CW-2026-000123) in the subject of messages "
                f"to {addresses.general_address(self.settings)}, or use the case's own intake address."
            )
        try:
            return self.room.workflow.find_case(token, reference)
        except Problem as problem:
            if problem.status == 404:
                return None
            raise

    def _file(
        self,
        received: Received,
        row: dict[str, Any],
        case: workflow_pb2.CaseSummary,
        person: workflow_pb2.AuthorizePersonResponse,
        envelope_from: str | None,
        verdict: Verdict,
    ) -> Outcome:
        name = evidence_filename(received.subject)
        arrival = filing.Arrival(OriginalName(name.encode("utf-8"), "utf-8", name), "message/rfc822", received.raw)
        visibility = "member" if person.primary_role == "member" else "reps"
        detail = {"from": received.sender, "message_id": received.message_id, "mail_id": str(row["id"])}

        def record(conn: Any, rows: list[Any]) -> None:
            MailLog.claim(
                conn, {**row, "state": "filed", "sender_username": person.username, "evidence_id": rows[0].id}
            )

        try:
            self.room.filing.file(
                filing.person(person.username, person.subject, person.primary_role or "member"),
                person.decision.case if person.decision.HasField("case") else case,
                visibility,
                [arrival],
                "email",
                detail,
                also=record,
            )
        except Duplicate:
            return self._duplicate(received, row["recipient"])
        MAIL_MESSAGES.labels("filed").inc()
        log.info("mail %s from %s filed on case %s", row["id"], received.sender, case.case_id)
        self._receipt(received, envelope_from, verdict, f"It was added to the evidence of case {case.reference}.")
        return Outcome("filed", f"250 2.0.0 Filed to case {case.reference}.", row["id"])

    def _hold(
        self,
        received: Received,
        row: dict[str, Any],
        reason: str,
        case: workflow_pb2.CaseSummary,
        envelope_from: str | None,
        username: str | None = None,
    ) -> Outcome:
        key = f"mail/{row['id']}.eml"
        storage = self.room.s3
        storage.put_object(
            self.settings.held_bucket,
            key,
            io.BytesIO(received.raw),
            length=len(received.raw),
            content_type="message/rfc822",
        )
        try:
            with self.room.engine.begin() as conn:
                MailLog.claim(
                    conn,
                    {
                        **row,
                        "state": "waiting",
                        "reason": reason,
                        "sender_username": username,
                        "bucket": self.settings.held_bucket,
                        "object_key": key,
                    },
                )
        except Duplicate:
            storage.remove_object(self.settings.held_bucket, key)
            return self._duplicate(received, row["recipient"])
        except BaseException:
            storage.remove_object(self.settings.held_bucket, key)
            raise
        MAIL_MESSAGES.labels("held").inc()
        log.info("mail %s from %s held for case %s (%s)", row["id"], received.sender, case.case_id, reason)
        # No receipt: held mail's sender is not known to be who the From field says (a receipt would
        # go to whoever was named, and confirm the case exists).
        return Outcome("held", RECEIVED, row["id"])

    def _duplicate(self, received: Received, recipient: str) -> Outcome:
        MAIL_MESSAGES.labels("duplicate").inc()
        log.info("mail %s to %s came again; nothing new", received.message_id, recipient)
        return Outcome("duplicate", "250 2.0.0 This message was received before; nothing new was added.")

    def _receipt(self, received: Received, envelope_from: str | None, verdict: Verdict, outcome: str) -> None:
        """A receipt to an account holder whose mail was taken: only when the receiving server
        confirmed the From address and the envelope sender is that same address, so a receipt
        never goes to someone who did not send the message (backscatter)."""
        # A bounce (empty envelope sender) or an automatic message is never answered: mail loops.
        if received.auto_submitted or not verdict.confirmed:
            return
        if (envelope_from or "").strip().strip("<>").strip().lower() != received.sender:
            return
        receipts.send(
            self.settings,
            receipts.build(
                self.settings, received.sender, received.message_id, len(received.raw), received.parts, outcome
            ),
        )

    # -- the scanner address ---------------------------------------------------------------------

    def _scanner(self, received: Received, verdict: Verdict, envelope_from: str | None, recipient: str) -> Outcome:
        if not verdict.confirmed:
            raise Refused("550 5.7.1 The sender's address could not be confirmed (DMARC, DKIM or SPF).")
        person = self.room.workflow.authorize_person(
            self.room.tokens.token(),
            "",
            workflow_pb2.CASE_ACTION_ATTACH_EVIDENCE,
            "mail:scanner",
            email=received.sender,
        )
        devices = {address.lower(): device for address, device in self.settings.scanner_devices.items()}
        if person.username and person.primary_role and person.primary_role != "member":
            region, branch = person.region or None, person.branch or None
        elif received.sender in devices:
            region, branch = devices[received.sender].region, devices[received.sender].branch
        else:
            raise Refused(
                "550 5.7.1 The scanner address takes batches only from union staff and the union's registered scanners."
            )
        batches = [
            (part, data)
            for part, data in received.attachment_data()
            if part.content_type in SCAN_TYPES or part.filename.lower().endswith(SCAN_SUFFIXES)
        ]
        if not batches:
            raise Refused("550 5.6.0 The message has no PDF or TIFF attachment: send the scanned batch as one.")
        if self.log.seen(received.dedupe_key, recipient):
            return self._duplicate(received, recipient)
        try:  # the scanning package may not be installed with this build yet
            from casework_intake.scanning.batches import BatchIntake
        except ImportError:
            log.error("a scanned batch came by email but casework_intake.scanning.batches is missing")
            return Outcome("refused", TEMPORARY)
        intake = BatchIntake(self.room)
        filed = unfiled = 0
        unreadable = []
        for part, data in batches:
            taken = intake.take(
                data, source="email", source_name=part.filename, sender=received.sender, region=region, branch=branch
            )
            filed += taken.filed
            unfiled += taken.unfiled
            if taken.state == "failed":
                unreadable.append(part.filename)
        mail_id = uuid.uuid4()
        try:
            with self.room.engine.begin() as conn:
                MailLog.claim(
                    conn,
                    {
                        "id": mail_id,
                        "dedupe_key": received.dedupe_key,
                        "recipient": recipient,
                        "route": "scanner",
                        "case_id": None,
                        "message_id": received.message_id,
                        "sender": received.sender,
                        "envelope_from": (envelope_from or "")[:320] or None,
                        "subject": received.subject,
                        "size_bytes": len(received.raw),
                        "attachments": [{"filename": p.filename, "size_bytes": p.size_bytes} for p, _ in batches],
                        "authentication": verdict.summary,
                        "state": "filed",
                        "sender_username": person.username or None,
                    },
                )
        except Duplicate:  # the batches themselves are recognised by their hash: nothing was filed twice
            return self._duplicate(received, recipient)
        MAIL_MESSAGES.labels("filed").inc()
        outcome = (
            f"{len(batches)} scanned batch{'' if len(batches) == 1 else 'es'} taken: {filed} part"
            f"{'' if filed == 1 else 's'} filed to their cases, {unfiled} waiting in the unfiled queue."
        )
        if unreadable:
            outcome += f" Not a readable PDF or TIFF: {', '.join(unreadable)}."
        if person.username:  # staff, not a registered scanner device: an account holder
            self._receipt(received, envelope_from, verdict, outcome)
        return Outcome(
            "filed", f"250 2.0.0 Taken: {filed} filed, {unfiled} unfiled, {len(unreadable)} unreadable.", mail_id
        )


def _no_such_reference(reference: str) -> str:
    return f"550 5.1.1 No case has the reference {reference}; check the reference in the subject."
