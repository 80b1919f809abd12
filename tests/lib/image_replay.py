"""Replay a Dockerfile's build stage without Docker, to check what an image would hold.

The Dockerfile is read with Docker's own parser (the ``dockerfile`` package) and the build context
filtered by .dockerignore as Docker does (``docker.utils.exclude_paths``). The build stage's
ARG/ENV/WORKDIR/COPY/RUN instructions then run in a scratch directory standing in for the image's
filesystem, with a scratch virtualenv standing in for the base image's Python. The commands are the
Dockerfile's own, with two changes only: absolute paths point into the scratch directory, and
pip's ``--no-cache-dir`` and uv's ``--no-cache`` are dropped so that both may reuse their caches (it
changes the image's size, not what is installed). Bytecode is compiled as in the image: the checks
start the image's Python without writing bytecode, as the image does, and would otherwise compile
every module they import, every time. Steps that are the same for every service run once, as
Docker's layer cache would, and each service continues from a copy of their result.
"""

from __future__ import annotations

import fnmatch
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import dockerfile
from docker.utils import exclude_paths

# The base image's PATH (python:3.11-slim); /usr/local is where its Python lives.
IMAGE_PATH = "/usr/local/bin:/usr/local/sbin:/usr/sbin:/usr/bin:/sbin:/bin"
# An absolute path in an instruction: a "/" that starts a word (not ./x, a/b or http://).
ABSOLUTE = re.compile(r"(?<![^\s=:\"'])/(?=[\w.])")
VARIABLE = re.compile(r"\$\{(\w+)\}|\$(\w+)")
# Install flags the replay drops (see above): they change how, not what, pip and uv install.
HOW_NOT_WHAT = re.compile(r"\s(?:--no-cache-dir|--no-cache)(?=\s|$)")


class ReplayError(Exception):
    """The build failed as Docker's would, or the Dockerfile uses what the replay cannot do."""


def expand(text: str, variables: Mapping[str, str]) -> str:
    """Substitute ``$NAME`` and ``${NAME}`` as Docker does in ARG, ENV, COPY and WORKDIR (unset: empty)."""
    return VARIABLE.sub(lambda m: variables.get(m.group(1) or m.group(2), ""), text)


@dataclass(frozen=True)
class Stage:
    """One FROM section: its name (or its index), what it starts from, and its instructions."""

    name: str
    base: str
    commands: tuple[dockerfile.Command, ...]


@dataclass(frozen=True)
class Step:
    """A build instruction with the ARG values in scope (they change what it does, as in Docker's cache)."""

    cmd: str
    value: tuple[str, ...]
    flags: tuple[str, ...]
    args: tuple[tuple[str, str], ...]


@dataclass
class ImageConfig:
    """What a final stage makes of the image: environment, user, command and the files it takes from other stages."""

    env: dict[str, str]
    user: str | None = None
    command: list[str] = field(default_factory=list)
    copied_from: list[tuple[str, tuple[str, ...]]] = field(default_factory=list)
    context_sources: list[str] = field(default_factory=list)


