"""Emails (EML, Outlook MSG): the body is the text; the From/To/Cc/Date/Subject header lines are
the item's metadata (indexed as fields, never as words the sender wrote); every attachment
becomes a separate evidence item of the same case (processed in turn, recursively)."""

from __future__ import annotations

import email
import email.policy
from pathlib import Path

import extract_msg

from casework_common.safe_input import CONTROL
from casework_ocr.extractors.base import Analysis, Child, Context, Extractor, UnreadableError, text_pages
from casework_ocr.extractors.text import html_to_text

HEADERS = ("From", "To", "Cc", "Date", "Subject")


def header_metadata(values: dict[str, object]) -> dict[str, str]:
    """The header lines that are present, by lower-case name ("from", "subject"...), control
    characters blanked: an encoded word can carry NUL (Postgres refuses it in JSON) or ESC."""
    cleaned = {name.lower(): CONTROL.sub(" ", str(value)).strip() for name, value in values.items() if value}
    return {name: value for name, value in cleaned.items() if value}


def _safe_name(name: str | None, index: int) -> str:
    return name or f"attachment-{index}"


def _write_child(context: Context, index: int, name: str, data: bytes, content_type: str) -> Child:
    target = context.workdir / f"child-{index}"
    target.write_bytes(data)
    return Child(filename=name, content_type=content_type, path=target)


class EmlExtractor(Extractor):
    mime_types = frozenset({"message/rfc822"})

    def analyse(self, path: Path, context: Context) -> Analysis:
        with path.open("rb") as handle:
            message = email.message_from_binary_file(handle, policy=email.policy.default)
        if not any(message.get(h) for h in HEADERS) and not message.is_multipart() and not message.get_payload():
            raise UnreadableError("The email has no headers and no body.")
        metadata = header_metadata({h: message.get(h) for h in HEADERS})
        body = message.get_body(preferencelist=("plain", "html"))
        body_text = ""
        if body is not None:
            content = body.get_content()
            body_text = html_to_text(content) if body.get_content_subtype() == "html" else content
        children = []
        for index, part in enumerate(message.iter_attachments()):
            if part.get_content_type() == "message/rfc822":
                inner = part.get_payload()
                data = (inner[0] if isinstance(inner, list) else inner).as_bytes()
                name = _safe_name(part.get_filename(), index) + ("" if part.get_filename() else ".eml")
            else:
                data = part.get_payload(decode=True) or b""
                name = _safe_name(part.get_filename(), index)
            children.append(_write_child(context, index, name, data, part.get_content_type()))
        return Analysis(
            pages=text_pages(body_text.strip(), context.limits.max_text_page_chars, context.limits.max_pages),
            children=children,
            metadata=metadata,
        )


class MsgExtractor(Extractor):
    mime_types = frozenset({"application/vnd.ms-outlook"})

    def analyse(self, path: Path, context: Context) -> Analysis:
        try:
            message = extract_msg.openMsg(str(path))
        except Exception as exc:
            raise UnreadableError(f"The Outlook message cannot be read ({exc}).") from exc
        try:
            headers = {
                "From": message.sender,
                "To": message.to,
                "Cc": message.cc,
                "Date": message.date,
                "Subject": message.subject,
            }
            metadata = header_metadata(headers)
            body = message.body or (
                html_to_text(message.htmlBody.decode("utf-8", "replace")) if message.htmlBody else ""
            )
            children = []
            for index, attachment in enumerate(message.attachments):
                data = attachment.data
                if isinstance(data, extract_msg.Message):  # an attached email: keep it as an .eml-like text
                    data = data.exportBytes() if hasattr(data, "exportBytes") else str(data.body or "").encode()
                if not isinstance(data, bytes):
                    continue
                name = _safe_name(attachment.getFilename() if hasattr(attachment, "getFilename") else None, index)
                children.append(_write_child(context, index, name, data, "application/octet-stream"))
        finally:
            message.close()
        return Analysis(
            pages=text_pages(body.strip(), context.limits.max_text_page_chars, context.limits.max_pages),
            children=children,
            metadata=metadata,
        )
