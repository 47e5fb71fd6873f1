"""Emulators in processes of their own, so that the client's CPU is alone.

Two kinds: the stock command (``python -m flexvm_async.emulator``), and
`benchmarks._server`, which seeds clouds directly and also shows when each
node became running. Each child dies with the benchmark process (Linux's
parent-death signal), is ended by its pid when the block exits, and the
benchmark server also ends itself after a lifetime.
"""

from __future__ import annotations

import contextlib
import ctypes
import json
import selectors
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from typing import Any

import attrs
import requests

from benchmarks._common import API_KEY, BenchmarkError

__all__ = [
    "Server",
    "bench_server",
    "counters",
    "node_times",
    "stock_emulator",
]

_PR_SET_PDEATHSIG = 1
_START_TIMEOUT = 60.0


def _die_with_parent() -> None:  # pragma: no cover - runs in the child
    with contextlib.suppress(OSError, AttributeError):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


@contextlib.contextmanager
def _spawn(args: list[str]) -> Iterator[subprocess.Popen[str]]:
    proc = subprocess.Popen(  # noqa: S603 - our own interpreter and module
        args,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        preexec_fn=_die_with_parent,  # noqa: PLW1509 - no threads yet
    )
    try:
        yield proc
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)
        for stream in (proc.stdin, proc.stdout):
            if stream is not None:
                stream.close()


def _read_line(proc: subprocess.Popen[str], what: str) -> str:
    """Return the child's next output line, or fail loudly."""
    stdout = proc.stdout
    if stdout is None:
        raise BenchmarkError(f"{what}: no output pipe")
    with selectors.DefaultSelector() as selector:
        selector.register(stdout, selectors.EVENT_READ)
        if not selector.select(_START_TIMEOUT):
            raise BenchmarkError(f"{what} did not start in {_START_TIMEOUT}s")
    line = stdout.readline()
    if not line:
        raise BenchmarkError(f"{what} exited with {proc.wait(timeout=10)}")
    return line.strip()


@contextlib.contextmanager
def stock_emulator(speed: float = 1.0) -> Iterator[str]:
    """Run ``python -m flexvm_async.emulator`` on a free loopback port.

    Yields:
        Its base URL; it accepts `API_KEY`.
    """
    args = [
        sys.executable,
        "-m",
        "flexvm_async.emulator",
        "--host",
        "127.0.0.1",
        "--port",
        "0",
        "--speed",
        str(speed),
        "--api-key",
        API_KEY,
    ]
    with _spawn(args) as proc:
        line = _read_line(proc, "the emulator")
        if not line.startswith("FLEXVM_URL="):
            raise BenchmarkError(f"unexpected emulator output: {line!r}")
        yield line.removeprefix("FLEXVM_URL=")


@attrs.frozen
class Server:
    """A running `benchmarks._server`.

    Attributes:
        url: Its base URL.
        clouds: The seeded clouds: id, then the ids of its nodes.
        t0: The `time.monotonic` reading at which its clock read zero;
            its clock reads ``(time.monotonic() - t0) * speed``.
        speed: Emulated seconds per real second.
    """

    url: str
    clouds: tuple[tuple[str, tuple[str, ...]], ...]
    t0: float
    speed: float

    def emulated(self, monotonic: float) -> float:
        """Return the server's clock reading at a `time.monotonic` one."""
        return (monotonic - self.t0) * self.speed


@contextlib.contextmanager
def bench_server(
    *,
    speed: float,
    seed: int,
    clouds: int,
    nodes: int = 0,
    status: str = "requested",
    lifetime: float = 300.0,
) -> Iterator[Server]:
    """Run `benchmarks._server` with seeded clouds on a free port.

    Args:
        speed: Emulated seconds per real second.
        seed: The emulator's seed: ids and provisioning times.
        clouds: How many clouds to seed.
        nodes: Nodes seeded in each cloud.
        status: The status the seeded nodes start in.
        lifetime: Real seconds after which the server ends itself.

    Yields:
        The running server.
    """
    t0 = time.monotonic()
    args = [
        sys.executable,
        "-m",
        "benchmarks._server",
        f"--speed={speed}",
        f"--t0={t0!r}",
        f"--seed={seed}",
        f"--clouds={clouds}",
        f"--nodes={nodes}",
        f"--status={status}",
        f"--lifetime={lifetime}",
    ]
    with _spawn(args) as proc:
        info = json.loads(_read_line(proc, "the benchmark server"))
        yield Server(
            url=info["url"],
            clouds=tuple((c["id"], tuple(c["nodes"])) for c in info["clouds"]),
            t0=t0,
            speed=speed,
        )


def _admin(url: str, path: str) -> Any:
    response = requests.get(
        f"{url}/_emulator/{path}",
        headers={"PRIVATE-TOKEN": API_KEY},
        timeout=30,
    )
    response.raise_for_status()
    return response.json()


def counters(url: str) -> dict[str, int]:
    """Return an emulator's request counts by ``"METHOD /template"``."""
    routes: dict[str, int] = _admin(url, "counters")["routes"]
    return routes


def node_times(url: str) -> list[dict[str, Any]]:
    """Return every node of a `benchmarks._server` with its timestamps."""
    nodes: list[dict[str, Any]] = _admin(url, "bench/nodes")
    return nodes