class Dockerfile:
    """The stages of a Dockerfile, and the instructions one service's build would run."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.stages: list[Stage] = []
        for command in dockerfile.parse_file(str(path)):
            if command.cmd == "FROM":
                base, *alias = command.value
                name = alias[1].lower() if alias else str(len(self.stages))
                self.stages.append(Stage(name, base, ()))
            elif not self.stages:
                raise ReplayError(f"{command.cmd} before the first FROM is not replayed")
            else:
                last = self.stages[-1]
                self.stages[-1] = Stage(last.name, last.base, (*last.commands, command))

    def stage(self, name: str) -> Stage:
        """The stage called ``name``."""
        return next(s for s in self.stages if s.name == name)

    def final_stage(self, service: str) -> Stage:
        """The stage a service's image is built to: the one named after the service, else the last."""
        return next((s for s in self.stages if s.name == service), self.stages[-1])

    def lineage(self, stage: Stage) -> list[Stage]:
        """The stage and the stages it is built on, the first first."""
        names = {s.name for s in self.stages}
        return [*self.lineage(self.stage(stage.base)), stage] if stage.base in names else [stage]

    def steps(self, stage: Stage, build_args: Mapping[str, str]) -> list[Step]:
        """The stage's instructions (and its parents') with the ARG values each one sees."""
        args: dict[str, str] = {}
        steps = []
        for command in (c for s in self.lineage(stage) for c in s.commands):
            if command.cmd == "ARG":
                name, _, default = command.value[0].partition("=")
                args[name] = build_args.get(name, default)
            steps.append(Step(command.cmd, command.value, command.flags, tuple(sorted(args.items()))))
        return steps

    def config(
        self,
        stage: Stage,
        build_args: Mapping[str, str],
        host: Callable[[str], str] = str,
        base_env: Mapping[str, str] | None = None,
    ) -> ImageConfig:
        """The image a final stage makes, its absolute paths passed through ``host`` (a replay's, or as they are)."""
        config = ImageConfig(env=dict(base_env or {"PATH": IMAGE_PATH}))
        entrypoint: list[str] = []
        cmd: list[str] = []
        for step in self.steps(stage, build_args):
            variables = {**dict(step.args), **config.env}
            if step.cmd == "ENV":
                for name, value in zip(step.value[::2], step.value[1::2], strict=True):
                    config.env[name] = expand(host(value), variables)
            elif step.cmd == "USER":
                config.user = step.value[0]
            elif step.cmd in ("ENTRYPOINT", "CMD"):
                parts = list(step.value)
                entrypoint, cmd = (parts, []) if step.cmd == "ENTRYPOINT" else (entrypoint, parts)
            elif step.cmd == "COPY":
                sources = tuple(expand(v, variables) for v in step.value[:-1])
                source_stage = next((f.split("=", 1)[1] for f in step.flags if f.startswith("--from=")), None)
                if source_stage is None:
                    config.context_sources.extend(sources)
                else:
                    config.copied_from.append((source_stage, (*sources, expand(step.value[-1], variables))))
        # As the shell in the command would see them: with the environment the image ends with.
        config.command = [expand(part, config.env) for part in entrypoint + cmd]
        return config


def build_context(root: Path, dockerfile_path: Path) -> set[str]:
    """The paths (relative, files and folders) ``docker build`` would send from ``root``."""
    ignore = root / ".dockerignore"
    lines = ignore.read_text().splitlines() if ignore.exists() else []
    patterns = [line.strip() for line in lines if line.strip() and not line.strip().startswith("#")]
    return exclude_paths(str(root), patterns, dockerfile=str(dockerfile_path.relative_to(root)))


def context_matches(included: set[str], source: str) -> list[str]:
    """The context paths a COPY source names (wildcards as in Docker); none is an error, as in Docker."""
    source = source.strip("/").removeprefix("./")
    found = sorted(p for p in included if fnmatch.fnmatchcase(p, source) and p.count("/") == source.count("/"))
    if not found:
        raise ReplayError(f"COPY {source}: not in the build context (missing, or excluded by .dockerignore)")
    return found


