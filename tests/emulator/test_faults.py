"""Fault injection, seen from a raw aiohttp client."""

from __future__ import annotations

import json
import random

import aiohttp
import pytest

from flexvm_async.emulator import Fault, FaultKind, FaultSet
from flexvm_async.emulator._middleware import _kill
from tests.emulator.conftest import V3, cloud_body

CLOUDS = f"POST {V3}/clouds"
DISCONNECTS = (aiohttp.ServerDisconnectedError, aiohttp.ClientOSError)


@pytest.fixture
def sleeps(emu):
    """Record the latency faults' sleeps instead of waiting."""
    slept: list[float] = []

    async def sleep(seconds: float) -> None:
        slept.append(seconds)

    emu.sleep = sleep
    return slept


async def _clouds(api):
    return (await api.get(f"{V3}/clouds")).json


async def test_rate_limit_answers_429_with_retry_after(emu, api) -> None:
    """A rate limit answers 429, says how long to wait, and changes nothing."""
    emu.faults.add(Fault(kind="rate_limit", route=CLOUDS, retry_after=7))

    reply = await api.post(f"{V3}/clouds", cloud_body())

    assert reply.status == 429
    assert reply.headers["Retry-After"] == "7"
    assert reply.json["errorCode"] == 10008
    emu.faults.clear()
    assert await _clouds(api) == []


@pytest.mark.parametrize("status", [500, 502, 503, 504])
async def test_server_errors_carry_an_error_body(emu, api, status) -> None:
    """A server error answers its status with a v3 body; nothing changes."""
    emu.faults.add(Fault(kind=FaultKind.SERVER_ERROR, status=status))

    reply = await api.post(f"{V3}/clouds", cloud_body())

    assert reply.status == status
    assert set(reply.json) == {"errorCode", "errorMessage", "errors"}
    emu.faults.clear()
    assert await _clouds(api) == []


async def test_latency_goes_through_the_injected_sleep(
    emu, api, sleeps
) -> None:
    """Latency faults add up, then the request is processed normally."""
    emu.faults.add(Fault(kind="latency", latency=1.5))
    emu.faults.add(Fault(kind="latency", route=f"GET {V3}/images", latency=2))

    images = await api.get(f"{V3}/images")
    clouds = await api.get(f"{V3}/clouds")

    assert images.status == clouds.status == 200
    assert sleeps == [3.5, 1.5]


async def test_reset_drops_the_connection_before_processing(emu, api) -> None:
    """A reset is a connection error to the client, and no cloud appears."""
    emu.faults.add(Fault(kind="reset", route=CLOUDS, times=1))

    with pytest.raises(DISCONNECTS):
        await api.post(f"{V3}/clouds", cloud_body())

    assert await _clouds(api) == []
    assert emu.counters.count(CLOUDS) == 1


async def test_response_lost_makes_the_change_then_disconnects(
    emu, api
) -> None:
    """The cloud is created, but the client only sees a disconnect."""
    emu.faults.add(Fault(kind="response_lost", route=CLOUDS, times=1))

    with pytest.raises(aiohttp.ServerDisconnectedError):
        await api.post(f"{V3}/clouds", cloud_body())

    assert [c["name"] for c in await _clouds(api)] == ["alpha"]
    retry = await api.post(f"{V3}/clouds", cloud_body())
    assert retry.json["errorCode"] == "cloud_name_taken"


async def test_malformed_json_keeps_the_status(emu, api) -> None:
    """A malformed body still has the real status; the change is made."""
    emu.faults.add(Fault(kind="malformed_json", route=CLOUDS, times=1))

    async with api.session.post(f"{V3}/clouds", json=cloud_body()) as resp:
        raw = await resp.read()

    assert resp.status == 201
    assert resp.content_type == "application/json"
    with pytest.raises(json.JSONDecodeError):
        json.loads(raw)
    assert len(await _clouds(api)) == 1


async def test_malformed_json_on_an_empty_answer(emu, api) -> None:
    """A 202 gets a non-JSON body; a 204 cannot carry one and is kept."""
    seeded = emu.seed_cloud("alpha", nodes=1)
    emu.faults.add(Fault(kind="malformed_json", route="DELETE *"))
    node = f"{V3}/clouds/{seeded.cloud_id}/nodes/{seeded.node_ids[0]}"
    empty = emu.seed_cloud("empty")

    accepted = await api.call("DELETE", node)
    deleted = await api.call("DELETE", f"{V3}/clouds/{empty.cloud_id}")

    assert accepted.status == 202
    assert accepted.raw == b"<html>\x00"
    assert (deleted.status, deleted.raw) == (204, b"")


