"""Counters and the admin routes under /_emulator/."""

from __future__ import annotations

import aiohttp
import pytest

from flexvm_async.emulator import Counters, Emulator, Fault, ScaledClock
from tests.emulator.conftest import V3, cloud_body


async def test_counters_count_by_method_and_template(emu, api) -> None:
    """Requests are counted per route template, faulted ones included."""
    emu.faults.add(Fault(kind="server_error", route=f"GET {V3}/images"))
    made = (await api.post(f"{V3}/clouds", cloud_body())).json
    await api.get(f"{V3}/clouds/{made['id']}")
    await api.get(f"{V3}/clouds/{made['id']}")
    await api.get(f"{V3}/images")
    await api.get("/v3/flexVM/unknown")

    assert emu.counters.snapshot() == {
        ("POST", f"{V3}/clouds"): 1,
        ("GET", f"{V3}/clouds/{{cloudUuid}}"): 2,
        ("GET", f"{V3}/images"): 1,
        ("GET", "<unmatched>"): 1,
    }
    assert emu.counters.total == 5
    assert emu.counters[("POST", f"{V3}/clouds")] == 1
    assert emu.counters.count(f"GET {V3}/clouds/{{cloudUuid}}") == 2
    assert emu.counters.count(f"DELETE {V3}/clouds/{{cloudUuid}}") == 0
    assert ("DELETE", V3) not in emu.counters


async def test_admin_counters_and_reset(emu, api) -> None:
    """The counters are readable and resettable over HTTP, uncounted."""
    await api.get(f"{V3}/images")

    shown = (await api.get("/_emulator/counters")).json
    reset = await api.post("/_emulator/counters/reset")
    after = (await api.get("/_emulator/counters")).json

    assert shown == {"total": 1, "routes": {f"GET {V3}/images": 1}}
    assert reset.status == 204
    assert after == {"total": 0, "routes": {}}
    assert len(emu.counters) == 0


async def test_admin_faults_add_list_clear(emu, api) -> None:
    """Faults can be added (one or several), listed and cleared over HTTP."""
    one = await api.post(
        "/_emulator/faults",
        {"kind": "rate_limit", "route": f"GET {V3}/images", "times": 1},
    )
    several = await api.post(
        "/_emulator/faults",
        [{"kind": "latency", "latency": 0}, {"kind": "server_error"}],
    )
    limited = await api.get(f"{V3}/images")
    listed = (await api.get("/_emulator/faults")).json
    cleared = await api.call("DELETE", "/_emulator/faults")

    assert one.status == 201
    assert one.json[0]["kind"] == "rate_limit"
    assert [f["kind"] for f in several.json] == ["latency", "server_error"]
    assert limited.status == 429
    assert [f["fired"] for f in listed] == [1, 0, 0]
    assert cleared.status == 204
    assert len(emu.faults) == 0


@pytest.mark.parametrize(
    "body",
    [
        {"kind": "nope"},
        {"kind": "reset", "route": "GET /nowhere"},
        {"kind": "reset", "seen": 3},
        {"kind": "reset", "times": "2"},
        ["reset"],
    ],
)
async def test_admin_rejects_bad_faults(emu, api, body) -> None:
    """A fault the emulator cannot build answers 400 and adds nothing."""
    reply = await api.post("/_emulator/faults", body)

    assert reply.status == 400
    assert reply.json["errors"][0]["property"] == "fault"
    assert len(emu.faults) == 0


async def test_admin_clock_shows_and_advances(emu, api) -> None:
    """A manual clock can be read and moved over HTTP."""
    before = (await api.get("/_emulator/clock")).json
    moved = await api.post("/_emulator/clock/advance", {"seconds": 90})

    assert before == {"now": 0.0, "time": "2026-06-01T00:00:00Z"}
    assert moved.json == {"now": 90.0, "time": "2026-06-01T00:01:30Z"}
    assert emu.clock.now() == 90.0


@pytest.mark.parametrize(
    "body", [{}, {"seconds": -1}, {"seconds": True}, {"seconds": "5"}, [5]]
)
async def test_admin_clock_rejects_bad_amounts(api, body) -> None:
    """Only a non-negative number of seconds moves the clock."""
    reply = await api.post("/_emulator/clock/advance", body)

    assert reply.status == 400


async def test_admin_clock_refuses_a_clock_that_cannot_move() -> None:
    """A scaled clock follows real time and answers 409 to advance."""
    async with (
        Emulator(clock=ScaledClock(1000)) as emu,
        aiohttp.ClientSession(
            emu.url, headers={"PRIVATE-TOKEN": emu.api_key}
        ) as session,
        session.post("/_emulator/clock/advance", json={"seconds": 1}) as resp,
    ):
        assert resp.status == 409


def test_counters_repr_and_reset() -> None:
    """A fresh Counters is empty; hits add up; reset empties it."""
    counters = Counters()
    counters.hit("GET", "/a")
    counters.hit("GET", "/a")

    assert repr(counters) == "Counters(total=2, routes=1)"
    assert list(counters) == [("GET", "/a")]
    counters.reset()
    assert (counters.total, dict(counters)) == (0, {})
