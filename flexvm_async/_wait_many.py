"""Waiting on many operations at once: `wait_all` and `as_completed`."""

from __future__ import annotations

import abc
import asyncio
from collections.abc import AsyncGenerator, Iterable

from flexvm_async._errors import FlexVMError, WaitTimeoutError
from flexvm_async._models import Node
from flexvm_async._wait_types import (
    OnChange,
    Operation,
    Outcome,
    WaitPolicy,
    WaitResults,
)

__all__ = ["ManyWaits"]

# Waits started between two turns of the event loop in as_completed.
_START_SLICE = 200


class ManyWaits(abc.ABC):
    """The many-operation side of `Waiters`, built on its `wait`."""

    @abc.abstractmethod
    async def wait(
        self,
        operation: Operation,
        policy: WaitPolicy | None = None,
        *,
        on_change: OnChange | None = None,
    ) -> Node | None:
        """Wait for one operation: the running node, or None for a removal."""

    async def _outcome(
        self,
        operation: Operation,
        policy: WaitPolicy | None,
        on_change: OnChange | None,
    ) -> Outcome:
        try:
            node = await self.wait(operation, policy, on_change=on_change)
        except FlexVMError as exc:
            return Outcome(operation, error=exc)
        return Outcome(operation, result=node)

    async def as_completed(
        self,
        operations: Iterable[Operation],
        policy: WaitPolicy | None = None,
        *,
        on_change: OnChange | None = None,
    ) -> AsyncGenerator[Outcome]:
        """Wait on every operation at once; yield each as it settles.

        Errors are yielded as outcomes, not raised. Leaving the loop early
        cancels the waits still running.
        """
        tasks: list[asyncio.Future[Outcome]] = []
        try:
            for op in operations:
                tasks.append(
                    asyncio.ensure_future(self._outcome(op, policy, on_change))
                )
                if len(tasks) % _START_SLICE == 0:
                    # Let the waits started so far take their first step,
                    # so that thousands do not hold the loop in one go.
                    await asyncio.sleep(0)
            for next_done in asyncio.as_completed(tasks):
                yield await next_done
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

    async def wait_all(
        self,
        operations: Iterable[Operation],
        policy: WaitPolicy | None = None,
        *,
        on_change: OnChange | None = None,
        stop_on_failure: bool = False,
    ) -> WaitResults:
        """Wait on every operation at once and partition the outcomes.

        Args:
            operations: What to wait for.
            policy: The policy for every wait; by default each kind's own.
            on_change: Called on every status change seen.
            stop_on_failure: Cancel the other waits once one fails; by
                default one failure does not stop the rest.
        """
        ops = list(operations)
        outcomes: list[Outcome] = []
        stream = self.as_completed(ops, policy, on_change=on_change)
        async for outcome in stream:
            outcomes.append(outcome)
            if stop_on_failure and not outcome.ok:
                await stream.aclose()
                break
        done = {id(o.operation) for o in outcomes}
        return WaitResults(
            succeeded=tuple(o for o in outcomes if o.ok),
            failed=tuple(
                o
                for o in outcomes
                if o.error and not isinstance(o.error, WaitTimeoutError)
            ),
            timed_out=tuple(
                o for o in outcomes if isinstance(o.error, WaitTimeoutError)
            ),
            cancelled=tuple(op for op in ops if id(op) not in done),
        )