async def test_truncated_json_cuts_the_body_short(emu, api) -> None:
    """The client sees a payload error; the cloud was created."""
    emu.faults.add(Fault(kind="truncated_json", route=CLOUDS, times=1))

    with pytest.raises(aiohttp.ClientPayloadError):
        await api.post(f"{V3}/clouds", cloud_body())

    assert len(await _clouds(api)) == 1


async def test_truncated_json_on_empty_answers(emu, api) -> None:
    """A 202 is cut short of its length; a 204 becomes a disconnect."""
    seeded = emu.seed_cloud("alpha", nodes=1)
    emu.faults.add(Fault(kind="truncated_json", route="DELETE *"))
    node = f"{V3}/clouds/{seeded.cloud_id}/nodes/{seeded.node_ids[0]}"
    empty = emu.seed_cloud("empty")

    with pytest.raises(aiohttp.ClientPayloadError):
        await api.call("DELETE", node)
    with pytest.raises(aiohttp.ServerDisconnectedError):
        await api.call("DELETE", f"{V3}/clouds/{empty.cloud_id}")

    assert emu.nodes[seeded.node_ids[0]].status == "deleting"
    assert emu.clouds[empty.cloud_id].deleted_at is not None


async def test_times_fires_on_the_next_n_requests(emu, api) -> None:
    """``times=2`` fails two requests, then lets them through."""
    fault = emu.faults.add(Fault(kind="server_error", times=2))

    statuses = [(await api.get(f"{V3}/images")).status for _ in range(4)]

    assert statuses == [503, 503, 200, 200]
    assert (fault.seen, fault.fired) == (4, 2)


async def test_script_steps_choose_per_request(emu, api) -> None:
    """A script passes, fires its kind, a status or another kind per step."""
    emu.faults.add(
        Fault(
            kind="rate_limit",
            route=f"GET {V3}/images",
            script=[False, True, 502, 429, None, "server_error"],
            status=504,
        )
    )

    statuses = [(await api.get(f"{V3}/images")).status for _ in range(7)]

    assert statuses == [200, 429, 502, 429, 200, 504, 200]


async def test_script_can_reset(emu, api) -> None:
    """A script step may name a connection-level kind."""
    emu.faults.add(Fault(kind="latency", script=[FaultKind.RESET]))

    with pytest.raises(DISCONNECTS):
        await api.get(f"{V3}/images")
    assert (await api.get(f"{V3}/images")).status == 200


@pytest.mark.flexvm_emulator(seed=11)
async def test_probability_fires_on_a_share(emu, api) -> None:
    """A probability of one half fails about half the requests."""
    emu.faults.add(Fault(kind="server_error", probability=0.5))

    statuses = [(await api.get(f"{V3}/images")).status for _ in range(200)]

    assert 60 < statuses.count(503) < 140


async def test_first_firing_fault_wins(emu, api) -> None:
    """Faults are tried in order; one after the decider is not consulted."""
    first = emu.faults.add(Fault(kind="rate_limit", times=1))
    second = emu.faults.add(Fault(kind="server_error", times=1))

    one = await api.get(f"{V3}/images")
    two = await api.get(f"{V3}/images")

    assert (one.status, two.status) == (429, 503)
    assert (first.seen, second.seen) == (2, 1)


@pytest.mark.parametrize(
    ("route", "hit"),
    [
        ("*", True),
        (f"GET {V3}/images", True),
        (f"get {V3}/images", True),
        ("GET *", True),
        (f"{V3}/images", True),
        (f"POST {V3}/clouds", False),
        ("DELETE *", False),
    ],
)
async def test_route_patterns(emu, api, route, hit) -> None:
    """A fault matches its method and template, with wildcards."""
    emu.faults.add(Fault(kind="server_error", route=route))

    reply = await api.get(f"{V3}/images")

    assert (reply.status == 503) is hit


async def test_admin_routes_are_never_faulted(emu, api) -> None:
    """A catch-all fault leaves the admin routes reachable."""
    emu.faults.add(Fault(kind="reset"))

    reply = await api.call("DELETE", "/_emulator/faults")

    assert reply.status == 204
    assert len(emu.faults) == 0


@pytest.mark.parametrize(
    "options",
    [
        {"probability": 0.5, "times": 1},
        {"probability": 1.5},
        {"times": -1},
        {"status": 404},
        {"retry_after": -1},
        {"latency": -1},
        {"latency": float("inf")},
        {"script": [404]},
        {"script": ["explode"]},
        {"script": [1.5]},
        {"kind": "explode"},
    ],
)
def test_bad_fault_settings_are_refused(options) -> None:
    """Settings that make no sense raise ValueError at construction."""
    with pytest.raises(ValueError):
        Fault(**{"kind": "server_error", **options})


