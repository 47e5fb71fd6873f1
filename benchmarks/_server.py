"""An emulator process for the benchmarks: ``python -m benchmarks._server``.

It seeds clouds (and nodes) directly, listens on 127.0.0.1, prints one
JSON line (its URL and the seeded ids) and serves until SIGTERM, until
its standard input closes (the benchmark has gone) or until its lifetime
ends. Its clock reads ``(time.monotonic() - t0) * speed``, with ``t0``
given by the benchmark, so both processes can tell emulated time from a
`time.monotonic` reading. ``GET /_emulator/bench/nodes`` lists every node
with the clock readings at which it was created and became running.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import signal
import sys
import time
from collections.abc import Sequence

from aiohttp import web

from benchmarks._common import API_KEY
from flexvm_async.emulator import Emulator, ScaledClock

__all__ = ["main"]


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m benchmarks._server")
    parser.add_argument("--speed", type=float, required=True)
    parser.add_argument("--t0", type=float, required=True)
    parser.add_argument("--seed", type=int, required=True)
    parser.add_argument("--clouds", type=int, required=True)
    parser.add_argument("--nodes", type=int, default=0)
    parser.add_argument("--status", default="requested")
    parser.add_argument("--lifetime", type=float, default=300.0)
    return parser


def _times_route(emu: Emulator) -> web.RouteDef:
    async def times(request: web.Request) -> web.Response:
        del request
        return web.json_response(
            [
                {
                    "id": node.id,
                    "cloud_id": node.cloud_id,
                    "status": node.status,
                    "created_at": node.created_at,
                    "running_at": node.running_at,
                    "deleted_at": node.deleted_at,
                }
                for node in emu.nodes.values()
            ]
        )

    return web.get("/_emulator/bench/nodes", times, allow_head=False)


async def _serve(args: argparse.Namespace) -> None:
    start = (time.monotonic() - args.t0) * args.speed
    clock = ScaledClock(args.speed, start=start)
    emu = Emulator(API_KEY, clock=clock, seed=args.seed)
    seeded = [
        emu.seed_cloud(f"fleet-{i:03}", nodes=args.nodes, status=args.status)
        for i in range(args.clouds)
    ]
    emu.app.router.add_routes([_times_route(emu)])

    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)

    def stdin_closed() -> None:
        if not sys.stdin.readline():
            stop.set()

    loop.add_reader(sys.stdin.fileno(), stdin_closed)
    async with emu:
        line = {
            "url": emu.url,
            "clouds": [
                {"id": cloud.cloud_id, "nodes": list(cloud.node_ids)}
                for cloud in seeded
            ],
        }
        sys.stdout.write(json.dumps(line) + "\n")
        sys.stdout.flush()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), args.lifetime)
    loop.remove_reader(sys.stdin.fileno())


def main(argv: Sequence[str] | None = None) -> int:
    """Serve until told to stop; return the exit status."""
    asyncio.run(_serve(_parser().parse_args(argv)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
