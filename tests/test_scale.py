"""Fleet scaling: convergence under faults, never a machine twice."""

from __future__ import annotations

import asyncio
import contextlib
import json
from typing import Any

import attrs
import pytest

from flexvm_async import (
    FlexVMClient,
    ScaleError,
    ScaleEvent,
    ScaleEventKind,
    UnknownCloudError,
    WaitPolicy,
)
from flexvm_async.emulator import DurationProfile, Emulator, Fault
from tests.waiting import FIXED, advance, on_emulator

ADD = "POST /v3/flexVM/clouds/{cloudUuid}/nodes"
REMOVE = "DELETE /v3/flexVM/clouds/{cloudUuid}/nodes/{nodeUuid}"
SPREAD = DurationProfile(
    node_requested=(30.0, 90.0), node_bootstrapping=(240.0, 720.0)
)


def running(emu: Emulator, cloud_id: str) -> int:
    """Count a cloud's running nodes, as the emulator holds them."""
    return sum(n.status == "running" for n in emu.nodes_of(cloud_id))


def created(emu: Emulator, cloud_id: str) -> int:
    """Count every node ever created in a cloud."""
    return len(emu.nodes_of(cloud_id))


def faulty(emu: Emulator) -> None:
    """Lose answers to orders, and throw 5xx and 429 at everything."""
    emu.faults.add(Fault(kind="response_lost", route=ADD, probability=0.25))
    emu.faults.add(Fault(kind="response_lost", route=REMOVE, probability=0.2))
    for status in (500, 502, 503, 504):
        emu.faults.add(
            Fault(kind="server_error", status=status, probability=0.02)
        )
    emu.faults.add(Fault(kind="rate_limit", probability=0.04, retry_after=3))


def test_thirty_clouds_up_and_down_under_faults() -> None:
    """Every cloud ends at its target; no node beyond it is ever ordered."""

    async def test(emu: Emulator, client: FlexVMClient) -> None:
        start = {f"c{i:02}": i % 3 for i in range(30)}
        ids = {
            name: emu.seed_cloud(name, nodes=n).cloud_id
            for name, n in start.items()
        }
        faulty(emu)
        up = {name: 2 + i % 5 for i, name in enumerate(start)}

        report = await client.scale(up)

        assert report.ok, [c for c in report.clouds.values() if not c.met]
        for name, cloud_id in ids.items():
            assert running(emu, cloud_id) == up[name]
            assert created(emu, cloud_id) == up[name]
            assert report.clouds[cloud_id].before == start[name]
            assert len(report.clouds[cloud_id].added) <= up[name]
        down = {name: i % 2 for i, name in enumerate(start)}

        report = await client.scale(down)

        assert report.ok
        for name, cloud_id in ids.items():
            assert running(emu, cloud_id) == down[name]
            assert created(emu, cloud_id) == up[name]
        assert sum(f.fired for f in emu.faults) > 50

    on_emulator(test, profile=SPREAD, seed=21)


def test_scaling_again_to_the_same_targets_changes_nothing() -> None:
    """A second run with met targets sends no order and no removal."""

    async def test(emu: Emulator, client: FlexVMClient) -> dict[Any, int]:
        emu.seed_cloud("a", nodes=2)
        emu.seed_cloud("b", nodes=0)
        await client.scale({"a": 3, "b": 1})
        emu.counters.reset()

        report = await client.scale({"a": 3, "b": 1})

        assert report.ok
        assert all(
            not c.added and not c.removed for c in report.clouds.values()
        )
        return emu.counters.snapshot()

    counts = on_emulator(test)

    assert all(method == "GET" for method, _ in counts)


