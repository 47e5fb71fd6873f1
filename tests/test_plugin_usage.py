"""The pytest fixtures as the README shows them to users."""

from __future__ import annotations

import asyncio

import pytest

from flexvm_async import FlexVMClient, NodeStatus
from flexvm_async.emulator import DurationProfile, Emulator


class Autoscaler:
    """A user's scaling code, as it might look: demand in, nodes out."""

    def __init__(self, client: FlexVMClient) -> None:
        self.client = client

    async def apply(self, demand: dict[str, int]) -> None:
        report = await self.client.scale(demand, replace_failed=10)
        if not report.ok:
            raise RuntimeError(report.to_json())


@pytest.mark.flexvm_emulator(profile=DurationProfile(node_failure_rate=0.2))
async def test_autoscaler_reaches_demand(
    flexvm_emulator: Emulator, flexvm_client: FlexVMClient
) -> None:
    """Twenty emulated minutes of provisioning pass without real waiting."""
    cloud = flexvm_emulator.seed_cloud("edge", nodes=2)

    await Autoscaler(flexvm_client).apply(demand={"edge": 6})

    nodes = flexvm_emulator.nodes_of(cloud.cloud_id)
    assert sum(n.status == "running" for n in nodes) == 6
    assert flexvm_emulator.clock.now() > 240


async def test_the_clock_can_still_be_moved_by_hand(
    flexvm_emulator: Emulator, flexvm_client: FlexVMClient
) -> None:
    """A node added without waiting runs once the test moves the clock."""
    cloud = flexvm_emulator.seed_cloud("edge")
    node = await flexvm_client.nodes.add(cloud.cloud_id)

    flexvm_emulator.clock.advance(3600)  # type: ignore[attr-defined]

    node = await flexvm_client.nodes.get(cloud.cloud_id, node.id)
    assert node.status is NodeStatus.RUNNING


async def test_waits_on_the_driven_clock_take_no_real_time(
    flexvm_emulator: Emulator, flexvm_client: FlexVMClient
) -> None:
    """Many concurrent waits share the driven clock without running fast."""
    cloud = flexvm_emulator.seed_cloud("edge")

    nodes = await asyncio.gather(
        *(
            flexvm_client.nodes.add(cloud.cloud_id, wait=True)
            for _ in range(10)
        )
    )

    assert {n.status for n in nodes} == {NodeStatus.RUNNING}
    # Bootstrapping takes at most 90 + 720 s: the clock went no further
    # than the slowest node plus one poll.
    assert flexvm_emulator.clock.now() <= 90 + 720 + 25
