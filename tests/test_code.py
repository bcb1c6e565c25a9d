"""The library type-checks (mypy) and lints clean (ruff), as configured in pyproject.toml.

Both tools are pinned in the `test` extra: a new release brings new checks and rules.
Each runs as a subprocess of this interpreter, from the repository root, without a
cache kept between runs (mypy's goes to a temporary folder, ruff's is off), so a run
here gives what a fresh CI checkout gives.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", *args], cwd=REPO, capture_output=True, text=True, timeout=240, check=False
    )


def test_mypy_passes(tmp_path: Path) -> None:
    # No paths given: mypy checks the files [tool.mypy] names.
    result = _run("mypy", "--cache-dir", str(tmp_path / "mypy_cache"))
    exit_code = result.returncode
    assert exit_code == 0, f"mypy failed:\n{result.stdout}{result.stderr}"


def test_ruff_passes() -> None:
    result = _run("ruff", "check", "--no-cache", "--output-format", "concise", "src", "tests")
    exit_code = result.returncode
    assert exit_code == 0, f"ruff failed:\n{result.stdout}{result.stderr}"
