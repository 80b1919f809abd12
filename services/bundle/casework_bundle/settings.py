"""The bundle API's settings (environment variables CASEWORK_*). The workers read their own, smaller
object (worker_settings.py): they reach no other service and validate no tokens."""

from pydantic import Field

from casework_bundle.worker_settings import StoreSettings
from casework_common.settings import (
    DatabaseSettings,
    HttpSettings,
    KafkaSettings,
    OidcSettings,
    SmtpSettings,
    WorkflowClientSettings,
)


class BundleSettings(
    HttpSettings, OidcSettings, KafkaSettings, DatabaseSettings, StoreSettings, WorkflowClientSettings, SmtpSettings
):
    service_name: str = "bundle"
    database_schema: str = "bundle"
    # Where the API reads a case's evidence list, with the caller's own token (so "readable" is intake's answer).
    intake_url: str = "http://127.0.0.1:8120"
    intake_timeout_s: float = Field(default=15.0, gt=0)
    # Limits on one request.
    max_items: int = Field(default=500, gt=0)
    max_redactions: int = Field(default=500, gt=0)
    # Sharing by link (sharing.py). The bundle API sends the link and the code itself, over the
    # platform's SMTP relay (SmtpSettings: the same CASEWORK_SMTP_* settings as notify): see docs/design.md.
    share_code_digits: int = Field(default=8, ge=6, le=8)
    share_max_wrong_codes: int = Field(default=5, ge=1, le=20)  # then the share is locked
    share_session_minutes: int = Field(default=30, ge=1, le=24 * 60)
    share_code_resend_after_s: int = Field(default=60, ge=0)  # the least time between two new codes
    share_max_codes: int = Field(default=10, ge=1)  # codes one share may ever send, the first included
