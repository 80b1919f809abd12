"""Search's settings (environment variables CASEWORK_*)."""

from pydantic import Field, SecretStr

from casework_common.settings import (
    GrpcSettings,
    HttpSettings,
    KafkaSettings,
    S3Settings,
    ServiceAccountSettings,
    WorkflowClientSettings,
)


class SearchSettings(
    HttpSettings, GrpcSettings, ServiceAccountSettings, KafkaSettings, S3Settings, WorkflowClientSettings
):
    service_name: str = "search"
    grpc_port: int = 50052
    opensearch_url: str = "http://127.0.0.1:9200"
    # Basic auth and the CA that signed the cluster's certificate, where the cluster wants them.
    opensearch_username: str | None = None
    opensearch_password: SecretStr | None = None
    opensearch_ca_file: str | None = None
    # Base URL of intake's REST API, read when the index is rebuilt.
    intake_url: str = "http://127.0.0.1:8120"
    # Base URL of workflow's REST API, where saved comparators become timeline entries.
    workflow_url: str = "http://127.0.0.1:8110"
    index_prefix: str = "casework"
    max_page_size: int = Field(default=50, gt=0, le=500)
    # Trend buckets with fewer cases than this are not shown.
    trend_threshold: int = Field(default=5, ge=1)
