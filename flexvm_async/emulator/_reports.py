"""Capacity snapshots and the monthly usage report.

Capacity counts running nodes only: a node that is still provisioning,
has failed or is being removed offers nothing to place VMs on. What VMs
use is subtracted from what those nodes offer, so ``total = in_use +
available`` holds by construction (placement never over-commits a node).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from flexvm_async.emulator._records import CloudRecord, VMRecord
from flexvm_async.emulator._store import Store

__all__ = [
    "cloud_capacity",
    "month_of",
    "monthly_report",
    "org_capacity",
]

_PCI_KINDS = ("gpu", "nvme")


class _Tally:
    """Running totals of nodes and resources over one scope."""

    def __init__(self) -> None:
        self.groups: Counter[str] = Counter()
        self.total: Counter[str] = Counter()
        self.used: Counter[str] = Counter()
        self.kinds: set[str] = set()

    def add_cloud(self, store: Store, cloud: CloudRecord) -> None:
        now = store.now()
        spec = cloud.instance_type
        self.kinds.update(spec.pci)
        for node in store.live_nodes(cloud):
            if node.status(now) != "running":
                continue
            self.groups[spec.name] += 1
            self.total.update(vcpu=spec.vcpu, memory=spec.memory)
            self.total.update(spec.pci)
            for vm in node.holding_vms(now):
                kind = vm.vm_type
                self.used.update(vcpu=kind.vcpu, memory=kind.memory)
                self.used.update(device for device, _ in kind.pci)

    def resource(self, name: str) -> dict[str, int]:
        total, used = self.total[name], self.used[name]
        return {"total": total, "in_use": used, "available": total - used}

    def to_json(self) -> dict[str, Any]:
        return {
            "nodes": sum(self.groups.values()),
            "node_groups": [
                {"instance_type": name, "quantity": quantity}
                for name, quantity in sorted(self.groups.items())
            ],
            "resources": {
                "vcpu": self.resource("vcpu"),
                "memory": self.resource("memory"),
                "pci_devices": [
                    {"type": kind, **self.resource(kind)}
                    for kind in _PCI_KINDS
                    if kind in self.kinds
                ],
            },
        }


def cloud_capacity(store: Store, cloud: CloudRecord) -> dict[str, Any]:
    """Return the ``FlexVMCloudCapacity`` JSON of one cloud."""
    tally = _Tally()
    tally.add_cloud(store, cloud)

    return {**cloud.to_json(), **tally.to_json()}


def org_capacity(store: Store) -> dict[str, Any]:
    """Return the org-wide ``FlexVMCapacity`` JSON."""
    tally = _Tally()
    for cloud in store.live_clouds.values():
        tally.add_cloud(store, cloud)

    return tally.to_json()


def month_of(wall: float) -> tuple[float, float]:
    """Return the calendar month around a wall time, as POSIX seconds."""
    moment = datetime.fromtimestamp(wall, UTC)
    start = moment.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    if start.month == 12:  # noqa: PLR2004 - December rolls over the year
        end = start.replace(year=start.year + 1, month=1)
    else:
        end = start.replace(month=start.month + 1)

    return start.timestamp(), end.timestamp()


def _hours(vm: VMRecord, start: float, end: float, now: float) -> int:
    """Return the VM's hours within ``[start, end)``, rounded up.

    The upper bound is the release, the period's end or the time of the
    report, whichever comes first: a period reaching into the future only
    counts up to now.
    """
    released = vm.released(now)
    upper = min(end, now if released is None else released)
    seconds = upper - max(vm.created, start)

    return math.ceil(seconds / 3600) if seconds > 0 else 0


def _usage(rows: Sequence[dict[str, Any]]) -> dict[str, int]:
    return {
        "total_vms_created": sum(row["_created"] for row in rows),
        "total_vms_released": sum(row["_released"] for row in rows),
        "total_vm_hours": sum(row["vm_hours"] for row in rows),
    }


def _vm_row(
    store: Store, vm: VMRecord, start: float, end: float, now: float
) -> dict[str, Any] | None:
    """Return the report row of a VM alive within the period, else None."""
    released = vm.released(now)
    if vm.created >= end or (released is not None and released <= start):
        return None

    row: dict[str, Any] = {
        "vm_id": vm.id,
        "name": vm.name,
        "status": vm.status(now),
        "plan": vm.vm_type.name,
        "image": vm.image.name,
        "cloud_id": vm.cloud.id,
        "site": vm.cloud.site,
        "tags": list(vm.tags),
        "created_at": vm.created_at,
    }
    # The schema types released_at as a string, so a VM that is still
    # alive leaves it out rather than sending null.
    if released is not None:
        row["released_at"] = store.stamp(released)
    row["vm_hours"] = _hours(vm, start, end, now)
    # Bookkeeping for the totals, removed before the rows are sent.
    row["_created"] = int(start <= vm.created < end)
    row["_released"] = int(released is not None and start <= released < end)

    return row


def monthly_report(store: Store, start: float, end: float) -> dict[str, Any]:
    """Return the ``FlexVMMonthlyUsageReport`` JSON for ``[start, end)``.

    Args:
        store: The state to report on.
        start: The period's first instant, as a clock reading.
        end: The instant after the period, as a clock reading.

    Returns:
        The report. Clouds that existed at some point of the period are
        listed, with the VMs alive in it; a VM counts as released once it
        is ``deleted`` or ``failed``.
    """
    now = store.now()
    clouds, rows = [], []
    active_by_tag: Counter[str] = Counter()
    total_nodes = total_active = 0
    for cloud in store.clouds.values():
        if cloud.created >= end or (
            cloud.deleted is not None and cloud.deleted <= start
        ):
            continue
        nodes = sum(
            1 for node in cloud.nodes.values() if node.status(now) != "deleted"
        )
        active = [vm for vm in cloud.vms.values() if vm.holds_resources(now)]
        for vm in active:
            active_by_tag.update(set(vm.tags))
        cloud_rows = [
            row
            for vm in cloud.vms.values()
            if (row := _vm_row(store, vm, start, end, now)) is not None
        ]
        total_nodes += nodes
        total_active += len(active)
        rows.extend(cloud_rows)
        clouds.append(
            {
                "id": cloud.id,
                "site": cloud.site,
                "instance_type": cloud.instance_type.name,
                "nodes": nodes,
                "active_vms": len(active),
                "period_usage": _usage(cloud_rows),
            }
        )

    tags = sorted({tag for row in rows for tag in row["tags"]})
    by_tag = [
        {
            "tag": tag,
            "active_vms": active_by_tag[tag],
            **_usage([row for row in rows if tag in row["tags"]]),
        }
        for tag in tags
    ]
    for row in rows:
        del row["_created"], row["_released"]

    return {
        "period": {"start": store.stamp(start), "end": store.stamp(end)},
        "total_nodes": total_nodes,
        "total_active_vms": total_active,
        "clouds": clouds,
        "by_tag": by_tag,
        "vms": rows,
    }
