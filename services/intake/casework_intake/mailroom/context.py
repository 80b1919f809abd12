"""What the mailroom's parts share: settings, database, object store, workflow and the filing path."""

from __future__ import annotations

from dataclasses import dataclass

from minio import Minio
from sqlalchemy import Engine

from casework_common.service_token import ServiceTokenProvider
from casework_common.workflow_client import WorkflowClient
from casework_intake.filing import Filing
from casework_intake.settings import IntakeSettings


@dataclass(frozen=True)
class Mailroom:
    settings: IntakeSettings
    engine: Engine
    s3: Minio
    workflow: WorkflowClient
    tokens: ServiceTokenProvider  # the service account's token, for AuthorizePerson and FindCase
    filing: Filing
