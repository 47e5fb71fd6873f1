"""`Emulator`: a FlexVM API server on loopback, with its state in memory."""

from __future__ import annotations

import asyncio
import random
import secrets
import socket
from collections.abc import Awaitable, Callable, Iterable, Mapping
from datetime import UTC, datetime
from types import TracebackType
from typing import Self

import attrs
from aiohttp import web

from flexvm_async.emulator import _apierror as err
from flexvm_async.emulator import _views as views
from flexvm_async.emulator._admin import Admin
from flexvm_async.emulator._api import API_ROUTES, Api
from flexvm_async.emulator._catalog import (
    DEFAULT_BARE_METAL,
    DEFAULT_IMAGE,
    DEFAULT_VM_TYPE,
    IMAGES,
    VM_TYPES,
)
from flexvm_async.emulator._clock import Clock, ScaledClock
from flexvm_async.emulator._counters import Counters
from flexvm_async.emulator._faults import FaultSet
from flexvm_async.emulator._middleware import Middleware
from flexvm_async.emulator._plans import Planner
from flexvm_async.emulator._profile import DurationProfile
from flexvm_async.emulator._records import NODE_STATUSES, VM_STATUSES
from flexvm_async.emulator._store import Store

__all__ = ["DEFAULT_EPOCH", "Emulator", "SeededCloud"]

#: The wall time of clock reading zero, unless told otherwise.
DEFAULT_EPOCH = datetime(2026, 6, 1, tzinfo=UTC)


@attrs.frozen
class SeededCloud:
    """What `Emulator.seed_cloud` created.

    Attributes:
        cloud_id: The cloud's UUID.
        node_ids: Its nodes' UUIDs, in order.
    """

    cloud_id: str
    node_ids: tuple[str, ...]