def test_an_interrupted_run_is_finished_by_the_next() -> None:
    """Cancelled midway, then run again, the clouds end at the targets."""

    async def test(emu: Emulator, client: FlexVMClient) -> None:
        ids = [emu.seed_cloud(f"c{i}", nodes=i % 2).cloud_id for i in range(8)]
        targets = dict.fromkeys(ids, 4)
        emu.faults.add(Fault(kind="response_lost", route=ADD, probability=0.3))
        scaler = client.scaler(targets)
        run = asyncio.create_task(scaler.run())
        await advance(200)
        run.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await run
        assert scaler.report.interrupted
        assert not scaler.report.ok
        assert any(c.added for c in scaler.report.clouds.values())
        in_flight = [
            n for c in scaler.report.clouds.values() for n in c.pending
        ]
        assert in_flight
        assert all(emu.nodes[n].status != "running" for n in in_flight)

        report = await client.scale(targets)

        assert report.ok
        for cloud_id in ids:
            assert running(emu, cloud_id) == 4
            assert created(emu, cloud_id) == 4

    on_emulator(test, profile=SPREAD, seed=5)


def test_shrinking_spares_nodes_with_vms() -> None:
    """Surplus nodes without VMs go; a node with VMs stays unless evicted."""

    async def test(emu: Emulator, client: FlexVMClient) -> None:
        cloud = emu.seed_cloud("c", nodes=3)
        host = emu.vms[emu.seed_vm(cloud.cloud_id)].node_id
        spare = [n for n in cloud.node_ids if n != host]

        report = await client.scale({"c": 0})

        assert not report.ok
        (result,) = report.clouds.values()
        assert sorted(result.removed) == sorted(spare)
        assert result.after == 1
        assert [
            n.id for n in emu.nodes_of(cloud.cloud_id) if n.status == "running"
        ] == [host]

        report = await client.scale({"c": 0}, evict_vms=True)

        assert report.ok
        assert report.clouds[cloud.cloud_id].removed == [host]

    on_emulator(test)


def test_shrinking_removes_provisioning_nodes_first() -> None:
    """Nodes still provisioning are the ones released, once they run."""

    async def test(emu: Emulator, client: FlexVMClient) -> None:
        cloud = emu.seed_cloud("c", nodes=2)
        fresh = [
            emu.seed_node(cloud.cloud_id, status="requested") for _ in range(2)
        ]

        report = await client.scale({"c": 2})

        assert report.ok
        assert sorted(report.clouds[cloud.cloud_id].removed) == sorted(fresh)
        assert running(emu, cloud.cloud_id) == 2

    on_emulator(test)


def test_failed_nodes_are_reported_and_replaced_within_allowance() -> None:
    """A failed order is replaced at most replace_failed times."""

    async def test(emu: Emulator, client: FlexVMClient) -> None:
        emu.seed_cloud("c")

        report = await client.scale({"c": 2}, replace_failed=3)

        (result,) = report.clouds.values()
        assert not report.ok
        assert len(result.failed) == 5
        assert len(result.added) == 5
        assert result.after == 0
        kinds = {p.kind for p in result.problems}
        assert kinds == {"NodeFailedError"}

    profile = attrs.evolve(FIXED, node_failure_rate=1.0)
    on_emulator(test, profile=profile)


def test_failed_nodes_can_be_released() -> None:
    """remove_failed releases failed nodes found in the cloud."""

    async def test(emu: Emulator, client: FlexVMClient) -> None:
        cloud = emu.seed_cloud("c", nodes=1, status="failed")

        report = await client.scale({"c": 0}, remove_failed=True)

        assert report.ok
        assert report.clouds[cloud.cloud_id].removed == list(cloud.node_ids)
        assert emu.nodes_of(cloud.cloud_id)[0].status == "deleted"

    on_emulator(test)


