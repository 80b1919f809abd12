"""What OCR has erased (docs/design.md, 'Erasure in intake, ocr and bundle'): the cases whose
page texts were erased and each evidence item of them that OCR had read, so that a late upload
event, a redelivered page task or a page being read during the erasure writes nothing back (see
erasure.py and store.Extractions.erased). And each document's case id in a column of its own (read
from its stored EvidenceRef for the rows there are), so that the erasure finds a case's documents
by an index instead of reading every ref.

Revision ID: 0005
Revises: 0004
"""

import contextlib
import uuid

import sqlalchemy as sa
from alembic import op

from casework.v1 import events_pb2

revision = "0005"
down_revision = "0004"


def upgrade() -> None:
    op.create_table(
        "erased_cases",
        sa.Column("case_id", sa.Uuid, primary_key=True),
        sa.Column("erased_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
    )
    op.create_table(
        "erased_evidence",
        sa.Column("evidence_id", sa.Uuid, primary_key=True),
        sa.Column("case_id", sa.Uuid, nullable=False, index=True),
        sa.Column("erased_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
    )
    op.add_column("documents", sa.Column("case_id", sa.Uuid))
    op.create_index("ix_documents_case_id", "documents", ["case_id"])
    _fill_case_ids(op.get_bind())


def _fill_case_ids(bind: sa.Connection, batch: int = 1000) -> None:
    """Read each existing document's case id from its serialised ref, a batch of rows at a time (in
    evidence id order), so that a large table is never held in memory at once."""
    after = None
    while True:
        query, params = "SELECT evidence_id, ref FROM documents", {"batch": batch}
        if after is not None:
            query += " WHERE evidence_id > :after"
            params["after"] = after
        rows = bind.execute(sa.text(query + " ORDER BY evidence_id LIMIT :batch"), params).all()
        if not rows:
            return
        updates = []
        for evidence_id, raw in rows:
            # A ref without a case's id stays NULL; erasure.case_documents still reads its ref.
            with contextlib.suppress(ValueError):
                case_id = uuid.UUID(events_pb2.EvidenceRef.FromString(bytes(raw)).case_id)
                updates.append({"case_id": case_id, "id": evidence_id})
        if updates:
            bind.execute(sa.text("UPDATE documents SET case_id = :case_id WHERE evidence_id = :id"), updates)
        after = rows[-1][0]


def downgrade() -> None:
    op.drop_index("ix_documents_case_id", "documents")
    op.drop_column("documents", "case_id")
    op.drop_table("erased_evidence")
    op.drop_table("erased_cases")
