"""The images, checked without Docker or the platform: one Dockerfile (deploy/docker/Dockerfile)
builds every service. hadolint lints it; each service's final stage runs the build stage's venv as
uid 10001 and starts that service; the chart runs <registry>/<service>:<tag> for exactly the
services here; and for each service the build stage is replayed (tests/lib/image_replay.py), then,
with only the venv it made, the image's entry module is imported with every module of its package
and its settings are built from the environment the chart gives its container.

Run on their own with: ./casework test tests/test_images.py (about 75 s, with the uv cache ./casework
fills).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import helm_python
import pytest
import yaml
from image_replay import Dockerfile, ImageBuild, build_context, context_matches

ROOT = Path(__file__).resolve().parents[1]
DOCKERFILE = ROOT / "deploy" / "docker" / "Dockerfile"
CHART = ROOT / "deploy" / "helm" / "casework"
SERVICES = sorted(path.parent.name for path in ROOT.glob("services/*/pyproject.toml"))
UID = "10001"
# What a service's image needs in its environment beyond what every image has.
EXTRA_ENV = {"ocr": {"OMP_THREAD_LIMIT": "1"}}
# A Secret's value, which the chart only references: the settings must accept one being there.
SECRET = "from-a-secret"

# Run by the image's Python: import the entry module and every module of its package (a missing
# module fails here), build its settings (a missing setting fails here), say where it all came from.
PROBE = """
import importlib, json, pkgutil, sys
from pydantic_settings import BaseSettings

def fail(name):
    raise

main = sys.argv[1]
package = importlib.import_module(main)
names = [main, *(m.name for m in pkgutil.walk_packages(package.__path__, main + ".", onerror=fail))]
for name in names:
    importlib.import_module(name)
module = importlib.import_module(main + ".settings")
kinds = [c for c in vars(module).values() if isinstance(c, type) and issubclass(c, BaseSettings)]
(settings,) = [kind() for kind in kinds if kind.__module__ == module.__name__]
ours = {n: getattr(m, "__file__", None) for n, m in sys.modules.items() if n.split(".")[0].startswith("casework")}
print(json.dumps({"modules": names, "files": ours, "prefix": sys.prefix, "settings": type(settings).__name__}))
"""


@pytest.fixture(scope="module")
def image() -> Dockerfile:
    return Dockerfile(DOCKERFILE)


@pytest.fixture(scope="module")
def build(image: Dockerfile, tmp_path_factory: pytest.TempPathFactory) -> ImageBuild:
    return ImageBuild(image, ROOT, tmp_path_factory.mktemp("image"), SERVICES)


@dataclass(frozen=True)
class Container:
    """A container the chart runs: its image, the command that replaces the image's entry point (if any),
    its environment and the paths its volumes are mounted at."""

    image: str
    command: list[str]
    env: dict[str, str]
    mounts: tuple[str, ...]

    @property
    def entry_point(self) -> bool:
        """Whether it runs the image's own ENTRYPOINT (Kubernetes' command replaces it)."""
        return not self.command


def pod_spec(document: dict[str, Any]) -> dict[str, Any] | None:
    """The pod a workload runs (Deployment, Job, CronJob, Pod...), or None for other kinds."""
    spec = document.get("spec") or {}
    spec = spec.get("jobTemplate", {}).get("spec", spec)  # a CronJob's Job
    return spec["template"]["spec"] if "template" in spec else spec if "containers" in spec else None


@pytest.fixture(scope="module")
def chart_containers() -> list[Container]:
    """Every container the chart renders with its defaults."""
    chart = helm_python.Chart.load(str(CHART))
    rendered = chart.render({}, name="casework", namespace="casework", is_install=True)
    documents = [doc for name, text in rendered.items() if name.endswith(".yaml") for doc in yaml.safe_load_all(text)]
    documents = [doc for doc in documents if doc]
    maps = {doc["metadata"]["name"]: doc.get("data", {}) for doc in documents if doc["kind"] == "ConfigMap"}
    containers = []
    for pod in filter(None, map(pod_spec, documents)):
        for container in pod.get("initContainers", []) + pod["containers"]:
            env: dict[str, str] = {}
            for source in container.get("envFrom", []):
                env |= maps[source["configMapRef"]["name"]]
            env |= {item["name"]: item.get("value", SECRET) for item in container.get("env", [])}
            mounts = tuple(mount["mountPath"] for mount in container.get("volumeMounts", []))
            containers.append(Container(container["image"], container.get("command", []), env, mounts))
    return containers


def entry_module(command: list[str]) -> str:
    """The module an image's ENTRYPOINT/CMD runs with ``python -m``."""
    found = re.search(r"\bpython -m \"?([\w.]+)", " ".join(command))
    assert found, f"the image does not run python -m <module>: {command}"
    return found.group(1)


