"""The engine under every wait: its tenacity loop and its readings."""

from __future__ import annotations

import asyncio
import gc
import weakref
from collections.abc import Callable
from typing import Any

import pytest
import tenacity

from flexvm_async import FlexVMClient, InvalidResponseError, Node, NodeStatus
from flexvm_async._http import Response, Transport
from flexvm_async._wait_run import NOT_YET, PlainAsyncRetrying
from flexvm_async.emulator import Emulator, Fault
from tests import samples
from tests.waiting import advance, on_emulator, start_waits

Outcomes = Callable[[int], Any]
LIST_NODES = "GET /v3/flexVM/clouds/{cloudUuid}/nodes"


def results(*values: Any) -> Outcomes:
    """Return an attempt that gives `values` in turn; exceptions raise."""

    def attempt(number: int) -> Any:
        value = values[min(number, len(values)) - 1]
        if isinstance(value, BaseException):
            raise value
        return value

    return attempt


SCENARIOS: dict[str, tuple[Outcomes, dict[str, Any]]] = {
    "not yet, then a result": (
        results(NOT_YET, NOT_YET, NOT_YET, "done"),
        {},
    ),
    "transient failures, then a result": (
        results(OSError("a"), OSError("b"), "done"),
        {},
    ),
    "stopped, raising RetryError": (
        results(NOT_YET),
        {"stop": tenacity.stop_after_attempt(3)},
    ),
    "stopped, re-raising the last failure": (
        results(NOT_YET, OSError("last")),
        {"stop": tenacity.stop_after_attempt(2), "reraise": True},
    ),
    "stopped on a result, re-raising": (
        results(NOT_YET),
        {"stop": tenacity.stop_after_attempt(2), "reraise": True},
    ),
    "a failure that is not retried": (
        results(NOT_YET, ValueError("bad")),
        {},
    ),
    "a callback stops the loop": (
        results(NOT_YET),
        {
            "retry_error_callback": lambda state: (
                "gave up",
                state.attempt_number,
            )
        },
    ),
}


def run_loop(
    cls: type[tenacity.AsyncRetrying],
    attempt: Outcomes,
    options: dict[str, Any],
) -> list[Any]:
    """Run one retry loop of `cls`; return everything it did, in order."""
    log: list[Any] = []
    count = 0

    async def sleep(seconds: float) -> None:
        log.append(("sleep", seconds))

    async def call() -> Any:
        nonlocal count
        count += 1
        log.append(("attempt", count))
        return attempt(count)

    async def main() -> None:
        retrying = cls(
            sleep=sleep,
            wait=tenacity.wait_exponential(multiplier=1.5, max=20),
            retry=tenacity.retry_if_result(lambda r: r is NOT_YET)
            | tenacity.retry_if_exception_type(OSError),
            before=lambda state: log.append(("before", state.attempt_number)),
            after=lambda state: log.append(("after", state.attempt_number)),
            before_sleep=lambda state: log.append(
                ("before sleep", state.attempt_number, state.idle_for)
            ),
            **{"stop": tenacity.stop_after_attempt(10), **options},
        )
        try:
            log.append(("returned", await retrying(call)))
        except tenacity.RetryError as exc:
            log.append(("RetryError", exc.last_attempt.attempt_number))
        except Exception as exc:  # noqa: BLE001 - the log compares them
            log.append(("raised", type(exc).__name__, str(exc)))
        stats = retrying.statistics
        log.append(("statistics", stats["attempt_number"], stats["idle_for"]))

    asyncio.run(main())
    return log


@pytest.mark.parametrize("name", SCENARIOS)
def test_plain_loop_decides_as_tenacity_does(name: str) -> None:
    """The plain-function loop attempts, sleeps and ends as the stock one."""
    attempt, options = SCENARIOS[name]

    stock = run_loop(tenacity.AsyncRetrying, attempt, options)
    plain = run_loop(PlainAsyncRetrying, attempt, options)

    assert plain == stock
    assert ("attempt", 2) in plain  # every scenario retries at least once


