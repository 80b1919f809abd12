"""The bundle API's settings (environment variables CASEWORK_*). The workers read their own, smaller
object (worker_settings.py): they reach no other service and validate no tokens."""

from pydantic import Field

from casework_bundle.worker_settings import StoreSettings
from casework_common.settings import DatabaseSettings, HttpSettings, KafkaSettings, OidcSettings, WorkflowClientSettings


class BundleSettings(
    HttpSettings, OidcSettings, KafkaSettings, DatabaseSettings, StoreSettings, WorkflowClientSettings
):
    service_name: str = "bundle"
    database_schema: str = "bundle"
    # Where the API reads a case's evidence list, with the caller's own token (so "readable" is intake's answer).
    intake_url: str = "http://127.0.0.1:8120"
    intake_timeout_s: float = Field(default=15.0, gt=0)
    # Limits on one request.
    max_items: int = Field(default=500, gt=0)
    max_redactions: int = Field(default=500, gt=0)
