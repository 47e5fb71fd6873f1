"""Clouds: validation, uniqueness and deletion rules."""

from __future__ import annotations

import pytest

from tests.emulator.conftest import GPU_BM, V3, cloud_body, vm_body


async def test_create_answers_201_with_the_schema_fields(api, clock) -> None:
    """A created cloud carries exactly the schema's fields, timestamped."""
    clock.advance(90)
    reply = await api.post(f"{V3}/clouds", cloud_body(description="d"))

    assert reply.status == 201
    assert set(reply.json) == {
        "id",
        "name",
        "description",
        "site",
        "instance_type",
        "created_at",
    }
    assert reply.json["created_at"] == "2026-06-01T00:01:30Z"
    assert reply.json["instance_type"] == GPU_BM


async def test_description_is_left_out_when_not_given(api) -> None:
    """An optional field without a value is omitted, never null."""
    reply = await api.post(f"{V3}/clouds", cloud_body())

    assert "description" not in reply.json


@pytest.mark.parametrize(
    ("data", "prop"),
    [
        (b"{", "body"),
        (b"\xff\xfe", "body"),
        (b"[]", "body"),
        (b'{"site": "frmtl1", "instance_type": "x"}', "name"),
        (b'{"name": 5, "site": "frmtl1", "instance_type": "x"}', "name"),
        (b'{"name": " ", "site": "frmtl1", "instance_type": "x"}', "name"),
        (
            (
                b'{"name": "a", "site": "frmtl1", "instance_type": "x",'
                b' "id": "1"}'
            ),
            "id",
        ),
    ],
)
async def test_malformed_bodies_answer_400(api, data, prop) -> None:
    """Bad JSON, a missing, mistyped, empty or unknown field is a 400."""
    reply = await api.call("POST", f"{V3}/clouds", data=data)

    assert reply.status == 400
    assert reply.json["errorCode"] == 10002
    assert prop in {e["property"] for e in reply.json["errors"]}


async def test_unknown_site_and_type_answer_422_with_both_fields(api) -> None:
    """Every unacceptable value is listed, not just the first."""
    body = cloud_body(site="mars1", instance_type="bm0.tiny")
    reply = await api.post(f"{V3}/clouds", body)

    assert reply.status == 422
    props = [e["property"] for e in reply.json["errors"]]
    assert props == ["site", "instance_type"]


@pytest.mark.parametrize("site", ["frmtl1", "camtr6", "nlrtm1"])
async def test_every_known_site_is_accepted(api, site) -> None:
    """The three documented sites all work."""
    reply = await api.post(f"{V3}/clouds", cloud_body(site=site))

    assert reply.status == 201


async def test_duplicate_name_answers_409_cloud_name_taken(api) -> None:
    """A second cloud with a taken name is refused with its own code."""
    await api.post(f"{V3}/clouds", cloud_body())
    reply = await api.post(f"{V3}/clouds", cloud_body(site="camtr6"))

    assert reply.status == 409
    assert reply.json["errorCode"] == "cloud_name_taken"


async def test_name_is_free_again_after_delete(api) -> None:
    """Deleting a cloud releases its name."""
    made = (await api.post(f"{V3}/clouds", cloud_body())).json
    await api.delete(f"{V3}/clouds/{made['id']}")
    reply = await api.post(f"{V3}/clouds", cloud_body())

    assert reply.status == 201
    assert reply.json["id"] != made["id"]


async def test_get_and_list_show_the_same_cloud(api) -> None:
    """The single GET and the list agree, in creation order."""
    a = (await api.post(f"{V3}/clouds", cloud_body(name="a"))).json
    b = (await api.post(f"{V3}/clouds", cloud_body(name="b"))).json

    assert (await api.get(f"{V3}/clouds/{a['id']}")).json == a
    assert (await api.get(f"{V3}/clouds")).json == [a, b]


async def test_uppercase_id_finds_the_cloud(api) -> None:
    """A UUID is matched without regard to case."""
    a = (await api.post(f"{V3}/clouds", cloud_body())).json
    reply = await api.get(f"{V3}/clouds/{a['id'].upper()}")

    assert reply.json == a


async def test_delete_answers_204_then_404(api) -> None:
    """An empty cloud is deleted at once; afterwards it is not found."""
    made = (await api.post(f"{V3}/clouds", cloud_body())).json

    first = await api.delete(f"{V3}/clouds/{made['id']}")
    again = await api.delete(f"{V3}/clouds/{made['id']}")

    assert (first.status, first.raw) == (204, b"")
    assert again.status == 404
    assert again.json["errorCode"] == 10001
    assert again.json["errorMessage"] == "Entity not found"
    assert (await api.get(f"{V3}/clouds")).json == []


async def test_delete_with_vms_answers_422_cloud_has_vms(emu, api) -> None:
    """VMs that are not deleted keep their cloud alive."""
    seeded = emu.seed_cloud("alpha", nodes=1)
    emu.seed_vm(seeded.cloud_id)

    reply = await api.delete(f"{V3}/clouds/{seeded.cloud_id}")

    assert reply.status == 422
    assert reply.json["errorCode"] == "cloud_has_vms"


async def test_delete_with_nodes_answers_422_cloud_has_nodes(
    emu, api, clock
) -> None:
    """Nodes not yet deleted keep their cloud alive; deleted ones do not."""
    seeded = emu.seed_cloud("alpha", nodes=1)
    path = f"{V3}/clouds/{seeded.cloud_id}"

    refused = await api.delete(path)
    await api.delete(f"{path}/nodes/{seeded.node_ids[0]}")
    still = await api.delete(path)
    clock.advance(180)
    done = await api.delete(path)

    assert refused.status == 422
    assert refused.json["errorCode"] == "cloud_has_nodes"
    assert still.json["errorCode"] == "cloud_has_nodes"
    assert done.status == 204


async def test_failed_vm_does_not_block_deletes(emu, api, clock) -> None:
    """A failed VM is terminal and cannot be deleted, so it blocks nothing."""
    seeded = emu.seed_cloud("alpha", nodes=1)
    emu.seed_vm(seeded.cloud_id, status="failed")
    path = f"{V3}/clouds/{seeded.cloud_id}"

    blocked = await api.delete(path)
    node = await api.delete(f"{path}/nodes/{seeded.node_ids[0]}")
    clock.advance(180)
    done = await api.delete(path)

    assert blocked.json["errorCode"] == "cloud_has_nodes"
    assert node.status == 202
    assert done.status == 204


async def test_cloud_vm_creation_on_deleted_cloud_is_404(emu, api) -> None:
    """A deleted cloud's sub-resources are gone with it."""
    made = (await api.post(f"{V3}/clouds", cloud_body())).json
    await api.delete(f"{V3}/clouds/{made['id']}")

    reply = await api.post(f"{V3}/clouds/{made['id']}/vms", vm_body())

    assert reply.status == 404
    assert made["id"] in emu.clouds
    assert emu.clouds[made["id"]].deleted_at is not None
