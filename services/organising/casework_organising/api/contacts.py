"""Placeholder (issue 20, being built this session): see /work/notes/issue20-design.md."""

from flask import Blueprint

from casework_organising.api import Deps


def blueprint(deps: Deps) -> Blueprint:
    return Blueprint("contacts", __name__)
