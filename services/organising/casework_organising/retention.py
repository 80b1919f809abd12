"""Placeholder (issue 20, being built this session): see /work/notes/issue20-design.md."""

import datetime as dt
import threading

from sqlalchemy import Engine

from casework_organising.settings import OrganisingSettings


def retention_loop(engine: Engine, settings: OrganisingSettings):
    def loop(stop: threading.Event) -> None:
        stop.wait()

    return loop


def run_command(settings: OrganisingSettings, as_of: dt.date | None) -> int:
    return 0
