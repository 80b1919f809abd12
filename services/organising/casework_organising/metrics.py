"""Placeholder (issue 20, being built this session): see /work/notes/issue20-design.md."""

from sqlalchemy import Engine

from casework_organising.settings import OrganisingSettings


def register(engine: Engine, settings: OrganisingSettings) -> None:
    return None
