"""Waiters: every outcome, the deadline, faults, cancelling, hand-over."""

from __future__ import annotations

import asyncio
import contextlib
import json

import attrs
import pytest

from flexvm_async import (
    FlexVMClient,
    NodeFailedError,
    NodeGoneError,
    NodeStatus,
    Operation,
    OperationKind,
    StateChange,
    VMFailedError,
    WaitPolicy,
    WaitTimeoutError,
)
from flexvm_async.emulator import DurationProfile, Emulator, Fault, ManualClock
from tests.conftest import TOKEN
from tests.waiting import (
    FIXED,
    Naps,
    advance,
    now,
    on_emulator,
    start_waits,
)

GET_NODE = "GET /v3/flexVM/clouds/{cloudUuid}/nodes/{nodeUuid}"
LIST_NODES = "GET /v3/flexVM/clouds/{cloudUuid}/nodes"


def test_add_with_wait_returns_the_running_node() -> None:
    """add(wait=True) returns once the node runs, soon after it does."""

    async def test(emu: Emulator, client: FlexVMClient) -> tuple[float, str]:
        cloud = emu.seed_cloud("c")
        start = now()
        node = await client.nodes.add(cloud.cloud_id, wait=True)
        return now() - start, node.status

    took, status = on_emulator(test)

    assert status is NodeStatus.RUNNING
    assert 600 <= took <= 600 + 20 * 1.2  # running at 600 s, one poll late


def test_failed_node_raises_with_the_node() -> None:
    """A node that ends failed raises NodeFailedError carrying it."""

    async def test(emu: Emulator, client: FlexVMClient) -> NodeFailedError:
        cloud = emu.seed_cloud("c")
        with pytest.raises(NodeFailedError) as info:
            await client.nodes.add(cloud.cloud_id, wait=True)
        return info.value

    error = on_emulator(
        test, profile=attrs.evolve(FIXED, node_failure_rate=1.0)
    )

    assert error.node.status is NodeStatus.FAILED
    assert error.polls >= 1
    assert "ended failed" in str(error)


def test_timeout_carries_last_node_elapsed_and_polls() -> None:
    """At the deadline the wait ends, never later, with what it saw."""

    async def test(
        emu: Emulator, client: FlexVMClient
    ) -> tuple[WaitTimeoutError, float]:
        cloud = emu.seed_cloud("c")
        node = await client.nodes.add(cloud.cloud_id)
        start = now()
        with pytest.raises(WaitTimeoutError) as info:
            await client.nodes.wait_until_running(
                cloud.cloud_id, node.id, WaitPolicy(deadline=100)
            )
        return info.value, now() - start

    error, took = on_emulator(test)

    assert took == pytest.approx(100)
    assert error.elapsed == pytest.approx(100)
    assert error.last is not None
    assert error.last.status is NodeStatus.BOOTSTRAPPING
    assert error.polls >= 5
    assert "did not settle within 100.0s" in str(error)


def test_poll_limit_ends_the_wait() -> None:
    """max_polls bounds the number of polls."""

    async def test(emu: Emulator, client: FlexVMClient) -> WaitTimeoutError:
        cloud = emu.seed_cloud("c")
        node = await client.nodes.add(cloud.cloud_id)
        with pytest.raises(WaitTimeoutError) as info:
            await client.nodes.wait_until_running(
                cloud.cloud_id, node.id, WaitPolicy(max_polls=3)
            )
        return info.value

    assert on_emulator(test).polls == 3


def test_no_sleep_runs_past_the_deadline() -> None:
    """Every nap is cut so that it ends by the deadline."""
    naps = Naps()

    async def test(emu: Emulator, client: FlexVMClient) -> None:
        cloud = emu.seed_cloud("c")
        node = await client.nodes.add(cloud.cloud_id)
        with pytest.raises(WaitTimeoutError):
            await client.nodes.wait_until_running(
                cloud.cloud_id,
                node.id,
                WaitPolicy(first_delay=30, max_delay=30, deadline=70),
            )

    on_emulator(test, client={"sleep": naps})

    assert sum(naps.delays) == pytest.approx(70)
    assert naps.delays[-1] < 30 * 0.8


def test_retry_after_is_a_floor_on_the_next_poll() -> None:
    """A 429 with Retry-After: 90 holds the next poll back 90 s."""
    naps = Naps()

    async def test(emu: Emulator, client: FlexVMClient) -> NodeStatus:
        cloud = emu.seed_cloud("c")
        node = await client.nodes.add(cloud.cloud_id)
        emu.faults.add(
            Fault(kind="rate_limit", route=GET_NODE, times=1, retry_after=90)
        )
        running = await client.nodes.wait_until_running(
            cloud.cloud_id, node.id
        )
        return running.status

    assert on_emulator(test, client={"sleep": naps}) is NodeStatus.RUNNING
    assert naps.delays[1] >= 90
    assert all(d <= 24 for d in naps.delays[2:])


