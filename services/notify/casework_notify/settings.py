"""Notify's settings (environment variables CASEWORK_*)."""

import datetime as dt

from pydantic import Field, field_validator

from casework_common.settings import (
    DatabaseSettings,
    HttpSettings,
    KafkaSettings,
    KeycloakSettings,
    SmtpSettings,
    WorkflowClientSettings,
)
from casework_notify.reminder_leads import DEFAULT_LEADS, parse_leads


class NotifySettings(
    HttpSettings, KeycloakSettings, KafkaSettings, DatabaseSettings, WorkflowClientSettings, SmtpSettings
):
    service_name: str = "notify"
    database_schema: str = "notify"
    # Daily digests go out at this hour (UTC) to those who chose them.
    digest_hour_utc: int = Field(default=7, ge=0, le=23)
    # Deadline reminders: how often the loop looks for reminders that are due (seconds), and the
    # lead times in days before the due date, comma-separated ("overdue" is always added).
    notify_reminder_interval_s: float = Field(default=300.0, gt=0)
    notify_reminder_lead_days: str = ",".join(str(days) for days in DEFAULT_LEADS)
    # For drills and tests only: the date the reminder loop takes as today (ISO, e.g. 2027-04-07).
    # Empty: the real date in Europe/London. Never set it in production.
    notify_today: dt.date | None = None

    @field_validator("notify_reminder_lead_days")
    @classmethod
    def _valid_leads(cls, value: str) -> str:
        parse_leads(value)  # ValueError names what is wrong; pydantic reports it against the setting
        return value

    @field_validator("notify_today", mode="before")
    @classmethod
    def _empty_is_real_date(cls, value: object) -> object:
        return None if value in ("", None) else value

    @property
    def reminder_leads(self) -> tuple[int, ...]:
        """The lead times in days, largest first."""
        return parse_leads(self.notify_reminder_lead_days)
