"""Bringing many clouds to their target node counts at once."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from typing import TYPE_CHECKING

from flexvm_async._errors import (
    FlexVMError,
    NodeFailedError,
    NodeHasVMsError,
    NodeNotRunningError,
    TransportError,
)
from flexvm_async._metering import spending
from flexvm_async._models import Cloud, Node, NodeStatus, VMStatus
from flexvm_async._scale_types import (
    CloudReport,
    OnEvent,
    ScaleError,
    ScaleEvent,
    ScaleEventKind,
    ScaleProblem,
    ScaleReport,
    UnknownCloudError,
)
from flexvm_async._wait_types import (
    Operation,
    OperationKind,
    StateChange,
    WaitPolicy,
)

if TYPE_CHECKING:
    from flexvm_async._client import FlexVMClient

__all__ = ["Scaler", "resolve_targets"]

_log = logging.getLogger("flexvm_async.scale")

K = ScaleEventKind


async def resolve_targets(
    client: FlexVMClient, targets: Mapping[str, int]
) -> list[tuple[Cloud, int]]:
    """Match each target's key to a cloud, by id first, then by name.

    Raises:
        ScaleError: A target is not a whole number of nodes, 0 or more, or
            two keys name the same cloud.
        UnknownCloudError: Some keys match no cloud.
    """
    for key, target in targets.items():
        if isinstance(target, bool) or not isinstance(target, int):
            raise ScaleError(f"target for {key!r} is not a whole number")
        if target < 0:
            raise ScaleError(f"target for {key!r} is negative: {target}")
    clouds = await client.clouds.list()
    by_id = {c.id: c for c in clouds}
    by_name = {c.name: c for c in clouds}
    resolved: list[tuple[Cloud, int]] = []
    unknown = []
    for key, target in targets.items():
        cloud = by_id.get(key) or by_name.get(key)
        if cloud is None:
            unknown.append(key)
        else:
            resolved.append((cloud, target))
    if unknown:
        raise UnknownCloudError(unknown)
    ids = [cloud.id for cloud, _ in resolved]
    if len(set(ids)) != len(ids):
        raise ScaleError("two targets name the same cloud")
    return resolved


class Scaler:
    """One scaling run; `report` fills in as it goes.

    Use `FlexVMClient.scale` for a run that ends with its report; make a
    `Scaler` with `FlexVMClient.scaler` to read the report of a run that
    was cancelled.
    """

    def __init__(
        self,
        client: FlexVMClient,
        targets: Mapping[str, int],
        *,
        max_clouds: int = 16,
        replace_failed: int = 0,
        remove_failed: bool = False,
        evict_vms: bool = False,
        policy: WaitPolicy | None = None,
        removal_policy: WaitPolicy | None = None,
        max_rounds: int = 6,
        on_event: OnEvent | None = None,
    ) -> None:
        """Check the settings; nothing is sent until `run`."""
        if max_clouds < 1 or max_rounds < 1 or replace_failed < 0:
            raise ValueError(
                "max_clouds and max_rounds must be at least 1, "
                "replace_failed at least 0"
            )
        self.client = client
        self.targets = dict(targets)
        self.max_clouds = max_clouds
        self.replace_failed = replace_failed
        self.remove_failed = remove_failed
        self.evict_vms = evict_vms
        self.policy = policy or WaitPolicy()
        self.removal_policy = removal_policy or WaitPolicy.removal()
        self.max_rounds = max_rounds
        self.on_event = on_event
        self.report = ScaleReport()

    async def run(self) -> ScaleReport:
        """Bring every cloud to its target; return when all have settled.

        A cloud that fails does not stop the others; its report says why.
        When the run is cancelled, `report.interrupted` is set, the nodes
        still in flight stay listed as pending, and the cancellation goes
        on up.

        Raises:
            ScaleError: The targets are not valid; nothing was changed.
        """
        clock = self.client.transport.clock
        started = clock()
        resolved = await resolve_targets(self.client, self.targets)
        for cloud, target in resolved:
            self.report.clouds[cloud.id] = CloudReport(
                cloud.id, cloud.name, target
            )
        gate = asyncio.Semaphore(self.max_clouds)

        async def one(cloud: Cloud) -> None:
            async with gate:
                await _CloudRun(self, self.report.clouds[cloud.id]).run()

        try:
            async with asyncio.TaskGroup() as group:
                for cloud, _ in resolved:
                    group.create_task(one(cloud))
        except asyncio.CancelledError:
            self.report.interrupted = True
            raise
        finally:
            self.report.elapsed = clock() - started
        return self.report

    def emit(self, event: ScaleEvent) -> None:
        """Pass an event to the run's hook."""
        if self.on_event is not None:
            self.on_event(event)