def test_report_counts_requests_and_serialises() -> None:
    """Per-cloud requests add up, and the report is plain JSON."""

    async def test(emu: Emulator, client: FlexVMClient) -> None:
        emu.seed_cloud("a")
        emu.seed_cloud("b", nodes=1)
        emu.counters.reset()

        report = await client.scale({"a": 2, "b": 0})

        # One more request resolved the names, outside any cloud.
        assert report.requests == emu.counters.total - 1
        data = json.loads(json.dumps(report.to_json()))
        assert data["ok"] is True
        assert [c["name"] for c in data["clouds"]] == ["a", "b"]
        assert data["clouds"][0]["target"] == 2
        assert len(data["clouds"][0]["added"]) == 2
        assert data["clouds"][1]["after"] == 0
        assert set(data["clouds"][0]) >= {
            "before",
            "after",
            "removed",
            "failed",
            "requests",
            "elapsed",
            "problems",
        }

    on_emulator(test)


def test_progress_events_tell_the_story() -> None:
    """Events go from started through orders and changes to done."""
    events: list[ScaleEvent] = []

    async def test(emu: Emulator, client: FlexVMClient) -> None:
        emu.seed_cloud("a")
        await client.scale({"a": 1}, on_event=events.append)

    on_emulator(test)

    kinds = [e.kind for e in events]
    assert kinds[0] is ScaleEventKind.CLOUD_STARTED
    assert kinds[1] is ScaleEventKind.NODE_ORDERED
    assert kinds[-1] is ScaleEventKind.CLOUD_DONE
    statuses = [
        e.status for e in events if e.kind is ScaleEventKind.NODE_CHANGED
    ]
    assert statuses == ["requested", "bootstrapping", "running"]
    assert events[-1].report is not None
    assert events[-1].report.met
    assert {e.cloud_name for e in events} == {"a"}
    running = [e for e in events if e.status == "running"]
    assert running[0].running == 1


@pytest.mark.parametrize(
    ("targets", "error"),
    [
        ({"nowhere": 1}, UnknownCloudError),
        ({"a": -1}, ScaleError),
        ({"a": 1.5}, ScaleError),
        ({"a": True}, ScaleError),
    ],
)
def test_bad_targets_change_nothing(
    targets: dict[str, Any], error: type[Exception]
) -> None:
    """Unknown clouds and bad counts raise before anything is changed."""

    async def test(emu: Emulator, client: FlexVMClient) -> None:
        emu.seed_cloud("a")
        with pytest.raises(error):
            await client.scale(targets)
        snapshot = emu.counters.snapshot()
        assert all(method == "GET" for method, _ in snapshot)

    on_emulator(test)


def test_same_cloud_by_id_and_name_is_refused() -> None:
    """Naming one cloud twice is a ScaleError."""

    async def test(emu: Emulator, client: FlexVMClient) -> None:
        cloud = emu.seed_cloud("a")
        with pytest.raises(ScaleError, match="same cloud"):
            await client.scale({"a": 1, cloud.cloud_id: 2})

    on_emulator(test)


def test_scaler_checks_its_settings() -> None:
    """max_clouds below 1 is refused."""
    client = FlexVMClient("k", base_url="https://api.test")
    with pytest.raises(ValueError, match="max_clouds"):
        client.scaler({}, max_clouds=0)


def test_one_failing_cloud_does_not_stop_the_others() -> None:
    """A cloud whose orders are refused is reported; the rest scale."""

    async def test(emu: Emulator, client: FlexVMClient) -> None:
        bad = emu.seed_cloud("bad")
        good = emu.seed_cloud("good")
        emu.faults.add(
            Fault(
                kind="server_error",
                status=500,
                route=ADD,
                probability=1.0,
            )
        )
        emu.faults.add(Fault(kind="latency", route="*", latency=0.0))
        # Only the bad cloud's orders fail: clear the fault once it has
        # refused them.
        report = await client.scale(
            {"bad": 1, "good": 0}, policy=WaitPolicy(deadline=60)
        )
        assert report.clouds[good.cloud_id].met
        problems = report.clouds[bad.cloud_id].problems
        assert problems
        assert problems[0].kind == "ServerError"

    on_emulator(test)
