"""Nodes: the bare-metal lifecycle, its conflicts and its grace period."""

from __future__ import annotations

import re

import pytest

from flexvm_async.emulator import DurationProfile, Emulator, ManualClock
from tests.emulator.conftest import V3, cloud_body


@pytest.fixture
async def cloud(api):
    """A fresh cloud named alpha."""
    return (await api.post(f"{V3}/clouds", cloud_body())).json


async def _status(api, cloud, node_id):
    reply = await api.get(f"{V3}/clouds/{cloud['id']}/nodes/{node_id}")
    return reply.json["status"] if reply.status == 200 else reply.status


async def test_new_node_is_requested_with_name_and_serial(api, cloud) -> None:
    """POST answers 201 with the node requested, named after its cloud."""
    path = f"{V3}/clouds/{cloud['id']}/nodes"
    first = await api.post(path)
    second = await api.post(path)

    assert first.status == 201
    assert first.json["status"] == "requested"
    assert first.json["cloud"] == cloud
    assert [first.json["name"], second.json["name"]] == [
        "alpha-node-1",
        "alpha-node-2",
    ]
    assert re.fullmatch(r"[A-Z0-9]{7}", first.json["serial"])


async def test_node_goes_requested_bootstrapping_running(
    api, cloud, clock
) -> None:
    """With the default profile a node is running within 14 minutes."""
    node = (await api.post(f"{V3}/clouds/{cloud['id']}/nodes")).json
    seen = []
    for _ in range(14 * 6):
        seen.append(await _status(api, cloud, node["id"]))
        clock.advance(10)

    order = [s for i, s in enumerate(seen) if i == 0 or seen[i - 1] != s]
    assert order == ["requested", "bootstrapping", "running"]
    assert seen[-1] == "running"


@pytest.mark.flexvm_emulator(
    profile=DurationProfile(node_requested=10, node_bootstrapping=20)
)
async def test_fixed_durations_switch_exactly_on_time(
    api, cloud, clock
) -> None:
    """A phase ends at its duration to the second."""
    node = (await api.post(f"{V3}/clouds/{cloud['id']}/nodes")).json

    clock.advance(9.999)
    assert await _status(api, cloud, node["id"]) == "requested"
    clock.advance(0.001)
    assert await _status(api, cloud, node["id"]) == "bootstrapping"
    clock.advance(20)
    assert await _status(api, cloud, node["id"]) == "running"


@pytest.mark.flexvm_emulator(
    profile=DurationProfile.instant(node_failure_rate=1.0)
)
async def test_failure_rate_one_fails_every_node(api, cloud) -> None:
    """With node_failure_rate=1 a node ends failed instead of running."""
    node = (await api.post(f"{V3}/clouds/{cloud['id']}/nodes")).json

    assert node["status"] == "requested"
    assert await _status(api, cloud, node["id"]) == "failed"


@pytest.mark.flexvm_emulator(
    profile=DurationProfile(node_failure_rate=0.5), seed=3
)
async def test_failure_rate_fails_a_share_of_nodes(emu, api, cloud, clock):
    """About the configured share of many nodes fail."""
    for _ in range(200):
        await api.post(f"{V3}/clouds/{cloud['id']}/nodes")
    clock.advance(3600)

    statuses = [n.status for n in emu.nodes_of(cloud["id"])]
    assert set(statuses) == {"running", "failed"}
    assert 60 < statuses.count("failed") < 140


@pytest.mark.parametrize("status", ["created", "requested", "bootstrapping"])
async def test_delete_while_provisioning_is_409_not_running(
    emu, api, status
) -> None:
    """A node that is still provisioning cannot be deleted."""
    seeded = emu.seed_cloud("alpha", nodes=1, status=status)
    path = f"{V3}/clouds/{seeded.cloud_id}/nodes/{seeded.node_ids[0]}"

    reply = await api.delete(path)

    assert reply.status == 409
    assert reply.json["errorCode"] == "node_not_running"


