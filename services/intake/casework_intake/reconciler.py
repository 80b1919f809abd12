"""The reconciler: evidence that has not reached a terminal status in time is handed to the
pipeline again, so that no single lost event (with the broker, or dead-lettered) leaves an item
unfinished for good.

Intake knows only that it has not heard the end of an item, not which event went missing. It sends
``evidence.uploaded`` again and each stage replays its own part: OCR starts a document it never
saw or left half done, and publishes again the outcome of one it finished (``evidence.extracted``
or the terminal status); search indexes pages by id and reports ``indexed`` again. Every step is
idempotent, so a replay never duplicates anything. An item handed back more than
``reprocess_limit`` times is marked failed, with the reason.
"""

from __future__ import annotations

from casework_common import metrics
from casework_common.runtime import Loop, periodic
from casework_intake.evidence import EvidenceRecords
from casework_intake.settings import IntakeSettings

ACTIONS = metrics.Metrics("intake").counter(
    "reconciler_actions_total",
    "Unfinished evidence items the reconciler handed back to the pipeline (or, past the limit, failed).",
)


class Reconciler:
    """Sweeps for unfinished items every ``reprocess_interval_s``."""

    def __init__(self, store: EvidenceRecords, settings: IntakeSettings) -> None:
        self.store = store
        self.after_s = settings.reprocess_after_s
        self.limit = settings.reprocess_limit
        self.interval_s = settings.reprocess_interval_s

    def sweep(self) -> int:
        """One pass; returns how many items it acted on."""
        acted = self.store.redispatch_stale(self.after_s, self.limit)
        ACTIONS.inc(acted)
        return acted

    def loop(self) -> Loop:
        """Sweep every interval, the first after one interval (nothing can be stale at start-up)
        until stopped; a failed pass (database down) is logged and tried again."""
        return periodic("reconciler sweep", self.sweep, self.interval_s, wait_first=True)
