"""The ways of growing a fleet that ``fleet`` compares.

Each variant orders `Fleet.per_cloud` nodes in every cloud of a fleet and
returns when all of them run, noting when it saw each one running. Every
schedule is written in emulated seconds and divided by `Fleet.speed`, so
on an emulator sped up 60 times a variant polls, in emulated time,
exactly as it would against the real API.

- `sdk`: ``client.scale`` with ``WaitPolicy().scaled(speed)``.
- `terraform`: the poll schedule of i3D's Terraform provider, per node:
  first GET 10 s after the POST, then one every 30 s; written with the
  SDK's client so that only the schedule differs from `sdk`.
- `handwritten`: what users write by hand today: `requests`, a pool of
  32 threads, POST every node, then GET every pending node each 30 s.
- `handwritten_schedule`: the same schedule as `handwritten`, async on
  the SDK's client, for virtual time, where threads cannot run.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import attrs
import requests
from requests.adapters import HTTPAdapter

from benchmarks._common import API_KEY, BenchmarkError
from flexvm_async import FlexVMClient, NodeStatus, StateChange, WaitPolicy

__all__ = [
    "Fleet",
    "Observed",
    "handwritten",
    "handwritten_schedule",
    "sdk",
    "terraform",
]

#: Seconds after the POST of the Terraform provider's first poll.
TERRAFORM_FIRST = 10.0
#: Seconds between the Terraform provider's later polls.
TERRAFORM_EVERY = 30.0
#: Seconds between the hand-written script's rounds of polls.
HANDWRITTEN_EVERY = 30.0
#: Threads of the hand-written script's pool.
HANDWRITTEN_THREADS = 32
#: Emulated seconds after which every baseline gives up, as the SDK's
#: default policy and i3D's tooling do.
DEADLINE = 1800.0


@attrs.frozen
class Fleet:
    """The fleet to grow, and the clock it is measured on.

    Attributes:
        url: The emulator's base URL.
        cloud_ids: The clouds, empty at the start.
        per_cloud: Nodes to order in each cloud.
        speed: Emulated seconds per second of the client's clock.
        emulated: Turns a reading of the client's clock (the event
            loop's, which is `time.monotonic`) into the emulator's.
    """

    url: str
    cloud_ids: tuple[str, ...]
    per_cloud: int
    speed: float
    emulated: Callable[[float], float]

    def now(self) -> float:
        """Return the emulator's clock reading now."""
        return self.emulated(time.monotonic())

    def loop_now(self) -> float:
        """Return the emulator's clock reading by the running loop."""
        return self.emulated(asyncio.get_running_loop().time())


@attrs.define
class Observed:
    """What a variant saw, in emulated seconds.

    Attributes:
        started: When it began.
        ended: When it returned, every node running.
        noticed: When it first saw each node running, by node id.
    """

    started: float
    ended: float = 0.0
    noticed: dict[str, float] = attrs.field(factory=dict)


async def sdk(
    fleet: Fleet,
    *,
    max_clouds: int | None = None,
    coalesce: bool = True,
    capacity_hint: bool = True,
) -> Observed:
    """Grow the fleet with ``client.scale``, all clouds at once.

    Args:
        fleet: The fleet.
        max_clouds: Clouds worked on at once; all of them by default
            (the SDK's own default is 16).
        coalesce: The client's option: let the waits of a cloud share
            their polls (its default).
        capacity_hint: The client's option: bring polls forward when a
            cloud's node count changes (its default).
    """
    seen = Observed(fleet.loop_now())

    def on_change(change: StateChange) -> None:
        if change.new == NodeStatus.RUNNING:
            seen.noticed.setdefault(
                change.resource_id, fleet.emulated(change.at)
            )

    async with FlexVMClient(
        API_KEY,
        base_url=fleet.url,
        on_change=on_change,
        seed=5,
        coalesce=coalesce,
        capacity_hint=capacity_hint,
    ) as client:
        report = await client.scale(
            dict.fromkeys(fleet.cloud_ids, fleet.per_cloud),
            max_clouds=max_clouds or len(fleet.cloud_ids),
            policy=WaitPolicy().scaled(fleet.speed),
            removal_policy=WaitPolicy.removal().scaled(fleet.speed),
        )
    seen.ended = fleet.loop_now()
    if not report.ok:
        raise BenchmarkError(f"scale fell short: {report.short[:3]}")
    return seen


