"""What runs in the cluster is what the tests ran: for every container of ours that the chart renders
(defaults and each environment's values), build exactly the environment the chart gives it, load
that service's own settings object from it, and check that every outbound dependency the settings
say the service uses has both its setting/credential and a NetworkPolicy egress rule allowing it.

What a service uses comes from its settings object's fields (``FIELD_DEPENDENCIES``), never from
the chart; the chart only has to agree."""

from __future__ import annotations

import ast
import importlib
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from unittest import mock
from urllib.parse import urlsplit

import helm_python
import pytest
import yaml
from pydantic import ValidationError
from pydantic_settings import BaseSettings

ROOT = Path(__file__).resolve().parents[1]
# CASEWORK_TEST_CHART points this test at another copy of the chart (e.g. an older commit's).
CHART = Path(os.environ.get("CASEWORK_TEST_CHART", ROOT / "deploy" / "helm" / "casework"))
RELEASE = "casework"
ENVIRONMENTS = {"defaults": {}} | {
    path.stem: yaml.safe_load(path.read_text()) for path in sorted((CHART / "values").glob("*.yaml"))
}
# The container image's own freshclam configuration (used when the chart mounts none).
IMAGE_FILES = {"/etc/clamav/freshclam.conf": ROOT / "services" / "ocr" / "docker" / "freshclam.conf"}


@dataclass(frozen=True)
class Dependency:
    """An outbound dependency named by a settings field: its kind (a key of the chart's
    networkPolicy.dependencies, or "service" for another casework service), the fields that must
    hold a credential for it, and the port assumed when the endpoint itself is a secret."""

    kind: str
    credentials: tuple[str, ...] = ()
    default_port: int | None = None


# Settings field -> the dependency it names. Defined once; every settings class is read through it.
FIELD_DEPENDENCIES: dict[str, Dependency] = {
    "kafka_bootstrap": Dependency("kafka"),
    "database_url": Dependency("postgres", ("database_url",), default_port=5432),
    "s3_endpoint": Dependency("s3", ("s3_access_key", "s3_secret_key")),
    "opensearch_url": Dependency("opensearch"),
    "oidc_issuer": Dependency("keycloak"),
    "oidc_discovery_url": Dependency("keycloak"),
    "keycloak_url": Dependency("keycloak", ("oidc_client_secret",)),
    "smtp_host": Dependency("smtp"),
    "imap_url": Dependency("imap", ("imap_password",)),
    "workflow_grpc": Dependency("service"),
    "workflow_url": Dependency("service"),
    "intake_url": Dependency("service"),
    "search_url": Dependency("service"),
    "notify_url": Dependency("service"),
    "organising_url": Dependency("service"),  # the portal's recruitment pages; workflow's subject access
}
# Credentials a settings class declares required (no default) are checked wherever they appear: a
# service acting on its own behalf needs its client secret, the portal its own.
CREDENTIAL_FIELDS: dict[str, str] = {
    "oidc_client_secret": "keycloak",
    "portal_client_secret": "keycloak",
    "session_secret": "",
}

# A field that, once set, makes others necessary: SASL needs its user and password.
REQUIRES: dict[str, tuple[str, ...]] = {
    "kafka_sasl_mechanism": ("kafka_sasl_username", "kafka_sasl_password"),
    "opensearch_username": ("opensearch_password",),
}
# Fields naming a file the process reads (CA bundles): it must be mounted into the container.
FILE_FIELDS = ("kafka_ssl_cafile", "opensearch_ca_file", "mailroom_tls_cert_file", "mailroom_tls_key_file")

# Container name -> the settings object its process reads (module:class).
SETTINGS: dict[str, str] = {
    "workflow": "casework_workflow.settings:WorkflowSettings",
    "retention": "casework_workflow.settings:WorkflowSettings",  # the daily CronJob, workflow's image and env
    "intake": "casework_intake.settings:IntakeSettings",
    "search": "casework_search.settings:SearchSettings",
    "notify": "casework_notify.settings:NotifySettings",
    "portal": "casework_portal.settings:PortalSettings",
    "ocr": "casework_ocr.settings:OcrSettings",
    "bundle": "casework_bundle.settings:BundleSettings",
    "bundle-worker": "casework_bundle.worker_settings:WorkerSettings",
    "organising": "casework_organising.settings:OrganisingSettings",
    "mailroom": "casework_intake.settings:IntakeSettings",  # `python -m casework_intake mailroom`
    "migrate": "casework_common.migrate:MigrationSettings",
}


