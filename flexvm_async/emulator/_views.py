"""Read-only views of the emulator's state, for tests.

The views cover everything ever created, deleted or not, and show the
status at the moment they are read. They are snapshots: changing the
emulator does not change a view already taken.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import Generic, TypeVar

import attrs

from flexvm_async.emulator._records import CloudRecord, NodeRecord, VMRecord

__all__ = ["CloudView", "LiveMapping", "NodeView", "VMView"]


@attrs.frozen
class CloudView:
    """A cloud as the emulator holds it.

    Attributes:
        id: The UUID.
        name: The name.
        description: The description, if any.
        site: The site code.
        instance_type: The bare-metal type of its nodes.
        created_at: The clock reading at creation.
        deleted_at: The clock reading at deletion, if deleted.
        node_ids: Every node ever created in it, in order.
        vm_ids: Every VM ever created in it, in order.
    """

    id: str
    name: str
    description: str | None
    site: str
    instance_type: str
    created_at: float
    deleted_at: float | None
    node_ids: tuple[str, ...]
    vm_ids: tuple[str, ...]


@attrs.frozen
class NodeView:
    """A node as the emulator holds it.

    Attributes:
        id: The UUID.
        cloud_id: The owning cloud's UUID.
        name: The name.
        serial: The serial number.
        status: The status when the view was taken.
        created_at: The clock reading at creation.
        served: False once the API answers 404 for it.
        vm_ids: The VMs ever placed on it, in order.
        running_at: The clock reading at which it became ``running``, if
            it had by then; kept after it is removed.
        deleted_at: The clock reading at which it became ``deleted``, if
            it had by then.
    """

    id: str
    cloud_id: str
    name: str
    serial: str
    status: str
    created_at: float
    served: bool
    vm_ids: tuple[str, ...]
    running_at: float | None = None
    deleted_at: float | None = None


@attrs.frozen
class VMView:
    """A VM as the emulator holds it.

    Attributes:
        id: The UUID.
        cloud_id: The owning cloud's UUID.
        node_id: The host node's UUID.
        name: The name.
        status: The status when the view was taken.
        instance_type: The instance type name.
        image: The image name.
        tags: The tags.
        created_at: The clock reading at creation.
        released_at: The clock reading at which it became deleted or
            failed, if it did.
        served: False once the API answers 404 for it.
    """

    id: str
    cloud_id: str
    node_id: str
    name: str
    status: str
    instance_type: str
    image: str
    tags: tuple[str, ...]
    created_at: float
    released_at: float | None
    served: bool


def cloud_view(cloud: CloudRecord, now: float) -> CloudView:
    """Return the view of a cloud record."""
    del now  # a cloud has no timeline
    return CloudView(
        id=cloud.id,
        name=cloud.name,
        description=cloud.description,
        site=cloud.site,
        instance_type=cloud.instance_type.name,
        created_at=cloud.created,
        deleted_at=cloud.deleted,
        node_ids=tuple(cloud.nodes),
        vm_ids=tuple(cloud.vms),
    )


def node_view(node: NodeRecord, now: float) -> NodeView:
    """Return the view of a node record at ``now``."""
    return NodeView(
        id=node.id,
        cloud_id=node.cloud.id,
        name=node.name,
        serial=node.serial,
        status=node.status(now),
        created_at=node.created,
        served=node.timeline.visible(now),
        vm_ids=tuple(
            vm.id for vm in node.cloud.vms.values() if vm.node is node
        ),
        running_at=node.reached("running", now),
        deleted_at=node.reached("deleted", now),
    )


def vm_view(vm: VMRecord, now: float) -> VMView:
    """Return the view of a VM record at ``now``."""
    return VMView(
        id=vm.id,
        cloud_id=vm.cloud.id,
        node_id=vm.node.id,
        name=vm.name,
        status=vm.status(now),
        instance_type=vm.vm_type.name,
        image=vm.image.name,
        tags=vm.tags,
        created_at=vm.created,
        released_at=vm.released(now),
        served=vm.timeline.visible(now),
    )


_R = TypeVar("_R")
_V = TypeVar("_V")


class LiveMapping(Mapping[str, _V], Generic[_R, _V]):
    """A read-only mapping that renders each record when it is read.

    Args:
        records: The records by id.
        render: Builds a view from a record and the clock reading.
        now: Returns the clock reading.
    """

    def __init__(
        self,
        records: Mapping[str, _R],
        render: Callable[[_R, float], _V],
        now: Callable[[], float],
    ) -> None:
        """Wrap the records."""
        self._records = records
        self._render = render
        self._now = now

    def __getitem__(self, key: str) -> _V:
        """Return the view of one record, as of now."""
        return self._render(self._records[key], self._now())

    def __iter__(self) -> Iterator[str]:
        """Iterate over the ids in creation order."""
        return iter(list(self._records))

    def __len__(self) -> int:
        """Return the number of records."""
        return len(self._records)

    def __repr__(self) -> str:
        """Show the number of records."""
        return f"<{len(self)} records>"
