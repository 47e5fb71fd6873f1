"""The emulator as a command: ``python -m flexvm_async.emulator``.

`add_arguments` and `serve` are separate so that another command line
(a ``flexvm emulator`` subcommand, say) can reuse them.
"""

from __future__ import annotations

import argparse
import asyncio
import signal
import sys
from collections.abc import Sequence
from typing import TextIO

from flexvm_async.emulator._profile import DurationProfile
from flexvm_async.emulator._server import Emulator

__all__ = ["add_arguments", "main", "serve"]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the emulator's options to a parser.

    Args:
        parser: The parser, or a subcommand's parser.
    """
    parser.add_argument(
        "--host", default="127.0.0.1", help="address to listen on"
    )
    parser.add_argument(
        "--port", type=int, default=8080, help="port; 0 picks a free one"
    )
    parser.add_argument(
        "--speed",
        type=float,
        default=1.0,
        help="emulated seconds per real second (60: a minute per second)",
    )
    parser.add_argument(
        "--api-key", help="token to accept; a random one when omitted"
    )
    parser.add_argument("--seed", type=int, help="seed for reproducible runs")
    parser.add_argument(
        "--max-page-size", type=int, default=100, help="cap on a page's size"
    )
    parser.add_argument(
        "--vms-per-node", type=int, default=8, help="most VMs on one node"
    )
    parser.add_argument(
        "--node-failure-rate",
        type=float,
        default=0.0,
        help="share of nodes that end failed, from 0 to 1",
    )


def _emulator(args: argparse.Namespace) -> Emulator:
    return Emulator(
        args.api_key,
        speed=args.speed,
        host=args.host,
        port=args.port,
        profile=DurationProfile(node_failure_rate=args.node_failure_rate),
        max_page_size=args.max_page_size,
        seed=args.seed,
        vms_per_node=args.vms_per_node,
    )


async def serve(
    args: argparse.Namespace,
    *,
    out: TextIO | None = None,
    stop: asyncio.Event | None = None,
) -> int:
    """Run the emulator until SIGINT or SIGTERM (or ``stop`` is set).

    Prints two lines once it listens, for scripts to read: the base URL,
    then the token::

        FLEXVM_URL=http://127.0.0.1:8080
        FLEXVM_API_KEY=...

    Args:
        args: Options parsed with `add_arguments`.
        out: Where the two lines go; standard output by default.
        stop: An event that stops the server when set, for callers that
            handle signals themselves.

    Returns:
        The exit status: 0 after a clean stop, 2 if the options were
        refused or the port could not be bound.
    """
    out = out or sys.stdout
    stop = stop or asyncio.Event()
    try:
        emulator = _emulator(args)
        await emulator.start()
    except (ValueError, OSError) as exc:
        sys.stderr.write(f"flexvm emulator: {exc}\n")
        return 2

    loop = asyncio.get_running_loop()
    signals = (signal.SIGINT, signal.SIGTERM)
    for signum in signals:
        loop.add_signal_handler(signum, stop.set)
    try:
        # Printing the token is the point here: it is how a user learns
        # the key of an emulator started without one.
        out.write(f"FLEXVM_URL={emulator.url}\n")
        out.write(f"FLEXVM_API_KEY={emulator.api_key}\n")
        out.flush()
        await stop.wait()
    finally:
        for signum in signals:
            loop.remove_signal_handler(signum)
        await emulator.stop()

    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Parse the command line and serve; return the exit status."""
    parser = argparse.ArgumentParser(
        prog="python -m flexvm_async.emulator",
        description="Serve an emulated FlexVM API on this machine.",
    )
    add_arguments(parser)

    return asyncio.run(serve(parser.parse_args(argv)))
