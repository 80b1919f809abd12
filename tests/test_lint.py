"""The code base stays lint-clean and consistently formatted (ruff, configured in pyproject.toml)."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def ruff(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "ruff", *args, str(ROOT)], capture_output=True, text=True)


def test_ruff_finds_nothing() -> None:
    result = ruff("check", "--output-format", "concise")
    assert result.returncode == 0, result.stdout


def test_code_is_formatted() -> None:
    result = ruff("format", "--check")
    assert result.returncode == 0, result.stdout
