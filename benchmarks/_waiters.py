"""``waiters``: ten thousand node waits at once, in one process.

100 clouds of 100 nodes each are seeded ``requested`` in an emulator of
their own process (`benchmarks._server`, the default provisioning
profile); a fresh process (`benchmarks._waiters_child`) then waits on
all of them at once with ``client.waiters.wait_all``. Its peak RSS is
compared with its own baseline (client ready, no wait), and a task
sleeping 10 ms over and over records the loop's lag on the real clock.
The emulator stays out of the measured process: it would add its own
memory and its own CPU to both figures.

Two runs:

- Sped up `SPEED` times with ``WaitPolicy().scaled(SPEED)``, until every
  node runs: the figures with the targets. The polling load, in requests
  and wake-ups a real second, is `SPEED` times what the same waits cost
  against the real API.
- At real speed, the first `WINDOW` seconds only (the first poll waves),
  then cancelled: the loop lag at the load the real API would see.
"""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any

from benchmarks._common import BenchmarkError, Options, Result
from benchmarks._procs import bench_server, counters

__all__ = ["run"]

CLOUDS = 100
PER_CLOUD = 100
SEED = 11
#: Emulated seconds per real second for the run to the end.
SPEED = 15.0
#: Real seconds sampled at real speed.
WINDOW = 30.0
_TIMEOUT = 150.0
# Linux folds the RSS of the process that forks into the child's
# ru_maxrss; a small launcher in between keeps this process's RSS out of
# the measured one.
_LAUNCH = (
    sys.executable,
    "-c",
    "import subprocess, sys; sys.exit(subprocess.call(sys.argv[1:]))",
)


def _waiting_process(speed: float, window: float | None) -> dict[str, Any]:
    """Seed an emulator, run the waiting process against it, read it."""
    with bench_server(
        speed=speed,
        seed=SEED,
        clouds=CLOUDS,
        nodes=PER_CLOUD,
        status="requested",
        lifetime=_TIMEOUT + 30,
    ) as server:
        spec = {
            "url": server.url,
            "speed": speed,
            "window": window,
            "clouds": [
                {"id": cloud_id, "nodes": list(nodes)}
                for cloud_id, nodes in server.clouds
            ],
        }
        child = subprocess.run(  # noqa: S603 - our own interpreter
            [*_LAUNCH, sys.executable, "-m", "benchmarks._waiters_child"],
            input=json.dumps(spec),
            capture_output=True,
            text=True,
            timeout=_TIMEOUT,
            check=False,
        )
        routes = counters(server.url)
    if child.returncode != 0:
        raise BenchmarkError(
            f"the waiting process failed ({child.returncode}): "
            f"{child.stderr.strip()[-2000:]}"
        )
    figures: dict[str, Any] = json.loads(child.stdout.strip().splitlines()[-1])
    figures["requests"] = sum(routes.values())
    figures["routes"] = routes
    return figures


def run(options: Options) -> Result:
    """Wait on 10,000 nodes at once; report memory and loop lag."""
    del options  # writes no files
    full = _waiting_process(SPEED, None)
    real = _waiting_process(1.0, WINDOW)
    peak, baseline = full["peak_rss_mib"], full["baseline_rss_mib"]
    result = Result("waiters")
    result.figures = {
        "peak_rss_mib": round(peak - baseline, 1),
        "loop_lag_p99_ms": full["loop_lag_p99_ms"],
        "settled": full["settled"],
        "process_peak_rss_mib": peak,
        "baseline_rss_mib": baseline,
        "baseline_loop_lag_p99_ms": full["baseline_loop_lag_p99_ms"],
        "loop_lag_p50_ms": full["loop_lag_p50_ms"],
        "loop_lag_max_ms": full["loop_lag_max_ms"],
        "lag_samples_over_50_ms": full["lag_samples_over_50_ms"],
        "lag_samples": full["lag_samples"],
        "waits": full["waits"],
        "wait_seconds": full["seconds"],
        "wait_cpu_seconds": full["cpu_seconds"],
        "speed": SPEED,
        "requests": full["requests"],
        "requests_by_route": full["routes"],
        "real_speed_loop_lag_p99_ms": real["loop_lag_p99_ms"],
        "real_speed_loop_lag_max_ms": real["loop_lag_max_ms"],
        "real_speed_lag_samples_over_50_ms": real["lag_samples_over_50_ms"],
        "real_speed_lag_samples": real["lag_samples"],
        "real_speed_cpu_seconds": real["cpu_seconds"],
        "real_speed_window_s": WINDOW,
        "gc_seconds": full["gc_seconds"],
        "gc_full_collections": full["gc_full_collections"],
        "gc_longest_full_ms": full["gc_longest_full_ms"],
        "real_speed_gc_seconds": real["gc_seconds"],
        "real_speed_gc_full_collections": real["gc_full_collections"],
    }
    result.row(
        "figure", f"{SPEED:g}x, to the end", "1x, first 30 s", "no waits"
    )
    result.row("peak RSS (MiB)", peak, real["peak_rss_mib"], baseline)
    result.row("RSS over the baseline (MiB)", peak - baseline, "", 0.0)
    for label, key in (
        ("loop lag p99 (ms)", "loop_lag_p99_ms"),
        ("loop lag p50 (ms)", "loop_lag_p50_ms"),
        ("loop lag max (ms)", "loop_lag_max_ms"),
    ):
        result.row(label, full[key], real[key], full[f"baseline_{key}"])
    result.row(
        "lag samples over 50 ms",
        f"{full['lag_samples_over_50_ms']} of {full['lag_samples']}",
        f"{real['lag_samples_over_50_ms']} of {real['lag_samples']}",
        "",
    )
    result.row(
        "CPU seconds / seconds",
        f"{full['cpu_seconds']} / {full['seconds']}",
        f"{real['cpu_seconds']} / {real['seconds']}",
        "",
    )
    result.row(
        "garbage collection (s)", full["gc_seconds"], real["gc_seconds"], ""
    )
    result.row(
        "full collections (longest ms)",
        f"{full['gc_full_collections']} ({full['gc_longest_full_ms']})",
        f"{real['gc_full_collections']} ({real['gc_longest_full_ms']})",
        "",
    )
    result.row("requests", full["requests"], real["requests"], "")
    result.row("settled", full["settled"], "(cancelled)", "")
    result.notes.append(
        f"{CLOUDS} clouds x {PER_CLOUD} nodes seeded requested, default "
        "profile; emulator in its own process"
    )
    result.notes.append(
        "targets: <= 300 MiB over the baseline, loop lag p99 <= 50 ms, "
        "settled = 10000"
    )
    if full["settled"] != full["waits"]:
        raise BenchmarkError(
            f"only {full['settled']} of {full['waits']} waits settled: "
            f"{result.render()}"
        )
    return result