@pytest.mark.parametrize(
    "options",
    [
        {"route": 5},
        {"probability": "1"},
        {"times": True},
        {"latency": "1"},
        {"status": 503.0},
    ],
)
def test_mistyped_fault_settings_are_refused(options) -> None:
    """Values of the wrong type raise TypeError."""
    with pytest.raises(TypeError):
        Fault(**{"kind": "server_error", **options})


def test_fault_set_holds_faults_in_order() -> None:
    """Faults can be added, listed, removed and cleared."""
    rng = random.Random(1)  # noqa: S311 - fault draws, not secrets
    faults = FaultSet(["GET /a", "POST /b"], rng)
    one = faults.add(Fault(kind="reset", route="GET /a"))
    two = faults.add(Fault(kind="reset", route="/b"))

    assert list(faults) == [one, two]
    faults.remove(one)
    assert (len(faults), bool(faults)) == (1, True)
    faults.clear()
    assert not faults
    with pytest.raises(ValueError, match="no route"):
        faults.add(Fault(kind="reset", route="GET /b"))
    with pytest.raises(ValueError):
        faults.remove(one)


def test_fault_json_shows_settings_and_counts() -> None:
    """The admin view of a fault lists its settings and its tallies."""
    fault = Fault(kind="latency", script=[True, False], latency=0.25)
    fault.consult(random.Random(0))  # noqa: S311 - not a secret

    assert fault.to_json() == {
        "kind": "latency",
        "route": "*",
        "probability": None,
        "times": None,
        "script": [True, False],
        "status": 503,
        "retry_after": 1,
        "latency": 0.25,
        "seen": 1,
        "fired": 1,
    }


async def test_plain_session_sees_resets_as_disconnect_errors(emu) -> None:
    """An untouched ClientSession gets a disconnect error on a reset POST."""
    emu.faults.add(Fault(kind="reset", times=1))
    headers = {"PRIVATE-TOKEN": emu.api_key}
    async with aiohttp.ClientSession(emu.url, headers=headers) as session:
        with pytest.raises(DISCONNECTS):
            await session.post(f"{V3}/clouds", json=cloud_body())


async def test_plain_session_resends_an_idempotent_request_once(emu) -> None:
    """Aiohttp itself retries a GET once after a reset, so two are needed."""
    emu.faults.add(Fault(kind="reset", route=f"GET {V3}/images", times=1))
    headers = {"PRIVATE-TOKEN": emu.api_key}
    async with aiohttp.ClientSession(emu.url, headers=headers) as session:
        async with session.get(f"{V3}/images") as masked:
            assert masked.status == 200
        emu.faults.add(Fault(kind="reset", route=f"GET {V3}/images", times=2))
        with pytest.raises(DISCONNECTS):
            await session.get(f"{V3}/images")

    assert emu.counters.count(f"GET {V3}/images") == 4


class _Socket:
    def __init__(self) -> None:
        self.options: list[tuple[int, int, bytes]] = []

    def setsockopt(self, level: int, name: int, value: bytes) -> None:
        self.options.append((level, name, value))


class _Transport:
    def __init__(self, sock: _Socket | None) -> None:
        self.sock = sock
        self.ended = ""

    def get_extra_info(self, name: str) -> _Socket | None:
        assert name == "socket"
        return self.sock

    def abort(self) -> None:
        self.ended = "abort"

    def close(self) -> None:
        self.ended = "close"


class _Request:
    def __init__(self, transport: _Transport | None) -> None:
        self.transport = transport


@pytest.mark.parametrize(
    ("how", "sock", "ended", "lingers"),
    [
        ("reset", _Socket(), "abort", True),
        ("reset", None, "abort", False),
        ("abort", _Socket(), "abort", False),
        ("close", _Socket(), "close", False),
    ],
)
def test_kill_ends_connections_as_asked(how, sock, ended, lingers) -> None:
    """Reset sets a zero linger (RST); abort and close end with a FIN."""
    transport = _Transport(sock)

    _kill(_Request(transport), how)  # type: ignore[arg-type]

    assert transport.ended == ended
    assert bool(sock and sock.options) is lingers


def test_kill_without_a_transport_does_nothing() -> None:
    """A client that is already gone leaves nothing to close."""
    _kill(_Request(None), "reset")  # type: ignore[arg-type]