# Two processes read one settings object and each uses only part of it: container -> the fields
# naming a dependency it never reaches, and why. test_unused_dependencies_are_not_imported checks
# the claim against the code (the module that would reach the dependency is not imported there).
UNUSED: dict[str, dict[str, str]] = {
    # Receipts are the mailroom's; the API sends no mail.
    "intake": {"smtp_host": "casework_common.mail"},
    # Its evidence.uploaded events go into intake's outbox, which the API's relay publishes.
    "mailroom": {"kafka_bootstrap": "casework_common.kafka"},
}


@dataclass(frozen=True)
class Endpoint:
    field: str
    dependency: Dependency
    host: str
    port: int


def render(values: dict[str, Any]) -> list[dict[str, Any]]:
    chart = helm_python.Chart.load(str(CHART))
    rendered = chart.render(values, name=RELEASE, namespace="casework", is_install=True)
    manifests = [text for path, text in rendered.items() if not path.endswith("NOTES.txt")]
    return [doc for text in manifests for doc in yaml.safe_load_all(text) if doc]


def merged_values(values: dict[str, Any]) -> dict[str, Any]:
    return helm_python.Chart.load(str(CHART)).merge_values(values)


def workloads(documents: list[dict[str, Any]]) -> Iterator[tuple[str, dict[str, Any], dict[str, Any]]]:
    """(workload name, pod metadata, pod spec) of every Deployment, Job, CronJob and Pod."""
    for doc in documents:
        spec = doc.get("spec", {})
        if doc["kind"] in ("Deployment", "Job"):
            yield doc["metadata"]["name"], spec["template"]["metadata"], spec["template"]["spec"]
        elif doc["kind"] == "Pod":  # the `helm test` hook
            yield doc["metadata"]["name"], doc["metadata"], spec
        elif doc["kind"] == "CronJob":
            template = spec["jobTemplate"]["spec"]["template"]
            yield doc["metadata"]["name"], template["metadata"], template["spec"]


def stand_in(secret: str, key: str) -> str:
    return f"stand-in-{secret}-{key}"


def container_env(container: dict[str, Any], config_maps: dict[str, dict[str, Any]]) -> dict[str, str]:
    """Exactly the environment the chart gives the container; Secret keys become stand-ins."""
    env: dict[str, str] = {}
    for source in container.get("envFrom", []):
        assert "configMapRef" in source, f"{container['name']}: only ConfigMaps can be read offline: {source}"
        env.update(config_maps[source["configMapRef"]["name"]]["data"])
    for item in container.get("env", []):
        if "value" in item:
            env[item["name"]] = str(item["value"])
            continue
        ref = item["valueFrom"]
        if "secretKeyRef" in ref:
            env[item["name"]] = stand_in(ref["secretKeyRef"]["name"], ref["secretKeyRef"]["key"])
        elif "configMapKeyRef" in ref:
            env[item["name"]] = config_maps[ref["configMapKeyRef"]["name"]]["data"][ref["configMapKeyRef"]["key"]]
        else:
            raise AssertionError(f"{container['name']}: {item['name']} comes from {ref}, unknown offline")
    return env


def load_settings(path: str, env: dict[str, str]) -> BaseSettings:
    module, name = path.split(":")
    cls = getattr(importlib.import_module(module), name)
    with mock.patch.dict(os.environ, env, clear=True):
        return cls()


def host_ports(field: str, value: str, settings: BaseSettings, default_port: int | None) -> list[tuple[str, int]]:
    """Where a setting's value points: one (host, port) per address it names."""
    if value.startswith("stand-in-"):  # the endpoint itself is in a Secret
        return [(value, default_port or 0)]
    if field == "smtp_host":
        return [(value, int(settings.smtp_port))]
    if field == "imap_url":
        parts = urlsplit(value)
        return [(parts.hostname, parts.port or {"imaps": 993, "imap": 143}[parts.scheme])]
    if field == "s3_endpoint":
        value = ("https://" if settings.s3_secure else "http://") + value
    found = []
    for address in value.split(","):
        parts = urlsplit(address if "://" in address else f"tcp://{address}")
        port = parts.port or {"https": 443, "http": 80}.get(parts.scheme)
        assert port, f"{field}={value}: no port"
        found.append((parts.hostname, port))
    return found


