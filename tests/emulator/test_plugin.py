"""The pytest plugin's fixtures, as a user's test suite would use them."""

from __future__ import annotations

import importlib
import inspect
import subprocess
import sys

import aiohttp
import pytest

import flexvm_async
from flexvm_async.emulator import (
    Emulator,
    ManualClock,
    ScaledClock,
    pytest_plugin,
)

requires_client = pytest.mark.skipif(
    not hasattr(flexvm_async, "FlexVMClient"),
    reason="flexvm_async.FlexVMClient is not written yet; runs once it lands",
)


async def test_fixture_yields_a_started_emulator_on_a_manual_clock(
    flexvm_emulator,
) -> None:
    """The default fixture serves on loopback with a manual clock at 0."""
    headers = {"PRIVATE-TOKEN": flexvm_emulator.api_key}
    async with (
        aiohttp.ClientSession(flexvm_emulator.url, headers=headers) as session,
        session.get("/v3/flexVM/clouds") as resp,
    ):
        assert resp.status == 200

    assert isinstance(flexvm_emulator, Emulator)
    assert isinstance(flexvm_emulator.clock, ManualClock)
    assert flexvm_emulator.clock.now() == 0.0


@pytest.mark.flexvm_emulator(api_key="fixed", max_page_size=2)
async def test_marker_options_reach_the_emulator(flexvm_emulator) -> None:
    """Keyword arguments of the marker are passed to Emulator."""
    flexvm_emulator.seed_cloud("a")
    flexvm_emulator.seed_cloud("b")
    flexvm_emulator.seed_cloud("c")
    headers = {"PRIVATE-TOKEN": "fixed", "RANGED-DATA": "results=50"}
    async with (
        aiohttp.ClientSession(flexvm_emulator.url, headers=headers) as session,
        session.get("/v3/flexVM/clouds") as resp,
    ):
        assert len(await resp.json()) == 2


@pytest.mark.flexvm_emulator(speed=120)
async def test_marker_speed_means_a_scaled_clock(flexvm_emulator) -> None:
    """Asking for a speed replaces the manual clock with a scaled one."""
    assert isinstance(flexvm_emulator.clock, ScaledClock)
    assert flexvm_emulator.clock.speed == 120


@pytest.mark.flexvm_emulator(clock=ManualClock(start=50))
async def test_marker_may_bring_its_own_clock(flexvm_emulator) -> None:
    """A clock given in the marker is used as is."""
    assert flexvm_emulator.clock.now() == 50


@requires_client
async def test_client_fixture_talks_to_the_emulator(
    flexvm_emulator, flexvm_client
) -> None:
    """The client fixture lists the clouds seeded in its emulator."""
    flexvm_emulator.seed_cloud("alpha")
    flexvm_emulator.seed_cloud("beta")

    result = flexvm_client.clouds.list()
    if inspect.isawaitable(result):
        clouds = await result
    else:  # pragma: no cover - depends on the client's design
        clouds = [cloud async for cloud in result]

    assert [cloud.name for cloud in clouds] == ["alpha", "beta"]


def test_plugin_loads_nothing_heavy() -> None:
    """Importing the plugin leaves the emulator's server unimported."""
    code = (
        "import sys, flexvm_async.emulator.pytest_plugin as p;"
        "print('flexvm_async.emulator._server' in sys.modules)"
    )
    out = subprocess.run(  # noqa: S603 - this interpreter, a fixed script
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )

    assert out.stdout.strip() == "False"


def test_plugin_defines_fixtures_and_registers_its_marker(
    pytestconfig,
) -> None:
    """The marker is registered, so --strict-markers accepts it."""
    module = importlib.reload(pytest_plugin)
    markers = pytestconfig.getini("markers")

    assert any(line.startswith("flexvm_emulator(") for line in markers)
    assert set(module.__all__) == {
        "flexvm_client",
        "flexvm_emulator",
        "pytest_configure",
    }