@pytest.mark.parametrize(
    "kind", ["server_error", "reset", "malformed_json", "truncated_json"]
)
def test_transient_failures_mid_wait_do_not_end_it(kind: str) -> None:
    """5xx, resets and broken bodies while polling are polled through."""

    async def test(emu: Emulator, client: FlexVMClient) -> tuple[str, int]:
        cloud = emu.seed_cloud("c")
        node = await client.nodes.add(cloud.cloud_id)
        fault = emu.faults.add(Fault(kind=kind, route=GET_NODE, times=4))
        running = await client.nodes.wait_until_running(
            cloud.cloud_id, node.id
        )
        return running.status, fault.fired

    status, fired = on_emulator(test)

    assert status is NodeStatus.RUNNING
    assert fired == 4


def test_removal_ends_at_deleted_or_404() -> None:
    """remove(wait=True) ends when the node is deleted, 404 or not."""

    async def test(emu: Emulator, client: FlexVMClient) -> list[str]:
        cloud = emu.seed_cloud("c", nodes=2)
        first, second = cloud.node_ids
        start = now()
        await client.nodes.remove(cloud.cloud_id, first, wait=True)
        took = now() - start
        await client.nodes.remove(cloud.cloud_id, second)
        await advance(1000)  # deleted, then past the grace: 404
        await client.nodes.wait_until_removed(cloud.cloud_id, second)
        assert 120 <= took <= 120 + 15 * 1.2
        return [n.status for n in emu.nodes_of(cloud.cloud_id)]

    assert on_emulator(test) == ["deleted", "deleted"]


def test_node_removed_while_provisioning_is_gone() -> None:
    """A node that disappears from under a provisioning wait ends it."""

    async def test(emu: Emulator, client: FlexVMClient) -> NodeGoneError:
        cloud = emu.seed_cloud("c", nodes=1, status="running")
        (node_id,) = cloud.node_ids
        await client.nodes.remove(cloud.cloud_id, node_id)
        with pytest.raises(NodeGoneError) as info:
            await client.nodes.wait_until_running(cloud.cloud_id, node_id)
        return info.value

    assert "being removed" in str(on_emulator(test))


def test_state_changes_reach_the_hook_in_order() -> None:
    """on_change sees requested, bootstrapping, running, once each."""
    seen: list[StateChange] = []

    async def test(emu: Emulator, client: FlexVMClient) -> None:
        cloud = emu.seed_cloud("c")
        await client.nodes.add(
            cloud.cloud_id, wait=True, on_change=seen.append
        )

    on_emulator(test)

    assert [(c.old, c.new) for c in seen] == [
        (None, "requested"),
        ("requested", "bootstrapping"),
        ("bootstrapping", "running"),
    ]
    assert seen[-1].at >= 600


def test_cancelling_a_wait_stops_polling_and_leaves_no_task() -> None:
    """A cancelled wait sends nothing more and leaves no task behind."""

    async def test(emu: Emulator, client: FlexVMClient) -> tuple[int, int]:
        _, _, waits = await start_waits(emu, client, 3)
        await advance(100)
        # Cancel in the middle of a poll, held up by latency.
        emu.faults.add(Fault(kind="latency", route=LIST_NODES, latency=5.0))
        await advance(20)
        for wait in waits:
            wait.cancel()
        for wait in waits:
            with contextlib.suppress(asyncio.CancelledError):
                await wait
        sent = emu.counters.total
        await advance(3600)
        ours = [
            t
            for t in asyncio.all_tasks()
            if "flexvm_async._" in repr(t.get_coro())
            and t is not asyncio.current_task()
        ]
        assert all(p.idle for p in client.waiters._pollers.values())
        return emu.counters.total - sent, len(ours)

    assert on_emulator(test) == (0, 0)


def test_operation_hands_over_as_json_to_another_client() -> None:
    """A wait started by one client is resumed by another from JSON."""

    async def test(emu: Emulator, client: FlexVMClient) -> NodeStatus:
        cloud = emu.seed_cloud("c")
        node = await client.nodes.add(cloud.cloud_id)
        op = client.waiters.operation("provision", cloud.cloud_id, node.id)
        text = json.dumps(op.to_json())
        async with FlexVMClient(TOKEN, base_url=emu.url) as other:
            resumed = Operation.from_json(json.loads(text))
            assert resumed == op
            running = await other.waiters.wait(resumed)
        assert running is not None
        return running.status

    assert on_emulator(test) is NodeStatus.RUNNING