def endpoints(
    settings: BaseSettings, env: dict[str, str], unused: dict[str, str] | None = None
) -> tuple[list[Endpoint], list[str]]:
    """The settings' outbound endpoints, and what is missing for them (unset settings, credentials).
    ``unused``: fields of a dependency this process never reaches (see ``UNUSED``)."""
    found: list[Endpoint] = []
    missing: list[str] = []
    for field in type(settings).model_fields:
        dependency = FIELD_DEPENDENCIES.get(field)
        value = getattr(settings, field)
        if dependency is None or field in (unused or {}):
            continue
        if value is None and field in ("oidc_discovery_url", "imap_url"):  # optional: unset, not reached
            continue
        if f"CASEWORK_{field.upper()}" not in env:
            missing.append(f"CASEWORK_{field.upper()} is not set (the code would use its default {value!r})")
            continue
        text = value.get_secret_value() if hasattr(value, "get_secret_value") else str(value)
        for credential in dependency.credentials:
            if not _secret(getattr(settings, credential, None)):
                missing.append(f"{credential} (for {field}) is empty")
        for host, port in host_ports(field, text, settings, dependency.default_port):
            found.append(Endpoint(field, dependency, host, port))
    for field, kind in CREDENTIAL_FIELDS.items():
        if field in type(settings).model_fields and not _secret(getattr(settings, field)):
            missing.append(f"{field} (for {kind or 'itself'}) is empty")
    for trigger, needed in REQUIRES.items():
        if getattr(settings, trigger, None):
            missing += [
                f"{field} (for {trigger}) is empty" for field in needed if not _secret(getattr(settings, field))
            ]
    return found, missing


def unmounted_files(settings: BaseSettings, env: dict[str, str], container: dict[str, Any]) -> list[str]:
    """Files the settings (or libpq's PGSSLROOTCERT) name that no volume puts into the container."""
    paths = [getattr(settings, field, None) for field in FILE_FIELDS] + [env.get("PGSSLROOTCERT")]
    paths = [str(path) if path else None for path in paths]
    mounts = [m["mountPath"].rstrip("/") + "/" for m in container.get("volumeMounts", [])]
    return [f"{path} is read but not mounted" for path in paths if path and not any(path.startswith(m) for m in mounts)]


def _secret(value: Any) -> str:
    return value.get_secret_value() if hasattr(value, "get_secret_value") else (value or "")


def freshclam_endpoints(container: dict[str, Any], pod: dict[str, Any], config_maps: dict[str, Any]) -> list[Endpoint]:
    """Where freshclam fetches signatures from: the mirror its configuration file names."""
    path = next(arg.split("=", 1)[1] for arg in container["command"] if arg.startswith("--config-file="))
    text = _mounted_file(path, container, pod, config_maps)
    settings = dict(line.split(None, 1) for line in text.splitlines() if line.strip() and not line.startswith("#"))
    mirror = settings.get("PrivateMirror") or settings.get("DatabaseMirror")
    assert mirror, f"{path} names no mirror"
    parts = urlsplit(mirror if "://" in mirror else f"https://{mirror}")
    port = parts.port or {"https": 443, "http": 80}[parts.scheme]
    return [Endpoint("freshclam mirror", Dependency("clamavMirror"), parts.hostname, port)]


def _mounted_file(path: str, container: dict[str, Any], pod: dict[str, Any], config_maps: dict[str, Any]) -> str:
    volumes = {v["name"]: v for v in pod.get("volumes", [])}
    for mount in container.get("volumeMounts", []):
        if path.startswith(mount["mountPath"].rstrip("/") + "/"):
            source = volumes[mount["name"]]
            assert "configMap" in source, f"{path} is mounted from {source}, unknown offline"
            key = mount.get("subPath") or path[len(mount["mountPath"].rstrip("/")) + 1 :]
            return config_maps[source["configMap"]["name"]]["data"][key]
    return IMAGE_FILES[path].read_text()


def readiness_endpoints(container: dict[str, Any], pod: dict[str, Any], config_maps: dict[str, Any]) -> list[Endpoint]:
    """The `helm test` Pod: the URLs it is given."""
    urls = [urlsplit(arg) for arg in container["command"] if arg.startswith("http://")]
    return [Endpoint("readiness", Dependency("service"), url.hostname, url.port or 80) for url in urls]


