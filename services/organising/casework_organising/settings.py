"""Organising's settings (environment variables CASEWORK_*)."""

import datetime as dt

from pydantic import Field, field_validator

from casework_common.settings import DatabaseSettings, HttpSettings, KafkaSettings, KeycloakSettings


class OrganisingSettings(HttpSettings, KeycloakSettings, KafkaSettings, DatabaseSettings):
    """The organising service's settings: loop intervals, retention, suppression and upload limits."""

    service_name: str = "organising"
    database_schema: str = "organising"
    # How often the loops look for follow-ups that fell due and campaigns past their retention (seconds).
    organising_followup_interval_s: float = Field(default=300.0, gt=0)
    organising_retention_interval_s: float = Field(default=3600.0, gt=0)
    # A campaign keeps non-members' details and its target lists this many days after it ends,
    # unless the official sets its own period (between 0 and the maximum).
    organising_default_retention_days: int = Field(default=90, ge=0, le=730)
    organising_max_retention_days: int = Field(default=730, ge=0)
    # Results: a count below this is shown as "<N" in exports and region views (small-cell suppression).
    organising_small_cell: int = Field(default=5, ge=1, le=50)
    # Limits on one request.
    organising_max_target_rows: int = Field(default=20_000, gt=0)
    organising_max_upload_bytes: int = Field(default=5 * 1024 * 1024, gt=0)
    # For drills and tests only: the date the follow-up loop takes as today (ISO). Empty: the real
    # date in Europe/London. Never set it in production.
    organising_today: dt.date | None = None

    @field_validator("organising_today", mode="before")
    @classmethod
    def _empty_is_real_date(cls, value: object) -> object:
        return None if value in ("", None) else value