def test_a_past_deadline_in_an_operation_times_out() -> None:
    """The deadline travels with the operation and still binds."""

    async def test(emu: Emulator, client: FlexVMClient) -> float:
        cloud = emu.seed_cloud("c")
        node = await client.nodes.add(cloud.cloud_id)
        op = client.waiters.operation(
            "provision", cloud.cloud_id, node.id, WaitPolicy(deadline=30)
        )
        start = now()
        with pytest.raises(WaitTimeoutError):
            await client.waiters.wait(op)
        return now() - start

    assert on_emulator(test) <= 30.5


def test_wait_all_partitions_outcomes() -> None:
    """Succeeded, failed and timed out come back apart; none stops others."""

    async def test(emu: Emulator, client: FlexVMClient) -> tuple[int, ...]:
        cloud = emu.seed_cloud("c")
        ops = []
        for _ in range(12):
            node = await client.nodes.add(cloud.cloud_id)
            ops.append(
                client.waiters.operation("provision", cloud.cloud_id, node.id)
            )
        seeded = emu.seed_cloud("d", nodes=1, status="running")
        ops.append(
            Operation(OperationKind.REMOVAL, "d" * 8, seeded.node_ids[0])
        )
        results = await client.waiters.wait_all(ops, WaitPolicy(deadline=700))
        return (
            len(results.succeeded),
            len(results.failed),
            len(results.timed_out),
            len(results.cancelled),
        )

    spread = DurationProfile(
        node_requested=60.0,
        node_bootstrapping=(300.0, 900.0),
        node_failure_rate=0.3,
    )
    succeeded, failed, timed_out, cancelled = on_emulator(test, profile=spread)

    assert succeeded + failed + timed_out == 13
    assert succeeded > 0
    assert failed > 0
    assert timed_out > 0
    assert cancelled == 0


def test_wait_all_can_stop_at_the_first_failure() -> None:
    """With stop_on_failure, the first failure cancels the other waits."""

    async def test(emu: Emulator, client: FlexVMClient) -> tuple[int, int]:
        cloud = emu.seed_cloud("c")
        nodes = [await client.nodes.add(cloud.cloud_id) for _ in range(5)]
        ops = [
            client.waiters.operation("provision", cloud.cloud_id, n.id)
            for n in nodes
        ]
        results = await client.waiters.wait_all(ops, stop_on_failure=True)
        await advance(0)
        assert all(p.idle for p in client.waiters._pollers.values())
        return len(results.failed), len(results.cancelled)

    profile = DurationProfile(
        node_requested=60.0,
        node_bootstrapping=(100.0, 900.0),
        node_failure_rate=1.0,
    )
    assert on_emulator(test, profile=profile) == (1, 4)


def test_as_completed_yields_in_settle_order() -> None:
    """Operations come out of as_completed as they settle."""

    async def test(emu: Emulator, client: FlexVMClient) -> list[float]:
        cloud = emu.seed_cloud("c")
        ops = []
        for _ in range(6):
            node = await client.nodes.add(cloud.cloud_id)
            ops.append(
                client.waiters.operation("provision", cloud.cloud_id, node.id)
            )
        times = []
        async for outcome in client.waiters.as_completed(ops):
            assert outcome.ok
            times.append(now())
        return times

    spread = DurationProfile(
        node_requested=60.0, node_bootstrapping=(300.0, 900.0)
    )
    times = on_emulator(test, profile=spread)

    assert times == sorted(times)
    assert times[-1] - times[0] > 100


def test_a_lone_wait_reads_its_node_and_many_read_the_list() -> None:
    """One wait polls GET node; several in a cloud poll GET nodes."""

    async def test(emu: Emulator, client: FlexVMClient) -> tuple[int, int]:
        cloud = emu.seed_cloud("c")
        node = await client.nodes.add(cloud.cloud_id, wait=True)
        lone = emu.counters.count(GET_NODE), emu.counters.count(LIST_NODES)
        assert node.status is NodeStatus.RUNNING
        emu.counters.reset()
        await asyncio.gather(
            *(client.nodes.add(cloud.cloud_id, wait=True) for _ in range(5))
        )
        assert emu.counters.count(GET_NODE) == 0
        assert lone[1] == 0
        return lone[0], emu.counters.count(LIST_NODES)

    single, listed = on_emulator(test)

    assert 20 <= single <= 45
    assert listed <= single * 1.3


def test_waits_on_a_hand_driven_clock() -> None:
    """With a ManualClock moved by the client's sleep, 10 min pass at once."""

    async def main() -> tuple[NodeStatus, float]:
        clock = ManualClock()

        async def sleep(seconds: float) -> None:
            clock.advance(seconds)
            await advance(0)

        async with (
            Emulator(api_key=TOKEN, clock=clock, profile=FIXED) as emu,
            FlexVMClient(
                TOKEN, base_url=emu.url, sleep=sleep, clock=clock.now
            ) as client,
        ):
            cloud = emu.seed_cloud("c")
            node = await client.nodes.add(cloud.cloud_id, wait=True)
            return node.status, clock.now()

    status, elapsed = asyncio.run(main())

    assert status is NodeStatus.RUNNING
    assert 600 <= elapsed <= 625