def keycloak_tool_endpoints(
    container: dict[str, Any], pod: dict[str, Any], config_maps: dict[str, Any]
) -> list[Endpoint]:
    """The realm Job (python -m casework_keycloak): the Keycloak URL it is given, and its admin password."""
    env = container_env(container, config_maps)
    assert env.get("CASEWORK_KEYCLOAK_ADMIN_PASSWORD"), "the realm Job has no admin password"
    url = urlsplit(env["CASEWORK_KEYCLOAK_URL"])
    port = url.port or {"https": 443, "http": 80}[url.scheme]
    return [Endpoint("CASEWORK_KEYCLOAK_URL", Dependency("keycloak"), url.hostname, port)]


# Containers that are not a casework settings object: how to find what they reach.
TOOLS: dict[str, Callable[[dict[str, Any], dict[str, Any], dict[str, Any]], list[Endpoint]]] = {
    "freshclam": freshclam_endpoints,
    "readyz": readiness_endpoints,
    "apply": keycloak_tool_endpoints,
    "clamd": lambda container, pod, maps: [],  # a local socket only
}


def matches(selector: dict[str, Any], labels: dict[str, str]) -> bool:
    return all(labels.get(k) == v for k, v in selector.get("matchLabels", {}).items())


def egress_rules(policies: list[dict[str, Any]], labels: dict[str, str]) -> list[dict[str, Any]]:
    rules: list[dict[str, Any]] = []
    for policy in policies:
        if matches(policy["spec"]["podSelector"], labels) and "Egress" in policy["spec"].get("policyTypes", []):
            rules.extend(policy["spec"].get("egress", []))
    return rules


def allowed(endpoint: Endpoint, rules: list[dict[str, Any]], values: dict[str, Any], services: dict[str, Any]) -> bool:
    """Does some egress rule let this endpoint through? Our own services by the labels of the pods
    their Service routes to; the dependencies by the peers the values declare for them."""
    if endpoint.dependency.kind == "service":
        service = services.get(endpoint.host)
        if service is None or endpoint.port not in {p["port"] for p in service["spec"]["ports"]}:
            return False
        wanted = [{"podSelector": {"matchLabels": service["spec"]["selector"]}}]
    else:
        declared = values["networkPolicy"]["dependencies"].get(endpoint.dependency.kind)
        if declared is None:
            return False
        wanted = declared["peers"]
    for rule in rules:
        ports = {p["port"] for p in rule.get("ports", [])}
        if ports and endpoint.port not in ports and endpoint.port != 0:
            continue
        if "to" not in rule or all(any(_peer_covers(peer, want) for peer in rule["to"]) for want in wanted):
            return True
    return False


def _peer_covers(peer: dict[str, Any], wanted: dict[str, Any]) -> bool:
    if peer == wanted:
        return True
    pods = wanted.get("podSelector", {}).get("matchLabels", {})
    return bool(pods) and "namespaceSelector" not in peer and matches(peer.get("podSelector", {}), pods)


def problems(environment: str) -> Iterator[str]:
    documents = render(ENVIRONMENTS[environment])
    values = merged_values(ENVIRONMENTS[environment])
    config_maps = {d["metadata"]["name"]: d for d in documents if d["kind"] == "ConfigMap"}
    policies = [d for d in documents if d["kind"] == "NetworkPolicy"]
    services = {d["metadata"]["name"]: d for d in documents if d["kind"] == "Service"}
    seen = 0
    for workload, metadata, pod in workloads(documents):
        labels = metadata.get("labels", {})
        rules = egress_rules(policies, labels)
        for container in pod.get("initContainers", []) + pod["containers"]:
            where = f"{environment}: {workload}/{container['name']}"
            seen += 1
            if container["name"] in TOOLS:
                found, missing = TOOLS[container["name"]](container, pod, config_maps), []
            else:
                assert container["name"] in SETTINGS, f"{where}: which settings object does it read?"
                env = container_env(container, config_maps)
                try:
                    settings = load_settings(SETTINGS[container["name"]], env)
                except ValidationError as exc:  # the process would die at start the same way
                    yield f"{where}: its settings do not load from the chart's environment: {exc}"
                    continue
                found, missing = endpoints(settings, env, UNUSED.get(container["name"]))
                missing += unmounted_files(settings, env, container)
            yield from (f"{where}: {m}" for m in missing)
            for endpoint in found:
                if values["networkPolicy"]["enabled"] and not allowed(endpoint, rules, values, services):
                    yield (
                        f"{where}: {endpoint.field} reaches {endpoint.dependency.kind} at "
                        f"{endpoint.host}:{endpoint.port} but no NetworkPolicy egress rule allows it"
                    )
    assert seen >= 7, f"{environment}: only {seen} containers rendered"


