"""Workflow's settings (environment variables CASEWORK_*)."""

from pathlib import Path

from pydantic import Field, SecretStr

from casework_common.settings import (
    DatabaseSettings,
    GrpcSettings,
    HttpSettings,
    KafkaSettings,
    KeycloakSettings,
    S3Settings,
)


class WorkflowSettings(HttpSettings, GrpcSettings, KeycloakSettings, KafkaSettings, DatabaseSettings, S3Settings):
    service_name: str = "workflow"
    database_schema: str = "workflow"
    # How long regional officials and caseworkers keep access to a case after the referral or
    # support request that brought it to them has ended (scope.py).
    regional_access_after_end_days: int = Field(default=30, ge=0)
    # How often the deadline recompute loop looks for cases whose rule deadlines were computed with
    # a rule set other than the one in force (after an upload), in seconds (deadlines.recompute).
    deadline_recompute_interval_s: float = Field(default=60, gt=0)

    # Data protection (docs/design.md, 'Data protection').
    # The retention schedule (YAML); None: the one shipped in the package.
    retention_schedule: Path | None = None
    # The retention job sends CaseDataDue again for kinds still without every holder's receipt this
    # long after it last sent it (a lost receipt, a holder that was down), in seconds.
    retention_resend_after_s: float = Field(default=3600, ge=0)
    # Signed audit-chain anchors, written write-once (COMPLIANCE-mode object lock) to this bucket.
    audit_anchor_bucket: str = "casework-audit-anchors"
    audit_anchor_interval_s: float = Field(default=3600, gt=0)
    audit_anchor_retention_days: int = Field(default=3650, gt=0)
    # Ed25519 private key (PEM) that signs anchors; empty: anchoring is off (and readiness says so).
    audit_signing_key: SecretStr = SecretStr("")
    # Subject access (subject_access/): where a member's evidence records, notifications and organising
    # records (recruitment target lists and conversations) are read, with workflow's service token, and
    # how long each call may take.
    intake_url: str = "http://127.0.0.1:8120"
    notify_url: str = "http://127.0.0.1:8150"
    organising_url: str = "http://127.0.0.1:8170"
    subject_access_timeout_s: float = Field(default=30, gt=0)
