"""Organising's REST API, one blueprint per area; every view checks casework_organising.access."""

from __future__ import annotations

from dataclasses import dataclass

from flask import Blueprint
from sqlalchemy import Engine

from casework_common.directory import Directory
from casework_organising.settings import OrganisingSettings


@dataclass(frozen=True)
class Deps:
    """What the views need: the database, who people are (Keycloak), and the settings."""

    engine: Engine
    directory: Directory
    settings: OrganisingSettings


def blueprints(deps: Deps) -> list[Blueprint]:
    """Every blueprint of the API."""
    from casework_organising.api import campaigns, contacts, results, targets

    return [module.blueprint(deps) for module in (campaigns, targets, contacts, results)]