@pytest.mark.parametrize(
    "kwargs",
    [
        {"multiplier": 0.5},
        {"max_delay": 0},
        {"jitter": 2},
        {"deadline": 0},
        {"max_polls": 0},
        {"first_delay": -1},
    ],
)
def test_wait_policy_rejects_bad_values(kwargs: dict[str, float]) -> None:
    """WaitPolicy refuses values that make no schedule."""
    with pytest.raises(ValueError):
        WaitPolicy(**kwargs)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"kind": "provision", "cloud_id": "a/b", "node_id": "n"},
        {"kind": "explode", "cloud_id": "c", "node_id": "n"},
        {"kind": "removal", "cloud_id": "c", "node_id": "n", "deadline": 5},
        {
            "kind": "removal",
            "cloud_id": "c",
            "node_id": "n",
            "deadline": "2026-01-01T00:00:00",
        },
    ],
)
def test_operation_json_is_checked(data: dict[str, object]) -> None:
    """Malformed operation JSON raises ValueError."""
    with pytest.raises(ValueError):
        Operation.from_json(data)


def test_vm_waits_follow_create_stop_and_delete() -> None:
    """A VM is awaited running, stopped, then deleted."""

    async def test(emu: Emulator, client: FlexVMClient) -> list[str]:
        cloud = emu.seed_cloud("c", nodes=1)
        vm = await client.vms.create(
            cloud.cloud_id,
            name="db1",
            image_name="ubuntu-2404-server-amd64",
            instance_type_name="vm.4c.8g",
            ssh_keys=["ssh-ed25519 AAAA test"],
        )
        seen = [vm.status.value]
        vm = await client.vms.wait_until_status(
            cloud.cloud_id, vm.id, {"running"}
        )
        seen.append(vm.status.value)
        await client.vms.command(cloud.cloud_id, vm.id, "stop")
        vm = await client.vms.wait_until_status(
            cloud.cloud_id, vm.id, ["stopped"]
        )
        seen.append(vm.status.value)
        await client.vms.delete(cloud.cloud_id, vm.id)
        await client.vms.wait_until_deleted(cloud.cloud_id, vm.id)
        seen.append(emu.vms[vm.id].status)
        return seen

    assert on_emulator(test) == [
        "provisioning",
        "running",
        "stopped",
        "deleted",
    ]


def test_failed_vm_raises_vm_failed() -> None:
    """A VM that ends failed raises VMFailedError carrying it."""

    async def test(emu: Emulator, client: FlexVMClient) -> VMFailedError:
        cloud = emu.seed_cloud("c", nodes=1)
        vm = await client.vms.create(
            cloud.cloud_id,
            name="x",
            ssh_keys=["k"],
            image_name="ubuntu-2404-server-amd64",
            instance_type_name="vm.4c.8g",
        )
        with pytest.raises(VMFailedError) as info:
            await client.vms.wait_until_status(
                cloud.cloud_id, vm.id, {"running"}
            )
        return info.value

    error = on_emulator(test, profile=attrs.evolve(FIXED, vm_failure_rate=1.0))

    assert error.vm.status.value == "failed"


def test_vm_wait_needs_a_status() -> None:
    """An empty set of statuses is refused."""

    async def test(emu: Emulator, client: FlexVMClient) -> None:
        with pytest.raises(ValueError, match="at least one"):
            await client.vms.wait_until_status("c", "v", set())

    on_emulator(test)


def test_removal_whose_answer_was_lost_is_still_accepted() -> None:
    """A DELETE that landed but lost its answer is confirmed, not failed."""

    async def test(emu: Emulator, client: FlexVMClient) -> dict[str, int]:
        cloud = emu.seed_cloud("c", nodes=1)
        (node_id,) = cloud.node_ids
        emu.faults.add(
            Fault(
                kind="response_lost",
                route="DELETE /v3/flexVM/clouds/{cloudUuid}/nodes/{nodeUuid}",
                times=1,
            )
        )
        emu.counters.reset()
        await client.nodes.remove(cloud.cloud_id, node_id)
        assert emu.nodes[node_id].status == "deleting"
        return {
            route: emu.counters.count(route)
            for route in (
                "DELETE /v3/flexVM/clouds/{cloudUuid}/nodes/{nodeUuid}",
                GET_NODE,
            )
        }

    counts = on_emulator(test)

    assert list(counts.values()) == [2, 1]
