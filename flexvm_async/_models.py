"""Clouds, nodes, VMs and the catalogue, as the API describes them.

The models are frozen attrs classes and hold data only: reading an
attribute never calls the API. Each response model keeps the JSON keys it
does not know in `extra`, so a field the API adds later neither breaks
parsing nor gets lost when the model is turned back into JSON.

Statuses are string enums that also take values they do not list: a status
the API adds later parses into a pseudo-member whose `known` is False,
instead of failing the whole response.
"""

import enum
from collections.abc import Mapping
from datetime import datetime
from typing import Any, Self

import attrs

from flexvm_async._converter import ALIASES, JSON_KEY, extra_field

__all__ = [
    "VM",
    "Cloud",
    "IPAddress",
    "Image",
    "InstanceType",
    "Node",
    "NodeStatus",
    "PCIDevice",
    "UserData",
    "VMCommand",
    "VMStatus",
]


class _OpenStrEnum(enum.StrEnum):
    """A string enum that takes values it does not list."""

    @classmethod
    def _missing_(cls, value: object) -> Self | None:
        if not isinstance(value, str):
            return None
        # Not cached in the value map: values come from the server, and
        # remembering each stray one would let the map grow without end.
        member = str.__new__(cls, value)
        member._name_ = value.upper()
        member._value_ = value
        return member

    @property
    def known(self) -> bool:
        """Whether this SDK lists the value, rather than just carrying it."""
        return self._value_ in type(self)._value2member_map_


class NodeStatus(_OpenStrEnum):
    """The lifecycle status of a node.

    A status this SDK does not list still parses: `NodeStatus("rebooting")`
    is a member whose value is ``"rebooting"`` and whose `known` is False.
    """

    CREATED = "created"
    REQUESTED = "requested"
    BOOTSTRAPPING = "bootstrapping"
    RUNNING = "running"
    FAILED = "failed"
    DELETING = "deleting"
    DELETED = "deleted"

    @property
    def is_provisioning(self) -> bool:
        """Whether the machine is still being set up."""
        return self in {
            NodeStatus.CREATED,
            NodeStatus.REQUESTED,
            NodeStatus.BOOTSTRAPPING,
        }

    @property
    def is_live(self) -> bool:
        """Whether the node is being set up or running."""
        return self.is_provisioning or self is NodeStatus.RUNNING

    @property
    def is_removing(self) -> bool:
        """Whether the node is on its way out, or gone."""
        return self in {NodeStatus.DELETING, NodeStatus.DELETED}


class VMStatus(_OpenStrEnum):
    """The lifecycle status of a VM.

    A status this SDK does not list still parses, as for `NodeStatus`.
    """

    PROVISIONING = "provisioning"
    CREATED = "created"
    STARTING = "starting"
    RUNNING = "running"
    STOPPING = "stopping"
    STOPPED = "stopped"
    PAUSED = "paused"
    FAILED = "failed"
    DELETING = "deleting"
    DELETED = "deleted"

    @property
    def is_transitional(self) -> bool:
        """Whether the VM is between two stable states.

        i3D's own client waits for such a VM to settle before deleting it:
        the API refuses the delete with error code 90001 meanwhile.
        """
        return self in {
            VMStatus.PROVISIONING,
            VMStatus.CREATED,
            VMStatus.STARTING,
            VMStatus.STOPPING,
            VMStatus.DELETING,
        }

    @property
    def is_terminal(self) -> bool:
        """Whether the VM can never change state again."""
        return self in {VMStatus.FAILED, VMStatus.DELETED}


class VMCommand(enum.StrEnum):
    """A power command for a running or stopped VM."""

    START = "start"
    STOP = "stop"
    REBOOT = "reboot"
    RESET = "reset"


@attrs.frozen
class Cloud:
    """A private cloud: bare-metal nodes of one type in one site.

    Attributes:
        id: The cloud's UUID.
        name: The name given at creation, unique in the organisation.
        site: The i3D site code, such as ``frmtl1``.
        instance_type: The bare-metal type every node shares, such as
            ``bm9.hmm.gpu.4rtx4000.64``.
        created_at: When the cloud was created.
        description: Free text given at creation, if any.
        extra: JSON keys this SDK does not know, as received.
    """

    id: str
    name: str
    site: str
    instance_type: str
    created_at: datetime
    description: str | None = None
    extra: Mapping[str, Any] = extra_field()


