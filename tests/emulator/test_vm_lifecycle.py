"""VM lifecycles: provisioning, commands and deletion."""

from __future__ import annotations

import pytest

from flexvm_async.emulator import DurationProfile
from tests.emulator.conftest import (
    create_vm,
    vm_status,
    vms_path,
)


@pytest.fixture
def cloud(emu):
    """A cloud with two running GPU nodes."""
    return emu.seed_cloud("alpha", nodes=2)


async def test_vm_goes_provisioning_starting_running(
    api, cloud, clock
) -> None:
    """A VM is running within a minute and a half by default."""
    vm = (await create_vm(api, cloud)).json
    seen = []
    for _ in range(90):
        seen.append(await vm_status(api, cloud, vm["id"]))
        clock.advance(1)

    order = [s for i, s in enumerate(seen) if i == 0 or seen[i - 1] != s]
    assert order == ["provisioning", "starting", "running"]


@pytest.mark.flexvm_emulator(profile=DurationProfile(vm_failure_rate=1.0))
async def test_failed_vm_refuses_commands_and_delete(
    api, cloud, clock
) -> None:
    """A VM that failed provisioning is terminal: 422 with code 90002."""
    vm = (await create_vm(api, cloud)).json
    clock.advance(120)

    status = await vm_status(api, cloud, vm["id"])
    deleted = await api.delete(f"{vms_path(cloud)}/{vm['id']}")
    command = await api.post(
        f"{vms_path(cloud)}/{vm['id']}/commands", {"command": "start"}
    )

    assert status == "failed"
    assert (deleted.status, deleted.json["errorCode"]) == (422, 90002)
    assert (command.status, command.json["errorCode"]) == (422, 90002)


async def test_stop_and_start_run_their_transitions(api, cloud, clock) -> None:
    """Stop goes through stopping to stopped; start back to running."""
    vm = (await create_vm(api, cloud)).json
    commands = f"{vms_path(cloud)}/{vm['id']}/commands"
    clock.advance(90)

    stop = await api.post(commands, {"command": "stop"})
    stopping = await vm_status(api, cloud, vm["id"])
    busy = await api.post(commands, {"command": "start"})
    clock.advance(20)
    stopped = await vm_status(api, cloud, vm["id"])
    start = await api.post(commands, {"command": "start"})
    starting = await vm_status(api, cloud, vm["id"])
    clock.advance(30)

    assert (stop.status, stop.raw) == (202, b"")
    assert stopping == "stopping"
    assert (busy.status, busy.json["errorCode"]) == (422, 90001)
    assert stopped == "stopped"
    assert start.status == 202
    assert starting == "starting"
    assert await vm_status(api, cloud, vm["id"]) == "running"


@pytest.mark.parametrize("command", ["reboot", "reset"])
async def test_reboot_and_reset_pass_through_starting(
    api, cloud, clock, command
) -> None:
    """Reboot and reset take a running VM through starting to running."""
    vm = (await create_vm(api, cloud)).json
    path = f"{vms_path(cloud)}/{vm['id']}"
    clock.advance(90)

    reply = await api.post(f"{path}/commands", {"command": command})
    during = await vm_status(api, cloud, vm["id"])
    clock.advance(30)

    assert reply.status == 202
    assert during == "starting"
    assert await vm_status(api, cloud, vm["id"]) == "running"


@pytest.mark.parametrize(
    ("status", "command", "code"),
    [
        ("running", "start", 90003),
        ("stopped", "stop", 90003),
        ("stopped", "reboot", 90003),
        ("provisioning", "stop", 90001),
        ("paused", "start", 90001),
        ("deleting", "start", 90001),
        ("deleted", "start", 90002),
    ],
)
async def test_commands_refused_by_state_answer_422(
    emu, api, cloud, status, command, code
) -> None:
    """A command that does not fit the VM's state is unprocessable."""
    vm_id = emu.seed_vm(cloud.cloud_id, status=status)

    reply = await api.post(
        f"{vms_path(cloud)}/{vm_id}/commands", {"command": command}
    )

    assert (reply.status, reply.json["errorCode"]) == (422, code)


@pytest.mark.parametrize(
    ("body", "status"),
    [({"command": "nap"}, 422), ({}, 400), ({"command": "stop", "x": 1}, 400)],
)
async def test_bad_command_bodies(emu, api, cloud, body, status) -> None:
    """An unknown command is a 422; a malformed body a 400."""
    vm_id = emu.seed_vm(cloud.cloud_id)

    reply = await api.post(f"{vms_path(cloud)}/{vm_id}/commands", body)

    assert reply.status == status


async def test_delete_keeps_the_vm_listed_until_the_grace_ends(
    api, cloud, clock
) -> None:
    """A deleted VM shows status deleted and deleted_at, then 404."""
    vm = (await create_vm(api, cloud)).json
    path = f"{vms_path(cloud)}/{vm['id']}"
    clock.advance(90)

    accepted = await api.delete(path)
    deleting = (await api.get(path)).json
    again = await api.delete(path)
    clock.advance(30)
    deleted = (await api.get(path)).json
    terminal = await api.delete(path)
    listed = (
        await api.get(vms_path(cloud), params={"status": "deleted"})
    ).json
    clock.advance(300)

    assert (accepted.status, accepted.raw) == (202, b"")
    assert deleting["status"] == "deleting"
    assert "deleted_at" not in deleting
    assert again.status == 409
    assert deleted["status"] == "deleted"
    assert deleted["deleted_at"].startswith("2026-06-01T00:0")
    assert (terminal.status, terminal.json["errorCode"]) == (422, 90002)
    assert [v["id"] for v in listed] == [vm["id"]]
    assert (await api.get(path)).status == 404
    assert (await api.get(vms_path(cloud))).json == []


@pytest.mark.parametrize("status", ["provisioning", "starting", "stopping"])
async def test_delete_in_transition_answers_90001(
    emu, api, cloud, status
) -> None:
    """A VM in transition must settle before it can be deleted."""
    vm_id = emu.seed_vm(cloud.cloud_id, status=status)

    reply = await api.delete(f"{vms_path(cloud)}/{vm_id}")

    assert (reply.status, reply.json["errorCode"]) == (422, 90001)


async def test_stopped_vm_may_be_deleted(emu, api, cloud) -> None:
    """Stopped is a stable state, like running."""
    vm_id = emu.seed_vm(cloud.cloud_id, status="stopped")

    reply = await api.delete(f"{vms_path(cloud)}/{vm_id}")

    assert reply.status == 202


async def test_status_filter_picks_matching_vms(emu, api, cloud) -> None:
    """``?status=`` returns only VMs in that status, in creation order."""
    running = [emu.seed_vm(cloud.cloud_id, name=f"r{i}") for i in range(2)]
    emu.seed_vm(cloud.cloud_id, status="stopped")

    reply = await api.get(vms_path(cloud), params={"status": "running"})
    every = await api.get(vms_path(cloud))

    assert [v["id"] for v in reply.json] == running
    assert len(every.json) == 3
