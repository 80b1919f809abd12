"""The chart's part of data protection (docs/design.md, 'Data protection'), rendered offline: the
retention S3 identity reaches only the processes whose erasure consumers remove objects, server-side
encryption is a value every process with object storage gets, workflow has its audit signing key and
anchor settings, the retention schedule is a mounted ConfigMap when set, and the daily retention
CronJob runs from the workflow image with workflow's environment, hardened like the other workloads.
Every variable named here is read back through the services' own settings objects, so the names
cannot drift apart. (tests/test_chart_config.py checks the CronJob's settings, credentials and
egress with the rest.)"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any
from unittest import mock

import helm_python
import pytest
import yaml

from casework_bundle.settings import BundleSettings
from casework_intake.settings import IntakeSettings
from casework_ocr.settings import OcrSettings
from casework_workflow.settings import WorkflowSettings

CHART = Path(__file__).resolve().parents[1] / "deploy" / "helm" / "casework"
RETENTION_KEYS = {"CASEWORK_S3_RETENTION_ACCESS_KEY", "CASEWORK_S3_RETENTION_SECRET_KEY"}
# (workload, container) that may hold the retention identity, the intake and bundle APIs and the OCR
# workers, and the settings object each reads.
ERASING: dict[tuple[str, str], type] = {
    ("casework-intake", "intake"): IntakeSettings,
    ("casework-bundle", "bundle"): BundleSettings,
    ("casework-ocr-worker", "ocr"): OcrSettings,
}
CRONJOB = "casework-workflow-retention"


@pytest.fixture(scope="module")
def chart() -> helm_python.Chart:
    return helm_python.Chart.load(str(CHART))


def render(chart: helm_python.Chart, values: dict[str, Any]) -> list[dict[str, Any]]:
    chart.validate_schema(chart.merge_values(values))
    rendered = chart.render(values, name="casework", namespace="casework", is_install=True)
    return [
        doc
        for path, text in rendered.items()
        if not path.endswith("NOTES.txt")
        for doc in yaml.safe_load_all(text)
        if doc
    ]


def by_kind(documents: list[dict[str, Any]], kind: str) -> dict[str, dict[str, Any]]:
    return {doc["metadata"]["name"]: doc for doc in documents if doc["kind"] == kind}


def pods(documents: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Workload name -> pod spec, for Deployments, Jobs and CronJobs."""
    found = {}
    for doc in documents:
        if doc["kind"] in ("Deployment", "Job"):
            found[doc["metadata"]["name"]] = doc["spec"]["template"]["spec"]
        elif doc["kind"] == "CronJob":
            found[doc["metadata"]["name"]] = doc["spec"]["jobTemplate"]["spec"]["template"]["spec"]
    return found


def secret_env(container: dict[str, Any]) -> dict[str, dict[str, str]]:
    return {e["name"]: e["valueFrom"]["secretKeyRef"] for e in container.get("env", []) if "valueFrom" in e}


def container_env(container: dict[str, Any], documents: list[dict[str, Any]]) -> dict[str, str]:
    """The container's environment as its process sees it; Secret keys become stand-ins."""
    maps = by_kind(documents, "ConfigMap")
    env: dict[str, str] = {}
    for source in container.get("envFrom", []):
        env.update(maps[source["configMapRef"]["name"]]["data"])
    for item in container.get("env", []):
        ref = item.get("valueFrom", {}).get("secretKeyRef")
        env[item["name"]] = f"stand-in-{ref['name']}-{ref['key']}" if ref else str(item["value"])
    return env


def settings(cls: type, env: dict[str, str]) -> Any:
    with mock.patch.dict(os.environ, env, clear=True):
        return cls()


def app_container(pod: dict[str, Any], name: str) -> dict[str, Any]:
    return next(c for c in pod["containers"] if c["name"] == name)


# -- the retention identity ----------------------------------------------------------------------------


