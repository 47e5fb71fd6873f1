"""The Emulator object: start and stop, views, seeding and robustness."""

from __future__ import annotations

import asyncio
import importlib
import io
import socket

import aiohttp
import pytest

import flexvm_async.emulator as package
from flexvm_async.emulator import Emulator, ManualClock
from tests.emulator.conftest import V3, cloud_body


async def test_url_has_the_real_port_and_no_trailing_slash() -> None:
    """Port 0 binds a free port, which the URL then shows."""
    emu = Emulator(clock=ManualClock())
    with pytest.raises(RuntimeError):
        _ = emu.url

    async with emu:
        assert emu.port > 0
        assert emu.url == f"http://127.0.0.1:{emu.port}"
        with pytest.raises(RuntimeError):
            await emu.start()

    await emu.stop()
    assert "stopped" in repr(emu)


async def test_busy_port_raises_and_leaves_nothing_open() -> None:
    """Binding a port already taken raises OSError."""
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        emu = Emulator(clock=ManualClock(), port=taken.getsockname()[1])
        with pytest.raises(OSError):
            await emu.start()


async def test_ipv6_loopback_gets_brackets() -> None:
    """An IPv6 host is written in brackets in the URL."""
    if not socket.has_ipv6:  # pragma: no cover - depends on the machine
        pytest.skip("no IPv6 on this machine")
    emu = Emulator(clock=ManualClock(), host="::1")
    try:
        await emu.start()
    except OSError:  # pragma: no cover - depends on the machine
        pytest.skip("cannot bind ::1 here")
    try:
        assert emu.url == f"http://[::1]:{emu.port}"
    finally:
        await emu.stop()


@pytest.mark.parametrize(
    "options", [{"max_page_size": 0}, {"vms_per_node": 0}]
)
def test_limits_must_be_positive(options) -> None:
    """A page or a node that holds nothing is refused."""
    with pytest.raises(ValueError):
        Emulator(**options)


async def test_views_cover_everything_ever_created(emu, api, clock) -> None:
    """Views keep deleted records, so a test can count every order."""
    seeded = emu.seed_cloud("alpha", description="d", nodes=2)
    vm_id = emu.seed_vm(seeded.cloud_id, tags=["t"])
    await api.delete(f"{V3}/clouds/{seeded.cloud_id}/vms/{vm_id}")
    clock.advance(3600)

    cloud = emu.clouds[seeded.cloud_id]
    vm = emu.vms[vm_id]
    assert (cloud.name, cloud.description, cloud.site) == (
        "alpha",
        "d",
        "frmtl1",
    )
    assert cloud.node_ids == seeded.node_ids
    assert cloud.vm_ids == (vm_id,)
    assert (vm.status, vm.served, vm.tags) == ("deleted", False, ("t",))
    assert vm.released_at is not None
    assert vm.node_id == seeded.node_ids[0]
    assert [v.id for v in emu.vms_of(seeded.cloud_id)] == [vm_id]
    assert len(emu.nodes) == 2
    assert list(emu.clouds) == [seeded.cloud_id]
    assert repr(emu.vms) == "<1 records>"
    with pytest.raises(KeyError):
        emu.nodes_of("nope")
    with pytest.raises(KeyError):
        emu.vms_of("nope")


def test_seeding_refuses_what_the_api_would(emu) -> None:
    """Seeds go through the same rules as requests."""
    emu.seed_cloud("alpha", nodes=1)
    with pytest.raises(ValueError, match="already exists"):
        emu.seed_cloud("alpha")
    with pytest.raises(ValueError, match="Unprocessable"):
        emu.seed_cloud("beta", site="mars1")
    with pytest.raises(ValueError, match="node status"):
        emu.seed_cloud("gamma", nodes=1, status="sleeping")
    with pytest.raises(KeyError):
        emu.seed_node("nope")


def test_seeding_vms_checks_names_and_room(emu) -> None:
    """A seeded VM needs known names and a running node with room."""
    seeded = emu.seed_cloud("alpha")
    with pytest.raises(ValueError, match="VM status"):
        emu.seed_vm(seeded.cloud_id, status="asleep")
    with pytest.raises(ValueError, match="unknown"):
        emu.seed_vm(seeded.cloud_id, image="beos")
    with pytest.raises(ValueError, match="No running node"):
        emu.seed_vm(seeded.cloud_id)
    with pytest.raises(KeyError):
        emu.seed_vm("nope")


@pytest.mark.parametrize(
    ("status", "later"),
    [
        ("starting", "running"),
        ("stopping", "stopped"),
        ("deleting", "deleted"),
        ("deleted", "deleted"),
        ("created", "created"),
        ("provisioning", "running"),
    ],
)
def test_seeded_vms_carry_on_from_their_status(
    emu, clock, status, later
) -> None:
    """A VM seeded mid-transition finishes it."""
    seeded = emu.seed_cloud("alpha", nodes=1)
    vm_id = emu.seed_vm(seeded.cloud_id, status=status)

    assert emu.vms[vm_id].status == status
    clock.advance(120)
    assert emu.vms[vm_id].status == later


async def test_a_handler_bug_answers_a_500_body(emu, api, monkeypatch) -> None:
    """An unexpected exception still answers an API v3 500 body."""

    def broken(*_args: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(emu._store, "create_cloud", broken)

    reply = await api.post(f"{V3}/clouds", cloud_body())

    assert reply.status == 500
    assert reply.json["errorCode"] == 10009


async def test_oversized_body_answers_413_with_a_body(api) -> None:
    """A body over aiohttp's limit is refused with a v3 error body."""
    big = io.BytesIO(b"x" * (3 << 20))
    async with api.session.post(f"{V3}/clouds", data=big) as resp:
        body = await resp.json()

    assert resp.status == 413
    assert set(body) == {"errorCode", "errorMessage", "errors"}


async def test_many_concurrent_requests_all_succeed(emu, api) -> None:
    """Five hundred concurrent GETs are all answered."""
    seeded = emu.seed_cloud("alpha", nodes=20)
    path = f"{V3}/clouds/{seeded.cloud_id}/nodes"
    connector = aiohttp.TCPConnector(limit=0)
    async with aiohttp.ClientSession(
        emu.url, headers={"PRIVATE-TOKEN": emu.api_key}, connector=connector
    ) as session:

        async def one() -> int:
            async with session.get(path) as resp:
                await resp.read()
                return resp.status

        statuses = await asyncio.gather(*(one() for _ in range(500)))

    assert set(statuses) == {200}
    assert emu.counters.total == 500


def test_package_imports_names_lazily() -> None:
    """Public names load on first use; unknown ones raise AttributeError."""
    # The pytest plugin imported the package before coverage started;
    # reloading it runs its body again where coverage can see it.
    importlib.reload(package)

    assert "Emulator" in dir(package)
    assert package.Emulator is Emulator
    with pytest.raises(AttributeError):
        _ = package.Nothing


def test_sleep_is_settable(emu) -> None:
    """The latency sleep can be swapped after construction."""

    async def fake(_seconds: float) -> None:
        return None

    emu.sleep = fake

    assert emu.sleep is fake