class _CloudRun:
    """The work on one cloud: read, add or remove, wait, check, repeat."""

    def __init__(self, scaler: Scaler, report: CloudReport) -> None:
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

    def emit(self, kind: ScaleEventKind, **fields: object) -> None:
        self.scaler.emit(
            ScaleEvent(
                kind,
                self.cloud_id,
                self.report.target,
                self.live,
                self.running,
                **fields,  # type: ignore[arg-type]
            )
        )

    def problem(
        self, error: BaseException, node_id: str | None = None
    ) -> None:
        self.report.problems.append(ScaleProblem.of(error, node_id))
        _log.warning("cloud %s: %s", self.cloud_id, error)
        self.emit(K.PROBLEM, node_id=node_id, message=str(error))

    async def run(self) -> None:
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
        self.emit(K.CLOUD_DONE, report=self.report)

    async def _read(self) -> list[Node]:
        nodes = await self.client.nodes.list(self.cloud_id)
        self.live = sum(n.status.is_live for n in nodes)
        self.running = sum(n.status is NodeStatus.RUNNING for n in nodes)
        for node in nodes:
            failed = node.status is NodeStatus.FAILED
            if failed and node.id not in self.report.failed:
                self.report.failed.append(node.id)
        return nodes

    async def _converge(self) -> None:
        nodes = await self._read()
        self.report.before = self.live
        self.emit(K.CLOUD_STARTED)
        for _ in range(self.scaler.max_rounds):
            if not await self._round(nodes):
                break  # nothing was changed: `nodes` is still current
            nodes = await self._read()
        settled = not any(
            n.status.is_provisioning or n.status is NodeStatus.DELETING
            for n in nodes
        )
        self.report.after = self.running if settled else None
        if not self.report.met:
            _log.info(
                "cloud %s ends at %s running of %d",
                self.cloud_id,
                self.report.after,
                self.report.target,
            )

    async def _round(self, nodes: list[Node]) -> bool:
        """Do one round of work; return False once nothing is left to do."""
        target = self.report.target
        live = [n for n in nodes if n.status.is_live]
        waits: list[Operation] = [
            self._op(OperationKind.PROVISION, n.id)
            for n in live
            if n.status.is_provisioning
        ]
        waits += [
            self._op(OperationKind.REMOVAL, n.id)
            for n in nodes
            if n.status is NodeStatus.DELETING
        ]
        failed = [n for n in nodes if n.status is NodeStatus.FAILED]
        if self.scaler.remove_failed:
            waits += await self._remove(failed)
        if len(live) < target:
            ordered, unknown = await self._add(self._budget(len(live)))
            waits += ordered
            if unknown:
                return True  # read the cloud again before anything else
        elif len(live) > target:
            waits += await self._shrink(live, len(live) - target)
        if not waits:
            return False
        await self._wait(waits)
        return True

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
        unknown = False
        for result in results:
            if isinstance(result, Node):
                self.report.added.append(result.id)
                self.live += 1
                self.emit(K.NODE_ORDERED, node_id=result.id)
                ordered.append(self._op(OperationKind.PROVISION, result.id))
            elif (
                isinstance(result, TransportError)
                and result.may_have_reached_server
            ):
                # The order may have been placed: never order again before
                # the cloud has been read and the nodes counted.
                unknown = True
                self.emit(K.NODE_ORDER_UNKNOWN, message=str(result))
            elif isinstance(result, FlexVMError):
                self.problem(result)
            else:
                raise result
        return ordered, unknown

    async def _shrink(self, live: list[Node], surplus: int) -> list[Operation]:
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

    async def _remove(self, nodes: list[Node]) -> list[Operation]:
        waits: list[Operation] = []
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
            self.report.removed.append(node.id)
            self.live -= node.status.is_live
            self.emit(K.NODE_REMOVING, node_id=node.id)
            waits.append(self._op(OperationKind.REMOVAL, node.id))
        return waits

    async def _evict(self, node: Node) -> None:
        for vm in await self.client.vms.list(self.cloud_id):
            on_node = vm.node is not None and vm.node.id == node.id
            if on_node and not vm.status.is_terminal:
                await self.client.vms.delete(self.cloud_id, vm.id)
                await self.client.vms.wait_until_deleted(self.cloud_id, vm.id)

    async def _wait(self, operations: list[Operation]) -> None:
        def changed(change: StateChange) -> None:
            self.emit(
                K.NODE_CHANGED,
                node_id=change.resource_id,
                status=change.new,
            )

        provisions = [
            op for op in operations if op.kind is OperationKind.PROVISION
        ]
        removals = [
            op for op in operations if op.kind is not OperationKind.PROVISION
        ]
        waiters = self.client.waiters
        results = await asyncio.gather(
            waiters.wait_all(
                provisions, self.scaler.policy, on_change=changed
            ),
            waiters.wait_all(
                removals, self.scaler.removal_policy, on_change=changed
            ),
        )
        for result in results:
            for outcome in (*result.failed, *result.timed_out):
                node_id = outcome.operation.node_id
                if outcome.error is not None:
                    self.problem(outcome.error, node_id)
                if isinstance(outcome.error, NodeFailedError):
                    self.emit(K.NODE_FAILED, node_id=node_id)
