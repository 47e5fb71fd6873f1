"""The measured process of ``waiters``.

Run as ``python -m benchmarks._waiters_child``.

It reads the emulator's URL, speed and seeded node ids as JSON on its
standard input, and prints one JSON line of figures. A fresh process, so
that its peak RSS is its own: first the baseline (the client ready, its
session open, every import done, no wait), then every wait at once,
while a sampler task sleeps 10 ms over and over and records how late it
wakes. Given a ``window`` in seconds, it samples only that long and then
cancels the waits, instead of waiting for every node to run.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import json
import resource
import sys
import time
from typing import Any

from benchmarks._common import API_KEY, percentile
from flexvm_async import FlexVMClient, Operation, OperationKind, WaitPolicy

__all__ = ["main", "measure"]

_TICK = 0.010
BASELINE_SECONDS = 2.0


def _peak_rss_mib() -> float:
    # Linux reports ru_maxrss in KiB.
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


async def _sample(lags: list[float], stop: asyncio.Event) -> None:
    while not stop.is_set():
        before = time.perf_counter()
        await asyncio.sleep(_TICK)
        lags.append(time.perf_counter() - before - _TICK)


async def _sampled(lags: list[float], seconds: float) -> None:
    stop = asyncio.Event()
    sampler = asyncio.create_task(_sample(lags, stop))
    await asyncio.sleep(seconds)
    stop.set()
    await sampler


class _Collections:
    """Times every garbage collection while installed (`gc.callbacks`)."""

    def __init__(self) -> None:
        self.pauses: list[tuple[int, float]] = []
        self._started = 0.0

    def __call__(self, phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            self._started = time.perf_counter()
        else:
            elapsed = time.perf_counter() - self._started
            self.pauses.append((info["generation"], elapsed))

    def figures(self) -> dict[str, float]:
        full = [s for generation, s in self.pauses if generation == 2]
        return {
            "gc_seconds": round(sum(s for _, s in self.pauses), 2),
            "gc_collections": len(self.pauses),
            "gc_full_collections": len(full),
            "gc_longest_full_ms": round(max(full, default=0.0) * 1000, 1),
        }


def _lag_figures(lags: list[float], prefix: str = "") -> dict[str, float]:
    return {
        f"{prefix}loop_lag_p99_ms": round(percentile(lags, 0.99) * 1000, 2),
        f"{prefix}loop_lag_p50_ms": round(percentile(lags, 0.50) * 1000, 2),
        f"{prefix}loop_lag_max_ms": round(max(lags) * 1000, 1),
        f"{prefix}lag_samples_over_50_ms": sum(lag > 0.050 for lag in lags),
        f"{prefix}lag_samples": len(lags),
    }


async def measure(spec: dict[str, Any]) -> dict[str, Any]:
    """Wait on every node of `spec`; return the figures.

    Args:
        spec: ``url`` and ``speed`` of the emulator, ``clouds`` (each an
            ``id`` and its ``nodes``) and ``window``: None to wait until
            every node runs, or the seconds to sample before cancelling.
    """
    speed = float(spec["speed"])
    window = spec.get("window")
    async with FlexVMClient(API_KEY, base_url=str(spec["url"])) as client:
        await client.clouds.list()
        baseline_lags: list[float] = []
        await _sampled(baseline_lags, BASELINE_SECONDS)
        baseline = _peak_rss_mib()

        operations = [
            Operation(OperationKind.PROVISION, cloud["id"], node_id)
            for cloud in spec["clouds"]
            for node_id in cloud["nodes"]
        ]
        lags: list[float] = []
        collections = _Collections()
        gc.callbacks.append(collections)
        stop = asyncio.Event()
        sampler = asyncio.create_task(_sample(lags, stop))
        started = time.perf_counter()
        cpu = time.process_time()
        waits = asyncio.create_task(
            client.waiters.wait_all(operations, WaitPolicy().scaled(speed))
        )
        if window is None:
            results = await waits
        else:
            # Stop sampling first: cancelling the waits is not their work.
            await asyncio.wait({waits}, timeout=float(window))
        elapsed = time.perf_counter() - started
        cpu = time.process_time() - cpu
        gc.callbacks.remove(collections)
        stop.set()
        await sampler
        if window is not None:
            waits.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await waits
    figures: dict[str, Any] = {
        "waits": len(operations),
        "baseline_rss_mib": round(baseline, 1),
        "peak_rss_mib": round(_peak_rss_mib(), 1),
        "seconds": round(elapsed, 1),
        "cpu_seconds": round(cpu, 1),
        **_lag_figures(lags),
        **_lag_figures(baseline_lags, "baseline_"),
        **collections.figures(),
    }
    if window is None:
        figures["settled"] = len(results.succeeded)
        figures["failed"] = len(results.failed) + len(results.timed_out)
    return figures


def main() -> int:
    """Read the spec, wait on every node, print the figures."""
    spec = json.loads(sys.stdin.read())
    figures = asyncio.run(measure(spec))
    sys.stdout.write(json.dumps(figures) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
