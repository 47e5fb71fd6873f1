"""Nodes: the dedicated bare-metal machines of a cloud."""

from __future__ import annotations

from collections.abc import AsyncIterator

from flexvm_async._errors import (
    APIError,
    NodeNotRunningError,
    NotFoundError,
)
from flexvm_async._http import Transport
from flexvm_async._ids import check_id
from flexvm_async._models import Node
from flexvm_async._paging import PageSizes
from flexvm_async._resource import API, Resource
from flexvm_async._wait_types import OnChange, WaitPolicy
from flexvm_async._waiters import Waiters

__all__ = ["Nodes"]

# POST .../nodes has no body; i3D's own client sends the JSON content type
# on every request, which the API is known to accept.
_EMPTY_JSON = {"Content-Type": "application/json"}


def _removal_landed(error: APIError) -> bool:
    return isinstance(error, NotFoundError | NodeNotRunningError)


class Nodes(Resource):
    """The nodes of each cloud: ``client.nodes``."""

    def __init__(
        self,
        transport: Transport,
        *,
        page_size: int,
        sizes: PageSizes,
        waiters: Waiters,
    ) -> None:
        """Share the client's transport, paging state and waiters."""
        super().__init__(transport, page_size=page_size, sizes=sizes)
        self._waiters = waiters

    @staticmethod
    def _path(cloud_id: str, *node_id: str) -> str:
        path = f"{API}/clouds/{check_id(cloud_id, 'cloud_id')}/nodes"
        for value in node_id:
            path += "/" + check_id(value, "node_id")
        return path

    async def list(self, cloud_id: str) -> list[Node]:
        """Return every node of a cloud, fetching all pages."""
        return await self._list(self._path(cloud_id), Node)

    def iter(self, cloud_id: str) -> AsyncIterator[Node]:
        """Yield every node of a cloud, fetching one page at a time."""
        return self._iter(self._path(cloud_id), Node)

    async def get(self, cloud_id: str, node_id: str) -> Node:
        """Return one node.

        Raises:
            NotFoundError: The cloud or the node does not exist.
        """
        return await self._get(self._path(cloud_id, node_id), Node)

    async def add(
        self,
        cloud_id: str,
        *,
        wait: bool = False,
        policy: WaitPolicy | None = None,
        on_change: OnChange | None = None,
    ) -> Node:
        """Order one more bare-metal node for a cloud.

        The API answers 201 at once with the node in a provisioning
        status; the machine becomes ``running`` (or ``failed``) minutes
        later. The request is repeated only when it certainly did not
        reach the API or the API said it did not process it (429, 503):
        after a timeout or a lost answer the node may have been ordered,
        and the error is raised instead of ordering a second one.

        Args:
            cloud_id: The cloud to grow.
            wait: Return only once the node is ``running``.
            policy: How to wait; the provisioning default otherwise.
            on_change: Called on each status change while waiting.

        Returns:
            The node as the API answered (201), or the running node when
            `wait` is set.

        Raises:
            ResponseLostError: The order may or may not have been placed;
                list the cloud's nodes to find out.
            NodeFailedError: With `wait`, the node ended ``failed``.
            WaitTimeoutError: With `wait`, provisioning took too long.
        """
        response = await self._transport.request(
            "POST", self._path(cloud_id), headers=_EMPTY_JSON
        )
        node = self._transport.model(response, Node)
        if not wait:
            return node
        return await self._waiters.until_running(
            cloud_id, node.id, policy, on_change=on_change
        )

    async def remove(
        self,
        cloud_id: str,
        node_id: str,
        *,
        wait: bool = False,
        policy: WaitPolicy | None = None,
        on_change: OnChange | None = None,
    ) -> None:
        """Release a node back to i3D (202); removal goes on in the background.

        When a try whose answer was lost is repeated and the API then says
        the node is gone (404) or already being removed (409
        ``node_not_running``), the removal counts as accepted; in the
        second case the node is read once to make sure it is removing.

        Args:
            cloud_id: The node's cloud.
            node_id: The node to release.
            wait: Return only once the node is gone.
            policy: How to wait; the removal default otherwise.
            on_change: Called on each status change while waiting.

        Raises:
            NodeHasVMsError: The node still hosts VMs.
            NodeNotRunningError: The node is still provisioning.
            WaitTimeoutError: With `wait`, removal took too long.
        """
        path = self._path(cloud_id, node_id)
        response = await self._transport.request(
            "DELETE", path, landed=_removal_landed
        )
        if isinstance(response.error, NodeNotRunningError):
            try:
                node = await self._get(path, Node)
            except NotFoundError:
                return
            if not node.status.is_removing:
                raise response.error
        if wait:
            await self._waiters.until_removed(
                cloud_id, node_id, policy, on_change=on_change
            )

    async def wait_until_running(
        self,
        cloud_id: str,
        node_id: str,
        policy: WaitPolicy | None = None,
        *,
        on_change: OnChange | None = None,
    ) -> Node:
        """Wait until a node is ``running`` and return it.

        Raises:
            NodeFailedError: The node ended ``failed``; the error has it.
            NodeGoneError: The node was removed or vanished meanwhile.
            WaitTimeoutError: The policy's deadline passed first.
        """
        return await self._waiters.until_running(
            cloud_id, node_id, policy, on_change=on_change
        )

    async def wait_until_removed(
        self,
        cloud_id: str,
        node_id: str,
        policy: WaitPolicy | None = None,
        *,
        on_change: OnChange | None = None,
    ) -> None:
        """Wait until a node is gone (404, or status ``deleted``).

        Raises:
            NodeFailedError: The node ended ``failed`` instead.
            WaitTimeoutError: The policy's deadline passed first.
        """
        await self._waiters.until_removed(
            cloud_id, node_id, policy, on_change=on_change
        )
