"""Cover sheets: a printed page that says which case the papers behind it belong to.

Its QR code carries ``CWCS1:<token>``, the token a signed (itsdangerous, HMAC) JSON object naming the
sheet's row, its case and who printed it, never the member's name. The signature only says the
sheet was made here: whether it still counts (not withdrawn, its printer still allowed on the
case) is decided against the ``cover_sheets`` row and workflow when a batch is split.
"""

from __future__ import annotations

import datetime as dt
import io
import uuid
from dataclasses import dataclass
from typing import Any

import segno
from itsdangerous import BadData, URLSafeSerializer
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import cm
from reportlab.pdfgen.canvas import Canvas
from sqlalchemy import Connection, Row, select, update

from casework_common.typed_dates import LONDON, long_date
from casework_intake.tables import cover_sheets

PREFIX = "CWCS1:"
SALT = "casework-cover-sheet"
VERSION = 1
QR_SIZE = 6 * cm
VISIBILITY_WORDS = {
    "member": "the member and the union staff on the case",
    "reps": "union staff on the case only (not the member)",
}


@dataclass(frozen=True)
class SheetToken:
    """What a genuine sheet's code says."""

    sheet_id: uuid.UUID
    case_id: uuid.UUID
    printed_by: str


class Signer:
    """Signs and reads cover-sheet tokens with the secret the API and the mailroom share."""

    def __init__(self, secret: str) -> None:
        if not secret:
            raise ValueError("cover_sheet_secret is not set: cover sheets cannot be signed or read")
        self._serializer = URLSafeSerializer(secret, salt=SALT)

    def payload(self, token: SheetToken) -> str:
        """The QR code's text for ``token``."""
        data = {"v": VERSION, "s": str(token.sheet_id), "c": str(token.case_id), "p": token.printed_by}
        return PREFIX + str(self._serializer.dumps(data))

    def read(self, text: str) -> SheetToken | None:
        """The token a code's text carries; None when it is not a cover sheet's code or not
        genuine (bad signature, another secret, unknown version, malformed)."""
        if not text.startswith(PREFIX):
            return None
        try:
            data: Any = self._serializer.loads(text[len(PREFIX) :])
        except BadData:
            return None
        try:
            if not isinstance(data, dict) or data.get("v") != VERSION or not isinstance(data.get("p"), str):
                return None
            return SheetToken(uuid.UUID(data["s"]), uuid.UUID(data["c"]), data["p"])
        except (KeyError, TypeError, ValueError):
            return None


def is_sheet_code(text: str) -> bool:
    """Does a code's text claim to be a cover sheet's (genuine or not)?"""
    return text.startswith(PREFIX)


def record(
    conn: Connection, *, case_id: str, case_reference: str, visibility: str, printed_by: str, printed_by_sub: str
) -> Row[Any]:
    """A new sheet's row (the code printed on it names this row)."""
    return conn.execute(
        cover_sheets.insert()
        .values(
            id=uuid.uuid4(),
            case_id=uuid.UUID(case_id),
            case_reference=case_reference,
            visibility=visibility,
            printed_by=printed_by,
            printed_by_sub=printed_by_sub,
        )
        .returning(cover_sheets)
    ).one()


def get(conn: Connection, sheet_id: uuid.UUID) -> Row[Any] | None:
    return conn.execute(select(cover_sheets).where(cover_sheets.c.id == sheet_id)).first()


def for_case(conn: Connection, case_id: uuid.UUID) -> list[Row[Any]]:
    query = select(cover_sheets).where(cover_sheets.c.case_id == case_id)
    return list(conn.execute(query.order_by(cover_sheets.c.printed_at.desc(), cover_sheets.c.id)))


def revoke(conn: Connection, sheet_id: uuid.UUID, by: str) -> None:
    """Withdraw a sheet: papers scanned behind it from now on go to the unfiled queue. Once only:
    the first withdrawal's who and when are kept."""
    conn.execute(
        update(cover_sheets)
        .where(cover_sheets.c.id == sheet_id, cover_sheets.c.revoked_at.is_(None))
        .values(revoked_at=dt.datetime.now(dt.UTC), revoked_by=by)
    )


def to_json(row: Row[Any]) -> dict[str, Any]:
    return {
        "id": str(row.id),
        "case_id": str(row.case_id),
        "case_reference": row.case_reference,
        "visibility": row.visibility,
        "printed_by": row.printed_by,
        "printed_at": row.printed_at.isoformat(),
        "revoked_at": row.revoked_at.isoformat() if row.revoked_at else None,
        "revoked_by": row.revoked_by,
        "links": {"self": f"/v1/cover-sheets/{row.id}"},
    }


def _latin1(text: str) -> str:
    # The PDF's standard fonts draw Latin-1 only; anything else shows as '?', never as a crash.
    return text.encode("latin-1", "replace").decode("latin-1")


def render_pdf(row: Row[Any], payload: str, branch: str) -> bytes:
    """The printable A4 sheet for ``row`` with ``payload`` as its QR code."""
    qr = segno.make_qr(payload, error="q")  # boosted to H when that fits in the same size
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=A4, pageCompression=1)
    canvas.setTitle(f"Casework cover sheet {row.case_reference}")
    width, height = A4
    left = 2 * cm
    canvas.setFont("Helvetica-Bold", 26)
    canvas.drawString(left, height - 3 * cm, "Casework cover sheet")
    canvas.setFont("Helvetica", 18)
    canvas.drawString(left, height - 4.6 * cm, "Case reference")
    canvas.setFont("Helvetica-Bold", 40)
    canvas.drawString(left, height - 6.3 * cm, _latin1(row.case_reference))
    canvas.setFont("Helvetica", 12)
    printed_on = long_date(row.printed_at.astimezone(LONDON).date())
    facts = [
        f"Branch: {branch or 'not recorded'}",
        f"Printed by {row.printed_by} on {printed_on}",
        f"Papers behind this sheet will be seen by {VISIBILITY_WORDS[row.visibility]}.",
    ]
    y = height - 7.6 * cm
    for line in facts:
        canvas.drawString(left, y, _latin1(line))
        y -= 0.65 * cm
    # The code, drawn module by module (vector, so it prints sharp at any resolution).
    rows = list(qr.matrix_iter(scale=1, border=4))
    module = QR_SIZE / len(rows)
    x0, y0 = (width - QR_SIZE) / 2, y - 1 * cm - QR_SIZE
    for r, line in enumerate(rows):
        for c, dark in enumerate(line):
            if dark:
                canvas.rect(x0 + c * module, y0 + (len(rows) - 1 - r) * module, module, module, stroke=0, fill=1)
    y = y0 - 1.2 * cm
    canvas.setFont("Helvetica-Bold", 13)
    canvas.drawString(left, y, "How to use this sheet")
    canvas.setFont("Helvetica", 12)
    for line in (
        f"Put this sheet on top of the papers for case {row.case_reference}.",
        "Everything after it, up to the next cover sheet, is filed to this case.",
        "Scan one long batch: sheet, papers, sheet, papers... Blank pages are left out.",
        "Do not reuse this sheet for another case. Print a new sheet for each case.",
        "If this sheet is lost, withdraw it in Casework and print a new one.",
    ):
        y -= 0.6 * cm
        canvas.drawString(left, y, _latin1(line))
    canvas.setFont("Helvetica", 9)
    canvas.drawString(left, 1.5 * cm, f"Sheet {row.id}")
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()
