"""Legal holds as the rest of workflow sees them: which cases are held, and that a held case keeps the
member's name as filed (docs/design.md, 'Retention, legal holds and erasure').

A hold is a ``legal_holds`` row, set and released by retention/service.py. Besides stopping removal,
it keeps the member's name on the case as filed for the tribunal claim, so each way of changing that
name refuses it on a held case: the dpo's rectification (retention/service.py, 409
``rectification-refused``) and a rep's edit of the case (cases.py, 409 ``update-refused``), both with
``refusal`` ``legal_hold``. This module sits outside retention/ because cases.py needs it and
retention/service.py imports cases.py.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable

from sqlalchemy import Connection, select

from casework_common.problems import Problem
from casework_workflow.tables import legal_holds

#: Why the name stays, said in every refusal of a name change on a held case.
NAME_STAYS = "the name on a record held for a tribunal claim stays as filed"


def held(conn: Connection, case_ids: Iterable[uuid.UUID]) -> set[uuid.UUID]:
    """Those of ``case_ids`` under a legal hold.

    Callers lock the case rows first (``FOR UPDATE``), as setting or releasing a hold does, so the
    answer stays true until their transaction ends.
    """
    ids = list(case_ids)
    if not ids:
        return set()
    return set(conn.execute(select(legal_holds.c.case_id).where(legal_holds.c.case_id.in_(ids))).scalars())


def name_change_refused(reference: str) -> Problem:
    """The 409 problem (type ``update-refused``, ``refusal`` ``legal_hold``) for an edit of a case that
    would change the member's name while the case is held; the edit is refused as a whole."""
    return Problem(
        409,
        "update-refused",
        "Update refused",
        f"The member's name cannot be changed while case {reference} is under a legal hold: {NAME_STAYS}, "
        "and can be changed once the hold is released. Nothing was changed: send the other fields "
        "again without the name.",
        refusal="legal_hold",
    )
