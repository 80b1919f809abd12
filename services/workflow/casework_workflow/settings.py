"""Workflow's settings (environment variables CASEWORK_*)."""

from casework_common.settings import DatabaseSettings, GrpcSettings, HttpSettings, KafkaSettings, KeycloakSettings


class WorkflowSettings(HttpSettings, GrpcSettings, KeycloakSettings, KafkaSettings, DatabaseSettings):
    service_name: str = "workflow"
    database_schema: str = "workflow"
