"""Notify's settings (environment variables CASEWORK_*)."""

from casework_common.settings import DatabaseSettings, HttpSettings, KafkaSettings, OidcSettings, WorkflowClientSettings


class NotifySettings(HttpSettings, OidcSettings, KafkaSettings, DatabaseSettings, WorkflowClientSettings):
    service_name: str = "notify"
    database_schema: str = "notify"
    smtp_host: str = "127.0.0.1"
    smtp_port: int = 25
    smtp_starttls: bool = False
    smtp_username: str | None = None
    smtp_password: str | None = None
    mail_from: str = "Casework <casework@union.example.org>"
    # Keycloak base URL (the admin API lives under it) and realm, for recipients' addresses.
    keycloak_url: str = "http://127.0.0.1:8180"
    keycloak_realm: str = "casework"
