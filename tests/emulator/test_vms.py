"""VMs: request checks, the create answer and placement."""

from __future__ import annotations

import base64

import pytest

from tests.emulator.conftest import (
    GPU_VM,
    V3,
    create_vm,
    vms_path,
)


@pytest.fixture
def cloud(emu):
    """A cloud with two running GPU nodes."""
    return emu.seed_cloud("alpha", nodes=2)


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
    reply = await create_vm(api, cloud, **fields)

    assert reply.status == 400
    assert prop in [e["property"] for e in reply.json["errors"]]


async def test_body_must_be_a_json_object(api, cloud) -> None:
    """A JSON array is not a VM request."""
    reply = await api.call("POST", vms_path(cloud), data=b"[1]")

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
    reply = await create_vm(api, cloud, **fields)

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
    reply = await create_vm(api, cloud, ssh_keys=None, user_data=user_data)

    assert reply.status == 201


async def test_create_answers_provisioning_with_every_field(
    api, cloud
) -> None:
    """The 201 body is a full VM: type, image, IPs, cloud and node."""
    reply = await create_vm(api, cloud, tags=["env:ci", "team:a"])

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


async def test_placement_fills_a_node_to_its_slot_limit(
    emu, api, cloud
) -> None:
    """Eight small VMs go to the first node, the ninth to the second."""
    nodes = [
        (await create_vm(api, cloud)).json["node"]["id"] for _ in range(9)
    ]

    assert nodes == [cloud.node_ids[0]] * 8 + [cloud.node_ids[1]]
    assert emu.nodes[cloud.node_ids[0]].vm_ids == tuple(
        emu.vms_of(cloud.cloud_id)[i].id for i in range(8)
    )


@pytest.mark.flexvm_emulator(vms_per_node=2)
async def test_full_cloud_answers_422_with_a_clear_message(api, cloud) -> None:
    """With every node full, a VM is refused with a message naming why."""
    for _ in range(4):
        await create_vm(api, cloud)

    reply = await create_vm(api, cloud)

    assert reply.status == 422
    assert reply.json["errorCode"] == 90005
    assert "No running node" in reply.json["errorMessage"]


async def test_gpus_limit_gpu_vms_per_node(api, cloud) -> None:
    """A node with four GPUs hosts four one-GPU VMs, whatever the slots."""
    nodes = [
        (await create_vm(api, cloud, instance_type_name=GPU_VM)).json["node"]
        for _ in range(8)
    ]
    refused = await create_vm(api, cloud, instance_type_name=GPU_VM)

    assert [n["id"] for n in nodes] == (
        [cloud.node_ids[0]] * 4 + [cloud.node_ids[1]] * 4
    )
    assert refused.status == 422


async def test_vcpu_and_memory_limit_placement(emu, api) -> None:
    """A VM too large for what is left on a node is refused."""
    small = emu.seed_cloud("small", instance_type="bm7.std.32", nodes=1)
    for _ in range(3):
        reply = await create_vm(api, small, instance_type_name="vm.8c.16g")
        assert reply.status == 201
    # 24 of 32 vCPUs are taken: a 16-core VM does not fit, an 8-core does.
    big = await create_vm(api, small, instance_type_name="vm.1nvme.16c.64g")
    last = await create_vm(api, small, instance_type_name="vm.8c.16g")
    assert (big.status, last.status) == (422, 201)

    roomy = emu.seed_cloud("roomy", instance_type="bm7.std.32", nodes=1)
    for _ in range(2):
        reply = await create_vm(api, roomy, instance_type_name="vm.8c.64g")
        assert reply.status == 201
    # All 128 GB are taken, though half the vCPUs are free.
    full = await create_vm(api, roomy, instance_type_name="vm.8c.64g")
    assert full.status == 422


async def test_pci_devices_limit_placement(emu, api) -> None:
    """A node without the device class a VM needs cannot host it."""
    plain = emu.seed_cloud("plain", instance_type="bm7.std.32", nodes=1)

    reply = await create_vm(api, plain, instance_type_name="vm.1nvme.16c.64g")

    assert reply.status == 422


async def test_vms_need_a_running_node(emu, api) -> None:
    """Nodes still provisioning offer no room."""
    booting = emu.seed_cloud("boot", nodes=1, status="bootstrapping")

    reply = await create_vm(api, booting)

    assert reply.status == 422


async def test_vm_of_another_cloud_is_404(emu, api, cloud) -> None:
    """A VM is only found under its own cloud."""
    vm_id = emu.seed_vm(cloud.cloud_id)
    other = emu.seed_cloud("beta")

    reply = await api.get(f"{V3}/clouds/{other.cloud_id}/vms/{vm_id}")

    assert reply.status == 404


async def test_description_is_returned_when_given(api, cloud) -> None:
    """An optional description given at create comes back."""
    reply = await create_vm(api, cloud, description="db")

    assert reply.json["description"] == "db"
