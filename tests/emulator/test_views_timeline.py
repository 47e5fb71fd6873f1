"""Node views tell when each node became running and deleted."""

from __future__ import annotations

import pytest

from flexvm_async.emulator import DurationProfile
from tests.emulator.conftest import V3

TIMES = DurationProfile(
    node_requested=60.0,
    node_bootstrapping=540.0,
    node_deleting=120.0,
    node_deleted_grace=300.0,
)


@pytest.mark.flexvm_emulator(profile=TIMES)
async def test_running_at_appears_once_the_node_runs(emu, clock) -> None:
    """A provisioning node has no running time until its bootstrap ends."""
    clock.advance(10)
    cloud = emu.seed_cloud("alpha")
    node_id = emu.seed_node(cloud.cloud_id, status="requested")
    clock.advance(599)

    early = emu.nodes[node_id]
    clock.advance(1)
    late = emu.nodes[node_id]

    assert (early.running_at, early.deleted_at) == (None, None)
    assert (late.status, late.running_at, late.deleted_at) == (
        "running",
        610.0,
        None,
    )


@pytest.mark.flexvm_emulator(profile=TIMES)
async def test_running_at_outlives_the_removal(emu, api, clock) -> None:
    """A removed node keeps its running time and gains a deleted time."""
    cloud = emu.seed_cloud("alpha")
    node_id = emu.seed_node(cloud.cloud_id, status="requested")
    clock.advance(700)
    path = f"{V3}/clouds/{cloud.cloud_id}/nodes/{node_id}"

    reply = await api.delete(path)
    deleting = emu.nodes[node_id]
    clock.advance(120)
    deleted = emu.nodes_of(cloud.cloud_id)[0]

    assert reply.status == 202
    assert (deleting.status, deleting.running_at, deleting.deleted_at) == (
        "deleting",
        600.0,
        None,
    )
    assert (deleted.status, deleted.running_at, deleted.deleted_at) == (
        "deleted",
        600.0,
        820.0,
    )


async def test_a_node_seeded_running_ran_from_its_seeding(emu, clock) -> None:
    """A node seeded ``running`` has run since the moment it was seeded."""
    clock.advance(5)
    cloud = emu.seed_cloud("alpha", nodes=1)

    view = emu.nodes[cloud.node_ids[0]]

    assert (view.running_at, view.deleted_at) == (5.0, None)
