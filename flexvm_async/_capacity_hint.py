"""One cheap request that tells which clouds have a node newly running.

``GET /v3/flexVM/capacity`` answers, in one page per hundred clouds, each
cloud's ``nodes`` count. Where that count follows the cloud's *running*
nodes, a change in it says a node has come up, and only those clouds need
their nodes listed. The API does not document which nodes the count
includes, so the hint trusts it only once it has seen it match the running
count of a cloud that also had nodes provisioning, twice and never
otherwise; until then, and for good once it sees the count include
provisioning nodes, the waits keep their own schedule. Waits on nodes in
provisioning that see the hint trusted poll less often on their own,
since a node coming up brings its cloud's poll forward.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable

from flexvm_async._errors import FlexVMError
from flexvm_async._http import Transport
from flexvm_async._paging import PageSizes, iter_pages
from flexvm_async._reports import CloudCapacity
from flexvm_async._resource import API
from flexvm_async._retry import Clock, RetryPolicy, Sleep

__all__ = ["CapacityHint"]

_log = logging.getLogger("flexvm_async.wait")

# Agreements needed before the hint is trusted.
_TRUST_AFTER = 2
# The hint runs only while this many clouds have provisioning waits: for
# fewer, listing each cloud costs no more than reading the capacity.
_MIN_CLOUDS = 2
_ONE_TRY = RetryPolicy.never()


class CapacityHint:
    """Brings forward the polls of clouds whose node count changed."""

    def __init__(
        self,
        transport: Transport,
        *,
        sleep: Sleep,
        clock: Clock,
        page_size: int,
    ) -> None:
        """Share the client's transport, sleep and clock."""
        self._transport = transport
        self._sleep = sleep
        self._clock = clock
        self._page_size = page_size
        self._sizes = PageSizes()
        self._watched: dict[str, tuple[Callable[[], None], float]] = {}
        self._counts: dict[str, int] = {}
        self._missed: set[str] = set()
        self._agreements = 0
        self.refuted = False
        self._task: asyncio.Task[None] | None = None

    @property
    def trusted(self) -> bool:
        """True once the counts are shown to follow running nodes."""
        return not self.refuted and self._agreements >= _TRUST_AFTER

    def attach(
        self, cloud_id: str, poll_now: Callable[[], None], interval: float
    ) -> bool:
        """Watch a cloud; call `poll_now` when its count changes.

        Args:
            cloud_id: The cloud with provisioning waits.
            poll_now: Brings the cloud's next poll forward to now.
            interval: Seconds between capacity reads this cloud wants.

        Returns:
            True when the cloud's count changed while it was not watched
            (its waits were between two polls): it should be polled now.
        """
        self._watched[cloud_id] = (poll_now, interval)
        idle = self._task is None or self._task.done()
        if idle and not self.refuted and len(self._watched) >= _MIN_CLOUDS:
            self._task = asyncio.get_running_loop().create_task(self._run())
        if cloud_id in self._missed:
            self._missed.discard(cloud_id)
            return self.trusted
        return False

    def detach(self, cloud_id: str) -> None:
        """Stop watching a cloud; stop reading when too few are left."""
        self._watched.pop(cloud_id, None)
        if len(self._watched) < _MIN_CLOUDS and self._task is not None:
            self._task.cancel()
            self._task = None

    def confirm(self, cloud_id: str, running: int, provisioning: int) -> None:
        """Compare a fresh list of a cloud's nodes with its last count.

        Args:
            cloud_id: The cloud just listed.
            running: Its nodes ``running`` in that list.
            provisioning: Its nodes still provisioning in that list.
        """
        count = self._counts.get(cloud_id)
        if count is None or provisioning == 0 or running == 0:
            return  # nothing tells the two readings apart
        if count == running:
            self._agreements += 1
        elif count == running + provisioning and not self.refuted:
            # The count includes nodes still provisioning: a change in it
            # says nothing about nodes coming up.
            _log.info("capacity counts include provisioning nodes: unused")
            self.refuted = True
            if self._task is not None:
                self._task.cancel()
                self._task = None

    async def _run(self) -> None:
        try:
            while len(self._watched) >= _MIN_CLOUDS and not self.refuted:
                await self._read()
                interval = min(i for _, i in self._watched.values())
                await self._sleep(interval)
        finally:
            if self._task is asyncio.current_task():
                self._task = None

    async def _read(self) -> None:
        changed = []
        try:
            async for cloud in iter_pages(
                self._transport,
                f"{API}/capacity",
                CloudCapacity,
                page_size=self._page_size,
                sizes=self._sizes,
                retry=_ONE_TRY,
            ):
                before = self._counts.get(cloud.id)
                self._counts[cloud.id] = cloud.nodes
                if before is not None and before != cloud.nodes:
                    changed.append(cloud.id)
        except FlexVMError as exc:
            _log.debug("capacity read failed, polls keep their pace: %s", exc)
            return
        if not self.trusted:
            return
        for cloud_id in changed:
            watched = self._watched.get(cloud_id)
            if watched is None:
                self._missed.add(cloud_id)
            else:
                with contextlib.suppress(RuntimeError):
                    watched[0]()
