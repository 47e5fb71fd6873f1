"""Set up a virtual environment and run the project's jobs.

Usage::

    python3 tasks.py demo   # bulk scaling run against the built-in emulator
    python3 tasks.py test   # lint, type check and the test suite
    python3 tasks.py bench  # the benchmarks

Each job creates ``.venv`` on first use and installs the project with its
development extras into it, so a machine needs nothing but Python 3.11+.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PYTHON = BIN / "python"
STAMP = VENV / ".installed"


def _run(*args: str | Path) -> None:
    print("+", " ".join(str(a) for a in args), flush=True)
    subprocess.run([str(a) for a in args], cwd=ROOT, check=True)


def _ensure_venv() -> None:
    """Create the environment and install the project once per pyproject."""
    digest = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()
    if STAMP.exists() and STAMP.read_text() == digest:
        return
    if not PYTHON.exists():
        venv.create(VENV, with_pip=True)
    _run(PYTHON, "-m", "pip", "install", "-q", "--upgrade", "pip")
    _run(PYTHON, "-m", "pip", "install", "-q", "-e", ".[dev]")
    STAMP.write_text(digest)


def test() -> None:
    """Run the format check, the linter, the type checker and the tests."""
    _run(PYTHON, "-m", "ruff", "format", "--check", ".")
    _run(PYTHON, "-m", "ruff", "check", ".")
    _run(PYTHON, "-m", "mypy")
    # coverage starts before pytest, so that the modules pytest imports
    # when it loads the package's own plugin are measured too.
    _run(PYTHON, "-m", "coverage", "erase")
    _run(PYTHON, "-m", "coverage", "run", "-m", "pytest", *sys.argv[2:])
    _run(PYTHON, "-m", "coverage", "report")


def demo() -> None:
    """Scale a fleet of emulated clouds up and down with the CLI."""
    _run(BIN / "flexvm", "demo", *sys.argv[2:])


def bench() -> None:
    """Run every benchmark, or those named on the command line."""
    _run(PYTHON, "-m", "benchmarks", *sys.argv[2:])


JOBS = {"test": test, "demo": demo, "bench": bench}


def main() -> int:
    """Dispatch to the job named by the first argument."""
    if len(sys.argv) < 2 or sys.argv[1] not in JOBS:  # noqa: PLR2004
        print(__doc__)
        return 2
    _ensure_venv()
    try:
        JOBS[sys.argv[1]]()
    except subprocess.CalledProcessError as exc:
        return exc.returncode
    return 0


if __name__ == "__main__":
    sys.exit(main())