class Emulator:
    """A FlexVM API server for tests, demos and benchmarks.

    Use it as an async context manager; it listens on loopback from
    ``__aenter__`` until ``__aexit__``::

        async with Emulator(clock=ManualClock()) as emu:
            ...  # point a client at emu.url with emu.api_key

    Args:
        api_key: The token the server accepts in ``PRIVATE-TOKEN``; a
            random one when omitted or empty.
        speed: Emulated seconds per real second, when no ``clock`` is
            given (``speed=60`` turns a ten-minute bootstrap into ten
            seconds).
        clock: The clock lifecycles run on, e.g. a `ManualClock`.
        host: The address to listen on.
        port: The port to listen on; 0 picks a free one.
        profile: Phase durations and failure rates.
        max_page_size: The most items a page holds, whatever
            ``RANGED-DATA`` asks for.
        seed: Seeds ids, serials, durations and fault draws, for
            reproducible runs.
        vms_per_node: The most VMs one node hosts, on top of its vCPU,
            memory and PCI limits.
        sleep: The sleep latency faults go through; `asyncio.sleep`
            unless a test substitutes its own.
        epoch: The wall time of clock reading zero; timestamps in the
            JSON are this plus the clock's seconds.

    Raises:
        ValueError: If both ``speed`` and ``clock`` are given, or a
            number is out of range.

    Attributes:
        profile: The phase durations and failure rates in use.
        counters: Requests received, by method and route template.
        faults: The faults to inject; add and clear them at any time.
        app: The aiohttp application, to mount or serve some other way.
    """

    def __init__(
        self,
        api_key: str | None = None,
        *,
        speed: float = 1.0,
        clock: Clock | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        profile: DurationProfile | None = None,
        max_page_size: int = 100,
        seed: int | None = None,
        vms_per_node: int = 8,
        sleep: Callable[[float], Awaitable[object]] = asyncio.sleep,
        epoch: datetime = DEFAULT_EPOCH,
    ) -> None:
        """Set up the state; nothing listens until `start`."""
        if clock is not None and speed != 1.0:
            raise ValueError("give a clock or a speed, not both")
        if max_page_size < 1 or vms_per_node < 1:
            raise ValueError("max_page_size and vms_per_node must be >= 1")

        self._api_key = api_key or secrets.token_urlsafe(32)
        self._clock = clock if clock is not None else ScaledClock(speed)
        self._host = host
        self._port = port
        self.profile = profile or DurationProfile()
        # Random is for reproducible simulation here, not for secrets.
        rng = random.Random(seed)  # noqa: S311
        fault_rng = random.Random(rng.getrandbits(64))  # noqa: S311
        self._store = Store(
            self._clock,
            Planner(self.profile, rng),
            rng,
            epoch.timestamp(),
            vms_per_node,
        )
        self.counters = Counters()
        self.faults = FaultSet(
            (f"{method} {path}" for method, path, _ in API_ROUTES), fault_rng
        )
        self._middleware = Middleware(
            self._api_key, self.counters, self.faults, sleep
        )
        self.app = self._make_app(max_page_size)
        self._runner: web.AppRunner | None = None

    def _make_app(self, max_page_size: int) -> web.Application:
        app = web.Application(middlewares=[self._middleware.handle])
        app.add_routes(Api(self._store, max_page_size).routes())
        admin = Admin(
            self.counters, self.faults, self._clock, self._store.epoch
        )
        app.add_routes(admin.routes())
        return app

    @property
    def api_key(self) -> str:
        """The token the server accepts."""
        return self._api_key

    @property
    def clock(self) -> Clock:
        """The clock lifecycles run on."""
        return self._clock

    @property
    def sleep(self) -> Callable[[float], Awaitable[object]]:
        """The sleep latency faults go through."""
        return self._middleware.sleep

    @sleep.setter
    def sleep(self, sleep: Callable[[float], Awaitable[object]]) -> None:
        self._middleware.sleep = sleep

    @property
    def port(self) -> int:
        """The port listened on; the real one once started."""
        return self._port

    @property
    def url(self) -> str:
        """The base URL, e.g. ``http://127.0.0.1:54321``, no trailing slash.

        Raises:
            RuntimeError: If the server has not been started.
        """
        if self._runner is None:
            raise RuntimeError("the emulator is not running")
        host = f"[{self._host}]" if ":" in self._host else self._host
        return f"http://{host}:{self._port}"

    async def start(self) -> None:
        """Start listening.

        Raises:
            RuntimeError: If it is already running.
        """
        if self._runner is not None:
            raise RuntimeError("the emulator is already running")

        family = socket.AF_INET6 if ":" in self._host else socket.AF_INET
        sock = socket.socket(family, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((self._host, self._port))
        except OSError:
            sock.close()
            raise
        self._port = sock.getsockname()[1]
        # No access log: at thousands of requests a second it would be
        # most of the cost. Signals belong to whoever runs the loop.
        runner = web.AppRunner(
            self.app, access_log=None, handle_signals=False, shutdown_timeout=1
        )
        await runner.setup()
        # A deep backlog: benchmarks open hundreds of connections at once.
        await web.SockSite(runner, sock, backlog=4096).start()
        self._runner = runner

    async def stop(self) -> None:
        """Stop listening and close every connection; idempotent."""
        runner, self._runner = self._runner, None
        if runner is not None:
            await runner.cleanup()

    async def __aenter__(self) -> Self:
        """Start the server."""
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        """Stop the server."""
        await self.stop()

    def __repr__(self) -> str:
        """Show where it listens, never the token."""
        state = self.url if self._runner is not None else "stopped"
        return f"<Emulator {state} clock={self._clock!r}>"

    # Views

    @property
    def clouds(self) -> Mapping[str, views.CloudView]:
        """Every cloud ever created, deleted ones too, by id."""
        store = self._store
        return views.LiveMapping(store.clouds, views.cloud_view, store.now)

    @property
    def nodes(self) -> Mapping[str, views.NodeView]:
        """Every node ever created, deleted ones too, by id."""
        store = self._store
        return views.LiveMapping(store.nodes, views.node_view, store.now)

    @property
    def vms(self) -> Mapping[str, views.VMView]:
        """Every VM ever created, deleted ones too, by id."""
        store = self._store
        return views.LiveMapping(store.vms, views.vm_view, store.now)

    def nodes_of(self, cloud_id: str) -> list[views.NodeView]:
        """Return every node ever created in a cloud, in order.

        Raises:
            KeyError: If no such cloud was ever created.
        """
        now = self._store.now()
        cloud = self._store.clouds[cloud_id]
        return [views.node_view(node, now) for node in cloud.nodes.values()]

    def vms_of(self, cloud_id: str) -> list[views.VMView]:
        """Return every VM ever created in a cloud, in order.

        Raises:
            KeyError: If no such cloud was ever created.
        """
        now = self._store.now()
        cloud = self._store.clouds[cloud_id]
        return [views.vm_view(vm, now) for vm in cloud.vms.values()]

    # Seeding

    def seed_cloud(
        self,
        name: str,
        *,
        site: str = "frmtl1",
        instance_type: str = DEFAULT_BARE_METAL,
        description: str | None = None,
        nodes: int = 0,
        status: str = "running",
    ) -> SeededCloud:
        """Create a cloud with nodes directly, without a request.

        Args:
            name: The cloud's name.
            site: Its site.
            instance_type: Its bare-metal type.
            description: Its description.
            nodes: How many nodes to give it.
            status: The status the nodes start in; one in transition
                carries on along its lifecycle from now.

        Returns:
            The ids created.

        Raises:
            ValueError: If the API would refuse the cloud.
        """
        try:
            cloud = self._store.create_cloud(
                name, site, instance_type, description
            )
        except err.ApiError as exc:
            raise ValueError(exc.message) from None
        node_ids = tuple(
            self.seed_node(cloud.id, status=status) for _ in range(nodes)
        )

        return SeededCloud(cloud.id, node_ids)

    def seed_node(self, cloud_id: str, *, status: str = "running") -> str:
        """Add a node to a cloud directly; return its id.

        Raises:
            ValueError: If the status is not a node status.
            KeyError: If the cloud does not exist.
        """
        if status not in NODE_STATUSES:
            raise ValueError(f"unknown node status {status!r}")
        cloud = self._store.live_clouds[cloud_id]

        return self._store.create_node(cloud, status).id

    def seed_vm(
        self,
        cloud_id: str,
        *,
        name: str = "vm",
        status: str = "running",
        instance_type: str = DEFAULT_VM_TYPE,
        image: str = DEFAULT_IMAGE,
        tags: Iterable[str] = (),
        description: str | None = None,
    ) -> str:
        """Add a VM to a cloud directly, on a node with room; return its id.

        Raises:
            ValueError: If a name or status is unknown, or no running
                node has room.
            KeyError: If the cloud does not exist.
        """
        if status not in VM_STATUSES:
            raise ValueError(f"unknown VM status {status!r}")
        if instance_type not in VM_TYPES or image not in IMAGES:
            raise ValueError("unknown instance type or image")
        cloud = self._store.live_clouds[cloud_id]
        try:
            vm = self._store.create_vm(
                cloud,
                name=name,
                description=description,
                vm_type=VM_TYPES[instance_type],
                image=IMAGES[image],
                tags=tuple(tags),
                status=status,
            )
        except err.ApiError as exc:
            raise ValueError(exc.message) from None

        return vm.id
