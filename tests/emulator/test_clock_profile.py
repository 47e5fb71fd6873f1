"""Clocks and duration profiles."""

from __future__ import annotations

import asyncio
import random

import pytest

from flexvm_async.emulator import (
    DurationProfile,
    Emulator,
    ManualClock,
    ScaledClock,
)
from flexvm_async.emulator._profile import sample
from tests.emulator.conftest import V3, cloud_body


def test_manual_clock_moves_only_forward() -> None:
    """Advance adds seconds and returns the new reading; back is refused."""
    clock = ManualClock(start=5)

    assert clock.advance(2.5) == 7.5
    assert clock.advance(0) == 7.5
    assert clock.now() == 7.5
    assert repr(clock) == "ManualClock(now=7.5)"
    with pytest.raises(ValueError):
        clock.advance(-1)


def test_scaled_clock_speeds_up_its_timer() -> None:
    """A scaled clock runs ``speed`` times faster than its timer."""
    real = [100.0]
    clock = ScaledClock(60, start=10, timer=lambda: real[0])

    real[0] += 2
    assert clock.now() == 130.0
    assert clock.speed == 60.0
    assert repr(clock).startswith("ScaledClock(speed=60.0")


@pytest.mark.parametrize("speed", [0, -1, float("nan")])
def test_scaled_clock_needs_a_positive_speed(speed) -> None:
    """Zero, negative or NaN speeds are refused."""
    with pytest.raises(ValueError):
        ScaledClock(speed)


async def test_speed_runs_the_emulator_on_a_scaled_clock() -> None:
    """``Emulator(speed=60)`` builds a ScaledClock at that speed."""
    emu = Emulator(speed=60)

    assert isinstance(emu.clock, ScaledClock)
    assert emu.clock.speed == 60


def test_clock_and_speed_are_exclusive() -> None:
    """Giving both a clock and a speed is a mistake."""
    with pytest.raises(ValueError):
        Emulator(speed=2, clock=ManualClock())


def test_sample_draws_each_kind_of_duration() -> None:
    """Numbers are fixed, pairs uniform, callables called with the rng."""
    rng = random.Random(1)  # noqa: S311 - durations, not secrets

    assert sample(12, rng) == 12.0
    assert 1 <= sample((1, 2), rng) <= 2
    assert sample((3, 3), rng) == 3
    assert sample(lambda r: r.choice([7, 7]), rng) == 7.0


@pytest.mark.parametrize("value", [-1, float("nan"), float("inf")])
def test_sample_refuses_bad_callable_results(value) -> None:
    """A callable that returns a negative or non-finite number fails."""
    with pytest.raises(ValueError):
        sample(lambda _: value, random.Random())  # noqa: S311 - not secret


@pytest.mark.parametrize(
    ("options", "error"),
    [
        ({"node_requested": -1}, ValueError),
        ({"node_requested": (5, 1)}, ValueError),
        ({"node_requested": (1, 2, 3)}, ValueError),
        ({"node_requested": (1, -2)}, ValueError),
        ({"node_requested": "10"}, TypeError),
        ({"node_requested": True}, TypeError),
        ({"vm_starting": float("inf")}, ValueError),
        ({"node_failure_rate": 1.5}, ValueError),
        ({"vm_failure_rate": -0.1}, ValueError),
    ],
)
def test_profile_refuses_bad_durations(options, error) -> None:
    """Durations must be non-negative; rates within [0, 1]."""
    with pytest.raises(error):
        DurationProfile(**options)


def test_profile_defaults_look_like_bare_metal() -> None:
    """Nodes take minutes; VMs tens of seconds; nothing fails by default."""
    profile = DurationProfile()

    assert profile.node_requested == (30.0, 90.0)
    assert profile.node_bootstrapping == (240.0, 720.0)
    assert profile.node_deleting == (60.0, 180.0)
    assert profile.node_deleted_grace == 300.0
    assert profile.node_failure_rate == 0.0


def test_instant_profile_is_all_zeros_but_overrides() -> None:
    """``instant`` zeroes every phase and keeps given overrides."""
    profile = DurationProfile.instant(vm_starting=4, node_failure_rate=0.5)

    assert profile.node_bootstrapping == 0.0
    assert profile.vm_starting == 4
    assert profile.node_failure_rate == 0.5


@pytest.mark.flexvm_emulator(
    profile=DurationProfile(
        node_requested=lambda _rng: 1.0, node_bootstrapping=(2.0, 2.0)
    )
)
async def test_callable_durations_drive_the_lifecycle(api, clock) -> None:
    """A callable duration is used for its phase."""
    cloud = (await api.post(f"{V3}/clouds", cloud_body())).json
    node = (await api.post(f"{V3}/clouds/{cloud['id']}/nodes")).json
    path = f"{V3}/clouds/{cloud['id']}/nodes/{node['id']}"

    clock.advance(1)
    middle = (await api.get(path)).json["status"]
    clock.advance(2)

    assert middle == "bootstrapping"
    assert (await api.get(path)).json["status"] == "running"


async def test_thousands_of_idle_nodes_cost_nothing_to_hold(
    emu, clock
) -> None:
    """Five thousand nodes are held without a timer; a read is lazy."""
    tasks = len(asyncio.all_tasks())
    seeded = emu.seed_cloud("big", nodes=5000, status="requested")
    clock.advance(24 * 3600)

    assert len(asyncio.all_tasks()) == tasks

    statuses = {n.status for n in emu.nodes_of(seeded.cloud_id)}

    assert statuses == {"running"}
