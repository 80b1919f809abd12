"""Search's settings (environment variables CASEWORK_*)."""

from pydantic import Field

from casework_common.settings import HttpSettings, KafkaSettings, OidcSettings, S3Settings, WorkflowClientSettings


class SearchSettings(HttpSettings, OidcSettings, KafkaSettings, S3Settings, WorkflowClientSettings):
    service_name: str = "search"
    opensearch_url: str = "http://127.0.0.1:9200"
    # Base URL of intake's REST API, read when the index is rebuilt.
    intake_url: str = "http://127.0.0.1:8120"
    index_prefix: str = "casework"
    max_page_size: int = Field(default=50, gt=0, le=500)
