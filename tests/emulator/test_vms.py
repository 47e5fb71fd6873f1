"""VMs: request checks, placement, lifecycle, commands and deletion."""

from __future__ import annotations

import base64

import pytest

from flexvm_async.emulator import DurationProfile
from tests.emulator.conftest import GPU_VM, V3, vm_body


@pytest.fixture
def cloud(emu):
    """A cloud with two running GPU nodes."""
    return emu.seed_cloud("alpha", nodes=2)


def _vms(cloud):
    return f"{V3}/clouds/{cloud.cloud_id}/vms"


async def _status(api, cloud, vm_id):
    reply = await api.get(f"{_vms(cloud)}/{vm_id}")
    return reply.json["status"] if reply.status == 200 else reply.status


async def _create(api, cloud, **fields):
    return await api.post(_vms(cloud), vm_body(**fields))


@pytest.mark.parametrize(
    ("fields", "prop"),
    [
        ({"colour": "red"}, "colour"),
        ({"name": None}, "name"),
        ({"name": ""}, "name"),
        ({"name": 3}, "name"),
        ({"description": 3}, "description"),
        ({"ssh_keys": "key"}, "ssh_keys"),
        ({"ssh_keys": [1]}, "ssh_keys"),
        ({"tags": "a"}, "tags"),
        ({"tags": [None]}, "tags"),
        ({"image_name": True}, "image_name"),
        ({"ssh_keys": None, "user_data": "x"}, "user_data"),
        ({"ssh_keys": None, "user_data": {}}, "user_data.data"),
        ({"ssh_keys": None, "user_data": {"data": 1}}, "user_data.data"),
        (
            {"ssh_keys": None, "user_data": {"data": "x", "z": 1}},
            "user_data.z",
        ),
        (
            {"ssh_keys": None, "user_data": {"data": "x", "is_base64": 1}},
            "user_data.is_base64",
        ),
    ],
)
async def test_shape_problems_answer_400(api, cloud, fields, prop) -> None:
    """Unknown, missing or mistyped fields are an invalid body."""
    reply = await _create(api, cloud, **fields)

    assert reply.status == 400
    assert prop in [e["property"] for e in reply.json["errors"]]


async def test_body_must_be_a_json_object(api, cloud) -> None:
    """A JSON array is not a VM request."""
    reply = await api.call("POST", _vms(cloud), data=b"[1]")

    assert reply.status == 400


@pytest.mark.parametrize(
    ("fields", "prop"),
    [
        ({"ssh_keys": None}, "ssh_keys"),
        ({"user_data": {"data": "#cloud-config"}}, "ssh_keys"),
        ({"ssh_keys": []}, "ssh_keys"),
        ({"ssh_keys": None, "user_data": {"data": ""}}, "user_data.data"),
        (
            {"ssh_keys": None, "user_data": {"data": "x" * 64001}},
            "user_data.data",
        ),
        (
            {"ssh_keys": None, "user_data": {"data": "!", "is_base64": True}},
            "user_data.data",
        ),
        ({"tags": [""]}, "tags"),
        ({"tags": ["x" * 129]}, "tags"),
        ({"image_name": "beos-5"}, "image_name"),
        ({"image_name": None}, "image_name"),
        ({"instance_type_name": "vm.huge"}, "instance_type_name"),
        ({"instance_type_name": None}, "instance_type_name"),
    ],
)
async def test_value_problems_answer_422(api, cloud, fields, prop) -> None:
    """Well-formed but unacceptable values are unprocessable."""
    reply = await _create(api, cloud, **fields)

    assert reply.status == 422
    assert reply.json["errorCode"] == 10004
    assert prop in [e["property"] for e in reply.json["errors"]]


@pytest.mark.parametrize(
    "user_data",
    [
        {"data": "x" * 64000},
        {"data": base64.b64encode(b"\x1f\x8b").decode(), "is_base64": True},
        {"data": "#cloud-config", "is_base64": False},
    ],
)
async def test_user_data_within_limits_is_accepted(
    api, cloud, user_data
) -> None:
    """User data of 1 to 64000 characters, plain or base64, is fine."""
    reply = await _create(api, cloud, ssh_keys=None, user_data=user_data)

    assert reply.status == 201


async def test_create_answers_provisioning_with_every_field(
    api, cloud
) -> None:
    """The 201 body is a full VM: type, image, IPs, cloud and node."""
    reply = await _create(api, cloud, tags=["env:ci", "team:a"])

    body = reply.json
    assert reply.status == 201
    assert body["status"] == "provisioning"
    assert body["instance_type"]["name"] == "vm.4c.8g"
    assert body["image"] == {
        "name": "ubuntu-2404-server-amd64",
        "os": "Ubuntu LTS 24.04",
        "os_type": "linux",
    }
    assert body["ips"] == [
        {"address": "10.0.0.1", "public": False},
        {"address": "2001:db8::1", "public": True},
    ]
    assert body["cloud"]["id"] == cloud.cloud_id
    assert body["node"]["id"] == cloud.node_ids[0]
    assert body["node"]["status"] == "running"
    assert body["tags"] == ["env:ci", "team:a"]
    assert "deleted_at" not in body
    assert "description" not in body


