"""The work on one cloud: read, order or release, wait, read, repeat."""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

from flexvm_async._errors import (
    FlexVMError,
    NodeFailedError,
    NodeHasVMsError,
    NodeNotRunningError,
    RateLimitError,
    ServerError,
    TransportError,
)
from flexvm_async._metering import spending
from flexvm_async._models import Node, NodeStatus, VMStatus
from flexvm_async._scale_types import (
    CloudReport,
    ScaleEvent,
    ScaleEventKind,
    ScaleProblem,
)
from flexvm_async._wait_types import Operation, OperationKind, StateChange

if TYPE_CHECKING:
    from flexvm_async._scale import Scaler

__all__ = ["CloudRun"]

_log = logging.getLogger("flexvm_async.scale")

K = ScaleEventKind

# Failures that say nothing final: the cloud is read again and the work
# tried again in the next round. After an order, any of them may hide a
# node that was placed, so nothing more is ordered before that read.
_PASSING = (TransportError, ServerError, RateLimitError)


class CloudRun:
    """Brings one cloud to its target; `report` holds what happened."""

    def __init__(self, scaler: Scaler, report: CloudReport) -> None:
        """Work for `scaler` on the cloud of `report`."""
        self.scaler = scaler
        self.client = scaler.client
        self.report = report
        self.cloud_id = report.cloud_id
        self.live = 0
        self.running = 0
        self.replaced = 0
        self.unreplaced = 0
        self.accounted: set[str] = set()
        self.doomed: set[str] = set()
        self.hosts_vms: set[str] = set()
        self.hiccups: list[ScaleProblem] = []

    def emit(self, kind: ScaleEventKind, **fields: object) -> None:
        """Send an event with the cloud's current counts."""
        self.scaler.emit(
            ScaleEvent(
                kind,
                self.cloud_id,
                self.report.target,
                self.live,
                self.running,
                cloud_name=self.report.name,
                **fields,  # type: ignore[arg-type]
            )
        )

    def problem(
        self, error: BaseException, node_id: str | None = None
    ) -> None:
        """Record a problem of the cloud and report it."""
        self.report.problems.append(ScaleProblem.of(error, node_id))
        _log.warning("cloud %s: %s", self.cloud_id, error)
        self.emit(K.PROBLEM, node_id=node_id, message=str(error))

    def hiccup(self, error: BaseException, node_id: str | None = None) -> None:
        """Note a passing failure, a problem if the cloud ends short."""
        self.hiccups.append(ScaleProblem.of(error, node_id))
        _log.info("cloud %s, will try again: %s", self.cloud_id, error)

    async def run(self) -> None:
        """Converge, count the requests spent, and report the end."""
        clock = self.client.transport.clock
        started = clock()
        with spending() as spent:
            try:
                await self._converge()
            except FlexVMError as exc:
                self.problem(exc)
            finally:
                self.report.requests = spent.count
                self.report.elapsed = clock() - started
        if not self.report.met:
            self.report.problems[:0] = self.hiccups
        self.emit(K.CLOUD_DONE, report=self.report)

    async def _read(self) -> list[Node]:
        nodes = await self.client.nodes.list(self.cloud_id)
        self.live = sum(n.status.is_live for n in nodes)
        self.running = sum(n.status is NodeStatus.RUNNING for n in nodes)
        self.report.pending = [
            n.id
            for n in nodes
            if n.status.is_provisioning or n.status is NodeStatus.DELETING
        ]
        for node in nodes:
            failed = node.status is NodeStatus.FAILED
            if failed and node.id not in self.report.failed:
                self.report.failed.append(node.id)
        return nodes

    async def _converge(self) -> None:
        nodes = await self._read()
        self.report.before = self.live
        self.emit(K.CLOUD_STARTED)
        current = True
        for _ in range(self.scaler.max_rounds):
            try:
                if not current:
                    nodes = await self._read()
                current = not await self._round(nodes)
            except _PASSING as exc:
                self.hiccup(exc)
                current = False
            if current:
                break  # nothing was changed: `nodes` is still current
        if not current:
            nodes = await self._read()
        settled = not self.report.pending
        self.report.after = self.running if settled else None

    async def _round(self, nodes: list[Node]) -> bool:
        """Do one round of work; return False when nothing was to be done."""
        target = self.report.target
        live = [n for n in nodes if n.status.is_live]
        waits = [
            self._op(OperationKind.PROVISION, n.id)
            for n in live
            if n.status.is_provisioning
        ]
        waits += [
            self._op(OperationKind.REMOVAL, n.id)
            for n in nodes
            if n.status is NodeStatus.DELETING
        ]
        again = False
        if self.scaler.remove_failed:
            failed = [n for n in nodes if n.status is NodeStatus.FAILED]
            removals, again = await self._remove(failed)
            waits += removals
        if len(live) < target:
            ordered, unsure = await self._add(self._budget(len(live)))
            waits += ordered
            if unsure:
                return True  # read the cloud again before anything else
        elif len(live) > target:
            removals, retry = await self._shrink(live, len(live) - target)
            waits += removals
            again = again or retry
        if waits:
            await self._wait(waits)
        return bool(waits) or again

    def _budget(self, live: int) -> int:
        """Return how many nodes to order with `live` nodes in the cloud.

        Nodes this run ordered that ended ``failed`` are replaced only
        while the `replace_failed` allowance lasts; past it the cloud is
        left short by them. The rest of the deficit is always made up.
        """
        lost = [
            node_id
            for node_id in self.report.failed
            if node_id in self.report.added and node_id not in self.accounted
        ]
        allowed = min(len(lost), self.scaler.replace_failed - self.replaced)
        self.replaced += allowed
        self.unreplaced += len(lost) - allowed
        self.accounted.update(lost)
        return max(0, self.report.target - self.unreplaced - live)

    def _op(self, kind: OperationKind, node_id: str) -> Operation:
        return Operation(kind, self.cloud_id, node_id)

    async def _add(self, count: int) -> tuple[list[Operation], bool]:
        results = await asyncio.gather(
            *(self.client.nodes.add(self.cloud_id) for _ in range(count)),
            return_exceptions=True,
        )
        ordered: list[Operation] = []
        unsure = False
        for result in results:
            if isinstance(result, Node):
                self.report.added.append(result.id)
                self.report.pending.append(result.id)
                self.live += 1
                self.emit(K.NODE_ORDERED, node_id=result.id)
                ordered.append(self._op(OperationKind.PROVISION, result.id))
            elif isinstance(result, _PASSING):
                # The order may have been placed (a lost answer, a 5xx
                # after processing): never order again before the cloud
                # has been read and its nodes counted.
                unsure = True
                self.hiccup(result)
                self.emit(K.NODE_ORDER_UNKNOWN, message=str(result))
            elif isinstance(result, FlexVMError):
                self.problem(result)
            else:
                raise result
        return ordered, unsure

    async def _shrink(
        self, live: list[Node], surplus: int
    ) -> tuple[list[Operation], bool]:
        vms = await self.client.vms.list(self.cloud_id)
        self.hosts_vms = {
            vm.node.id
            for vm in vms
            if vm.node is not None and vm.status is not VMStatus.DELETED
        }

        def rank(node: Node) -> tuple[bool, bool, bool]:
            # Nodes picked before (still provisioning then) come first,
            # then provisioning ones, then the rest; VM hosts last.
            return (
                node.id in self.hosts_vms,
                node.id not in self.doomed,
                not node.status.is_provisioning,
            )

        candidates = sorted(live, key=rank)
        if not self.scaler.evict_vms:
            candidates = [n for n in candidates if n.id not in self.hosts_vms]
        return await self._remove(candidates[:surplus])

    async def _remove(self, nodes: list[Node]) -> tuple[list[Operation], bool]:
        """Release `nodes`; return the waits and whether to try again."""
        waits: list[Operation] = []
        again = False
        for node in nodes:
            try:
                if node.id in self.hosts_vms:
                    await self._evict(node)
                await self.client.nodes.remove(self.cloud_id, node.id)
            except NodeNotRunningError:
                # Still provisioning: await it running, then take it away
                # in the next round.
                self.doomed.add(node.id)
                waits.append(self._op(OperationKind.PROVISION, node.id))
                continue
            except NodeHasVMsError as exc:
                self.problem(exc, node.id)
                continue
            except _PASSING as exc:
                self.hiccup(exc, node.id)
                again = True
                continue
            self.report.removed.append(node.id)
            self.report.pending.append(node.id)
            self.live -= node.status.is_live
            self.running -= node.status is NodeStatus.RUNNING
            self.emit(K.NODE_REMOVING, node_id=node.id)
            waits.append(self._op(OperationKind.REMOVAL, node.id))
        return waits, again

    async def _evict(self, node: Node) -> None:
        policy = self.scaler.vm_policy
        for vm in await self.client.vms.list(self.cloud_id):
            on_node = vm.node is not None and vm.node.id == node.id
            if on_node and not vm.status.is_terminal:
                await self.client.vms.delete(self.cloud_id, vm.id)
                await self.client.vms.wait_until_deleted(
                    self.cloud_id, vm.id, policy
                )

    def _changed(self, change: StateChange) -> None:
        # Keep the counts that events carry current between two reads.
        if change.new == NodeStatus.RUNNING.value:
            self.running += 1
        elif change.old == NodeStatus.RUNNING.value:
            self.running -= 1
        self.emit(
            K.NODE_CHANGED, node_id=change.resource_id, status=change.new
        )

    async def _wait(self, operations: list[Operation]) -> None:
        provisions = [
            op for op in operations if op.kind is OperationKind.PROVISION
        ]
        removals = [
            op for op in operations if op.kind is not OperationKind.PROVISION
        ]
        waiters = self.client.waiters
        results = await asyncio.gather(
            waiters.wait_all(
                provisions, self.scaler.policy, on_change=self._changed
            ),
            waiters.wait_all(
                removals, self.scaler.removal_policy, on_change=self._changed
            ),
        )
        for result in results:
            for outcome in (*result.failed, *result.timed_out):
                node_id = outcome.operation.node_id
                if outcome.error is not None:
                    self.problem(outcome.error, node_id)
                if isinstance(outcome.error, NodeFailedError):
                    self.emit(K.NODE_FAILED, node_id=node_id)