@attrs.frozen
class Node:
    """A bare-metal machine of a cloud, which hosts VMs.

    Attributes:
        id: The node's UUID.
        name: The machine's name, such as ``proxmox-dev-1``.
        serial: The machine's serial number.
        status: Where the node is in its lifecycle.
        cloud: The cloud the node belongs to.
        extra: JSON keys this SDK does not know, as received.
    """

    id: str
    name: str
    serial: str
    status: NodeStatus
    cloud: Cloud
    extra: Mapping[str, Any] = extra_field()


@attrs.frozen
class IPAddress:
    """An address of a VM.

    Attributes:
        address: An IPv4 or IPv6 address.
        public: Whether the address is reachable from the internet.
        extra: JSON keys this SDK does not know, as received.
    """

    address: str
    public: bool
    extra: Mapping[str, Any] = extra_field()


@attrs.frozen
class Image:
    """An operating system image VMs can be created from.

    Attributes:
        name: The name to create VMs with, such as
            ``ubuntu-2404-server-amd64``.
        os: The operating system, such as ``Ubuntu LTS 24.04``.
        os_type: ``linux`` or ``windows``.
        id: The image's id; i3D's own client reads one, though the API
            reference does not list it.
        extra: JSON keys this SDK does not know, as received.
    """

    name: str
    os: str
    os_type: str
    id: str | None = None
    extra: Mapping[str, Any] = extra_field()


@attrs.frozen
class PCIDevice:
    """A device passed through to VMs of an instance type.

    Attributes:
        type: The kind of device: ``gpu`` or ``nvme``.
        spec: The model or size, such as ``rtx4000``.
        extra: JSON keys this SDK does not know, as received.
    """

    type: str
    spec: str
    extra: Mapping[str, Any] = extra_field()


@attrs.frozen
class InstanceType:
    """A size VMs can be created in.

    Attributes:
        id: The instance type's UUID.
        name: The name to create VMs with, such as
            ``vm.gpu.1rtx4000.15c.248g``.
        vcpu: The number of virtual CPUs.
        memory: The memory, in MB.
        disk: The size of the OS disk, in GB.
        pci_devices: The devices passed through; ``pciDevices`` in JSON.
        extra: JSON keys this SDK does not know, as received.
    """

    id: str
    name: str
    vcpu: int
    memory: int
    disk: int
    # The one camelCase key of the API, as its reference spells it.
    pci_devices: tuple[PCIDevice, ...] = attrs.field(
        metadata={JSON_KEY: "pciDevices"}
    )
    extra: Mapping[str, Any] = extra_field()


@attrs.frozen
class VM:
    """A virtual machine on a node of a cloud.

    Attributes:
        id: The VM's UUID.
        name: The name given at creation.
        instance_type: The size of the VM.
        image: The image the VM was created from.
        status: Where the VM is in its lifecycle.
        ips: The VM's addresses.
        cloud: The cloud the VM belongs to.
        node: The node hosting the VM, or `None` before it is placed.
        created_at: When the VM was created. Read from ``created_at``, or
            from ``createdAt`` when that is absent: i3D's own client reads
            the camelCase spelling.
        tags: Labels given at creation, for the monthly report.
        description: Free text given at creation, if any.
        deleted_at: When the VM was deleted, if it was.
        extra: JSON keys this SDK does not know, as received. When a
            body has both spellings of the creation time, ``createdAt``
            is kept here.
    """

    id: str
    name: str
    instance_type: InstanceType
    image: Image
    status: VMStatus
    ips: tuple[IPAddress, ...]
    cloud: Cloud
    node: Node | None
    created_at: datetime = attrs.field(metadata={ALIASES: ("createdAt",)})
    tags: tuple[str, ...]
    description: str | None = None
    deleted_at: datetime | None = None
    extra: Mapping[str, Any] = extra_field()


@attrs.frozen
class UserData:
    """Cloud-init user data for a new VM, in place of SSH keys.

    It replaces the configuration the API would generate, which sets up
    the SSH keys and the default user, so it must do that itself.

    Attributes:
        data: A cloud-init document or script, 1 to 64,000 characters
            (counted after encoding, when base64).
        is_base64: Whether `data` is base64, as binary content such as
            gzipped cloud-init must be.
    """

    data: str = attrs.field(
        validator=[
            attrs.validators.min_len(1),
            attrs.validators.max_len(64000),
        ]
    )
    is_base64: bool = False
