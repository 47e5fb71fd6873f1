"""Running a fleet variant on virtual time or on a sped-up real clock.

A virtual run shares one event loop between the variant and an emulator
on `LoopClock`: the clock jumps over every idle wait, so the schedule is
exact and CPU costs take no time. Virtual runs go to worker processes,
two at a time: what they measure does not depend on how busy the
machine is. A real run puts the emulator (`benchmarks._server`) in a
process of its own, on a clock sped up `speed` times, and times the
variant for real.
"""

from __future__ import annotations

import asyncio
import functools
import multiprocessing
from collections.abc import Awaitable, Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from typing import Any

import attrs

from benchmarks import _fleet_variants as variants
from benchmarks._common import API_KEY, BenchmarkError
from benchmarks._procs import bench_server, counters, node_times
from flexvm_async.emulator import Emulator
from flexvm_async.testing import LoopClock, run_virtual

__all__ = ["VIRTUAL", "Run", "in_parallel", "real_run", "virtual_run"]

AsyncVariant = Callable[[variants.Fleet], Awaitable[variants.Observed]]

#: The variants that can run on virtual time, by label.
VIRTUAL: dict[str, AsyncVariant] = {
    "sdk": variants.sdk,
    "sdk_max_clouds_16": functools.partial(variants.sdk, max_clouds=16),
    "sdk_per_node": functools.partial(variants.sdk, coalesce=False),
    "sdk_coalesced_only": functools.partial(variants.sdk, capacity_hint=False),
    "terraform": variants.terraform,
    "handwritten_schedule": variants.handwritten_schedule,
}


@attrs.frozen
class Run:
    """One run of one variant, in emulated seconds.

    Attributes:
        label: The variant.
        started: When the variant began.
        ended: When it returned.
        noticed: When it saw each node running, by node id.
        truth: When each node was created and became running, by id.
        routes: Requests the emulator received, by route.
    """

    label: str
    started: float
    ended: float
    noticed: dict[str, float]
    truth: dict[str, tuple[float, float]]
    routes: dict[str, int]

    @property
    def wall(self) -> float:
        """Seconds from start to return."""
        return self.ended - self.started

    @property
    def ideal(self) -> float:
        """The slowest node's time from its order to running."""
        return max(up - ordered for ordered, up in self.truth.values())

    @property
    def requests(self) -> int:
        """Requests the emulator received."""
        return sum(self.routes.values())

    def count(self, method: str) -> int:
        """Return the requests of one method."""
        return sum(
            n for route, n in self.routes.items() if route.startswith(method)
        )

    @property
    def lags(self) -> list[float]:
        """Per node: seconds from running to being seen running."""
        return [
            seen - self.truth[node_id][1]
            for node_id, seen in self.noticed.items()
        ]

    @property
    def startup(self) -> float:
        """Seconds from start to the last node ordered."""
        return max(ordered for ordered, _ in self.truth.values()) - (
            self.started
        )


def _truth(nodes: Sequence[Any]) -> dict[str, tuple[float, float]]:
    truth = {}
    for node in nodes:
        if node["running_at"] is None:
            raise BenchmarkError(f"node {node['id']} never ran")
        truth[node["id"]] = (node["created_at"], node["running_at"])
    return truth


def _checked(label: str, run: Run, nodes: int) -> Run:
    if len(run.truth) != nodes or len(run.noticed) != nodes:
        raise BenchmarkError(
            f"{label}: {len(run.truth)} nodes made, {len(run.noticed)} seen "
            f"running, {nodes} wanted"
        )
    return run


def virtual_run(label: str, *, clouds: int, per_cloud: int, seed: int) -> Run:
    """Run a variant on virtual time against a fresh emulator.

    Args:
        label: A key of `VIRTUAL`.
        clouds: Clouds in the fleet, seeded empty.
        per_cloud: Nodes to order in each.
        seed: The emulator's seed, which fixes the provisioning times.
    """
    variant = VIRTUAL[label]

    async def main() -> Run:
        async with Emulator(API_KEY, clock=LoopClock(), seed=seed) as emu:
            cloud_ids = tuple(
                emu.seed_cloud(f"fleet-{i:03}").cloud_id for i in range(clouds)
            )
            fleet = variants.Fleet(
                emu.url, cloud_ids, per_cloud, 1.0, lambda t: t
            )
            seen = await variant(fleet)
            nodes = [attrs.asdict(node) for node in emu.nodes.values()]
            routes = {
                f"{method} {template}": count
                for (method, template), count in emu.counters.items()
            }
        return Run(
            label,
            seen.started,
            seen.ended,
            seen.noticed,
            _truth(nodes),
            routes,
        )

    return _checked(label, run_virtual(main()), clouds * per_cloud)


def in_parallel(
    jobs: Sequence[Callable[[], Run]], workers: int = 2
) -> list[Run]:
    """Run picklable jobs in fresh worker processes; keep their order."""
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(workers, mp_context=context) as pool:
        futures = [pool.submit(job) for job in jobs]
        return [future.result() for future in futures]


def real_run(
    label: str, *, speed: float, clouds: int, per_cloud: int, seed: int
) -> Run:
    """Run ``sdk`` or ``handwritten`` on a clock sped up `speed` times.

    Args:
        label: ``sdk`` or ``handwritten``.
        speed: Emulated seconds per real second.
        clouds: Clouds in the fleet, seeded empty.
        per_cloud: Nodes to order in each.
        seed: The emulator's seed, which fixes the provisioning times.
    """
    with bench_server(
        speed=speed, seed=seed, clouds=clouds, lifetime=600.0
    ) as server:
        fleet = variants.Fleet(
            server.url,
            tuple(cloud_id for cloud_id, _ in server.clouds),
            per_cloud,
            speed,
            server.emulated,
        )
        if label == "handwritten":
            seen = variants.handwritten(fleet)
        else:
            seen = asyncio.run(variants.sdk(fleet))
        truth = _truth(node_times(server.url))
        routes = counters(server.url)
    run = Run(label, seen.started, seen.ended, seen.noticed, truth, routes)
    return _checked(label, run, clouds * per_cloud)