def test_a_finished_loop_leaves_no_cycle() -> None:
    """A retry loop that has ended is freed at once, without a collection."""

    async def no_sleep(_: float) -> None:
        pass

    async def twice() -> object:
        attempts.append(1)
        return NOT_YET if len(attempts) < 2 else "done"

    attempts: list[int] = []
    retrying = PlainAsyncRetrying(
        sleep=no_sleep, retry=tenacity.retry_if_result(lambda r: r is NOT_YET)
    )
    assert asyncio.run(retrying(twice)) == "done"
    alive = weakref.ref(retrying)

    gc.disable()
    try:
        del retrying
        assert alive() is None
    finally:
        gc.enable()


def node_json(node_id: str, status: str) -> dict[str, Any]:
    """Return the JSON of a node of cloud c1."""
    return samples.node(node_id, status=status)


def listing(*items: Any) -> Response:
    """Return a response whose body is `items`."""
    return Response("GET", "/v3/flexVM/clouds/c1/nodes", 200, list(items))


def transport() -> Transport:
    """Return the transport of a client that is never opened."""
    return FlexVMClient("key").transport


def test_unchanged_items_are_the_models_built_before() -> None:
    """A listed item whose JSON is unchanged is not structured again."""
    known: dict[str, tuple[Any, Node]] = {}
    first = transport().models(
        listing(node_json("n1", "requested"), node_json("n2", "requested")),
        Node,
        known,
    )

    again = transport().models(
        listing(node_json("n1", "requested"), node_json("n2", "running")),
        Node,
        known,
    )

    assert again[0] is first[0]
    assert again[1] is not first[1]
    assert again[1].status == "running"
    assert known["n2"][1] is again[1]


def test_items_without_an_id_are_structured_each_time() -> None:
    """Only items with a string id are remembered."""
    known: dict[str, tuple[Any, Any]] = {}
    body = {"id": 7, "name": "x"}

    with pytest.raises(InvalidResponseError, match="at index 1"):
        transport().models(
            listing(node_json("n1", "running"), body), Node, known
        )

    assert list(known) == ["n1"]


def test_a_cancelled_wait_is_no_longer_served() -> None:
    """Cancelling one wait of a cloud withdraws it from the cloud's poller."""

    async def test(emu: Emulator, client: FlexVMClient) -> list[str]:
        cloud_id, nodes, waits = await start_waits(emu, client, 2)
        await advance(40)
        waits[0].cancel()
        await asyncio.wait([waits[0]])
        poller = client.waiters._pollers[(cloud_id, "nodes")]
        served = [t.resource_id for t in poller._tickets.values()]
        await waits[1]
        return [nodes[1].id, *served]

    expected, *served = on_emulator(test)
    assert served == [expected]


def test_the_known_nodes_follow_the_cloud() -> None:
    """A node gone from the cloud's listing is forgotten by its poller."""

    async def test(
        emu: Emulator, client: FlexVMClient
    ) -> tuple[set[str], ...]:
        cloud = emu.seed_cloud("c")
        nodes = [await client.nodes.add(cloud.cloud_id) for _ in range(3)]
        await client.waiters.wait_all(
            [
                client.waiters.operation("provision", cloud.cloud_id, n.id)
                for n in nodes
            ]
        )
        poller = client.waiters._pollers[(cloud.cloud_id, "nodes")]
        before = set(poller._known)
        await client.nodes.remove(cloud.cloud_id, nodes[0].id, wait=True)
        await advance(3600)
        await client.waiters.wait_all(
            [
                client.waiters.operation("provision", cloud.cloud_id, n.id)
                for n in nodes[1:]
            ]
        )
        return before, set(poller._known), {n.id for n in nodes[1:]}

    before, after, left = on_emulator(test)
    assert len(before) == 3
    assert after == left


def test_a_wait_cancelled_mid_poll_leaves_the_others_served() -> None:
    """Cancelling one wait during a list still serves the cloud's others."""

    async def test(emu: Emulator, client: FlexVMClient) -> tuple[str, int]:
        cloud_id, _, waits = await start_waits(emu, client, 3)
        await advance(100)
        emu.faults.add(Fault(kind="latency", route=LIST_NODES, latency=5.0))
        listed = emu.counters.total
        while emu.counters.total == listed:  # until a list is under way
            await advance(1)
        waits[0].cancel()
        await asyncio.wait([waits[0]])
        emu.faults.clear()
        done = await asyncio.gather(*waits[1:])
        poller = client.waiters._pollers[(cloud_id, "nodes")]
        return done[0].status, len(poller._tickets)

    status, left = on_emulator(test)
    assert status is NodeStatus.RUNNING
    assert left == 0
