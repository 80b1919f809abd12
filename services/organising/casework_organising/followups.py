"""Placeholder (issue 20, being built this session): see /work/notes/issue20-design.md."""

import threading

from sqlalchemy import Engine

from casework_organising.settings import OrganisingSettings


def reminder_loop(engine: Engine, settings: OrganisingSettings):
    def loop(stop: threading.Event) -> None:
        stop.wait()

    return loop
