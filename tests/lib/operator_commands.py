"""A service's operator commands (``python -m <module> <args>``) run many times in a test module
without paying the service's imports each time (seconds per start on two busy cores).

One process starts with the service's environment and imports ``<module>.__main__`` once; for each
command it forks a child that takes the command's environment and arguments, writes its output to
files of its own and exits with what ``main()`` returned, as ``python -m`` does with
``sys.exit(main())`` (an uncaught exception: its traceback on standard error and exit status 1). So
each command is still a process of its own: its exit status, standard output and standard error are
what the operator would see. What the fork skips is only the interpreter start and the imports; a
test module should still run each command once as a real ``python -m`` (see test_audit_anchors.py).
"""

from __future__ import annotations

import json
import os
import queue
import signal
import subprocess
import sys
import tempfile
import threading
from pathlib import Path
from typing import IO

# The forking process. Requests and answers are JSON lines on its standard input and output.
_ZYGOTE = r"""
import importlib, json, os, sys, traceback

module = importlib.import_module(sys.argv[1] + ".__main__")
answers = sys.stdout
for line in sys.stdin:
    request = json.loads(line)
    answers.flush()
    pid = os.fork()
    if pid == 0:
        code = 1
        try:
            for fd, path in ((1, request["stdout"]), (2, request["stderr"])):
                os.dup2(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), fd)
            sys.stdin = open(os.devnull)
            os.environ.clear()
            os.environ.update(request["env"])
            if request["code"] is not None:
                exec(compile(request["code"], "<code>", "exec"), {"__name__": "__main__"})
                code = 0
            else:
                sys.argv = [module.__file__, *request["args"]]
                code = module.main()
        except SystemExit as exc:
            if exc.code is None or isinstance(exc.code, int):
                code = exc.code or 0
            else:
                print(exc.code, file=sys.stderr)
                code = 1
        except BaseException:
            traceback.print_exc()
            code = 1
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(code if isinstance(code, int) else 1)
    print(json.dumps({"pid": pid}), file=answers, flush=True)
    _, status = os.waitpid(pid, 0)
    print(json.dumps({"returncode": os.waitstatus_to_exitcode(status)}), file=answers, flush=True)
"""


class OperatorCommands:
    """Runs ``python -m <module> <args>`` (or a snippet of code) in processes forked from one that
    imported the module already, with ``env`` (plus per-call overrides) as their whole environment."""

    def __init__(self, module: str, env: dict[str, str]) -> None:
        self.env = dict(env)
        self._dir = Path(tempfile.mkdtemp(prefix="operator-commands-"))
        self._process = subprocess.Popen(
            [sys.executable, "-c", _ZYGOTE, module],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            env=self.env,
        )
        self._count = 0
        # Answers are read by a thread: a timeout never depends on what the pipe's buffer holds.
        self._answers: queue.Queue[str] = queue.Queue()
        assert self._process.stdout is not None
        threading.Thread(target=self._read, args=(self._process.stdout,), daemon=True).start()

    def _read(self, stdout: IO[str]) -> None:
        for line in stdout:
            self._answers.put(line)
        self._answers.put("")  # the forking process is gone

    def run(self, *args: str, timeout_s: float = 120.0, **overrides: str) -> subprocess.CompletedProcess[str]:
        """``python -m <module> <args>`` with the environment changed by ``overrides``."""
        return self._request(list(args), None, overrides, timeout_s)

    def run_code(self, code: str, timeout_s: float = 60.0, **overrides: str) -> subprocess.CompletedProcess[str]:
        """``python -c <code>`` with the module imported already."""
        return self._request(["-c", code], code, overrides, timeout_s)

    def _request(
        self, args: list[str], code: str | None, overrides: dict[str, str], timeout_s: float
    ) -> subprocess.CompletedProcess[str]:
        self._count += 1
        out, err = self._dir / f"{self._count}.out", self._dir / f"{self._count}.err"
        request = {"args": args, "code": code, "env": {**self.env, **overrides}, "stdout": str(out), "stderr": str(err)}
        assert self._process.stdin is not None
        self._process.stdin.write(json.dumps(request) + "\n")
        self._process.stdin.flush()
        pid = self._answer(timeout_s)["pid"]
        try:
            returncode = self._answer(timeout_s)["returncode"]
        except TimeoutError:
            os.kill(pid, signal.SIGKILL)
            raise
        return subprocess.CompletedProcess(args, returncode, out.read_text(), err.read_text())

    def _answer(self, timeout_s: float) -> dict[str, int]:
        try:
            line = self._answers.get(timeout=timeout_s)
        except queue.Empty:
            raise TimeoutError(f"no answer from the forked command within {timeout_s}s") from None
        if not line:
            raise RuntimeError(f"the forking process died (status {self._process.wait()})")
        return json.loads(line)

    def close(self) -> None:
        """Stop the forking process and remove the commands' output."""
        if self._process.stdin is not None:
            self._process.stdin.close()
        try:
            self._process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()
        for path in self._dir.iterdir():
            path.unlink()
        self._dir.rmdir()
