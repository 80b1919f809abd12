"""Subject access as the service answers it: who may ask, the member's record gathered, written as a
ZIP, and every answer audited (counts and case ids, never content)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine

from casework_common import membership
from casework_common.auth import Principal
from casework_common.directory import Directory
from casework_common.problems import forbidden, invalid
from casework_workflow import audit, scope
from casework_workflow.subject_access import archive, gather
from casework_workflow.subject_access.sources import Sources

PREVIEWED = "dataprotection.subject_access_previewed"
EXPORTED = "dataprotection.subject_access_exported"
DPO_ONLY = "Only the data-protection officer answers subject access requests."


class SubjectAccess:
    """The data-protection officer's preview and export of one member's record, and a member's own."""

    def __init__(self, engine: Engine, directory: Directory | None, sources: Sources) -> None:
        self.engine = engine
        self.directory = directory
        self.sources = sources

    def preview(self, caller: Principal, number: str) -> gather.Record:
        """Everything held about the member with ``number`` (normalised), as an export would release it."""
        scope.require_dpo(caller, DPO_ONLY)
        record = self._full_record(number)
        self._audited(caller, PREVIEWED, record, {"items": record.counts()})
        return record

    def export(self, caller: Principal, number: str, exclude: list[str]) -> tuple[gather.Record, archive.Written]:
        """The member's record without the ``exclude``d items (ids from the preview). An id that is not
        an item of this record is refused (422), so a typing slip never releases what was meant to be
        withheld."""
        scope.require_dpo(caller, DPO_ONLY)
        record = self._full_record(number)
        ids = {item.id for item in record.items}
        unknown = [i for i, value in enumerate(exclude) if value not in ids]
        if unknown:
            raise invalid(
                [
                    {"field": f"exclude.{i}", "message": "Not an item of this member's record (see the preview)."}
                    for i in unknown[:20]
                ]
            )
        written = archive.write(record, set(exclude))
        self._audited(
            caller,
            EXPORTED,
            record,
            {"released": written.released, "withheld": written.withheld, "items": written.counts},
        )
        return record, written

    def own_record(self, caller: Principal) -> tuple[str, archive.Written]:
        """The calling member's member-visible record, with their membership number (normalised)."""
        if caller.is_service or not caller.has("member") or not caller.membership_number:
            raise forbidden("Only members download their own record.")
        try:
            number = membership.normalise(caller.membership_number)
        except ValueError as exc:
            raise forbidden("Your account's membership number is not one cases use; ask your branch.") from exc
        with self.engine.connect() as conn:
            record = gather.own_record(conn, number, caller.username, caller.token, self.sources)
        written = archive.write(record, set())
        self._audited(caller, EXPORTED, record, {"released": written.released, "withheld": 0, "items": written.counts})
        return number, written

    def _full_record(self, number: str) -> gather.Record:
        with self.engine.connect() as conn:
            return gather.full_record(conn, number, self.directory, self.sources)

    def _audited(self, caller: Principal, action: str, record: gather.Record, detail: dict[str, Any]) -> None:
        """Counts and case ids, never content; the member named by resource ``member:<number>``.
        One record for all the member's cases: erasing any of them redacts it whole (audit.redact_case)."""
        with self.engine.begin() as conn:
            audit.record(
                conn,
                caller,
                action,
                resource=audit.member_resource(record.membership_number),
                detail={"cases": [str(i) for i in record.case_refs], "view": record.view, **detail},
            )
