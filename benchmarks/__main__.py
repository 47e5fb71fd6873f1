"""``python -m benchmarks [NAME...] [--json FILE] [--plot FILE]``."""

from __future__ import annotations

import argparse
import datetime as dt
import importlib
import json
import os
import platform
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from benchmarks._common import BenchmarkError, Options, Result

#: Each benchmark's name and the module whose `run` measures it.
BENCHMARKS = {
    "overhead": "benchmarks._overhead",
    "fleet": "benchmarks._fleet",
    "waiters": "benchmarks._waiters",
    "coalescing": "benchmarks._coalescing",
}

RESULTS = Path(__file__).parent / "results"
ROOT = Path(__file__).parent.parent


def _git(*args: str) -> str | None:
    """Return what a git command prints, or None where git cannot tell."""
    try:
        done = subprocess.run(  # noqa: S603 - fixed arguments
            ["git", *args],  # noqa: S607 - git from the PATH, as users run it
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=10,
            check=True,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout.strip()


def _revision() -> dict[str, object]:
    """Say which SDK was measured: the commit, and uncommitted changes."""
    changed = _git("status", "--porcelain", "--", "flexvm_async")
    return {
        "commit": _git("rev-parse", "--short", "HEAD"),
        "sdk_uncommitted_changes": None if changed is None else bool(changed),
    }


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks",
        description="Measure flexvm_async against its baselines.",
    )
    parser.add_argument(
        "names",
        nargs="*",
        metavar="NAME",
        help=f"benchmarks to run: {', '.join(BENCHMARKS)} (default: all)",
    )
    parser.add_argument(
        "--json", type=Path, metavar="FILE", help="write the figures here"
    )
    parser.add_argument(
        "--plot",
        type=Path,
        metavar="FILE",
        help="also write the fleet plot here (it always goes to "
        "benchmarks/results/fleet.png)",
    )
    return parser


def _run_one(name: str, options: Options) -> Result:
    module = importlib.import_module(BENCHMARKS[name])
    started = time.perf_counter()
    result: Result = module.run(options)
    seconds = time.perf_counter() - started
    result.figures["seconds"] = round(seconds, 1)
    result.notes.append(f"ran in {seconds:.1f} s")
    return result


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmarks asked for; return the exit status."""
    parser = _parser()
    args = parser.parse_args(argv)
    names = args.names or list(BENCHMARKS)
    unknown = [name for name in names if name not in BENCHMARKS]
    if unknown:
        parser.error(f"unknown benchmark: {', '.join(unknown)}")
    options = Options(results=RESULTS, plot=args.plot)
    started = dt.datetime.now(dt.UTC)
    figures: dict[str, object] = {}
    for name in names:
        try:
            result = _run_one(name, options)
        except BenchmarkError as exc:
            print(f"benchmark {name} could not run: {exc}", file=sys.stderr)
            return 1
        print(result.render(), flush=True)
        print(flush=True)
        figures[name] = result.figures
    if args.json is not None:
        document = {
            "date": started.isoformat(timespec="seconds"),
            "python": platform.python_version(),
            "machine": f"{platform.machine()}, "
            f"{len(os.sched_getaffinity(0))} cores",
            **_revision(),
            "benchmarks": figures,
        }
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(document, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