async def test_vm_goes_provisioning_starting_running(
    api, cloud, clock
) -> None:
    """A VM is running within a minute and a half by default."""
    vm = (await _create(api, cloud)).json
    seen = []
    for _ in range(90):
        seen.append(await _status(api, cloud, vm["id"]))
        clock.advance(1)

    order = [s for i, s in enumerate(seen) if i == 0 or seen[i - 1] != s]
    assert order == ["provisioning", "starting", "running"]


@pytest.mark.flexvm_emulator(profile=DurationProfile(vm_failure_rate=1.0))
async def test_failed_vm_refuses_commands_and_delete(
    api, cloud, clock
) -> None:
    """A VM that failed provisioning is terminal: 422 with code 90002."""
    vm = (await _create(api, cloud)).json
    clock.advance(120)

    status = await _status(api, cloud, vm["id"])
    deleted = await api.delete(f"{_vms(cloud)}/{vm['id']}")
    command = await api.post(
        f"{_vms(cloud)}/{vm['id']}/commands", {"command": "start"}
    )

    assert status == "failed"
    assert (deleted.status, deleted.json["errorCode"]) == (422, 90002)
    assert (command.status, command.json["errorCode"]) == (422, 90002)


async def test_placement_fills_a_node_to_its_slot_limit(
    emu, api, cloud
) -> None:
    """Eight small VMs go to the first node, the ninth to the second."""
    nodes = [(await _create(api, cloud)).json["node"]["id"] for _ in range(9)]

    assert nodes == [cloud.node_ids[0]] * 8 + [cloud.node_ids[1]]
    assert emu.nodes[cloud.node_ids[0]].vm_ids == tuple(
        emu.vms_of(cloud.cloud_id)[i].id for i in range(8)
    )


@pytest.mark.flexvm_emulator(vms_per_node=2)
async def test_full_cloud_answers_422_with_a_clear_message(api, cloud) -> None:
    """With every node full, a VM is refused with a message naming why."""
    for _ in range(4):
        await _create(api, cloud)

    reply = await _create(api, cloud)

    assert reply.status == 422
    assert reply.json["errorCode"] == 90005
    assert "No running node" in reply.json["errorMessage"]


async def test_gpus_limit_gpu_vms_per_node(api, cloud) -> None:
    """A node with four GPUs hosts four one-GPU VMs, whatever the slots."""
    nodes = [
        (await _create(api, cloud, instance_type_name=GPU_VM)).json["node"]
        for _ in range(8)
    ]
    refused = await _create(api, cloud, instance_type_name=GPU_VM)

    assert [n["id"] for n in nodes] == (
        [cloud.node_ids[0]] * 4 + [cloud.node_ids[1]] * 4
    )
    assert refused.status == 422


async def test_vcpu_and_memory_limit_placement(emu, api) -> None:
    """A VM too large for what is left on a node is refused."""
    small = emu.seed_cloud("small", instance_type="bm7.std.32", nodes=1)
    for _ in range(3):
        reply = await _create(api, small, instance_type_name="vm.8c.16g")
        assert reply.status == 201
    # 24 of 32 vCPUs are taken: a 16-core VM does not fit, an 8-core does.
    big = await _create(api, small, instance_type_name="vm.1nvme.16c.64g")
    last = await _create(api, small, instance_type_name="vm.8c.16g")
    assert (big.status, last.status) == (422, 201)

    roomy = emu.seed_cloud("roomy", instance_type="bm7.std.32", nodes=1)
    for _ in range(2):
        reply = await _create(api, roomy, instance_type_name="vm.8c.64g")
        assert reply.status == 201
    # All 128 GB are taken, though half the vCPUs are free.
    full = await _create(api, roomy, instance_type_name="vm.8c.64g")
    assert full.status == 422


async def test_pci_devices_limit_placement(emu, api) -> None:
    """A node without the device class a VM needs cannot host it."""
    plain = emu.seed_cloud("plain", instance_type="bm7.std.32", nodes=1)

    reply = await _create(api, plain, instance_type_name="vm.1nvme.16c.64g")

    assert reply.status == 422


async def test_vms_need_a_running_node(emu, api) -> None:
    """Nodes still provisioning offer no room."""
    booting = emu.seed_cloud("boot", nodes=1, status="bootstrapping")

    reply = await _create(api, booting)

    assert reply.status == 422