class Replay:
    """A scratch directory standing in for the image's filesystem, and the build steps run in it."""

    def __init__(self, root: Path, context: Path, included: set[str], inherited: Mapping[str, str]) -> None:
        self.root = root
        self.context = context
        self.included = included
        self.inherited = dict(inherited)
        self.workdir = "/"
        self.env = self.base_env
        self.actions: dict[str, Callable[[Step], None]] = {
            "ARG": lambda _step: None,  # its value travels with every later step
            "ENV": self._env,
            "WORKDIR": self._workdir,
            "COPY": self._copy,
            "RUN": self._run,
        }

    def start(self) -> None:
        """Lay out the base image: a Python (a virtualenv of this one, same minor version) in /usr/local."""
        subprocess.run([sys.executable, "-m", "venv", str(self.host_path("/usr/local"))], check=True)

    @property
    def base_env(self) -> dict[str, str]:
        """The base image's environment: its Python first on PATH, then the host's shell tools."""
        return {"PATH": f"{self.host('/usr/local/bin')}:/usr/bin:/bin"}

    def host(self, text: str) -> str:
        """``text`` with its absolute paths moved into the scratch directory."""
        return ABSOLUTE.sub(f"{self.root}/", text)

    def host_path(self, path: str) -> Path:
        """Where an image path (relative: to WORKDIR) is in the scratch directory."""
        return self.root / (Path(self.workdir) / path).relative_to("/")

    def apply(self, steps: Sequence[Step]) -> None:
        """Run build steps in order; an instruction the replay does not know is an error."""
        for step in steps:
            if step.cmd not in self.actions:
                raise ReplayError(f"{step.cmd} in the build stage is not replayed")
            self.actions[step.cmd](step)

    def _env(self, step: Step) -> None:
        variables = {**dict(step.args), **self.env}
        for name, value in zip(step.value[::2], step.value[1::2], strict=True):
            self.env[name] = expand(self.host(value), variables)

    def _workdir(self, step: Step) -> None:
        self.workdir = str(Path(self.workdir) / expand(step.value[0], dict(step.args)))
        self.host_path(".").mkdir(parents=True, exist_ok=True)

    def _copy(self, step: Step) -> None:
        if step.flags:
            raise ReplayError(f"COPY {' '.join(step.flags)} in the build stage is not replayed")
        *sources, target = (expand(v, dict(step.args)) for v in step.value)
        matches = [m for source in sources for m in context_matches(self.included, source)]
        into_folder = target.endswith("/") or len(matches) > 1 or any((self.context / m).is_dir() for m in matches)
        destination = self.host_path(target)
        for match in matches:
            files = [p for p in self.included if p == match or p.startswith(f"{match}/")]
            for relative in (p for p in files if (self.context / p).is_file()):
                inside = Path(relative).relative_to(match) if (self.context / match).is_dir() else Path(relative).name
                copy = destination / inside if into_folder else destination
                copy.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(self.context / relative, copy)

    def _run(self, step: Step) -> None:
        if len(step.value) != 1:
            raise ReplayError("RUN in exec form is not replayed")
        command = HOW_NOT_WHAT.sub("", self.host(step.value[0]))
        result = subprocess.run(
            ["/bin/sh", "-c", command],
            cwd=self.host_path("."),
            env={**self.inherited, **dict(step.args), **self.env},
            capture_output=True,
            text=True,
        )
        if result.returncode != 0:
            raise ReplayError(
                f"RUN {step.value[0]}\nfailed ({result.returncode}):\n{result.stdout[-3000:]}{result.stderr[-3000:]}"
            )


class ImageBuild:
    """One service's build at a time in one scratch directory, sharing the steps all services have in common."""

    def __init__(self, file: Dockerfile, context: Path, scratch: Path, services: Sequence[str]) -> None:
        self.file = file
        self.context = context
        self.scratch = scratch
        self.included = build_context(context, file.path)
        every = [self.steps(service) for service in services]
        shared = 0
        while all(len(s) > shared and s[shared] == every[0][shared] for s in every):
            shared += 1
        self.shared = shared
        self._snapshot: tuple[Path, str, dict[str, str]] | None = None

    def build_stage(self, service: str) -> Stage:
        """The stage a service's final stage copies its files from."""
        config = self.file.config(self.file.final_stage(service), {"SERVICE": service})
        names = {source for source, _paths in config.copied_from}
        if len(names) != 1:
            raise ReplayError(f"{service}: the final stage copies from {sorted(names)}, not from one build stage")
        return self.file.stage(names.pop())

    def steps(self, service: str) -> list[Step]:
        """The build stage's steps for ``service`` (build argument SERVICE=<service>)."""
        return self.file.steps(self.build_stage(service), {"SERVICE": service})

    def build(self, service: str, inherited: Mapping[str, str]) -> Replay:
        """Run the build stage for ``service``; returns the replay, whose root holds the result."""
        root = self.scratch / "root"
        steps = self.steps(service)
        if self._snapshot is None:
            replay = Replay(root, self.context, self.included, inherited)
            replay.start()
            replay.apply(steps[: self.shared])
            shutil.copytree(root, self.scratch / "shared", symlinks=True)
            self._snapshot = (self.scratch / "shared", replay.workdir, dict(replay.env))
        else:
            shutil.rmtree(root)
            # Hard links, not copies: the shared result is thousands of files, and a service's
            # steps never write into one in place (pip unlinks a file before it writes that path,
            # compiled files are written anew and renamed), so the snapshot stays as it was.
            shutil.copytree(self._snapshot[0], root, symlinks=True, copy_function=os.link)
        replay = Replay(root, self.context, self.included, inherited)
        replay.workdir, replay.env = self._snapshot[1], dict(self._snapshot[2])
        replay.apply(steps[self.shared :])
        return replay