async def terraform(fleet: Fleet) -> Observed:
    """Grow the fleet on the Terraform provider's per-node schedule."""
    seen = Observed(fleet.loop_now())
    loop = asyncio.get_running_loop()
    deadline = loop.time() + DEADLINE / fleet.speed
    async with FlexVMClient(API_KEY, base_url=fleet.url, seed=5) as client:

        async def one(cloud_id: str) -> None:
            node = await client.nodes.add(cloud_id)
            await asyncio.sleep(TERRAFORM_FIRST / fleet.speed)
            while loop.time() < deadline:
                current = await client.nodes.get(cloud_id, node.id)
                if current.status is NodeStatus.RUNNING:
                    seen.noticed[node.id] = fleet.loop_now()
                    return
                if not current.status.is_provisioning:
                    raise BenchmarkError(f"node {node.id} {current.status}")
                await asyncio.sleep(TERRAFORM_EVERY / fleet.speed)
            raise BenchmarkError(f"node {node.id} timed out")

        await asyncio.gather(
            *(
                one(cloud_id)
                for cloud_id in fleet.cloud_ids
                for _ in range(fleet.per_cloud)
            )
        )
    seen.ended = fleet.loop_now()
    return seen


async def handwritten_schedule(fleet: Fleet) -> Observed:
    """Grow the fleet on the hand-written script's schedule, async."""
    seen = Observed(fleet.loop_now())
    loop = asyncio.get_running_loop()
    async with FlexVMClient(API_KEY, base_url=fleet.url, seed=5) as client:
        nodes = await asyncio.gather(
            *(
                client.nodes.add(cloud_id)
                for cloud_id in fleet.cloud_ids
                for _ in range(fleet.per_cloud)
            )
        )
        pending = [(node.cloud.id, node.id) for node in nodes]
        next_round = loop.time()
        deadline = next_round + DEADLINE / fleet.speed
        while pending:
            if loop.time() > deadline:
                raise BenchmarkError("the hand-written schedule timed out")
            next_round += HANDWRITTEN_EVERY / fleet.speed
            await asyncio.sleep(max(0.0, next_round - loop.time()))
            current = await asyncio.gather(
                *(client.nodes.get(c, n) for c, n in pending)
            )
            now = fleet.loop_now()
            for node in current:
                if node.status is NodeStatus.RUNNING:
                    seen.noticed[node.id] = now
            pending = [p for p in pending if p[1] not in seen.noticed]
    seen.ended = fleet.loop_now()
    return seen


def handwritten(fleet: Fleet) -> Observed:
    """Grow the fleet the way a careful hand-written script does.

    One `requests` session with a pool as large as the 32 threads, so no
    connection is thrown away; every node is ordered through the pool,
    then every pending node is read once per round, rounds starting
    every 30 s (a round that runs long is followed at once). A node is
    noticed running when its GET returns.
    """
    base = f"{fleet.url}/v3/flexVM/clouds"
    session = requests.Session()
    session.mount(
        "http://",
        HTTPAdapter(pool_connections=1, pool_maxsize=HANDWRITTEN_THREADS),
    )
    session.headers.update(
        {
            "PRIVATE-TOKEN": API_KEY,
            "Accept": "application/json",
            "Content-Type": "application/json",
        }
    )

    def order(cloud_id: str) -> tuple[str, str]:
        response = session.post(f"{base}/{cloud_id}/nodes", timeout=30)
        response.raise_for_status()
        return cloud_id, response.json()["id"]

    def status(node: tuple[str, str]) -> tuple[str, float]:
        response = session.get(f"{base}/{node[0]}/nodes/{node[1]}", timeout=30)
        response.raise_for_status()
        return response.json()["status"], fleet.now()

    seen = Observed(fleet.now())
    deadline = time.monotonic() + DEADLINE / fleet.speed
    with session, ThreadPoolExecutor(HANDWRITTEN_THREADS) as pool:
        wanted = [c for c in fleet.cloud_ids for _ in range(fleet.per_cloud)]
        pending = list(pool.map(order, wanted))
        next_round = time.monotonic()
        while pending:
            if time.monotonic() > deadline:
                raise BenchmarkError("the hand-written script timed out")
            next_round += HANDWRITTEN_EVERY / fleet.speed
            time.sleep(max(0.0, next_round - time.monotonic()))
            still = []
            for node, (state, at) in zip(
                pending, pool.map(status, pending), strict=True
            ):
                if state == "running":
                    seen.noticed[node[1]] = at
                elif state in {"failed", "deleting", "deleted"}:
                    raise BenchmarkError(f"node {node[1]} {state}")
                else:
                    still.append(node)
            pending = still
    seen.ended = fleet.now()
    return seen
