"""The entry point: the emulator command, signals, threads and logging."""

from __future__ import annotations

import asyncio
import logging
import threading

import pytest

from flexvm_async.cli import _main, main
from flexvm_async.emulator import _cli as emulator_cli


def test_the_emulator_command_reuses_the_emulators_options(monkeypatch):
    """``flexvm emulator`` parses the emulator's options and serves."""
    seen = []

    async def serve(args):
        seen.append(args)
        return 0

    monkeypatch.setattr(emulator_cli, "serve", serve)

    code = main(["emulator", "--port", "0", "--speed", "60", "--seed", "3"])

    assert code == 0
    [args] = seen
    assert (args.port, args.speed, args.seed) == (0, 60.0, 3)
    assert (args.host, args.max_page_size) == ("127.0.0.1", 100)


def test_the_emulator_command_returns_serves_status(monkeypatch, capsys):
    """A refused option comes back as the emulator's own status, 2."""
    assert main(["emulator", "--port", "0", "--max-page-size", "0"]) == 2
    assert capsys.readouterr().err.startswith("flexvm emulator: ")


async def test_a_cancellation_from_elsewhere_goes_on_up():
    """Only a signal turns a cancellation into exit status 130."""

    async def work() -> int:
        await asyncio.Event().wait()  # never set: only a cancel ends it
        return 0  # pragma: no cover - cancelled first

    task = asyncio.create_task(_main._interruptible(work()))
    await asyncio.sleep(0)
    task.cancel()

    with pytest.raises(asyncio.CancelledError):
        await task


def test_main_runs_outside_the_main_thread(api, emulator):
    """From a worker thread no signal handler is set; it still works."""
    emulator.run(emulator.emu.seed_cloud, "edge-01")
    codes = []
    worker = threading.Thread(
        target=lambda: codes.append(api("clouds", "list").code)
    )

    worker.start()
    worker.join()

    assert codes == [0]


def test_logging_is_left_as_it_was(api, emulator):
    """The SDK logger's level and handlers are restored after a run."""
    logger = logging.getLogger("flexvm_async")
    before = (logger.level, list(logger.handlers))

    api("-v", "clouds", "list")
    api("clouds", "list")

    assert (logger.level, list(logger.handlers)) == before
