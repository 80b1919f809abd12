"""The casework services as the local stack runs them: module, arguments, ports and environment."""

from __future__ import annotations

import sys
from dataclasses import dataclass

from casework_local.config import StackConfig
from casework_local.process import Managed
from casework_local.servers import S3, Postgres, Server


@dataclass(frozen=True)
class ServiceSpec:
    name: str
    module: str
    port: str  # config.ports key of its HTTP port (health, metrics, API)
    db_role: str | None = None
    grpc_port: str | None = None
    args: tuple[str, ...] = ()  # after ``python -m <module>``, e.g. a worker's role


SERVICES: tuple[ServiceSpec, ...] = (
    ServiceSpec("workflow", "casework_workflow", "workflow", db_role="workflow", grpc_port="workflow_grpc"),
    ServiceSpec("intake", "casework_intake", "intake", db_role="intake"),
    # Email-in and scanned batches, a separate process as in the chart: a flood of mail never
    # slows uploads, and the SMTP listener scales (and is exposed) on its own.
    ServiceSpec("intake-mailroom", "casework_intake", "intake_mailroom", db_role="intake", args=("mailroom",)),
    ServiceSpec("ocr", "casework_ocr", "ocr", db_role="ocr"),
    ServiceSpec("search", "casework_search", "search", grpc_port="search_grpc"),
    ServiceSpec("notify", "casework_notify", "notify", db_role="notify"),
    ServiceSpec("portal", "casework_portal", "portal", db_role="portal"),
    ServiceSpec("bundle", "casework_bundle", "bundle", db_role="bundle"),
    # A separate process, as in the chart: building bundles never slows the bundle API.
    ServiceSpec("bundle-worker", "casework_bundle", "bundle_worker", db_role="bundle", args=("worker",)),
    ServiceSpec("organising", "casework_organising", "organising", db_role="organising"),
)

# The processes that remove evidence, page texts and bundles on erasure (their erasure consumers),
# and so the only ones given the retention S3 identity: the intake and bundle APIs, not the
# mailroom or the bundle worker (docs/design.md, *Data protection*).
RETENTION_PROCESSES = frozenset({"intake", "ocr", "bundle"})


def service_env(spec: ServiceSpec, config: StackConfig, servers: list[Server]) -> dict[str, str]:
    """Environment for one service: what every service needs plus its own port and database."""
    env: dict[str, str] = {}
    for server in servers:
        env.update(server.env())
    env.update(
        {
            "CASEWORK_LOG_LEVEL": config.log_level,
            "CASEWORK_HTTP_HOST": config.host,
            "CASEWORK_HTTP_PORT": str(config.ports[spec.port]),
            "CASEWORK_PORTAL_URL": config.url("portal"),
            "CASEWORK_WORKFLOW_GRPC": f"{config.host}:{config.ports['workflow_grpc']}",
            "CASEWORK_WORKFLOW_URL": config.url("workflow"),
            "CASEWORK_INTAKE_URL": config.url("intake"),
            "CASEWORK_SEARCH_URL": config.url("search"),
            "CASEWORK_NOTIFY_URL": config.url("notify"),
            "CASEWORK_BUNDLE_URL": config.url("bundle"),
            "CASEWORK_ORGANISING_URL": config.url("organising"),
            "CASEWORK_OCR_WORKERS": str(config.ocr_workers),
            "CASEWORK_STATE_DIR": str(config.state_dir),
            "OMP_THREAD_LIMIT": "1",  # one Tesseract thread per process: measured 5x faster on 2 cores
        }
    )
    if spec.grpc_port:
        env["CASEWORK_GRPC_PORT"] = str(config.ports[spec.grpc_port])
    if spec.db_role:
        postgres = next(s for s in servers if isinstance(s, Postgres))
        env["CASEWORK_DATABASE_URL"] = postgres.database_url(spec.db_role)
        env["CASEWORK_DATABASE_SCHEMA"] = spec.db_role
    if spec.name in RETENTION_PROCESSES:
        env.update(next((s.retention_env() for s in servers if isinstance(s, S3)), {}))
    if spec.module == "casework_intake":
        env["CASEWORK_COVER_SHEET_SECRET"] = config.secrets.cover_sheet_secret
        env["CASEWORK_MAILROOM_HOST"] = config.host
        env["CASEWORK_MAILROOM_PORT"] = str(config.ports["mailroom"])
        env["CASEWORK_SCAN_DROP_DIR"] = str(config.path("scan-drop"))
        env["CASEWORK_SCAN_DROP_REGION"] = "london"  # the demo realm's region
        # A drop in object storage as well, as the chart has it (copiers behind an SFTP/SMB gateway).
        env["CASEWORK_SCAN_DROP_BUCKET"] = "casework-scan-drop"
    if spec.name == "workflow":
        # Signs the audit chain's anchors (audit_anchors.py); the chart takes it from a Secret.
        env["CASEWORK_AUDIT_SIGNING_KEY"] = config.secrets.audit_signing_key
    if spec.name == "bundle-worker":
        env["CASEWORK_WORK_DIR"] = str(config.path("runtime", "bundle-work"))
    if spec.name == "portal":
        env["CASEWORK_PORTAL_CLIENT_SECRET"] = config.secrets.portal_client_secret
        env["CASEWORK_SESSION_SECRET"] = config.secrets.portal_session_secret
    if spec.name == "ocr":
        env["PROMETHEUS_MULTIPROC_DIR"] = str(config.path("runtime", "ocr-metrics"))
        env["CASEWORK_WORK_DIR"] = str(config.path("runtime", "ocr-work"))
        # One ocr.pages partition per worker: page tasks, sent round-robin, split exactly evenly.
        env["CASEWORK_PAGE_PARTITIONS"] = str(config.ocr_workers)
    return env


def service_process(spec: ServiceSpec, config: StackConfig, servers: list[Server]) -> Managed:
    return Managed(
        spec.name,
        [sys.executable, "-m", spec.module, *spec.args],
        config.path("logs", f"{spec.name}.log"),
        env=service_env(spec, config, servers),
    )