def test_the_retention_identity_reaches_only_the_processes_that_erase_objects(chart: helm_python.Chart) -> None:
    secret = {"name": "minio-retention", "accessKeyKey": "ak", "secretKeyKey": "sk"}
    documents = render(chart, {"external": {"s3": {"retentionCredentials": secret}}})
    holders = set()
    for workload, pod in pods(documents).items():
        for container in pod.get("initContainers", []) + pod["containers"]:
            refs = secret_env(container)
            if RETENTION_KEYS & set(refs):
                holders.add((workload, container["name"]))
                assert refs["CASEWORK_S3_RETENTION_ACCESS_KEY"] == {"name": "minio-retention", "key": "ak"}
                assert refs["CASEWORK_S3_RETENTION_SECRET_KEY"] == {"name": "minio-retention", "key": "sk"}
                # A different Secret from the ordinary identity's.
                assert refs["CASEWORK_S3_ACCESS_KEY"]["name"] == "casework-s3"
    assert holders == set(ERASING)
    # In particular not the mailroom, the bundle workers, workflow or its retention job.
    assert {w for w, _ in holders}.isdisjoint(
        {"casework-intake-mailroom", "casework-bundle-worker", "casework-workflow", CRONJOB}
    )
    # Each holder's settings object reads the keys under these names.
    for (workload, name), cls in ERASING.items():
        env = container_env(app_container(pods(documents)[workload], name), documents)
        loaded = settings(cls, env)
        assert loaded.s3_retention_access_key.get_secret_value() == "stand-in-minio-retention-ak", workload
        assert loaded.s3_retention_secret_key.get_secret_value() == "stand-in-minio-retention-sk", workload


# -- server-side encryption ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("values", "algorithm", "key_id"),
    [
        ({}, "AES256", ""),
        ({"serverSideEncryption": "aws:kms", "sseKmsKeyId": "casework-key"}, "aws:kms", "casework-key"),
    ],
)
def test_every_process_with_object_storage_gets_the_server_side_encryption(
    chart: helm_python.Chart, values: dict[str, Any], algorithm: str, key_id: str
) -> None:
    documents = render(chart, {"external": {"s3": values}})
    seen = 0
    for workload, pod in pods(documents).items():
        for container in pod["containers"]:
            env = container_env(container, documents)
            if "CASEWORK_S3_ENDPOINT" not in env:
                continue
            seen += 1
            assert env["CASEWORK_S3_SERVER_SIDE_ENCRYPTION"] == algorithm, workload
            assert env.get("CASEWORK_S3_SSE_KMS_KEY_ID", "") == key_id, workload
    # workflow, its retention job, intake, the mailroom, search, the OCR workers, bundle, its workers
    assert seen == 8
    loaded = settings(
        IntakeSettings,
        container_env(app_container(pods(documents)["casework-intake"], "intake"), documents),
    )
    assert (loaded.s3_server_side_encryption, loaded.s3_sse_kms_key_id) == (algorithm, key_id)


def test_an_unknown_encryption_fails_at_install(chart: helm_python.Chart) -> None:
    with pytest.raises(helm_python.HelmValuesError):
        render(chart, {"external": {"s3": {"serverSideEncryption": "aes"}}})


# -- workflow: audit anchors and the retention schedule ----------------------------------------------------


def test_workflow_has_its_signing_key_and_anchor_settings(chart: helm_python.Chart) -> None:
    documents = render(
        chart,
        {
            "services": {
                "workflow": {
                    "auditSigningKey": {"name": "audit", "key": "ed25519.pem"},
                    "auditAnchors": {"bucket": "anchors", "intervalSeconds": 600, "retentionDays": 4000},
                }
            }
        },
    )
    workflow = app_container(pods(documents)["casework-workflow"], "workflow")
    assert secret_env(workflow)["CASEWORK_AUDIT_SIGNING_KEY"] == {"name": "audit", "key": "ed25519.pem"}
    loaded = settings(WorkflowSettings, container_env(workflow, documents))
    assert loaded.audit_signing_key.get_secret_value() == "stand-in-audit-ed25519.pem"
    assert (loaded.audit_anchor_bucket, loaded.audit_anchor_interval_s, loaded.audit_anchor_retention_days) == (
        "anchors",
        600,
        4000,
    )
    assert loaded.s3_endpoint == "minio.data.svc.cluster.local:9000"  # anchors go to object storage
    # Nobody else signs anchors, not even the retention job that runs workflow's image.
    for workload, pod in pods(documents).items():
        for container in pod["containers"]:
            if workload != "casework-workflow":
                assert "CASEWORK_AUDIT_SIGNING_KEY" not in secret_env(container), workload


def test_the_packaged_retention_schedule_is_used_unless_one_is_set(chart: helm_python.Chart) -> None:
    documents = render(chart, {})
    assert "casework-workflow-retention-schedule" not in by_kind(documents, "ConfigMap")
    workflow = app_container(pods(documents)["casework-workflow"], "workflow")
    assert settings(WorkflowSettings, container_env(workflow, documents)).retention_schedule is None


