"""Waiting for nodes and VMs to settle, one or thousands at a time."""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Callable, Collection
from datetime import UTC, datetime
from typing import Any, TypeVar

from flexvm_async import _settles as settles
from flexvm_async._capacity_hint import CapacityHint
from flexvm_async._http import Transport
from flexvm_async._ids import check_id
from flexvm_async._models import VM, Node, VMStatus
from flexvm_async._poller import Poller
from flexvm_async._resource import API
from flexvm_async._retry import Clock, Sleep
from flexvm_async._wait_many import ManyWaits
from flexvm_async._wait_run import Watch, run_wait
from flexvm_async._wait_types import (
    OnChange,
    Operation,
    OperationKind,
    StateChange,
    WaitPolicy,
)

__all__ = ["Waiters"]

R = TypeVar("R", Node, VM)

_log = logging.getLogger("flexvm_async.wait")

Settle = Callable[[Any], Any]

# Pollers kept for clouds with no wait right now.
_KEEP_POLLERS = 1024


class Waiters(ManyWaits):
    """Waits on nodes and VMs: ``client.waiters``.

    Every wait runs its own fresh tenacity `AsyncRetrying`, which sets its
    schedule from a `WaitPolicy`. The waits of one cloud share a poller:
    while several are active, one ``GET .../clouds/{id}/nodes`` serves all
    of them; a lone wait reads ``GET .../nodes/{id}``. Cancelling a wait
    stops its polling and sends nothing.
    """

    def __init__(
        self,
        transport: Transport,
        *,
        sleep: Sleep,
        clock: Clock,
        page_size: int,
        coalesce: bool,
        seed: int | None,
        on_change: OnChange | None = None,
        wall: Callable[[], datetime] = lambda: datetime.now(UTC),
        capacity_hint: bool = True,
    ) -> None:
        """Share the client's transport, clock and sleep."""
        self._transport = transport
        self._sleep = sleep
        self._clock = clock
        self._page_size = page_size
        self.coalesce = coalesce
        self._rng = random.Random(seed)  # noqa: S311 - jitter, not secrets
        self._on_change = on_change
        self._wall = wall
        self._pollers: dict[tuple[str, str], Poller[Any]] = {}
        self.hint = None
        if coalesce and capacity_hint:
            self.hint = CapacityHint(
                transport, sleep=sleep, clock=clock, page_size=page_size
            )

    def _poller(self, cloud_id: str, kind: str, model: type[R]) -> Poller[R]:
        key = (cloud_id, kind)
        poller = self._pollers.get(key)
        if poller is None:
            if len(self._pollers) >= _KEEP_POLLERS:
                self._forget_idle_pollers()
            poller = Poller(
                self._transport,
                f"{API}/clouds/{cloud_id}/{kind}",
                model,
                coalesce=self.coalesce,
                sleep=self._sleep,
                clock=self._clock,
                page_size=self._page_size,
                cloud_id=cloud_id,
                hint=self.hint if kind == "nodes" else None,
                rng=self._rng,
            )
            self._pollers[key] = poller
        return poller

    def _forget_idle_pollers(self) -> None:
        # A cloud's poller outlives the gaps between its polls (it keeps
        # what it learnt of the cloud); idle ones go once there are many.
        for key in [k for k, p in self._pollers.items() if p.idle]:
            del self._pollers[key]

    async def until_running(
        self,
        cloud_id: str,
        node_id: str,
        policy: WaitPolicy | None = None,
        *,
        on_change: OnChange | None = None,
        deadline: float | None = None,
    ) -> Node:
        """Wait until a node is ``running`` and return it.

        Raises:
            NodeFailedError: The node ended ``failed``.
            NodeGoneError: The node was removed or vanished meanwhile.
            WaitTimeoutError: The deadline passed first.
        """
        result: Node = await self._wait(
            cloud_id,
            check_id(node_id, "node_id"),
            "nodes",
            Node,
            policy or WaitPolicy(),
            settles.node_running,
            on_change,
            deadline,
        )
        return result

    async def until_removed(
        self,
        cloud_id: str,
        node_id: str,
        policy: WaitPolicy | None = None,
        *,
        on_change: OnChange | None = None,
        deadline: float | None = None,
    ) -> None:
        """Wait until a node is gone: 404, or status ``deleted``.

        Raises:
            NodeFailedError: The node ended ``failed`` instead.
            WaitTimeoutError: The deadline passed first.
        """
        await self._wait(
            cloud_id,
            check_id(node_id, "node_id"),
            "nodes",
            Node,
            policy or WaitPolicy.removal(),
            settles.node_removed,
            on_change,
            deadline,
        )

    async def until_vm_status(
        self,
        cloud_id: str,
        vm_id: str,
        statuses: Collection[VMStatus | str],
        policy: WaitPolicy | None = None,
        *,
        on_change: OnChange | None = None,
    ) -> VM:
        """Wait until a VM is in one of `statuses` and return it.

        Raises:
            VMFailedError: The VM ended ``failed`` (unless awaited).
            WaitError: The VM no longer exists.
            WaitTimeoutError: The deadline passed first.
        """
        wanted = {VMStatus(s) for s in statuses}
        if not wanted:
            raise ValueError("statuses must name at least one VM status")

        result: VM = await self._wait(
            cloud_id,
            check_id(vm_id, "vm_id"),
            "vms",
            VM,
            policy or WaitPolicy.vm(),
            settles.vm_in(wanted),
            on_change,
            None,
        )
        return result

    async def until_vm_deleted(
        self,
        cloud_id: str,
        vm_id: str,
        policy: WaitPolicy | None = None,
        *,
        on_change: OnChange | None = None,
    ) -> None:
        """Wait until a VM is gone: 404, or status ``deleted``.

        Raises:
            VMFailedError: The VM ended ``failed`` instead.
            WaitTimeoutError: The deadline passed first.
        """
        await self._wait(
            cloud_id,
            check_id(vm_id, "vm_id"),
            "vms",
            VM,
            policy or WaitPolicy.vm(),
            settles.vm_deleted,
            on_change,
            None,
        )

    async def _wait(
        self,
        cloud_id: str,
        resource_id: str,
        kind: str,
        model: type[R],
        policy: WaitPolicy,
        settle: Settle,
        on_change: OnChange | None,
        deadline: float | None,
    ) -> Any:
        check_id(cloud_id, "cloud_id")
        # Only nodes coming up move a cloud's capacity count.
        hint_interval = None
        if settle is settles.node_running:
            hint_interval = policy.max_delay / 4

        def ask(delay: float, end: float) -> asyncio.Future[Any]:
            poller = self._poller(cloud_id, kind, model)
            return poller.ask(resource_id, delay, end, hint_interval)

        def withdraw(asked: asyncio.Future[Any]) -> None:
            poller = self._pollers.get((cloud_id, kind))
            if poller is not None:
                poller.withdraw(asked)

        watch = Watch(
            cloud_id,
            resource_id,
            kind[:-1],
            ask,
            withdraw,
            settle,
            lambda change: self.notify(change, on_change),
        )
        return await run_wait(
            watch, policy, clock=self._clock, rng=self._rng, deadline=deadline
        )

    def operation(
        self,
        kind: OperationKind | str,
        cloud_id: str,
        node_id: str,
        policy: WaitPolicy | None = None,
    ) -> Operation:
        """Return an operation for a node, its deadline from the policy."""
        kind = OperationKind(kind)
        default = (
            WaitPolicy()
            if kind is OperationKind.PROVISION
            else WaitPolicy.removal()
        )
        return Operation.start(
            kind,
            cloud_id,
            node_id,
            within=(policy or default).deadline,
            now=self._wall(),
        )

    async def wait(
        self,
        operation: Operation,
        policy: WaitPolicy | None = None,
        *,
        on_change: OnChange | None = None,
    ) -> Node | None:
        """Wait for one operation; the running node, or None for a removal.

        The operation's own deadline, if it has one, also bounds the wait,
        so a wait resumed in another process ends when the first would.
        """
        deadline = None
        if operation.deadline is not None:
            left = (operation.deadline - self._wall()).total_seconds()
            deadline = self._clock() + left
        if operation.kind is OperationKind.PROVISION:
            return await self.until_running(
                operation.cloud_id,
                operation.node_id,
                policy,
                on_change=on_change,
                deadline=deadline,
            )
        await self.until_removed(
            operation.cloud_id,
            operation.node_id,
            policy,
            on_change=on_change,
            deadline=deadline,
        )
        return None

    def notify(self, change: StateChange, on_change: OnChange | None) -> None:
        """Pass a state change to the wait's hook and the client's."""
        _log.info(
            "%s of cloud %s: %s -> %s",
            change.resource_id,
            change.cloud_id,
            change.old,
            change.new,
        )
        for hook in (on_change, self._on_change):
            if hook is not None:
                hook(change)
