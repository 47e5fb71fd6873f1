"""``flexvm``'s entry point: parse, run on an event loop, map errors.

Exit statuses: 0 done (for ``scale``, every target met), 1 the API
refused or a cloud fell short, 2 the command line or its files are wrong
(nothing was changed), 130 interrupted by SIGINT or SIGTERM.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal
import sys
import threading
from collections.abc import Awaitable, Iterator, Sequence
from contextlib import contextmanager

from flexvm_async import FlexVMError, ScaleError
from flexvm_async.cli._config import UsageError, open_client
from flexvm_async.cli._demo import demo_command
from flexvm_async.cli._output import Output
from flexvm_async.cli._parser import build_parser
from flexvm_async.emulator import _cli as emulator_cli

__all__ = ["EXIT_API", "EXIT_INTERRUPTED", "EXIT_USAGE", "main"]

EXIT_API = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130
_STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


def _fail(message: object) -> None:
    # One line, whatever the error held: scripts read the first line.
    text = " ".join(str(message).split())
    sys.stderr.write(f"flexvm: error: {text}\n")
    sys.stderr.flush()


@contextmanager
def _sdk_logging(verbose: int) -> Iterator[None]:
    """Send the SDK's log to stderr with ``-v``; keep it quiet otherwise.

    Without a handler Python would print the SDK's warnings on its own,
    across the progress display, which already shows them.
    """
    logger = logging.getLogger("flexvm_async")
    handler: logging.Handler = logging.NullHandler()
    level = logger.level
    if verbose:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(name)s: %(message)s"))
        logger.setLevel(logging.DEBUG if verbose > 1 else logging.INFO)
    logger.addHandler(handler)
    try:
        yield
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)


async def _interruptible(work: Awaitable[int]) -> int:
    """Run `work`; on SIGINT or SIGTERM cancel it and return 130.

    Cancelling lets every command stop issuing requests and print what
    it had done before the session closes.
    """
    loop = asyncio.get_running_loop()
    task = asyncio.current_task()
    assert task is not None  # noqa: S101 - always inside asyncio.run
    stopped: list[int] = []

    def stop(signum: int) -> None:
        stopped.append(signum)
        task.cancel()

    # Signal handlers can only be set from the main thread.
    handled = threading.current_thread() is threading.main_thread()
    if handled:
        for signum in _STOP_SIGNALS:
            loop.add_signal_handler(signum, stop, signum)
    try:
        return await work
    except asyncio.CancelledError:
        if not stopped:
            raise
        # The cancellation is handled here; without this, a timeout
        # while the session closes would take it for a pending one.
        task.uncancel()
        sys.stderr.write("flexvm: interrupted\n")
        return EXIT_INTERRUPTED
    finally:
        if handled:
            for signum in _STOP_SIGNALS:
                loop.remove_signal_handler(signum)


async def _run(args: argparse.Namespace) -> int:
    out = Output(json=args.json)
    try:
        if args.local == "demo":
            return await _interruptible(demo_command(args, out))
        client = open_client(args)
        async with client:
            return await _interruptible(args.handler(client, args, out))
    except (UsageError, ScaleError, ValueError) as exc:
        # A ScaleError (an unknown cloud, say) comes before any change.
        _fail(exc)
        return EXIT_USAGE
    except FlexVMError as exc:
        _fail(exc)
        return EXIT_API


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``flexvm`` command line and return its exit status.

    Args:
        argv: The arguments, without the program name; ``sys.argv[1:]``
            by default.
    """
    try:
        args = build_parser().parse_args(argv)
    except UsageError as exc:
        _fail(exc)
        return EXIT_USAGE
    except SystemExit as exc:  # --help and --version end here
        return exc.code if isinstance(exc.code, int) else 0
    if args.local == "emulator":
        # The emulator handles its own signals and prints its own errors.
        return asyncio.run(emulator_cli.serve(args))
    try:
        with _sdk_logging(args.verbose):
            return asyncio.run(_run(args))
    except KeyboardInterrupt:
        # Only before or after the loop's own handlers are in place.
        return EXIT_INTERRUPTED