async def test_stop_and_start_run_their_transitions(api, cloud, clock) -> None:
    """Stop goes through stopping to stopped; start back to running."""
    vm = (await _create(api, cloud)).json
    commands = f"{_vms(cloud)}/{vm['id']}/commands"
    clock.advance(90)

    stop = await api.post(commands, {"command": "stop"})
    stopping = await _status(api, cloud, vm["id"])
    busy = await api.post(commands, {"command": "start"})
    clock.advance(20)
    stopped = await _status(api, cloud, vm["id"])
    start = await api.post(commands, {"command": "start"})
    starting = await _status(api, cloud, vm["id"])
    clock.advance(30)

    assert (stop.status, stop.raw) == (202, b"")
    assert stopping == "stopping"
    assert (busy.status, busy.json["errorCode"]) == (422, 90001)
    assert stopped == "stopped"
    assert start.status == 202
    assert starting == "starting"
    assert await _status(api, cloud, vm["id"]) == "running"


@pytest.mark.parametrize("command", ["reboot", "reset"])
async def test_reboot_and_reset_pass_through_starting(
    api, cloud, clock, command
) -> None:
    """Reboot and reset take a running VM through starting to running."""
    vm = (await _create(api, cloud)).json
    path = f"{_vms(cloud)}/{vm['id']}"
    clock.advance(90)

    reply = await api.post(f"{path}/commands", {"command": command})
    during = await _status(api, cloud, vm["id"])
    clock.advance(30)

    assert reply.status == 202
    assert during == "starting"
    assert await _status(api, cloud, vm["id"]) == "running"


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
        f"{_vms(cloud)}/{vm_id}/commands", {"command": command}
    )

    assert (reply.status, reply.json["errorCode"]) == (422, code)


@pytest.mark.parametrize(
    ("body", "status"),
    [({"command": "nap"}, 422), ({}, 400), ({"command": "stop", "x": 1}, 400)],
)
async def test_bad_command_bodies(emu, api, cloud, body, status) -> None:
    """An unknown command is a 422; a malformed body a 400."""
    vm_id = emu.seed_vm(cloud.cloud_id)

    reply = await api.post(f"{_vms(cloud)}/{vm_id}/commands", body)

    assert reply.status == status


async def test_delete_keeps_the_vm_listed_until_the_grace_ends(
    api, cloud, clock
) -> None:
    """A deleted VM shows status deleted and deleted_at, then 404."""
    vm = (await _create(api, cloud)).json
    path = f"{_vms(cloud)}/{vm['id']}"
    clock.advance(90)

    accepted = await api.delete(path)
    deleting = (await api.get(path)).json
    again = await api.delete(path)
    clock.advance(30)
    deleted = (await api.get(path)).json
    terminal = await api.delete(path)
    listed = (await api.get(_vms(cloud), params={"status": "deleted"})).json
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
    assert (await api.get(_vms(cloud))).json == []


@pytest.mark.parametrize("status", ["provisioning", "starting", "stopping"])
async def test_delete_in_transition_answers_90001(
    emu, api, cloud, status
) -> None:
    """A VM in transition must settle before it can be deleted."""
    vm_id = emu.seed_vm(cloud.cloud_id, status=status)

    reply = await api.delete(f"{_vms(cloud)}/{vm_id}")

    assert (reply.status, reply.json["errorCode"]) == (422, 90001)


async def test_stopped_vm_may_be_deleted(emu, api, cloud) -> None:
    """Stopped is a stable state, like running."""
    vm_id = emu.seed_vm(cloud.cloud_id, status="stopped")

    reply = await api.delete(f"{_vms(cloud)}/{vm_id}")

    assert reply.status == 202


async def test_status_filter_picks_matching_vms(emu, api, cloud) -> None:
    """``?status=`` returns only VMs in that status, in creation order."""
    running = [emu.seed_vm(cloud.cloud_id, name=f"r{i}") for i in range(2)]
    emu.seed_vm(cloud.cloud_id, status="stopped")

    reply = await api.get(_vms(cloud), params={"status": "running"})
    every = await api.get(_vms(cloud))

    assert [v["id"] for v in reply.json] == running
    assert len(every.json) == 3


async def test_vm_of_another_cloud_is_404(emu, api, cloud) -> None:
    """A VM is only found under its own cloud."""
    vm_id = emu.seed_vm(cloud.cloud_id)
    other = emu.seed_cloud("beta")

    reply = await api.get(f"{V3}/clouds/{other.cloud_id}/vms/{vm_id}")

    assert reply.status == 404


async def test_description_is_returned_when_given(api, cloud) -> None:
    """An optional description given at create comes back."""
    reply = await _create(api, cloud, description="db")

    assert reply.json["description"] == "db"
