"""Running SDK code against the emulator on a virtual clock."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from flexvm_async import FlexVMClient, Node
from flexvm_async.emulator import DurationProfile, Emulator
from flexvm_async.testing import LoopClock, VirtualTimeLoop, run_virtual
from tests.conftest import TOKEN

T = TypeVar("T")

BARE_METAL = "bm9.hmm.gpu.4rtx4000.64"

# Fixed durations, so that a test knows when each phase ends.
FIXED = DurationProfile(
    node_requested=60.0,
    node_bootstrapping=540.0,
    node_deleting=120.0,
    node_deleted_grace=300.0,
)

Test = Callable[[Emulator, FlexVMClient], Awaitable[T]]


def on_emulator(
    test: Test[T],
    *,
    profile: DurationProfile = FIXED,
    client: dict[str, Any] | None = None,
    **emulator: Any,
) -> T:
    """Run `test` with an emulator and a client on one virtual clock."""

    async def main() -> T:
        async with (
            Emulator(
                api_key=TOKEN,
                clock=LoopClock(),
                profile=profile,
                **({"seed": 3} | emulator),
            ) as emu,
            FlexVMClient(
                TOKEN, base_url=emu.url, **({"seed": 5} | (client or {}))
            ) as sdk,
        ):
            return await test(emu, sdk)

    return run_virtual(main())


def now() -> float:
    """Return the running loop's (virtual) time."""
    return asyncio.get_running_loop().time()


async def advance(seconds: float) -> None:
    """Let `seconds` of virtual time pass (instantly, under `on_emulator`).

    Raises:
        TypeError: The running loop is not a virtual-time loop, where
            this would wait on the wall clock.
    """
    if not isinstance(asyncio.get_running_loop(), VirtualTimeLoop):
        raise TypeError("advance() needs the virtual-time loop")
    await asyncio.sleep(seconds)


class Naps:
    """A sleep that records every delay before sleeping it."""

    def __init__(self) -> None:
        self.delays: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.delays.append(seconds)
        await asyncio.sleep(seconds)


async def start_waits(
    emu: Emulator, client: FlexVMClient, count: int
) -> tuple[str, list[Node], list[asyncio.Task[Node]]]:
    """Add `count` nodes to a new cloud and start a wait on each.

    Returns:
        The cloud's id, the nodes, and the tasks waiting for them to run.
    """
    cloud_id = emu.seed_cloud("c").cloud_id
    nodes = [await client.nodes.add(cloud_id) for _ in range(count)]
    waits = [
        asyncio.create_task(client.nodes.wait_until_running(cloud_id, n.id))
        for n in nodes
    ]
    return cloud_id, nodes, waits
