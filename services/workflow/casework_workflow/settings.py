"""Workflow's settings (environment variables CASEWORK_*)."""

from casework_common.settings import DatabaseSettings, GrpcSettings, HttpSettings, KafkaSettings, OidcSettings


class WorkflowSettings(HttpSettings, GrpcSettings, OidcSettings, KafkaSettings, DatabaseSettings):
    service_name: str = "workflow"
    database_schema: str = "workflow"
