"""Capacity snapshots and the monthly usage report."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tests.emulator.conftest import GPU_BM, GPU_VM, V3


def _invariant(resources) -> None:
    for resource in [
        resources["vcpu"],
        resources["memory"],
        *resources["pci_devices"],
    ]:
        assert resource["total"] == resource["in_use"] + resource["available"]


async def test_cloud_capacity_counts_running_nodes_minus_vms(emu, api) -> None:
    """Two running GPU nodes with a GPU VM leave seven GPUs free."""
    seeded = emu.seed_cloud("alpha", nodes=2)
    emu.seed_node(seeded.cloud_id, status="bootstrapping")
    emu.seed_vm(seeded.cloud_id, instance_type=GPU_VM)
    emu.seed_vm(seeded.cloud_id)

    (entry,) = (await api.get(f"{V3}/capacity")).json

    resources = entry["resources"]
    assert entry["id"] == seeded.cloud_id
    assert entry["nodes"] == 2
    assert entry["node_groups"] == [{"instance_type": GPU_BM, "quantity": 2}]
    assert resources["vcpu"] == {"total": 128, "in_use": 19, "available": 109}
    assert resources["memory"]["in_use"] == (248 + 8) * 1024
    assert resources["pci_devices"] == [
        {"type": "gpu", "total": 8, "in_use": 1, "available": 7},
        {"type": "nvme", "total": 4, "in_use": 0, "available": 4},
    ]
    _invariant(resources)


async def test_empty_cloud_has_zero_capacity(emu, api) -> None:
    """A cloud without running nodes offers nothing, and no node groups."""
    emu.seed_cloud("alpha", instance_type="bm7.std.32")

    (entry,) = (await api.get(f"{V3}/capacity")).json

    assert entry["nodes"] == 0
    assert entry["node_groups"] == []
    assert entry["resources"]["vcpu"] == {
        "total": 0,
        "in_use": 0,
        "available": 0,
    }
    assert entry["resources"]["pci_devices"] == []


async def test_org_capacity_adds_up_clouds(emu, api) -> None:
    """The org-wide report sums every cloud, grouped by node type."""
    a = emu.seed_cloud("a", nodes=1)
    emu.seed_cloud("b", nodes=2, instance_type="bm9.std.64")
    emu.seed_cloud("c", nodes=1)
    emu.seed_vm(a.cloud_id, instance_type="vm.1nvme.16c.64g")

    report = (await api.get(f"{V3}/reports/capacity")).json

    assert report["nodes"] == 4
    assert report["node_groups"] == [
        {"instance_type": GPU_BM, "quantity": 2},
        {"instance_type": "bm9.std.64", "quantity": 2},
    ]
    assert report["resources"]["vcpu"]["total"] == 4 * 64
    assert report["resources"]["pci_devices"] == [
        {"type": "gpu", "total": 8, "in_use": 0, "available": 8},
        {"type": "nvme", "total": 12, "in_use": 1, "available": 11},
    ]
    _invariant(report["resources"])


async def test_deleted_vms_free_their_capacity(emu, api, clock) -> None:
    """Capacity comes back once a VM is deleted, not while it is deleting."""
    seeded = emu.seed_cloud("alpha", nodes=1)
    vm_id = emu.seed_vm(seeded.cloud_id, instance_type=GPU_VM)
    await api.delete(f"{V3}/clouds/{seeded.cloud_id}/vms/{vm_id}")

    during = (await api.get(f"{V3}/reports/capacity")).json
    clock.advance(30)
    after = (await api.get(f"{V3}/reports/capacity")).json

    assert during["resources"]["pci_devices"][0]["in_use"] == 1
    assert after["resources"]["pci_devices"][0]["in_use"] == 0


async def test_monthly_default_is_the_current_month(emu, api, clock) -> None:
    """Without start and end the period is the emulator's calendar month."""
    clock.advance(45 * 86400)

    report = (await api.get(f"{V3}/reports/monthly")).json

    assert report["period"] == {
        "start": "2026-07-01T00:00:00Z",
        "end": "2026-08-01T00:00:00Z",
    }


@pytest.mark.flexvm_emulator(epoch=datetime(2026, 12, 20, tzinfo=UTC))
async def test_monthly_default_rolls_over_the_year(api) -> None:
    """December's period ends on the first of January."""
    report = (await api.get(f"{V3}/reports/monthly")).json

    assert report["period"]["end"] == "2027-01-01T00:00:00Z"