async def test_delete_runs_deleting_deleted_then_404(emu, api, clock) -> None:
    """DELETE is 202; the node is deleting, deleted, then gone."""
    seeded = emu.seed_cloud("alpha", nodes=1)
    cloud = {"id": seeded.cloud_id}
    node_id = seeded.node_ids[0]
    path = f"{V3}/clouds/{seeded.cloud_id}/nodes/{node_id}"

    accepted = await api.delete(path)
    deleting = await _status(api, cloud, node_id)
    twice = await api.delete(path)
    clock.advance(180)
    deleted = await _status(api, cloud, node_id)
    listed = (await api.get(f"{V3}/clouds/{seeded.cloud_id}/nodes")).json
    again = await api.delete(path)
    clock.advance(300)

    assert (accepted.status, accepted.raw) == (202, b"")
    assert deleting == "deleting"
    assert twice.json["errorCode"] == "node_not_running"
    assert deleted == "deleted"
    assert [n["status"] for n in listed] == ["deleted"]
    assert again.json["errorCode"] == "node_not_running"
    assert await _status(api, cloud, node_id) == 404
    assert (await api.get(f"{V3}/clouds/{seeded.cloud_id}/nodes")).json == []
    assert [n.status for n in emu.nodes_of(seeded.cloud_id)] == ["deleted"]
    assert emu.nodes[node_id].served is False


async def test_delete_with_vms_is_409_node_has_vms(emu, api, clock) -> None:
    """A node that hosts VMs cannot go until they are deleted."""
    seeded = emu.seed_cloud("alpha", nodes=1)
    vm_id = emu.seed_vm(seeded.cloud_id)
    cloud_path = f"{V3}/clouds/{seeded.cloud_id}"
    path = f"{cloud_path}/nodes/{seeded.node_ids[0]}"

    refused = await api.delete(path)
    await api.delete(f"{cloud_path}/vms/{vm_id}")
    while_vm_deleting = await api.delete(path)
    clock.advance(30)
    accepted = await api.delete(path)

    assert refused.status == 409
    assert refused.json["errorCode"] == "node_has_vms"
    assert while_vm_deleting.json["errorCode"] == "node_has_vms"
    assert accepted.status == 202


async def test_failed_node_may_be_deleted(emu, api) -> None:
    """A failed node is deletable."""
    seeded = emu.seed_cloud("alpha", nodes=1, status="failed")
    path = f"{V3}/clouds/{seeded.cloud_id}/nodes/{seeded.node_ids[0]}"

    reply = await api.delete(path)

    assert reply.status == 202


async def test_node_of_another_cloud_is_404(emu, api) -> None:
    """A node is only found under its own cloud."""
    a = emu.seed_cloud("a", nodes=1)
    b = emu.seed_cloud("b")

    reply = await api.get(f"{V3}/clouds/{b.cloud_id}/nodes/{a.node_ids[0]}")

    assert reply.status == 404


@pytest.mark.parametrize(
    ("status", "wait", "later"),
    [
        ("bootstrapping", 720, "running"),
        ("deleting", 180, "deleted"),
        ("deleted", 300, 404),
        ("failed", 3600, "failed"),
    ],
)
async def test_seeded_nodes_carry_on_from_their_status(
    emu, api, clock, status, wait, later
) -> None:
    """A node seeded mid-lifecycle finishes that lifecycle."""
    seeded = emu.seed_cloud("alpha", nodes=1, status=status)
    cloud = {"id": seeded.cloud_id}

    now = await _status(api, cloud, seeded.node_ids[0])
    clock.advance(wait)

    assert now == status
    assert await _status(api, cloud, seeded.node_ids[0]) == later


async def test_same_seed_gives_same_ids_and_serials() -> None:
    """A seed reproduces every id, serial and duration."""
    runs = []
    for _ in range(2):
        clock = ManualClock()
        emu = Emulator(clock=clock, seed=42)
        seeded = emu.seed_cloud("alpha", nodes=3, status="requested")
        clock.advance(200)
        runs.append(
            [(n.id, n.serial, n.status) for n in emu.nodes_of(seeded.cloud_id)]
        )

    assert runs[0] == runs[1]
