"""The capacity hint: trusted only when shown right, and cheaper then."""

from __future__ import annotations

import asyncio

import pytest

from flexvm_async import FlexVMClient, WaitPolicy
from flexvm_async._capacity_hint import CapacityHint
from flexvm_async.emulator import DurationProfile, Emulator, Fault
from tests.waiting import on_emulator

CAPACITY = "GET /v3/flexVM/capacity"
SPREAD = DurationProfile(
    node_requested=(30.0, 90.0), node_bootstrapping=(240.0, 720.0)
)


def hint() -> CapacityHint:
    """Return a hint whose transport is never used."""
    client = FlexVMClient("k", base_url="https://api.test")
    return CapacityHint(
        client.transport, sleep=asyncio.sleep, clock=lambda: 0.0, page_size=1
    )


def test_hint_is_trusted_after_two_agreements() -> None:
    """Counts that match running nodes, twice, make the hint trusted."""
    h = hint()
    h._counts = {"a": 2, "b": 1}

    h.confirm("a", running=2, provisioning=3)
    assert not h.trusted
    h.confirm("b", running=1, provisioning=1)

    assert h.trusted


@pytest.mark.parametrize(("running", "provisioning"), [(0, 3), (2, 0), (5, 4)])
def test_inconclusive_lists_prove_nothing(
    running: int, provisioning: int
) -> None:
    """Lists that cannot tell the two readings apart leave trust alone."""
    h = hint()
    h._counts = {"a": 2}

    for _ in range(3):
        h.confirm("a", running=running, provisioning=provisioning)
        h.confirm("unknown", running=1, provisioning=1)

    assert not h.trusted
    assert not h.refuted


def test_counts_that_include_provisioning_nodes_refute_the_hint() -> None:
    """A count of all live nodes says nothing about nodes coming up."""
    h = hint()
    h._counts = {"a": 5, "b": 1}
    h.confirm("b", running=1, provisioning=2)
    h.confirm("b", running=1, provisioning=2)
    assert h.trusted

    h.confirm("a", running=2, provisioning=3)

    assert h.refuted
    assert not h.trusted


def fleet(*, capacity_hint: bool) -> tuple[int, int, bool]:
    """Scale 20 clouds by 4 nodes; return requests, capacity reads, trust."""

    async def test(
        emu: Emulator, client: FlexVMClient
    ) -> tuple[int, int, bool]:
        names = [f"c{i}" for i in range(20)]
        for name in names:
            emu.seed_cloud(name)
        emu.counters.reset()
        report = await client.scale(dict.fromkeys(names, 4))
        assert report.ok
        hint = client.waiters.hint
        trusted = hint is not None and hint.trusted
        return emu.counters.total, emu.counters.count(CAPACITY), trusted

    return on_emulator(
        test, profile=SPREAD, client={"capacity_hint": capacity_hint}
    )


def test_a_trusted_hint_spends_fewer_requests() -> None:
    """With the hint, the same fleet settles with fewer requests."""
    with_hint, reads, trusted = fleet(capacity_hint=True)
    without, no_reads, _ = fleet(capacity_hint=False)

    assert trusted
    assert reads > 0
    assert no_reads == 0
    assert with_hint < without


def test_one_cloud_reads_no_capacity() -> None:
    """For a single cloud, listing it is as cheap: no capacity reads."""

    async def test(emu: Emulator, client: FlexVMClient) -> int:
        emu.seed_cloud("solo")
        await client.scale({"solo": 3})
        return emu.counters.count(CAPACITY)

    assert on_emulator(test, profile=SPREAD) == 0


def test_failing_capacity_reads_do_not_stop_the_waits() -> None:
    """A capacity route that always fails leaves the waits on schedule."""

    async def test(emu: Emulator, client: FlexVMClient) -> bool:
        for name in ("a", "b", "c"):
            emu.seed_cloud(name)
        emu.faults.add(Fault(kind="server_error", status=500, route=CAPACITY))
        report = await client.scale(
            {"a": 2, "b": 2, "c": 2}, policy=WaitPolicy(deadline=1500)
        )
        hint = client.waiters.hint
        assert hint is not None
        return report.ok and not hint.trusted

    assert on_emulator(test, profile=SPREAD)
