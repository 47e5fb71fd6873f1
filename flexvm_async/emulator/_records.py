"""The emulator's in-memory records and their timelines.

A record never changes status by itself: it holds a timeline, a list of
``(since, status)`` steps computed when something happens to it, and its
status at any moment is the last step that has begun. Reading it is a few
comparisons, so ten thousand idle nodes cost nothing.
"""

from __future__ import annotations

from typing import Any

import attrs

from flexvm_async.emulator._catalog import BareMetalType, Image, VMType

__all__ = [
    "NODE_STATUSES",
    "VM_STATUSES",
    "CloudRecord",
    "NodeRecord",
    "Timeline",
    "VMRecord",
]

NODE_STATUSES = (
    "created",
    "requested",
    "bootstrapping",
    "running",
    "failed",
    "deleting",
    "deleted",
)
VM_STATUSES = (
    "provisioning",
    "created",
    "starting",
    "running",
    "stopping",
    "stopped",
    "paused",
    "failed",
    "deleting",
    "deleted",
)


@attrs.define(eq=False)
class Timeline:
    """Statuses with the clock reading at which each one begins.

    Attributes:
        steps: ``(since, status)`` pairs in time order.
        gone_at: When the record stops being served (404), if ever.
    """

    steps: list[tuple[float, str]]
    gone_at: float | None = None

    def status(self, now: float) -> str:
        """Return the status at ``now``: the last step begun by then."""
        current = self.steps[0][1]
        for since, status in self.steps:
            if since > now:
                break
            current = status
        return current

    def since(self, status: str) -> float | None:
        """Return when ``status`` begins, or None if it is not planned."""
        for since, planned in self.steps:
            if planned == status:
                return since
        return None

    def visible(self, now: float) -> bool:
        """Return whether the API still serves the record at ``now``."""
        return self.gone_at is None or now < self.gone_at


@attrs.define(eq=False)
class CloudRecord:
    """A cloud and the nodes and VMs it ever held.

    Attributes:
        id: The UUID.
        name: The unique name.
        description: The optional description.
        site: The site code.
        instance_type: The bare-metal type of its nodes.
        created: Clock reading at creation.
        created_at: The RFC 3339 creation timestamp.
        deleted: Clock reading at deletion, if deleted.
        nodes: Every node ever created, by id, in creation order.
        vms: Every VM ever created, by id, in creation order.
        live_nodes: Nodes still served, pruned as they expire.
        live_vms: VMs still served, pruned as they expire.
        node_counter: The number of the last node, for names.
    """

    id: str
    name: str
    description: str | None
    site: str
    instance_type: BareMetalType
    created: float
    created_at: str
    deleted: float | None = None
    nodes: dict[str, NodeRecord] = attrs.field(factory=dict)
    vms: dict[str, VMRecord] = attrs.field(factory=dict)
    live_nodes: dict[str, NodeRecord] = attrs.field(factory=dict)
    live_vms: dict[str, VMRecord] = attrs.field(factory=dict)
    node_counter: int = 0
    _json: dict[str, Any] | None = None

    def to_json(self) -> dict[str, Any]:
        """Return the ``FlexVMCloud`` JSON, built once: it never changes."""
        if self._json is None:
            data: dict[str, Any] = {"id": self.id, "name": self.name}
            if self.description is not None:
                data["description"] = self.description
            data["site"] = self.site
            data["instance_type"] = self.instance_type.name
            data["created_at"] = self.created_at
            self._json = data
        return self._json


@attrs.define(eq=False)
class NodeRecord:
    """A bare-metal node of a cloud.

    Attributes:
        id: The UUID.
        cloud: The owning cloud.
        name: ``<cloud name>-node-<n>``.
        serial: Seven uppercase alphanumerics.
        created: Clock reading at creation.
        timeline: The planned statuses.
        vms: VMs placed on the node that may still hold resources.
        running_since: When it became ``running``, kept once a removal
            has replaced the timeline that said so.
    """

    id: str
    cloud: CloudRecord
    name: str
    serial: str
    created: float
    timeline: Timeline
    vms: list[VMRecord] = attrs.field(factory=list)
    running_since: float | None = None

    def status(self, now: float) -> str:
        """Return the status at ``now``."""
        return self.timeline.status(now)

    def reached(self, status: str, now: float) -> float | None:
        """Return when the node entered ``status``, if it had by ``now``."""
        if status == "running" and self.running_since is not None:
            return self.running_since
        since = self.timeline.since(status)
        if since is None or since > now:
            return None
        return since

    def holding_vms(self, now: float) -> list[VMRecord]:
        """Return the VMs that still hold resources, forgetting the rest.

        A VM stops holding its share once it is ``deleted`` or
        ``failed``; both are terminal, so it is dropped for good.
        """
        self.vms = [vm for vm in self.vms if vm.holds_resources(now)]
        return self.vms

    def to_json(self, now: float, status: str | None = None) -> dict[str, Any]:
        """Return the ``FlexVMNode`` JSON at ``now``."""
        return {
            "cloud": self.cloud.to_json(),
            "id": self.id,
            "name": self.name,
            "serial": self.serial,
            "status": status or self.timeline.status(now),
        }


@attrs.define(eq=False)
class VMRecord:
    """A VM of a cloud, placed on one node.

    Attributes:
        id: The UUID.
        cloud: The owning cloud.
        node: The host node.
        name: The name given at creation.
        description: The optional description.
        vm_type: The instance type.
        image: The image.
        tags: Tags given at creation.
        ips: ``(address, public)`` pairs.
        created: Clock reading at creation.
        created_at: The RFC 3339 creation timestamp.
        timeline: The planned statuses.
    """

    id: str
    cloud: CloudRecord
    node: NodeRecord
    name: str
    description: str | None
    vm_type: VMType
    image: Image
    tags: tuple[str, ...]
    ips: tuple[tuple[str, bool], ...]
    created: float
    created_at: str
    timeline: Timeline

    def status(self, now: float) -> str:
        """Return the status at ``now``."""
        return self.timeline.status(now)

    def holds_resources(self, now: float) -> bool:
        """Return whether the VM still takes room on its node at ``now``."""
        return self.timeline.status(now) not in {"deleted", "failed"}

    def released(self, now: float) -> float | None:
        """Return when the VM ended (deleted or failed) by ``now``."""
        for status in ("deleted", "failed"):
            since = self.timeline.since(status)
            if since is not None and since <= now:
                return since
        return None
