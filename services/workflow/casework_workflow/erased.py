"""An erased case is frozen: nothing new is written to it (docs/design.md, 'Data protection').

Once removal of a case's record has started (a ``case_record`` row in ``data_erasures``: an accepted
erasure request, or retention), the case is anonymised and each kind is removed once, never again.
Anything written to the case afterwards (a reopening, a corrected name, a note, an upload) would
stay for good, so every change to it is refused with a 409 ``case-erased`` problem, and
CaseAuthority denies uploads and edits for it (grpc_service.py). Reading what is left stays allowed;
a legal hold may still be set, as it keeps kinds not yet started (schedule periods differ per kind).
"""

from __future__ import annotations

import uuid

from sqlalchemy import Connection, select

from casework_common.problems import Problem
from casework_workflow.tables import data_erasures

#: Said wherever a change to an erased case is refused (the problem's detail, Authorize's reason).
DETAIL = (
    "This case's record has been erased (data protection): it is kept only anonymised and cannot be changed, "
    "reopened or added to. Open a new case if the member needs the union's help again."
)


def is_erased(conn: Connection, case_id: uuid.UUID) -> bool:
    """Whether removal of the case's record has started."""
    return (
        conn.execute(
            select(data_erasures.c.case_id).where(
                data_erasures.c.case_id == case_id, data_erasures.c.kind == "case_record"
            )
        ).first()
        is not None
    )


def case_erased() -> Problem:
    """The 409 problem (type ``case-erased``) for a change to an erased case."""
    return Problem(409, "case-erased", "Case erased", DETAIL)


def refuse_if_erased(conn: Connection, case_id: uuid.UUID) -> None:
    """Raise the ``case-erased`` problem if the case's record has been erased."""
    if is_erased(conn, case_id):
        raise case_erased()
