"""Workflow's settings (environment variables CASEWORK_*)."""

from pydantic import Field

from casework_common.settings import DatabaseSettings, GrpcSettings, HttpSettings, KafkaSettings, KeycloakSettings


class WorkflowSettings(HttpSettings, GrpcSettings, KeycloakSettings, KafkaSettings, DatabaseSettings):
    service_name: str = "workflow"
    database_schema: str = "workflow"
    # How long regional officials and caseworkers keep access to a case after the referral or
    # support request that brought it to them has ended (scope.py).
    regional_access_after_end_days: int = Field(default=30, ge=0)
    # How often the deadline recompute loop looks for cases whose rule deadlines were computed with
    # a rule set other than the one in force (after an upload), in seconds (deadlines.recompute).
    deadline_recompute_interval_s: float = Field(default=60, gt=0)