@pytest.mark.parametrize("environment", ENVIRONMENTS)
def test_every_container_has_the_settings_credentials_and_egress_its_code_needs(environment: str) -> None:
    found = list(problems(environment))
    assert found == [], "\n".join(found)


def test_the_check_sees_a_missing_secret_and_a_missing_egress() -> None:
    """The checker itself: a service's settings with a credential the chart does not give, and an
    endpoint whose port no rule opens, are both reported."""
    env = {
        "CASEWORK_OIDC_ISSUER": "https://id.example.org/realms/casework",
        "CASEWORK_INTAKE_URL": "http://casework-intake:8080",
    }
    with mock.patch.dict(os.environ, env, clear=True):
        from casework_common.settings import OidcSettings

        class Caller(OidcSettings):
            service_name: str = "caller"
            intake_url: str
            keycloak_url: str = "http://127.0.0.1:8180"

        settings = Caller()
    found, missing = endpoints(settings, env)
    assert any(m.startswith("CASEWORK_KEYCLOAK_URL is not set") for m in missing)
    intake = next(e for e in found if e.field == "intake_url")
    service = {"spec": {"ports": [{"port": 8080}], "selector": {"app.kubernetes.io/component": "intake"}}}
    rules = [
        {"to": [{"podSelector": {"matchLabels": {"app.kubernetes.io/component": "intake"}}}], "ports": [{"port": 9000}]}
    ]
    none: dict[str, Any] = {"networkPolicy": {"dependencies": {}}}
    assert not allowed(intake, rules, none, {"casework-intake": service})
    rules[0]["ports"] = [{"port": 8080}]
    assert allowed(intake, rules, none, {"casework-intake": service})
    assert not allowed(intake, rules, none, {})  # no such Service


# Where each process starts: the mailroom's entry point, and the API's (only the imports at the top of
# intake's __main__: `python -m casework_intake mailroom` is the one line that leads to the mailroom).
ENTRY_POINTS = {"mailroom": "casework_intake.mailroom.process", "intake": "casework_intake.__main__"}
INTAKE_PACKAGE = ROOT / "services" / "intake"


@pytest.mark.parametrize(("container", "field", "module"), [(c, f, m) for c, u in UNUSED.items() for f, m in u.items()])
def test_unused_dependencies_are_not_imported(container: str, field: str, module: str) -> None:
    """What UNUSED says a process never reaches, its code never imports: no intake module the process
    loads (following intake's own imports from its entry point, in functions too) imports the client
    of that dependency."""
    modules = _intake_modules(ENTRY_POINTS[container])
    assert len(modules) > 3
    importing = sorted(name for name, imported in modules.items() if _reaches(imported, module))
    assert importing == [], f"{container} does use {field} ({importing}): give it the setting and its egress"


def _imported(path: Path, top_level_only: bool) -> set[str]:
    tree = ast.parse(path.read_text())
    nodes = tree.body if top_level_only else list(ast.walk(tree))
    names: set[str] = set()
    for node in nodes:
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            names |= {node.module} | {f"{node.module}.{alias.name}" for alias in node.names}
    return names


def _intake_modules(entry: str) -> dict[str, set[str]]:
    """casework_intake modules reachable from ``entry`` -> the names each imports."""
    found: dict[str, set[str]] = {}
    waiting = [entry]
    while waiting:
        name = waiting.pop()
        base = INTAKE_PACKAGE / Path(*name.split("."))
        path = base.with_suffix(".py") if base.with_suffix(".py").is_file() else base / "__init__.py"
        if name in found or not path.is_file():
            continue  # an attribute imported from a module, not a module
        found[name] = _imported(path, top_level_only=name == ENTRY_POINTS["intake"])
        waiting += [n for n in found[name] if n.startswith("casework_intake.")]
    return found


def _reaches(imported: set[str], module: str) -> bool:
    return any(name == module or name.startswith(module + ".") for name in imported)
