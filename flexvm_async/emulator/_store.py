"""The emulator's state and every operation the API can do on it.

Lookups are dictionary reads. Statuses come from timelines, read at the
clock's current time. Anything the API would refuse raises `ApiError`
with the answer to send.
"""

from __future__ import annotations

import math
import random
import string
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime

from flexvm_async.emulator import _apierror as err
from flexvm_async.emulator._catalog import (
    BARE_METAL_TYPES,
    SITES,
    Image,
    VMType,
)
from flexvm_async.emulator._clock import Clock
from flexvm_async.emulator._plans import Planner
from flexvm_async.emulator._records import CloudRecord, NodeRecord, VMRecord

__all__ = ["Store", "rfc3339"]

_SERIAL_ALPHABET = string.ascii_uppercase + string.digits
_TRANSITIONAL = {"provisioning", "created", "starting", "stopping", "paused"}
_NODE_PROVISIONING = {"created", "requested", "bootstrapping"}
_COMMAND_FROM = {
    "start": {"stopped"},
    "stop": {"running"},
    "reboot": {"running"},
    "reset": {"running"},
}


def rfc3339(wall: float) -> str:
    """Format POSIX seconds as an RFC 3339 UTC timestamp, whole seconds."""
    moment = datetime.fromtimestamp(math.floor(wall), UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


class Store:
    """Clouds, nodes and VMs, with the API's rules for changing them.

    Args:
        clock: The clock every status is read on.
        planner: Plans timelines from the duration profile.
        rng: The seeded source for ids, serials and placement draws.
        epoch: The wall time of clock reading zero, in POSIX seconds.
        vms_per_node: The most VMs one node hosts.
    """

    def __init__(
        self,
        clock: Clock,
        planner: Planner,
        rng: random.Random,
        epoch: float,
        vms_per_node: int,
    ) -> None:
        """Start empty."""
        self.clock = clock
        self.planner = planner
        self.rng = rng
        self.epoch = epoch
        self.vms_per_node = vms_per_node
        self.clouds: dict[str, CloudRecord] = {}
        self.live_clouds: dict[str, CloudRecord] = {}
        self.nodes: dict[str, NodeRecord] = {}
        self.vms: dict[str, VMRecord] = {}
        self._names: dict[str, CloudRecord] = {}
        self._ip_counter = 0

    def now(self) -> float:
        """Return the clock's current reading."""
        return self.clock.now()

    def stamp(self, now: float) -> str:
        """Return the RFC 3339 timestamp of a clock reading."""
        return rfc3339(self.epoch + now)

    def _new_id(self, now: float) -> str:
        # A UUIDv7, like the ids in i3D's examples: 48 bits of wall-clock
        # milliseconds, then random bits from the seeded source.
        millis = int((self.epoch + now) * 1000) & ((1 << 48) - 1)
        value = millis << 80 | 0x7 << 76 | self.rng.getrandbits(12) << 64
        value |= 0b10 << 62 | self.rng.getrandbits(62)
        return str(uuid.UUID(int=value))

    # Clouds

    def create_cloud(
        self, name: str, site: str, instance_type: str, description: str | None
    ) -> CloudRecord:
        """Create a cloud, or raise the answer that refuses it."""
        problems = []
        if site not in SITES:
            problems.append(("site", f"unknown site {site!r}"))
        if instance_type not in BARE_METAL_TYPES:
            problems.append(
                ("instance_type", f"unknown instance type {instance_type!r}")
            )
        if problems:
            raise err.unprocessable("Unprocessable content", problems)
        if name in self._names:
            raise err.ApiError(
                409,
                err.CLOUD_NAME_TAKEN,
                f"A cloud named {name!r} already exists",
                [("name", "already taken")],
            )

        now = self.now()
        cloud = CloudRecord(
            id=self._new_id(now),
            name=name,
            description=description,
            site=site,
            instance_type=BARE_METAL_TYPES[instance_type],
            created=now,
            created_at=self.stamp(now),
        )
        self.clouds[cloud.id] = cloud
        self.live_clouds[cloud.id] = cloud
        self._names[name] = cloud

        return cloud

    def cloud(self, cloud_id: str) -> CloudRecord:
        """Return a cloud that has not been deleted, or raise 404."""
        cloud = self.live_clouds.get(cloud_id)
        if cloud is None:
            raise err.not_found("cloudUuid")
        return cloud

    def delete_cloud(self, cloud: CloudRecord) -> None:
        """Delete a cloud that holds nothing any more, or raise 422."""
        now = self.now()
        if any(vm.holds_resources(now) for vm in cloud.live_vms.values()):
            raise err.ApiError(
                422,
                err.CLOUD_HAS_VMS,
                "The cloud still has VMs; delete them first",
            )
        if any(
            node.status(now) != "deleted" for node in cloud.live_nodes.values()
        ):
            raise err.ApiError(
                422,
                err.CLOUD_HAS_NODES,
                "The cloud still has nodes; delete them first",
            )

        cloud.deleted = now
        del self.live_clouds[cloud.id]
        del self._names[cloud.name]

    # Nodes

    def create_node(
        self, cloud: CloudRecord, status: str = "requested"
    ) -> NodeRecord:
        """Order a node for a cloud; it starts in ``status``."""
        now = self.now()
        cloud.node_counter += 1
        serial = "".join(self.rng.choices(_SERIAL_ALPHABET, k=7))
        node = NodeRecord(
            id=self._new_id(now),
            cloud=cloud,
            name=f"{cloud.name}-node-{cloud.node_counter}",
            serial=serial,
            created=now,
            timeline=self.planner.node(now, status),
        )
        self.nodes[node.id] = node
        cloud.nodes[node.id] = node
        cloud.live_nodes[node.id] = node

        return node

    def live_nodes(self, cloud: CloudRecord) -> Iterator[NodeRecord]:
        """Yield the nodes the API still serves, in creation order."""
        now = self.now()
        gone = []
        for node in cloud.live_nodes.values():
            if node.timeline.visible(now):
                yield node
            else:
                gone.append(node.id)
        for node_id in gone:
            cloud.live_nodes.pop(node_id, None)

    def node(self, cloud: CloudRecord, node_id: str) -> NodeRecord:
        """Return a node of the cloud that is still served, or raise 404."""
        node = cloud.live_nodes.get(node_id)
        if node is None or not node.timeline.visible(self.now()):
            raise err.not_found("nodeUuid")
        return node

    def delete_node(self, node: NodeRecord) -> None:
        """Start removing a node, or raise the 409 that refuses it."""
        now = self.now()
        status = node.status(now)
        if status in _NODE_PROVISIONING:
            raise err.ApiError(
                409,
                err.NODE_NOT_RUNNING,
                f"The node is {status}; wait until it is running",
            )
        if status in {"deleting", "deleted"}:
            raise err.ApiError(
                409, err.NODE_NOT_RUNNING, f"The node is already {status}"
            )
        if node.holding_vms(now):
            raise err.ApiError(
                409,
                err.NODE_HAS_VMS,
                "The node still hosts VMs; delete them first",
            )

        # The removal's timeline replaces the one that held the running
        # step; the view still tells when the node came up.
        node.running_since = node.reached("running", now)
        node.timeline = self.planner.node_delete(now)

    # VMs

    def _fits(self, node: NodeRecord, vm_type: VMType, now: float) -> bool:
        if node.status(now) != "running":
            return False
        hosted = node.holding_vms(now)
        if len(hosted) >= self.vms_per_node:
            return False
        spec = node.cloud.instance_type
        if sum(vm.vm_type.vcpu for vm in hosted) + vm_type.vcpu > spec.vcpu:
            return False
        memory = sum(vm.vm_type.memory for vm in hosted) + vm_type.memory
        if memory > spec.memory:
            return False
        for kind, _ in vm_type.pci:
            used = sum(vm.vm_type.pci_count(kind) for vm in hosted)
            if used + vm_type.pci_count(kind) > spec.pci.get(kind, 0):
                return False
        return True

    def place(self, cloud: CloudRecord, vm_type: VMType) -> NodeRecord:
        """Pick the first running node with room, or raise 422."""
        now = self.now()
        for node in self.live_nodes(cloud):
            if self._fits(node, vm_type, now):
                return node
        raise err.ApiError(
            422,
            err.NO_CAPACITY,
            f"No running node in cloud {cloud.name!r} has room for a VM of"
            f" type {vm_type.name!r}",
            [("instance_type_name", "no running node with room")],
        )

    def create_vm(
        self,
        cloud: CloudRecord,
        *,
        name: str,
        description: str | None,
        vm_type: VMType,
        image: Image,
        tags: tuple[str, ...],
        status: str = "provisioning",
    ) -> VMRecord:
        """Create a VM on a node with room; it starts in ``status``."""
        node = self.place(cloud, vm_type)
        now = self.now()
        self._ip_counter += 1
        n = self._ip_counter
        ips = (
            (f"10.{n >> 16 & 255}.{n >> 8 & 255}.{n & 255}", False),
            (f"2001:db8::{n:x}", True),
        )
        vm = VMRecord(
            id=self._new_id(now),
            cloud=cloud,
            node=node,
            name=name,
            description=description,
            vm_type=vm_type,
            image=image,
            tags=tags,
            ips=ips,
            created=now,
            created_at=self.stamp(now),
            timeline=self.planner.vm(now, status),
        )
        node.vms.append(vm)
        self.vms[vm.id] = vm
        cloud.vms[vm.id] = vm
        cloud.live_vms[vm.id] = vm

        return vm

    def live_vms(self, cloud: CloudRecord) -> Iterator[VMRecord]:
        """Yield the VMs the API still serves, in creation order."""
        now = self.now()
        gone = []
        for vm in cloud.live_vms.values():
            if vm.timeline.visible(now):
                yield vm
            else:
                gone.append(vm.id)
        for vm_id in gone:
            cloud.live_vms.pop(vm_id, None)

    def vm(self, cloud: CloudRecord, vm_id: str) -> VMRecord:
        """Return a VM of the cloud that is still served, or raise 404."""
        vm = cloud.live_vms.get(vm_id)
        if vm is None or not vm.timeline.visible(self.now()):
            raise err.not_found("vmUuid")
        return vm

    def delete_vm(self, vm: VMRecord) -> None:
        """Start removing a VM, or raise the answer that refuses it."""
        now = self.now()
        status = vm.status(now)
        if status == "deleting":
            raise err.ApiError(
                409, err.VM_DELETING, "The VM is already being deleted"
            )
        _check_stable(status)

        vm.timeline = self.planner.vm_delete(now)

    def command_vm(self, vm: VMRecord, command: str) -> None:
        """Run a command on a VM, or raise the 422 that refuses it."""
        now = self.now()
        status = vm.status(now)
        _check_stable(status)
        if status not in _COMMAND_FROM[command]:
            raise err.ApiError(
                422,
                err.COMMAND_NOT_ALLOWED,
                f"Cannot {command} a VM that is {status}",
                [("command", f"not allowed while {status}")],
            )

        vm.timeline = self.planner.vm_command(now, command)


def _check_stable(status: str) -> None:
    """Refuse a VM that is in transition (90001) or terminal (90002)."""
    if status in _TRANSITIONAL or status == "deleting":
        raise err.ApiError(
            422,
            err.VM_TRANSITIONAL,
            f"The VM is {status}; wait until it is running or stopped",
        )
    if status in {"failed", "deleted"}:
        raise err.ApiError(
            422, err.VM_TERMINAL, f"The VM is {status} and cannot change"
        )
