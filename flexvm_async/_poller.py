"""One poller per cloud, so that the waits of a cloud share their polls.

Each wait asks its cloud's poller for a fresh reading of its node (or VM)
a given delay from now. The poller sleeps until the earliest of those
times, then serves every wait of the cloud with one request: a list of
the cloud's nodes when several waits are due, a single GET when one is.
A wait is therefore never read later than it asked, and often sooner.
With coalescing off, each wait is served alone at its own time, which is
the per-node schedule coalescing is measured against.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import random
from typing import Any, Generic, TypeVar

import attrs

from flexvm_async._capacity_hint import CapacityHint
from flexvm_async._errors import FlexVMError, NotFoundError
from flexvm_async._http import Transport
from flexvm_async._models import Node, NodeStatus
from flexvm_async._paging import PageSizes, iter_pages
from flexvm_async._retry import Clock, RetryPolicy, Sleep

__all__ = ["GONE", "Gone", "Poller"]

R = TypeVar("R")

# Polls make a single try: the wait's own schedule decides when to poll
# again, so a transient failure costs one poll, not a burst of retries.
_ONE_TRY = RetryPolicy.never()


class Gone:
    """The reading of a resource that no longer exists (404, or unlisted)."""

    def __repr__(self) -> str:
        """Name the sentinel."""
        return "GONE"


GONE = Gone()

Reading = Any  # a model instance, GONE, or the FlexVMError a poll raised


# How much longer a provisioning wait sleeps on its own while a trusted
# capacity hint will bring its poll forward when a node comes up.
_HINTED_STRETCH = 3.0


@attrs.define(eq=False)
class _Ticket:
    resource_id: str
    wake: float
    deadline: float
    future: asyncio.Future[Reading]
    hinted: bool = False


class Poller(Generic[R]):
    """Reads the resources of one collection of one cloud for its waits."""

    def __init__(
        self,
        transport: Transport,
        path: str,
        model: type[R],
        *,
        coalesce: bool,
        sleep: Sleep,
        clock: Clock,
        page_size: int,
        cloud_id: str = "",
        hint: CapacityHint | None = None,
        rng: random.Random | None = None,
    ) -> None:
        """Serve waits on the resources under `path`."""
        self._transport = transport
        self._path = path
        self._model = model
        self._coalesce = coalesce
        self._sleep = sleep
        self._clock = clock
        self._page_size = page_size
        self._sizes = PageSizes()
        self._tickets: dict[asyncio.Future[Reading], _Ticket] = {}
        self._hinted = 0
        self._task: asyncio.Task[None] | None = None
        self._kick: asyncio.Future[None] | None = None
        self._napping_until = math.inf
        self._known_size = 0
        self._cloud_id = cloud_id
        self._hint = hint
        self._rng = rng or random.Random()  # noqa: S311 - jitter only
        self._polled = False
        # The resources of the last listing, for reuse while unchanged.
        self._known: dict[str, tuple[Any, R]] = {}

    @property
    def idle(self) -> bool:
        """True when no wait is being served and no poll is under way."""
        return not self._tickets and (self._task is None or self._task.done())

    def ask(
        self,
        resource_id: str,
        delay: float,
        deadline: float,
        hint_interval: float | None = None,
    ) -> asyncio.Future[Reading]:
        """Ask for a reading of `resource_id` taken at most `delay` from now.

        A future, not a coroutine: a wait asks once per poll and sleeps on
        the answer, and the fewer objects each ask keeps alive, the less
        the garbage collector has to do with thousands of waits.

        Args:
            resource_id: The node or VM to read.
            delay: Seconds from now by which the reading is wanted.
            deadline: The wait's deadline, bounding the request's timeout.
            hint_interval: For a node awaited running: how often the
                capacity hint should look for nodes coming up. While the
                hint is trusted, `delay` is stretched, as the hint brings
                the poll forward.

        Returns:
            A future of the resource, `GONE`, or the `FlexVMError` the poll
            raised. A wait that stops before it is served passes the
            future to `withdraw`.
        """
        hinted = hint_interval is not None and self._hint is not None
        if hinted and self._hint is not None and hint_interval is not None:
            missed = self._hint.attach(
                self._cloud_id, self.poll_now, hint_interval
            )
            if missed:
                delay = 0.0
            elif self._hint.trusted:
                delay *= _HINTED_STRETCH
        if self._coalesce and not self._polled:
            # A random phase for each cloud's first poll, so that clouds
            # set going together do not poll in step ever after.
            delay *= self._rng.uniform(0.5, 1.0)
        now = self._clock()
        future: asyncio.Future[Reading] = (
            asyncio.get_running_loop().create_future()
        )
        ticket = _Ticket(
            resource_id,
            min(now + delay, max(now, deadline)),
            deadline,
            future,
            hinted,
        )
        self._tickets[future] = ticket
        self._hinted += hinted
        self._schedule(ticket.wake)
        return future

    def withdraw(self, future: asyncio.Future[Reading]) -> None:
        """Drop an ask whose wait stopped before it was served."""
        ticket = self._tickets.get(future)
        if ticket is None:
            return
        self._drop(ticket)
        self._release_hint()
        if not self._tickets and self._task is not None:
            # Nothing left to serve: stop polling at once, even mid-poll.
            self._task.cancel()
            self._task = None

    def _schedule(self, wake: float) -> None:
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(self._run())
        elif (
            wake < self._napping_until
            and self._kick is not None
            and not self._kick.done()
        ):
            self._kick.set_result(None)

    def poll_now(self) -> None:
        """Bring the next poll forward to now: a node may have come up."""
        now = self._clock()
        for ticket in self._tickets.values():
            ticket.wake = min(ticket.wake, now)
        self._schedule(now)

    def _drop(self, ticket: _Ticket) -> None:
        del self._tickets[ticket.future]
        self._hinted -= ticket.hinted

    def _release_hint(self) -> None:
        if self._hint is not None and not self._hinted:
            self._hint.detach(self._cloud_id)

    async def _run(self) -> None:
        try:
            await self._serve()
        finally:
            if self._task is asyncio.current_task():
                self._task = None

    async def _serve(self) -> None:
        while self._tickets:
            now = self._clock()
            wake = min(t.wake for t in self._tickets.values())
            if wake > now:
                await self._nap(wake - now, wake)
                continue
            batch = [
                t
                for t in self._tickets.values()
                if self._coalesce or t.wake <= now
            ]
            self._polled = True
            readings = await self._poll(
                {t.resource_id for t in batch}, max(t.deadline for t in batch)
            )
            for ticket in batch:
                if self._tickets.get(ticket.future) is not ticket:
                    continue  # withdrawn while the poll ran
                self._drop(ticket)
                if not ticket.future.done():
                    ticket.future.set_result(readings[ticket.resource_id])
            if self._hint is not None and not self._hinted:
                # Look again once the waits just served have run: those
                # that go on ask again before this, and keep the hint.
                asyncio.get_running_loop().call_soon(self._release_hint)

    async def _nap(self, seconds: float, until: float) -> None:
        """Sleep `seconds`, or less if an earlier wait arrives meanwhile."""
        loop = asyncio.get_running_loop()
        self._kick = loop.create_future()
        self._napping_until = until
        nap = asyncio.ensure_future(self._sleep(seconds))
        try:
            await asyncio.wait(
                (nap, self._kick), return_when=asyncio.FIRST_COMPLETED
            )
        finally:
            self._napping_until = math.inf
            if not nap.done():
                nap.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await nap

    async def _poll(
        self, ids: set[str], deadline: float
    ) -> dict[str, Reading]:
        try:
            if len(ids) > 1 and len(ids) >= self._pages(ids):
                return await self._list(ids, deadline)
            return {rid: await self._one(rid, deadline) for rid in ids}
        except FlexVMError as exc:
            return dict.fromkeys(ids, exc)

    def _pages(self, ids: set[str]) -> int:
        size = max(self._known_size, len(ids))
        return max(1, math.ceil(size / self._page_size))

    async def _list(
        self, ids: set[str], deadline: float
    ) -> dict[str, Reading]:
        found: dict[str, Reading] = {}
        listed: set[Any] = set()
        count = running = provisioning = 0
        async for item in iter_pages(
            self._transport,
            self._path,
            self._model,
            page_size=self._page_size,
            sizes=self._sizes,
            deadline=deadline,
            retry=_ONE_TRY,
            known=self._known,
        ):
            count += 1
            item_id = getattr(item, "id", None)
            listed.add(item_id)
            if item_id in ids:
                found[item_id] = item
            if isinstance(item, Node):
                running += item.status is NodeStatus.RUNNING
                provisioning += item.status.is_provisioning
            if len(found) == len(ids) and count % self._page_size == 0:
                # Every awaited node is in the pages read: the next page,
                # perhaps an empty one, would tell nothing more.
                break
        else:
            self._known_size = count
            for key in self._known.keys() - listed:
                del self._known[key]
            if self._hint is not None:
                self._hint.confirm(self._cloud_id, running, provisioning)
        return {rid: found.get(rid, GONE) for rid in ids}

    async def _one(self, resource_id: str, deadline: float) -> Reading:
        try:
            response = await self._transport.request(
                "GET",
                f"{self._path}/{resource_id}",
                deadline=deadline,
                retry=_ONE_TRY,
            )
        except NotFoundError:
            return GONE
        return self._transport.model(response, self._model)
