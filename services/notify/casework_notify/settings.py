"""Notify's settings (environment variables CASEWORK_*)."""

from pydantic import Field

from casework_common.settings import (
    DatabaseSettings,
    HttpSettings,
    KafkaSettings,
    KeycloakSettings,
    WorkflowClientSettings,
)


class NotifySettings(HttpSettings, KeycloakSettings, KafkaSettings, DatabaseSettings, WorkflowClientSettings):
    service_name: str = "notify"
    database_schema: str = "notify"
    smtp_host: str = "127.0.0.1"
    smtp_port: int = 25
    smtp_starttls: bool = False
    smtp_username: str | None = None
    smtp_password: str | None = None
    mail_from: str = "Casework <casework@union.example.org>"
    # Daily digests go out at this hour (UTC) to those who chose them.
    digest_hour_utc: int = Field(default=7, ge=0, le=23)