def test_dockerfile_passes_hadolint() -> None:
    result = subprocess.run(
        [str(Path(sys.executable).with_name("hadolint")), "--config", str(ROOT / ".hadolint.yaml"), str(DOCKERFILE)],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_one_dockerfile_for_every_service() -> None:
    assert sorted(ROOT.glob("services/*/Dockerfile")) == []
    assert SERVICES and all((ROOT / "services" / s / f"casework_{s}" / "__main__.py").exists() for s in SERVICES)


def test_the_chart_runs_an_image_built_here_per_service(chart_containers: list[Container]) -> None:
    values = yaml.safe_load((CHART / "values.yaml").read_text())["image"]
    tag = values.get("tag") or yaml.safe_load((CHART / "Chart.yaml").read_text())["appVersion"]
    naming = re.compile(rf"{re.escape(values['registry'])}/(?P<service>[a-z]+):{re.escape(str(tag))}")
    images = {container.image for container in chart_containers}
    assert all(naming.fullmatch(image) for image in images), images
    assert {naming.fullmatch(image)["service"] for image in images} == set(SERVICES)


@pytest.mark.parametrize("service", SERVICES)
def test_final_stage_runs_its_service_from_the_build_venv_as_non_root(image: Dockerfile, service: str) -> None:
    final = image.final_stage(service)
    config = image.config(final, {"SERVICE": service})
    assert config.user == f"{UID}:{UID}"
    assert [paths for _stage, paths in config.copied_from] == [("/venv", "/venv")]
    assert config.env["PATH"].startswith("/venv/bin:")
    assert config.env["PYTHONDONTWRITEBYTECODE"] == "1"
    assert EXTRA_ENV.get(service, {}).items() <= config.env.items()
    assert entry_module(config.command) == f"casework_{service}"
    included = build_context(ROOT, DOCKERFILE)
    for source in config.context_sources:  # what the final stage takes from the repository is there
        assert context_matches(included, source)
    assert "useradd --uid " + UID in " ".join(c.original for s in image.lineage(final) for c in s.commands)


def replay_environment() -> dict[str, str]:
    """What the replayed build may see of this machine: pip's and uv's settings and caches, and the
    certificates this machine reaches the package index with (uv: the system's store, as ./casework
    has it), nothing of the repository. pip compiles no bytecode: it only installs the build stage's
    own tools (the image takes none of them), so that changes no file of the image."""
    passed = ("HOME", "LANG", "SSL_CERT_FILE", "SSL_CERT_DIR")
    machine = {name: value for name, value in os.environ.items() if name.startswith(("PIP_", "UV_")) or name in passed}
    return {"UV_SYSTEM_CERTS": "1", **machine, "PIP_COMPILE": "0"}  # PIP_NO_COMPILE=1 would mean compile


def packaged_files(included: set[str], service: str) -> dict[str, set[str]]:
    """Every file of the packages the image installs for ``service`` (its own and common's), by package folder."""
    packages = [p for p in included if str(Path(p).parent) in (f"services/{service}", "common")]
    return {
        Path(package).name: {
            str(Path(f).relative_to(package)) for f in included if f.startswith(f"{package}/") and (ROOT / f).is_file()
        }
        for package in packages
        if f"{package}/__init__.py" in included
    }


@pytest.mark.parametrize("service", SERVICES)
def test_each_service_image_holds_its_packages_and_starts(
    image: Dockerfile,
    build: ImageBuild,
    chart_containers: list[Container],
    service: str,
    tmp_path: Path,
) -> None:
    replay = build.build(service, replay_environment())
    config = image.config(image.final_stage(service), {"SERVICE": service}, replay.host, replay.base_env)
    python = shutil.which("python", path=config.env["PATH"])
    venv = replay.host_path("/venv")
    assert python and Path(python).parent == venv / "bin", python

    # Templates, static files and migrations too: what the repository's package holds, the image holds.
    (site,) = venv.glob("lib/python3*/site-packages")
    for package, files in packaged_files(build.included, service).items():
        installed = {str(f.relative_to(site / package)) for f in (site / package).rglob("*") if f.is_file()}
        assert files - installed == set(), f"{package}: not in the image"

    ours = [c for c in chart_containers if c.image.rsplit("/", 1)[1].startswith(f"{service}:")]
    assert any(c.entry_point for c in ours), f"the chart never runs {service}'s entry point"
    assert ROOT not in tmp_path.parents
    module = entry_module(config.command)
    for container in ours:
        for mount in container.mounts:  # there when the container starts, as Kubernetes mounts them
            replay.host_path(mount).mkdir(parents=True, exist_ok=True)
        env = {**config.env, **{name: replay.host(value) for name, value in container.env.items()}}
        if container.entry_point:
            probe = [python, "-c", PROBE, module]
        elif container.command[:2] == ["python", "-m"]:  # another module the chart runs from this image
            probe = [python, "-c", "import importlib, sys; importlib.import_module(sys.argv[1])", container.command[2]]
        else:
            continue  # a program from the image's system packages (clamd, freshclam)
        result = subprocess.run(probe, cwd=tmp_path, env=env, capture_output=True, text=True)
        assert result.returncode == 0, f"{probe[-1]} would not start in the image:\n{result.stderr}"
        if container.entry_point:
            report: dict[str, Any] = json.loads(result.stdout)
            assert Path(report["prefix"]) == venv
            assert f"casework_{service}.__main__" in report["modules"]
            outside = {n: file for n, file in report["files"].items() if not file or venv not in Path(file).parents}
            assert outside == {}, "imported from outside the image's venv"
