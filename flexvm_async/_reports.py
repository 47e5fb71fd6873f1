"""Capacity snapshots and the monthly usage report.

Like the resource models, these are frozen attrs classes that keep unknown
JSON keys in `extra`. Counts of a resource always add up:
``total == in_use + available``, as the API reference promises.
"""

from collections.abc import Mapping
from datetime import datetime
from typing import Any

import attrs

from flexvm_async._converter import KEEP_NULL, extra_field
from flexvm_async._models import VMStatus

__all__ = [
    "Capacity",
    "CapacityResource",
    "CapacityResources",
    "CloudCapacity",
    "CloudUsage",
    "MonthlyReport",
    "NodeGroup",
    "PCIDeviceCapacity",
    "PeriodUsage",
    "ReportPeriod",
    "TagUsage",
    "VMUsage",
]


@attrs.frozen
class CapacityResource:
    """How much of one resource there is, and how much is taken.

    Attributes:
        total: All of it; always `in_use` plus `available`.
        in_use: The part VMs hold.
        available: The part left for new VMs.
        extra: JSON keys this SDK does not know, as received.
    """

    total: int
    in_use: int
    available: int
    extra: Mapping[str, Any] = extra_field()


@attrs.frozen
class PCIDeviceCapacity:
    """How many pass-through devices of one kind there are, and are taken.

    Attributes:
        type: The kind of device: ``gpu`` or ``nvme``.
        total: All devices of the kind; always `in_use` plus `available`.
        in_use: The devices VMs hold.
        available: The devices left for new VMs.
        extra: JSON keys this SDK does not know, as received.
    """

    type: str
    total: int
    in_use: int
    available: int
    extra: Mapping[str, Any] = extra_field()


@attrs.frozen
class CapacityResources:
    """Capacity broken down by resource.

    Attributes:
        vcpu: Virtual CPU cores.
        memory: Memory, in MB.
        pci_devices: Pass-through devices, one entry per kind.
        extra: JSON keys this SDK does not know, as received.
    """

    vcpu: CapacityResource
    memory: CapacityResource
    pci_devices: tuple[PCIDeviceCapacity, ...]
    extra: Mapping[str, Any] = extra_field()


@attrs.frozen
class NodeGroup:
    """The nodes of one bare-metal type.

    Attributes:
        instance_type: The bare-metal type, such as
            ``bm9.hmm.gpu.4rtx4000.64``.
        quantity: How many nodes have it.
        extra: JSON keys this SDK does not know, as received.
    """

    instance_type: str
    quantity: int
    extra: Mapping[str, Any] = extra_field()


@attrs.frozen
class Capacity:
    """The capacity of the whole organisation.

    Attributes:
        nodes: How many nodes there are.
        node_groups: The nodes, grouped by bare-metal type.
        resources: What the nodes offer, and what is taken.
        extra: JSON keys this SDK does not know, as received.
    """

    nodes: int
    node_groups: tuple[NodeGroup, ...]
    resources: CapacityResources
    extra: Mapping[str, Any] = extra_field()


@attrs.frozen
class CloudCapacity:
    """A cloud together with its capacity.

    Attributes:
        id: The cloud's UUID.
        name: The cloud's name.
        site: The i3D site code, such as ``nlrtm1``.
        instance_type: The bare-metal type every node shares.
        created_at: When the cloud was created.
        nodes: How many nodes the cloud has.
        node_groups: The nodes, grouped by bare-metal type.
        resources: What the nodes offer, and what is taken.
        description: Free text given at creation, if any.
        extra: JSON keys this SDK does not know, as received.
    """

    id: str
    name: str
    site: str
    instance_type: str
    created_at: datetime
    nodes: int
    node_groups: tuple[NodeGroup, ...]
    resources: CapacityResources
    description: str | None = None
    extra: Mapping[str, Any] = extra_field()


@attrs.frozen
class ReportPeriod:
    """The half-open interval a report covers.

    Attributes:
        start: The first instant covered.
        end: The first instant no longer covered.
        extra: JSON keys this SDK does not know, as received.
    """

    start: datetime
    end: datetime
    extra: Mapping[str, Any] = extra_field()


@attrs.frozen
class PeriodUsage:
    """VM activity over a report's period.

    Attributes:
        total_vms_created: VMs created in the period.
        total_vms_released: VMs deleted in the period.
        total_vm_hours: Hours VMs were alive in the period, each VM's
            rounded up; stopped VMs count, since they keep their devices.
            For a period reaching into the future it stops at the time of
            the request.
        extra: JSON keys this SDK does not know, as received.
    """

    total_vms_created: int
    total_vms_released: int
    total_vm_hours: int
    extra: Mapping[str, Any] = extra_field()


@attrs.frozen
class CloudUsage:
    """One cloud's line in the monthly report.

    Attributes:
        id: The cloud's UUID.
        site: The i3D site code.
        instance_type: The bare-metal type every node shares.
        nodes: How many nodes the cloud has.
        active_vms: VMs of the cloud not deleted.
        period_usage: The cloud's VM activity over the period.
        extra: JSON keys this SDK does not know, as received.
    """

    id: str
    site: str
    instance_type: str
    nodes: int
    active_vms: int
    period_usage: PeriodUsage
    extra: Mapping[str, Any] = extra_field()


@attrs.frozen
class TagUsage:
    """The monthly figures of the VMs with one tag.

    A VM with several tags counts towards each; untagged VMs appear in no
    tag's figures.

    Attributes:
        tag: The tag, such as ``env:build``.
        active_vms: VMs with the tag not deleted.
        total_vms_created: VMs with the tag created in the period.
        total_vms_released: VMs with the tag deleted in the period.
        total_vm_hours: Hours VMs with the tag were alive in the period,
            counted as in `PeriodUsage`.
        extra: JSON keys this SDK does not know, as received.
    """

    tag: str
    active_vms: int
    total_vms_created: int
    total_vms_released: int
    total_vm_hours: int
    extra: Mapping[str, Any] = extra_field()


@attrs.frozen
class VMUsage:
    """One VM's line in the monthly report.

    Attributes:
        vm_id: The VM's UUID.
        name: The VM's name.
        status: The VM's status when the report was made.
        plan: The name of the VM's instance type.
        image: The name of the VM's image.
        cloud_id: The UUID of the VM's cloud.
        site: The i3D site code.
        tags: The VM's tags.
        created_at: When the VM was created.
        vm_hours: Hours the VM was alive in the period, rounded up.
        released_at: When the VM was deleted, or `None` while it lives;
            written as ``null`` then, as the API does.
        extra: JSON keys this SDK does not know, as received.
    """

    vm_id: str
    name: str
    status: VMStatus
    plan: str
    image: str
    cloud_id: str
    site: str
    tags: tuple[str, ...]
    created_at: datetime
    vm_hours: int
    released_at: datetime | None = attrs.field(
        default=None, metadata={KEEP_NULL: True}
    )
    extra: Mapping[str, Any] = extra_field()


@attrs.frozen
class MonthlyReport:
    """Usage over a period, by cloud, by tag and by VM.

    Attributes:
        period: The interval the report covers.
        total_nodes: Nodes across all clouds.
        total_active_vms: VMs across all clouds not deleted.
        clouds: One line per cloud.
        by_tag: One line per tag.
        vms: One line per VM alive in the period.
        extra: JSON keys this SDK does not know, as received.
    """

    period: ReportPeriod
    total_nodes: int
    total_active_vms: int
    clouds: tuple[CloudUsage, ...]
    by_tag: tuple[TagUsage, ...]
    vms: tuple[VMUsage, ...]
    extra: Mapping[str, Any] = extra_field()
