"""The Helm chart, validated offline: lint, schema, render with each environment's values, every
manifest against the Kubernetes 1.30 schemas (strict), the security and availability rules a platform
team checks, and deliberately broken values that must fail."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import crd
import helm_python
import kubernetes_validate
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
CHART = ROOT / "deploy" / "helm" / "casework"
KUBERNETES = "1.30.0"
ENVIRONMENTS = {"defaults": {}} | {
    path.stem: yaml.safe_load(path.read_text()) for path in sorted((CHART / "values").glob("*.yaml"))
}
BROKEN = sorted((ROOT / "tests" / "helm").glob("broken-*.yaml"))
# Custom resources have no schema in kubernetes-validate: their CRDs' schemas check them (tests/lib/crd.py).
CUSTOM = crd.KINDS


@pytest.fixture(scope="module")
def chart() -> helm_python.Chart:
    return helm_python.Chart.load(str(CHART))


def render(chart: helm_python.Chart, values: dict[str, Any]) -> list[dict[str, Any]]:
    chart.validate_schema(chart.merge_values(values))
    rendered = chart.render(values, name="casework", namespace="casework", is_install=True)
    manifests = [text for path, text in rendered.items() if not path.endswith("NOTES.txt")]  # as Helm does
    return [doc for text in manifests for doc in yaml.safe_load_all(text) if doc]


def test_lint_finds_nothing_and_needs_no_dependency_charts(chart: helm_python.Chart) -> None:
    """`helm install casework deploy/helm/casework` works offline as the README says: the data
    services come from their own charts or managed services, not from subcharts to fetch."""
    report = helm_python.lint(str(CHART), kube_version=f"v{KUBERNETES}")
    assert [m for m in report["messages"] if m["severity"] >= 2] == []
    assert chart.dependencies == []


@pytest.mark.parametrize("environment", ENVIRONMENTS)
def test_every_manifest_is_valid_kubernetes(chart: helm_python.Chart, environment: str) -> None:
    documents = render(chart, ENVIRONMENTS[environment])
    assert len(documents) > 30
    assert crd.problems([doc for doc in documents if doc["kind"] in CUSTOM]) == {}, environment
    for doc in documents:
        where = f"{doc['kind']}/{doc['metadata']['name']}"
        if doc["kind"] not in CUSTOM:
            try:
                kubernetes_validate.validate(doc, KUBERNETES, strict=True)
            except kubernetes_validate.ValidationError as exc:
                pytest.fail(f"{environment}: {where}: {exc.message} at {list(exc.path)}")


@pytest.mark.parametrize("broken", BROKEN, ids=lambda p: p.stem)
def test_broken_values_fail_at_install(chart: helm_python.Chart, broken: Path) -> None:
    with pytest.raises((helm_python.HelmValuesError, helm_python.HelmRenderError)) as failure:
        render(chart, yaml.safe_load(broken.read_text()))
    assert str(failure.value)  # says what is wrong


def test_too_few_page_partitions_names_the_fix(chart: helm_python.Chart) -> None:
    with pytest.raises(helm_python.HelmRenderError, match="pagePartitions"):
        render(chart, yaml.safe_load((ROOT / "tests" / "helm" / "broken-partitions.yaml").read_text()))


def by_kind(documents: list[dict[str, Any]], kind: str) -> dict[str, dict[str, Any]]:
    return {doc["metadata"]["name"]: doc for doc in documents if doc["kind"] == kind}


def test_one_deployment_per_service_hardened_and_probed(chart: helm_python.Chart) -> None:
    documents = render(chart, {})
    deployments = by_kind(documents, "Deployment")
    services = ("workflow", "intake", "search", "notify", "portal", "bundle", "organising")
    workers = {"casework-ocr-worker", "casework-bundle-worker"}
    expected = {f"casework-{s}" for s in services} | workers | {"casework-intake-mailroom"}
    assert set(deployments) == expected
    assert "Secret" not in {doc["kind"] for doc in documents}  # secrets are referenced, never rendered
    for name, deployment in deployments.items():
        pod = deployment["spec"]["template"]["spec"]
        assert pod["securityContext"]["runAsNonRoot"] is True and pod["automountServiceAccountToken"] is False
        assert pod["topologySpreadConstraints"], name
        for container in pod["containers"]:
            context = container["securityContext"]
            assert context["readOnlyRootFilesystem"] and not context["allowPrivilegeEscalation"], name
            assert context["capabilities"]["drop"] == ["ALL"], name
            assert container["resources"]["requests"] and container["resources"]["limits"], name
            assert container["livenessProbe"], (name, container["name"])
        app = next(c for c in pod["containers"] if c["name"] != "clamd")
        assert app["readinessProbe"]["httpGet"]["path"] == "/readyz"
        for item in app["env"]:  # every secret comes from a Secret
            assert "value" not in item and "secretKeyRef" in item["valueFrom"], item
    workflow = deployments["casework-workflow"]["spec"]["template"]["spec"]["containers"][0]
    assert workflow["livenessProbe"]["grpc"]["port"] == 50051
    assert set(by_kind(documents, "PodDisruptionBudget")) == expected - {"casework-ocr-worker"} | {"casework-ocr"}
    # The mailroom has a fixed number of replicas: mail arrives at the pace senders send it.
    assert set(by_kind(documents, "HorizontalPodAutoscaler")) == expected - {"casework-intake-mailroom"}


def test_ocr_scales_on_lag_with_keda_and_on_cpu_without(chart: helm_python.Chart) -> None:
    national = render(chart, ENVIRONMENTS["national"])
    scaled = by_kind(national, "ScaledObject")["casework-ocr-worker"]
    assert {t["metadata"]["topic"] for t in scaled["spec"]["triggers"]} == {"ocr.pages", "evidence.uploaded"}
    assert scaled["spec"]["maxReplicaCount"] == 48
    assert "casework-ocr-worker" not in by_kind(national, "HorizontalPodAutoscaler")
    config = by_kind(national, "ConfigMap")["casework-ocr"]["data"]
    assert int(config["CASEWORK_PAGE_PARTITIONS"]) >= 48 * int(config["CASEWORK_OCR_WORKERS"])
    pilot = render(chart, ENVIRONMENTS["pilot-region"])
    assert "ScaledObject" not in {doc["kind"] for doc in pilot}
    assert by_kind(pilot, "HorizontalPodAutoscaler")["casework-ocr-worker"]["spec"]["maxReplicas"] == 4


def test_bundle_workers_scale_on_their_job_backlog_with_keda_and_on_cpu_without(chart: helm_python.Chart) -> None:
    national = render(chart, ENVIRONMENTS["national"])
    scaled = by_kind(national, "ScaledObject")["casework-bundle-worker"]
    [trigger] = scaled["spec"]["triggers"]
    assert trigger["metadata"]["topic"] == "bundle.jobs" and trigger["metadata"]["consumerGroup"] == "bundle-workers"
    assert scaled["spec"]["scaleTargetRef"]["name"] == "casework-bundle-worker"
    assert "casework-bundle-worker" not in by_kind(national, "HorizontalPodAutoscaler")
    pilot = render(chart, ENVIRONMENTS["pilot-region"])
    assert (
        by_kind(pilot, "HorizontalPodAutoscaler")["casework-bundle-worker"]["spec"]["metrics"][0]["resource"]["name"]
        == "cpu"
    )
    with pytest.raises(helm_python.HelmRenderError, match=r"keda\.sh/v1alpha1"):
        render(chart, {"services": {"bundle": {"worker": {"keda": {"enabled": True}}}}})


def test_network_policies_deny_by_default_and_allow_only_the_architecture(chart: helm_python.Chart) -> None:
    policies = by_kind(render(chart, {}), "NetworkPolicy")
    deny = policies["casework-all-default-deny"]["spec"]
    assert deny["policyTypes"] == ["Ingress", "Egress"] and "ingress" not in deny and "egress" not in deny

    def callers(target: str) -> set[str]:
        found = set()
        for rule in policies[f"casework-{target}"]["spec"]["ingress"]:
            for peer in rule["from"]:
                found.add(peer.get("podSelector", {}).get("matchLabels", {}).get("app.kubernetes.io/component", "-"))
        return found - {"-", "helm-test"}

    assert callers("workflow") == {"portal", "intake", "search", "notify", "bundle", "intake-mailroom"}
    # Workflow reads a member's evidence records (intake), notifications (notify) and recruitment records
    # (organising) for subject access.
    assert callers("intake") == {"portal", "ocr", "search", "bundle", "workflow"}
    assert callers("notify") == callers("organising") == {"portal", "workflow"}
    assert callers("search") == callers("bundle") == {"portal"}
    assert callers("ocr") == callers("bundle-worker") == set()  # nobody calls the workers
    # The bundle workers reach Kafka, Postgres and object storage only: no other service.
    worker_egress = policies["casework-bundle-worker"]["spec"]["egress"]
    assert not [rule for rule in worker_egress if "podSelector" in rule["to"][0]]
    assert {p["port"] for rule in worker_egress for p in rule["ports"]} == {9092, 5432, 9000}
    # Search reaches workflow by gRPC (scope) and REST (saving comparators to the timeline).
    search_to_workflow = next(
        rule
        for rule in policies["casework-search"]["spec"]["egress"]
        if rule["to"][0].get("podSelector", {}).get("matchLabels", {}).get("app.kubernetes.io/component") == "workflow"
    )
    assert {p["port"] for p in search_to_workflow["ports"]} == {50051, 8080}
    portal_ports = {p["port"] for rule in policies["casework-portal"]["spec"]["egress"] for p in rule["ports"]}
    assert 9092 not in portal_ports  # the portal reaches no broker (Postgres only for its sessions)


@pytest.mark.parametrize("environment", ENVIRONMENTS)
def test_no_replicas_where_an_autoscaler_owns_the_deployment(chart: helm_python.Chart, environment: str) -> None:
    """`helm upgrade` must not reset the count KEDA or the HPA chose."""
    documents = render(chart, ENVIRONMENTS[environment])
    owned = {
        doc["spec"]["scaleTargetRef"]["name"]
        for doc in documents
        if doc["kind"] in ("HorizontalPodAutoscaler", "ScaledObject")
    }
    assert "casework-ocr-worker" in owned
    for name, deployment in by_kind(documents, "Deployment").items():
        assert ("replicas" in deployment["spec"]) == (name not in owned), name


def test_migrations_run_once_per_release_in_hook_jobs(chart: helm_python.Chart) -> None:
    documents = render(chart, {})
    jobs = by_kind(documents, "Job")
    migrating = {"workflow", "intake", "notify", "ocr", "bundle", "organising"}
    assert {n for n in jobs if n.endswith("-migrate")} == {f"casework-{s}-migrate" for s in migrating}
    policies = by_kind(documents, "NetworkPolicy")
    for service in migrating:
        job = jobs[f"casework-{service}-migrate"]
        assert job["metadata"]["annotations"]["helm.sh/hook"] == "pre-install,pre-upgrade"
        (container,) = job["spec"]["template"]["spec"]["containers"]
        assert container["command"] == ["python", "-m", "casework_common.migrate", f"casework_{service}"]
        # Its egress exists before it runs: a hook of lower weight.
        policy = policies[f"casework-{service}-migrate"]["metadata"]["annotations"]
        assert int(policy["helm.sh/hook-weight"]) < int(job["metadata"]["annotations"]["helm.sh/hook-weight"])
        assert by_kind(documents, "ConfigMap")[f"casework-{service}"]["data"]["CASEWORK_MIGRATE_ON_START"] == "false"
    without = render(chart, {"migrations": {"hookJob": False}})
    assert not [n for n in by_kind(without, "Job") if n.endswith("-migrate")]
    assert by_kind(without, "ConfigMap")["casework-intake"]["data"]["CASEWORK_MIGRATE_ON_START"] == "true"


def test_operator_resources_render_only_where_their_apis_are_served(chart: helm_python.Chart) -> None:
    plain = {doc["kind"] for doc in render(chart, {})}
    assert not {"ServiceMonitor", "PrometheusRule"} & plain  # no Prometheus operator known
    served = render(
        chart, {"apiVersions": ["monitoring.coreos.com/v1", "keda.sh/v1alpha1"], "ocr": {"keda": {"enabled": True}}}
    )
    assert {"ServiceMonitor", "PrometheusRule", "ScaledObject"} <= {doc["kind"] for doc in served}
    with pytest.raises(helm_python.HelmRenderError, match=r"keda\.sh/v1alpha1"):
        render(chart, {"ocr": {"keda": {"enabled": True}}})


def test_helm_test_asks_every_service_for_readiness(chart: helm_python.Chart) -> None:
    documents = render(chart, {})
    (pod,) = [doc for doc in documents if doc["kind"] == "Pod"]
    assert pod["metadata"]["annotations"]["helm.sh/hook"] == "test"
    urls = [arg for arg in pod["spec"]["containers"][0]["command"] if arg.startswith("http://")]
    services = {
        name
        for name, service in by_kind(documents, "Service").items()
        if 8080 in {p["port"] for p in service["spec"]["ports"]}
    }
    assert "casework-intake-mailroom-metrics" in services  # the mail Service has no HTTP port
    assert {u.split("/")[2].split(":")[0] for u in urls} == services
    assert all(u.endswith(":8080/readyz") for u in urls)


def test_install_notes_render(chart: helm_python.Chart) -> None:
    rendered = chart.render({}, name="casework", namespace="casework", is_install=True)
    notes = next(text for path, text in rendered.items() if path.endswith("NOTES.txt"))
    assert "helm test casework" in notes and "casework-database" in notes


def test_realm_import_is_the_realm_file_the_local_stack_uses(chart: helm_python.Chart) -> None:
    realm = by_kind(render(chart, {}), "ConfigMap")["casework-keycloak-realm"]["data"]["casework-realm.json"]
    assert json.loads(realm) == json.loads((ROOT / "deploy" / "keycloak" / "casework-realm.json").read_text())


def test_dashboards_ship_for_the_grafana_sidecar(chart: helm_python.Chart) -> None:
    maps = {n: d for n, d in by_kind(render(chart, {}), "ConfigMap").items() if "dashboards" in n}
    assert len(maps) == 6
    for config in maps.values():
        assert config["metadata"]["labels"]["grafana_dashboard"] == "1"
        (dashboard,) = (json.loads(text) for text in config["data"].values())
        assert dashboard["panels"] and all(p["targets"] for p in dashboard["panels"])


def test_secret_links_stay_out_of_the_ingress_access_log(chart: helm_python.Chart) -> None:
    ingresses = by_kind(render(chart, {}), "Ingress")
    quiet = ingresses["casework-portal-secret-links"]
    assert quiet["metadata"]["annotations"]["nginx.ingress.kubernetes.io/enable-access-log"] == "false"
    paths = {p["path"] for rule in quiet["spec"]["rules"] for p in rule["http"]["paths"]}
    assert paths == {"/calendar/", "/shared/"}
    logged = ingresses["casework-portal"]["metadata"]["annotations"]
    assert "nginx.ingress.kubernetes.io/enable-access-log" not in logged


MAILROOM = "casework-intake-mailroom"
MAIL_PEERS = [{"ipBlock": {"cidr": "198.51.100.25/32"}}, {"namespaceSelector": {"matchLabels": {"team": "mail"}}}]


def mailroom_values(**mailroom: Any) -> dict[str, Any]:
    return {"services": {"intake": {"mailroom": mailroom}}}


def test_the_mailroom_runs_from_the_intake_image_with_its_own_ports(chart: helm_python.Chart) -> None:
    documents = render(chart, mailroom_values(protocol="lmtp", port=2424, service={"port": 24}))
    (container,) = by_kind(documents, "Deployment")[MAILROOM]["spec"]["template"]["spec"]["containers"]
    assert container["image"].startswith("ghcr.io/casework/intake:") and container["args"] == ["mailroom"]
    assert {p["name"]: p["containerPort"] for p in container["ports"]} == {"http": 8080, "lmtp": 2424}
    assert container["readinessProbe"]["httpGet"] == {"path": "/readyz", "port": "http"}
    config = by_kind(documents, "ConfigMap")[MAILROOM]["data"]
    assert config["CASEWORK_MAILROOM_PORT"] == "2424" and config["CASEWORK_MAILROOM_PROTOCOL"] == "lmtp"
    assert config["CASEWORK_DATABASE_SCHEMA"] == "intake"  # intake's schema, with intake's database URL
    database = next(e for e in container["env"] if e["name"] == "CASEWORK_DATABASE_URL")
    assert database["valueFrom"]["secretKeyRef"]["key"] == "intake-url"
    mail = by_kind(documents, "Service")[MAILROOM]["spec"]
    assert mail["ports"] == [{"name": "lmtp", "port": 24, "targetPort": "lmtp", "protocol": "TCP"}]
    # Metrics through a headless Service labelled as intake's: intake's ServiceMonitor scrapes it as job "intake".
    metrics = by_kind(documents, "Service")[f"{MAILROOM}-metrics"]
    assert metrics["metadata"]["labels"]["app.kubernetes.io/component"] == "intake"
    assert metrics["spec"]["selector"]["app.kubernetes.io/component"] == "intake-mailroom"
    assert "casework-intake-mailroom" not in by_kind(render(chart, mailroom_values(enabled=False)), "Deployment")


def test_the_mail_service_type_and_annotations_are_values(chart: helm_python.Chart) -> None:
    service = {
        "type": "LoadBalancer",
        "port": 25,
        "annotations": {"service.beta.kubernetes.io/aws-load-balancer-type": "nlb"},
        "loadBalancerSourceRanges": ["198.51.100.0/24"],
        "externalTrafficPolicy": "Local",
    }
    mail = by_kind(render(chart, mailroom_values(service=service)), "Service")[MAILROOM]
    assert mail["spec"]["type"] == "LoadBalancer" and mail["spec"]["externalTrafficPolicy"] == "Local"
    assert mail["spec"]["loadBalancerSourceRanges"] == ["198.51.100.0/24"]
    assert mail["metadata"]["annotations"] == service["annotations"]
    plain = by_kind(render(chart, {}), "Service")[MAILROOM]["spec"]
    assert plain["type"] == "ClusterIP" and "externalTrafficPolicy" not in plain


def test_the_network_policy_admits_mail_only_from_the_configured_peers(chart: helm_python.Chart) -> None:
    documents = render(chart, mailroom_values(peers=MAIL_PEERS, port=2600))
    policy = by_kind(documents, "NetworkPolicy")[MAILROOM]["spec"]
    rules = {p["port"]: rule["from"] for rule in policy["ingress"] for p in rule["ports"]}
    assert set(rules) == {2600, 8080}  # mail, and health/metrics
    assert rules[2600] == MAIL_PEERS
    # The mail port is open in no other policy: the default deny holds for every other pod.
    for name, other in by_kind(documents, "NetworkPolicy").items():
        ports = {p["port"] for rule in other["spec"].get("ingress", []) for p in rule.get("ports", [])}
        assert name == MAILROOM or 2600 not in ports, name
    # Out: Postgres, S3, Keycloak, the SMTP relay and workflow's gRPC; no Kafka, no IMAP unless set.
    out = {p["port"] for rule in policy["egress"] for p in rule["ports"]}
    assert out == {5432, 9000, 443, 8080, 587, 50051}
    imap = {"url": "imaps://evidence@imap.example.org/INBOX", "password": {"name": "casework-imap", "key": "password"}}
    with_imap = by_kind(render(chart, mailroom_values(imap=imap | {"intervalSeconds": 30})), "NetworkPolicy")
    assert 993 in {p["port"] for rule in with_imap[MAILROOM]["spec"]["egress"] for p in rule["ports"]}


@pytest.mark.parametrize("cidr", ["0.0.0.0/0", "::/0"])
def test_mail_from_the_internet_needs_a_trusted_authserv_id(chart: helm_python.Chart, cidr: str) -> None:
    """Without an MTA's Authentication-Results every From is believed, so an open mail port without an
    authserv-id would let anyone on the internet file mail as any rep."""
    internet = [{"ipBlock": {"cidr": cidr}}]
    with pytest.raises(helm_python.HelmRenderError, match="authservId"):
        render(chart, mailroom_values(peers=internet))
    documents = render(chart, mailroom_values(peers=internet, authservId="mx.example.org"))
    assert by_kind(documents, "ConfigMap")[MAILROOM]["data"]["CASEWORK_MAIL_AUTHSERV_ID"] == "mx.example.org"


def test_tls_certificate_is_mounted_where_the_settings_point(chart: helm_python.Chart) -> None:
    documents = render(chart, mailroom_values(tls={"secret": "mail-tls", "requireTls": True}))
    pod = by_kind(documents, "Deployment")[MAILROOM]["spec"]["template"]["spec"]
    config = by_kind(documents, "ConfigMap")[MAILROOM]["data"]
    (volume,) = [v for v in pod["volumes"] if v.get("secret")]
    assert volume["secret"]["secretName"] == "mail-tls"
    (mount,) = [m for m in pod["containers"][0]["volumeMounts"] if m["name"] == volume["name"]]
    for setting, key in (("CASEWORK_MAILROOM_TLS_CERT_FILE", "tls.crt"), ("CASEWORK_MAILROOM_TLS_KEY_FILE", "tls.key")):
        assert config[setting] == f"{mount['mountPath']}/{key}"
    assert config["CASEWORK_MAILROOM_REQUIRE_TLS"] == "true"
    without = by_kind(render(chart, {}), "ConfigMap")[MAILROOM]["data"]
    assert "CASEWORK_MAILROOM_TLS_CERT_FILE" not in without and without["CASEWORK_MAILROOM_REQUIRE_TLS"] == "false"


@pytest.mark.parametrize(
    "mailroom",
    [
        {"tls": {"secret": "", "requireTls": True}},  # STARTTLS required, nothing to offer it with
        {
            "imap": {
                "url": "imaps://x@imap.example.org/INBOX",
                "password": {"name": "", "key": "p"},
                "intervalSeconds": 60,
            }
        },
        {
            "scanDrop": {
                "bucket": "scans",
                "prefix": "in/",
                "region": "",
                "branch": "",
                "pollIntervalSeconds": 5,
                "settleSeconds": 2,
            }
        },
        {"scannerDevices": {"not-an-address": {"region": "north"}}},
        {
            "service": {
                "type": "ExternalName",
                "port": 25,
                "annotations": {},
                "loadBalancerSourceRanges": [],
                "externalTrafficPolicy": "",
            }
        },
    ],
    ids=["tls-without-secret", "imap-without-password", "drop-without-region", "device-not-an-address", "service-type"],
)
def test_mailroom_values_that_cannot_work_fail_at_install(chart: helm_python.Chart, mailroom: dict[str, Any]) -> None:
    with pytest.raises(helm_python.HelmValuesError):
        render(chart, mailroom_values(**mailroom))


def test_the_cover_sheet_secret_reaches_both_processes(chart: helm_python.Chart) -> None:
    """The API signs cover sheets, the mailroom checks them: one Secret, both containers."""
    documents = render(chart, {"services": {"intake": {"coverSheetSecret": {"name": "sheets", "key": "k"}}}})
    deployments = by_kind(documents, "Deployment")
    for name in ("casework-intake", MAILROOM):
        env = {e["name"]: e["valueFrom"] for e in deployments[name]["spec"]["template"]["spec"]["containers"][0]["env"]}
        assert env["CASEWORK_COVER_SHEET_SECRET"] == {"secretKeyRef": {"name": "sheets", "key": "k"}}, name
        # Both act as the services account (AuthorizePerson, FindCase): its client secret too.
        assert env["CASEWORK_OIDC_CLIENT_SECRET"]["secretKeyRef"]["name"] == "casework-oidc", name
    for name, deployment in deployments.items():
        if name not in ("casework-intake", MAILROOM):
            names = {e["name"] for e in deployment["spec"]["template"]["spec"]["containers"][-1].get("env", [])}
            assert "CASEWORK_COVER_SHEET_SECRET" not in names, name