@pytest.mark.parametrize("schedule", [{"default": {"case_record": "6y"}}, "default:\n  case_record: 6y\n"])
def test_a_retention_schedule_set_in_the_values_is_mounted_where_workflow_reads_it(
    chart: helm_python.Chart, schedule: dict[str, Any] | str
) -> None:
    documents = render(chart, {"services": {"workflow": {"retention": {"schedule": schedule}}}})
    config = by_kind(documents, "ConfigMap")["casework-workflow-retention-schedule"]
    assert yaml.safe_load(config["data"]["schedule.yaml"]) == {"default": {"case_record": "6y"}}
    for workload in ("casework-workflow", CRONJOB):
        pod = pods(documents)[workload]
        container = pod["containers"][0]
        path = settings(WorkflowSettings, container_env(container, documents)).retention_schedule
        assert path is not None, workload
        (mount,) = [m for m in container["volumeMounts"] if str(path).startswith(m["mountPath"].rstrip("/") + "/")]
        volume = next(v for v in pod["volumes"] if v["name"] == mount["name"])
        assert volume["configMap"]["name"] == "casework-workflow-retention-schedule", workload
        assert path.name in config["data"] and mount["readOnly"] is True, workload


# -- the daily retention job -----------------------------------------------------------------------------


def test_the_retention_job_runs_daily_from_the_workflow_image_with_workflow_settings(chart: helm_python.Chart) -> None:
    documents = render(chart, {})
    cronjob = by_kind(documents, "CronJob")[CRONJOB]
    assert cronjob["spec"]["schedule"] == "30 2 * * *" and cronjob["spec"]["concurrencyPolicy"] == "Forbid"
    pod = pods(documents)[CRONJOB]
    (container,) = pod["containers"]
    assert container["command"] == ["python", "-m", "casework_workflow", "retention"]
    assert container["image"].startswith("ghcr.io/casework/workflow:")
    assert pod["restartPolicy"] == "Never"
    # Hardened like the Deployments.
    assert pod["securityContext"]["runAsNonRoot"] is True and pod["automountServiceAccountToken"] is False
    context = container["securityContext"]
    assert context["readOnlyRootFilesystem"] and not context["allowPrivilegeEscalation"]
    assert context["capabilities"]["drop"] == ["ALL"]
    assert container["resources"]["requests"] and container["resources"]["limits"]
    # Workflow's environment and Secrets, so it reads the same database and schedule.
    workflow = app_container(pods(documents)["casework-workflow"], "workflow")
    assert container["envFrom"] == workflow["envFrom"]
    # workflow's secrets except the audit signing key: the job never signs anchors.
    assert secret_env(container) == {k: v for k, v in secret_env(workflow).items() if k != "CASEWORK_AUDIT_SIGNING_KEY"}
    loaded = settings(WorkflowSettings, container_env(container, documents))
    assert loaded.database_schema == "workflow"
    # Its own component: workflow's Service never routes requests to it; its policy admits nothing.
    labels = cronjob["spec"]["jobTemplate"]["spec"]["template"]["metadata"]["labels"]
    selector = by_kind(documents, "Service")["casework-workflow"]["spec"]["selector"]
    assert any(labels.get(k) != v for k, v in selector.items())
    policy = by_kind(documents, "NetworkPolicy")[CRONJOB]["spec"]
    assert policy["podSelector"]["matchLabels"].items() <= labels.items()
    assert "Ingress" in policy["policyTypes"] and not policy.get("ingress")
    workflow_policy = by_kind(documents, "NetworkPolicy")["casework-workflow"]["spec"]
    assert policy["egress"] == workflow_policy["egress"]

    schedule = {"cronJob": {"schedule": "15 3 * * *", "timeZone": "Europe/London"}}
    custom = by_kind(render(chart, {"services": {"workflow": {"retention": schedule}}}), "CronJob")[CRONJOB]
    assert (custom["spec"]["schedule"], custom["spec"]["timeZone"]) == ("15 3 * * *", "Europe/London")
    off = render(chart, {"services": {"workflow": {"retention": {"cronJob": {"enabled": False}}}}})
    assert CRONJOB not in by_kind(off, "CronJob") and CRONJOB not in by_kind(off, "NetworkPolicy")


def test_a_retention_job_schedule_that_is_not_cron_fails_at_install(chart: helm_python.Chart) -> None:
    with pytest.raises(helm_python.HelmValuesError):
        render(chart, {"services": {"workflow": {"retention": {"cronJob": {"schedule": "daily"}}}}})
