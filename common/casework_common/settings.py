"""Typed settings read from environment variables (``CASEWORK_*``) only.

Each service composes the groups it needs into one settings class, e.g.::

    class IntakeSettings(HttpSettings, OidcSettings, KafkaSettings, DatabaseSettings, S3Settings):
        service_name: str = "intake"

Every field maps to ``CASEWORK_<FIELD_NAME>`` (upper case). The README lists them.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class BaseServiceSettings(BaseSettings):
    """Fields every service has."""

    model_config = SettingsConfigDict(env_prefix="CASEWORK_", extra="ignore", frozen=True)

    service_name: str
    log_level: str = "INFO"


class HttpSettings(BaseServiceSettings):
    http_host: str = "0.0.0.0"
    http_port: int = 8080
    http_threads: int = 16
    # Base URL of the portal, used to build links in emails and redirects.
    portal_url: str = "http://127.0.0.1:8080"
    # Seconds /readyz waits for its dependency checks; one that has not answered by then fails it.
    ready_timeout_s: float = Field(default=2.0, gt=0)
    # Refused requests: per caller, the first refusal_audit_per_caller within refusal_audit_window_s
    # seconds go to the audit log one by one, the rest as one count (casework_common.refusals).
    refusal_audit_window_s: float = Field(default=60.0, gt=0)
    refusal_audit_per_caller: int = Field(default=20, ge=1)


class OidcSettings(BaseServiceSettings):
    # The `iss` every token must carry (Keycloak: https://host/realms/casework).
    oidc_issuer: str
    # Where to fetch discovery from when the issuer URL is not reachable from inside
    # the cluster; defaults to the issuer's own well-known document.
    oidc_discovery_url: str | None = None
    # The `aud` every token must contain.
    oidc_audience: str = "casework-api"

    @property
    def discovery_url(self) -> str:
        return self.oidc_discovery_url or f"{self.oidc_issuer.rstrip('/')}/.well-known/openid-configuration"


class ServiceAccountSettings(OidcSettings):
    """For a service that calls others on its own behalf (client-credentials grant). The secret is
    required: a deployment that forgot it fails at start, not at the first call that needs it."""

    oidc_client_id: str = "casework-services"
    oidc_client_secret: SecretStr = Field(min_length=1)


class KafkaSettings(BaseServiceSettings):
    kafka_bootstrap: str = "127.0.0.1:9092"
    # Tansu holds each JoinGroup for session_timeout/2, so keep it short on one machine.
    kafka_session_timeout_ms: int = 6000
    kafka_heartbeat_interval_ms: int = 1000
    kafka_max_poll_interval_ms: int = 600_000
    # How long the broker may hold a fetch that finds nothing new, for the consumers an upload waits
    # on before it is searchable (ocr-documents, search-indexer; EventConsumer(prompt=True)); other
    # consumers keep kafka-python's 500 ms. Kafka answers a waiting fetch as soon as a record
    # arrives, but Tansu, the one-machine broker, notices it only at intervals of about a third of
    # the wait when records are spread over partitions (measured with kafka-python, one consumer:
    # 500 ms wait, median 92 ms and up to 180 ms from send to receipt; 100 ms wait, 15 and 36 ms;
    # records that all land on one partition: 4 ms). Each empty fetch costs about 1.7 ms of CPU
    # (client and broker), so only the consumers on that path ask this often.
    kafka_prompt_fetch_wait_ms: int = Field(default=100, ge=1, le=500)
    kafka_topic_partitions: int = 4
    # Attempts per message before it goes to the topic's .dlq.
    kafka_max_attempts: int = 3
    # Topic administration, applied where topics are created: partitions per topic where they differ
    # from kafka_topic_partitions (JSON, e.g. {"case.events": 24}), replicas, min.insync.replicas.
    kafka_partitions: dict[str, int] = {}
    kafka_replication_factor: int = Field(default=1, ge=1)
    kafka_min_insync_replicas: int | None = Field(default=None, ge=1)
    # Connection security: TLS verified against kafka_ssl_cafile; SASL with a user and password.
    kafka_security_protocol: Literal["PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"] = "PLAINTEXT"
    kafka_sasl_mechanism: Literal["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"] | None = None
    kafka_sasl_username: str | None = None
    kafka_sasl_password: SecretStr | None = None
    kafka_ssl_cafile: str | None = None


class DatabaseSettings(BaseServiceSettings):
    # SQLAlchemy URL, e.g. postgresql+psycopg://intake:secret@db:5432/casework
    database_url: SecretStr
    database_schema: str
    database_pool_size: int = 5
    # False where migrations run once per release instead (the Helm chart's hook Job).
    migrate_on_start: bool = True


class S3Settings(BaseServiceSettings):
    s3_endpoint: str = "127.0.0.1:8333"
    s3_access_key: SecretStr = SecretStr("")
    s3_secret_key: SecretStr = SecretStr("")
    # The retention identity: may bypass governance-mode object locks. Given only to the processes
    # that carry out retention and erasure (docs/design.md#data-protection); empty elsewhere.
    s3_retention_access_key: SecretStr = SecretStr("")
    s3_retention_secret_key: SecretStr = SecretStr("")
    s3_secure: bool = False
    s3_region: str = "us-east-1"
    # Encryption at rest by the S3 server, set as the default of every bucket the services create
    # (storage.ensure_bucket): "" (the server's own default), "AES256" (SSE-S3: keys the server
    # manages) or "aws:kms" (SSE-KMS with s3_sse_kms_key_id, e.g. a MinIO KES key name).
    s3_server_side_encryption: Literal["", "AES256", "aws:kms"] = ""
    s3_sse_kms_key_id: str = ""
    evidence_bucket: str = "casework-evidence"
    text_bucket: str = "casework-text"


class SmtpSettings(BaseServiceSettings):
    """The platform's SMTP relay (notify's notifications, bundle's share e-mails): casework_common.mail."""

    smtp_host: str = "127.0.0.1"
    smtp_port: int = 25
    smtp_starttls: bool = False
    smtp_username: str | None = None
    smtp_password: str | None = None
    mail_from: str = "Casework <casework@union.example.org>"


class GrpcSettings(BaseServiceSettings):
    grpc_port: int = 50051
    grpc_workers: int = 16


class KeycloakSettings(ServiceAccountSettings):
    """Where the Keycloak admin API is (directory look-ups with the service account)."""

    keycloak_url: str = "http://127.0.0.1:8180"
    keycloak_realm: str = "casework"


class WorkflowClientSettings(BaseServiceSettings):
    # host:port of the workflow service's gRPC endpoint.
    workflow_grpc: str = "127.0.0.1:50051"
    grpc_timeout_s: float = Field(default=5.0, gt=0)
