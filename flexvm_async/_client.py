"""`FlexVMClient`, the entry point of the SDK."""

from __future__ import annotations

import asyncio
import os
import random
from collections.abc import Mapping
from importlib.metadata import version
from types import TracebackType
from typing import Any, Self

import aiohttp

from flexvm_async._catalog import CapacityAPI, Images, InstanceTypes, Reports
from flexvm_async._clouds import Clouds
from flexvm_async._http import Transport
from flexvm_async._ids import check_base_url
from flexvm_async._nodes import Nodes
from flexvm_async._paging import PageSizes
from flexvm_async._retry import Clock, RetryPolicy, Sleep
from flexvm_async._scale import Scaler
from flexvm_async._scale_types import OnEvent, ScaleReport
from flexvm_async._vms import VMs
from flexvm_async._wait_types import OnChange, WaitPolicy
from flexvm_async._waiters import Waiters

__all__ = ["DEFAULT_BASE_URL", "FlexVMClient"]

DEFAULT_BASE_URL = "https://api.i3d.net"
_ENV_KEY = "FLEXVM_API_KEY"


def _loop_time() -> float:
    return asyncio.get_running_loop().time()


_MAX_PAGE = 1000


class FlexVMClient:
    """An async client of the FlexVM API, sharing one aiohttp session.

    Use it as an async context manager, or call `close` when done::

        async with FlexVMClient(api_key) as client:
            clouds = await client.clouds.list()

    Retries: GET and DELETE requests are retried on connection errors,
    timeouts, lost responses and the statuses 429, 500, 502, 503 and 504.
    A POST (creating a cloud, adding a node, creating a VM, sending a
    command) is retried only when the connection could not be made or the
    API answered 429 or 503; after a timeout, a lost response or another
    5xx it may have been carried out, so it is not repeated and the error
    is raised. Delays grow
    exponentially (0.5 s, doubling, at most 30 s, with up to half cut at
    random), a ``Retry-After`` header is honoured as a floor, and a request
    makes at most 5 tries within 120 s. Pass a `RetryPolicy` to change any
    of that. A DELETE repeated after a lost answer counts as accepted when
    the API then says the resource is gone.

    Concurrency: every request goes through one connection pool, and at
    most `max_in_flight` requests are on the wire at once; any number of
    tasks may share one client.

    Security: the key is sent only in the ``PRIVATE-TOKEN`` header. It never
    appears in a repr, a log record or an error message. Redirects are not
    followed (the key would go with them) but raised as `RedirectError`.
    Bodies larger than `max_body_bytes` are refused.

    Args:
        api_key: The API key; defaults to the ``FLEXVM_API_KEY`` environment
            variable.
        base_url: Scheme, host and port of the API. Plain ``http`` is
            allowed only for a loopback host, such as the emulator.
        session: An aiohttp session to use; it is left open on close. By
            default the client opens its own on first use and closes it.
            The client's own session has aiohttp's silent resend of GET
            and DELETE turned off, so that a DELETE which may have landed
            is known as such; a session passed in is left as it is.
        retry: The retry policy.
        max_in_flight: The most requests on the wire at once.
        page_size: Items asked for per page when listing (1 to 1000).
        max_body_bytes: The largest response body accepted.
        sleep: The coroutine used to wait between tries and polls; tests
            pass a fake.
        clock: A monotonic clock in seconds, paired with `sleep`; by
            default the running event loop's.
        seed: Seeds the jitter, for reproducible schedules.
        coalesce: Let the waits of one cloud share their polls.
        capacity_hint: While nodes of several clouds are awaited running,
            read ``GET /capacity`` to learn which clouds have a node newly
            running and poll those first (used only once the API's counts
            are seen to follow running nodes; see `WaitPolicy`).
        on_change: Called with every status change any wait sees.

    Raises:
        ValueError: No key was found, or an argument is out of range.
    """

    def __init__(
        self,
        api_key: str | None = None,
        *,
        base_url: str = DEFAULT_BASE_URL,
        session: aiohttp.ClientSession | None = None,
        retry: RetryPolicy | None = None,
        max_in_flight: int = 64,
        page_size: int = 100,
        max_body_bytes: int = 16 * 1024 * 1024,
        sleep: Sleep = asyncio.sleep,
        clock: Clock | None = None,
        seed: int | None = None,
        coalesce: bool = True,
        capacity_hint: bool = True,
        on_change: OnChange | None = None,
    ) -> None:
        """Check the settings; nothing is sent until the first call."""
        key = api_key if api_key is not None else os.environ.get(_ENV_KEY)
        if not key:
            raise ValueError(
                f"no API key: pass api_key or set {_ENV_KEY} in the "
                "environment"
            )
        if not 1 <= page_size <= _MAX_PAGE:
            raise ValueError(
                f"page_size must be between 1 and {_MAX_PAGE}, not {page_size}"
            )
        self.base_url = check_base_url(base_url)
        self.retry = retry or RetryPolicy()
        self.transport = Transport(
            api_key=key,
            base_url=self.base_url,
            session=session,
            retry=self.retry,
            max_in_flight=max_in_flight,
            max_body_bytes=max_body_bytes,
            user_agent=f"flexvm-async/{version('flexvm-async')}",
            sleep=sleep,
            clock=clock or _loop_time,
            rng=random.Random(seed),  # noqa: S311 - jitter, not secrets
        )
        self.waiters = Waiters(
            self.transport,
            sleep=sleep,
            clock=clock or _loop_time,
            page_size=page_size,
            coalesce=coalesce,
            seed=seed,
            on_change=on_change,
            capacity_hint=capacity_hint,
        )
        sizes = PageSizes()
        t = self.transport
        self.clouds = Clouds(t, page_size=page_size, sizes=sizes)
        self.nodes = Nodes(
            t, page_size=page_size, sizes=sizes, waiters=self.waiters
        )
        self.vms = VMs(
            t, page_size=page_size, sizes=sizes, waiters=self.waiters
        )
        self.images = Images(t, page_size=page_size, sizes=sizes)
        self.instance_types = InstanceTypes(
            t, page_size=page_size, sizes=sizes
        )
        self.capacity = CapacityAPI(t, page_size=page_size, sizes=sizes)
        self.reports = Reports(t, page_size=page_size, sizes=sizes)

    def __repr__(self) -> str:
        """Show where the client points, never its key."""
        return f"FlexVMClient(base_url={self.base_url!r}, api_key=<redacted>)"

    def scaler(self, targets: Mapping[str, int], **options: Any) -> Scaler:
        """Return a `Scaler` for `targets`, to `run` and read its report.

        Takes the same options as `scale`.
        """
        return Scaler(self, targets, **options)

    async def scale(
        self,
        targets: Mapping[str, int],
        *,
        max_clouds: int = 256,
        replace_failed: int = 0,
        remove_failed: bool = False,
        evict_vms: bool = False,
        policy: WaitPolicy | None = None,
        removal_policy: WaitPolicy | None = None,
        vm_policy: WaitPolicy | None = None,
        max_rounds: int = 6,
        on_event: OnEvent | None = None,
    ) -> ScaleReport:
        """Bring every named cloud to its target number of nodes, at once.

        For each cloud (named by id or by name) the run reads its nodes,
        counts the live ones (running or provisioning), orders what is
        missing or releases the surplus, waits for every operation to
        settle and reads the cloud again, until the count is right. It is
        convergent: running it again changes nothing once the targets are
        met, and finishes the work of a run that was interrupted.

        It never orders a machine twice: after an order whose answer was
        lost, the cloud is read and counted again before anything more is
        ordered, so the count never goes above the target. To shrink, it
        releases still-provisioning nodes first (once they run, as the API
        requires), then running nodes without VMs; a node hosting VMs is
        only released with `evict_vms`, after its VMs are deleted.

        Args:
            targets: Cloud id or name to the number of nodes wanted.
            max_clouds: Clouds worked on at once; requests in flight are
                capped by the client's own `max_in_flight`.
            replace_failed: Nodes per cloud to order again when one this
                run ordered ends ``failed``.
            remove_failed: Release ``failed`` nodes found in the clouds.
            evict_vms: Allow releasing nodes that host VMs, deleting the
                VMs first.
            policy: How to wait for provisioning.
            removal_policy: How to wait for removals.
            vm_policy: How to wait for VMs deleted by `evict_vms`.
            max_rounds: Rounds of read, change and wait per cloud.
            on_event: Called with each `ScaleEvent`, for progress displays.

        Returns:
            The report, per cloud: counts before and after, nodes added,
            removed and failed, requests spent, time, and problems. A cloud
            that fails does not stop the others.

        Raises:
            ScaleError: A target is invalid or names no cloud; nothing was
                changed.
        """
        return await Scaler(
            self,
            targets,
            max_clouds=max_clouds,
            replace_failed=replace_failed,
            remove_failed=remove_failed,
            evict_vms=evict_vms,
            policy=policy,
            removal_policy=removal_policy,
            vm_policy=vm_policy,
            max_rounds=max_rounds,
            on_event=on_event,
        ).run()

    async def __aenter__(self) -> Self:
        """Open the session (unless one was given) and return the client."""
        _ = self.transport.session
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        """Close the client."""
        await self.close()

    async def close(self) -> None:
        """Close the session if the client opened it; safe to repeat."""
        await self.transport.close()
