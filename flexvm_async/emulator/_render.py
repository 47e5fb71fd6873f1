"""JSON bodies for nodes and VMs, built field by field from the schemas.

Only fields the OpenAPI schemas name are emitted: every schema there has
``additionalProperties: false``. Optional fields are left out, not sent
as null, when they have no value.
"""

from __future__ import annotations

from typing import Any

from flexvm_async.emulator._records import VMRecord
from flexvm_async.emulator._store import Store

__all__ = ["vm_json"]


def vm_json(
    store: Store, vm: VMRecord, now: float, status: str | None = None
) -> dict[str, Any]:
    """Return the ``FlexVMVMResponse`` JSON of a VM at ``now``.

    Args:
        store: The store, for timestamps.
        vm: The VM.
        now: The clock reading to render the statuses at.
        status: A status to show instead of the current one, e.g. the
            status a create answer reports.

    Returns:
        The JSON object.
    """
    data: dict[str, Any] = {"id": vm.id, "name": vm.name}
    if vm.description is not None:
        data["description"] = vm.description
    shown = status or vm.status(now)
    data["instance_type"] = vm.vm_type.to_json()
    data["image"] = vm.image.to_json()
    data["status"] = shown
    data["ips"] = [
        {"address": address, "public": public} for address, public in vm.ips
    ]
    data["cloud"] = vm.cloud.to_json()
    data["node"] = vm.node.to_json(now)
    data["created_at"] = vm.created_at
    deleted = vm.timeline.since("deleted")
    if deleted is not None and deleted <= now:
        data["deleted_at"] = store.stamp(deleted)
    data["tags"] = list(vm.tags)

    return data
