"""Portal's settings (environment variables CASEWORK_*)."""

from pydantic import SecretStr

from casework_common.settings import HttpSettings, OidcSettings


class PortalSettings(HttpSettings, OidcSettings):
    service_name: str = "portal"
    portal_client_id: str = "casework-portal"
    portal_client_secret: SecretStr
    # Signs the session cookie (which holds only the session id; the session lives server-side).
    session_secret: SecretStr
    # Sessions live in Postgres (table `sessions` in the portal's own schema) when a database URL is
    # set, so every replica sees every session and a rollout signs nobody out; else in session_dir.
    database_url: SecretStr | None = None
    database_schema: str = "portal"
    database_pool_size: int = 5
    session_dir: str = "/var/lib/casework/portal/sessions"
    session_lifetime_s: int = 8 * 3600
    workflow_url: str = "http://127.0.0.1:8110"
    intake_url: str = "http://127.0.0.1:8120"
    search_url: str = "http://127.0.0.1:8140"
    notify_url: str = "http://127.0.0.1:8150"
    bundle_url: str = "http://127.0.0.1:8160"
    organising_url: str = "http://127.0.0.1:8170"