async def test_monthly_counts_hours_rounded_up_and_clamped(
    emu, api, clock
) -> None:
    """Hours are per VM, rounded up, clamped to the period and to now."""
    seeded = emu.seed_cloud("alpha", nodes=1)
    cid = seeded.cloud_id
    clock.advance(3600)
    old = emu.seed_vm(cid, name="old", tags=["env:a", "team:x"])
    clock.advance(1800)
    gone = emu.seed_vm(cid, name="gone", tags=["env:a"])
    emu.seed_vm(cid, name="plain")
    clock.advance(5400)
    await api.delete(f"{V3}/clouds/{cid}/vms/{gone}")
    clock.advance(3600)

    period = {"start": "2026-06-01T01:30:00Z", "end": "2026-06-30T00:00:00Z"}
    report = (await api.get(f"{V3}/reports/monthly", params=period)).json

    rows = {row["name"]: row for row in report["vms"]}
    # old: alive 01:00 to 04:00, counted from 01:30: 2.5 h -> 3.
    assert rows["old"]["vm_hours"] == 3
    assert "released_at" not in rows["old"]
    assert rows["gone"]["released_at"].startswith("2026-06-01T03:0")
    assert rows["gone"]["status"] == "deleted"
    assert rows["gone"]["vm_hours"] == 2
    assert rows["plain"]["vm_hours"] == 3
    (cloud,) = report["clouds"]
    assert cloud["period_usage"] == {
        "total_vms_created": 2,
        "total_vms_released": 1,
        "total_vm_hours": 8,
    }
    assert cloud["active_vms"] == 2
    assert cloud["nodes"] == 1
    assert report["total_active_vms"] == 2
    assert report["total_nodes"] == 1
    assert report["by_tag"] == [
        {
            "tag": "env:a",
            "active_vms": 1,
            "total_vms_created": 1,
            "total_vms_released": 1,
            "total_vm_hours": 5,
        },
        {
            "tag": "team:x",
            "active_vms": 1,
            "total_vms_created": 0,
            "total_vms_released": 0,
            "total_vm_hours": 3,
        },
    ]
    assert old in {row["vm_id"] for row in report["vms"]}


async def test_monthly_leaves_out_what_lies_outside_the_period(
    emu, api, clock
) -> None:
    """VMs and clouds outside the period are not listed."""
    seeded = emu.seed_cloud("alpha", nodes=1)
    emu.seed_vm(seeded.cloud_id)
    clock.advance(10)
    gone = emu.seed_cloud("gone")
    await api.delete(f"{V3}/clouds/{gone.cloud_id}")
    clock.advance(86400)

    before = {"start": "2026-05-01T00:00:00", "end": "2026-06-01T00:00:00Z"}
    after = {"start": "2026-06-01T12:00:00+00:00", "end": "2026-06-03"}
    report_before = (
        await api.get(f"{V3}/reports/monthly", params=before)
    ).json
    report_after = (await api.get(f"{V3}/reports/monthly", params=after)).json

    assert report_before["clouds"] == []
    assert report_before["vms"] == []
    assert [c["id"] for c in report_after["clouds"]] == [seeded.cloud_id]
    # From 12:00 to now (a day and ten seconds in): 12 h 10 s, so 13.
    assert report_after["vms"][0]["vm_hours"] == 13


async def test_monthly_skips_vms_released_before_the_period(
    emu, api, clock
) -> None:
    """A VM deleted before the period starts is not in it."""
    seeded = emu.seed_cloud("alpha", nodes=1)
    emu.seed_vm(seeded.cloud_id, status="failed")
    clock.advance(86400)
    period = {"start": "2026-06-01T12:00:00Z", "end": "2026-06-03T00:00:00Z"}

    report = (await api.get(f"{V3}/reports/monthly", params=period)).json

    assert report["vms"] == []
    assert report["total_active_vms"] == 0


@pytest.mark.parametrize(
    ("params", "status"),
    [
        ({"start": "2026-06-01T00:00:00Z"}, 400),
        ({"end": "2026-06-01T00:00:00Z"}, 400),
        ({"start": "yesterday", "end": "2026-06-01T00:00:00Z"}, 400),
        ({"start": "2026-06-02", "end": "2026-06-01"}, 422),
        ({"start": "2026-06-01", "end": "2026-06-01"}, 422),
    ],
)
async def test_monthly_period_errors(api, params, status) -> None:
    """Half a period or an unreadable one is 400; an empty one 422."""
    reply = await api.get(f"{V3}/reports/monthly", params=params)

    assert reply.status == status
