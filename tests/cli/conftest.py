"""Fixtures for running ``flexvm`` in process against an emulator.

`main` runs its own event loop, so the emulator serves from a thread
with a loop of its own; the thread and its loop end with the test.
"""

from __future__ import annotations

import asyncio
import io
import threading
from collections.abc import Callable, Coroutine, Iterator
from typing import Any, Self, TypeVar

import attrs
import pytest

from flexvm_async.cli import main
from flexvm_async.emulator import DurationProfile, Emulator
from tests.conftest import TOKEN

T = TypeVar("T")

#: Polls a thousand times as often: with instant lifecycles, every wait
#: of a test ends within milliseconds.
FAST = ("--clock-speed", "1000")


class ThreadedEmulator:
    """An `Emulator` serving from a thread with its own event loop."""

    def __init__(self, **options: Any) -> None:
        self.options = {"api_key": TOKEN, "seed": 3, **options}
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever)
        self.emu: Emulator

    def call(self, coro: Coroutine[Any, Any, T]) -> T:
        """Run a coroutine on the emulator's loop and return its result."""
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(10)

    def run(self, func: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Call a function on the emulator's loop, as its handlers do."""

        async def call() -> T:
            return func(*args, **kwargs)

        return self.call(call())

    async def _start(self) -> Emulator:
        emu = Emulator(**self.options)
        await emu.start()
        return emu

    def __enter__(self) -> Self:
        self.thread.start()
        self.emu = self.call(self._start())
        return self

    def __exit__(self, *exc_info: object) -> None:
        try:
            self.call(self.emu.stop())
        finally:
            self.loop.call_soon_threadsafe(self.loop.stop)
            self.thread.join()
            self.loop.close()

    @property
    def url(self) -> str:
        return self.emu.url

    def live_nodes(self, cloud_id: str) -> list[str]:
        """Return the statuses of the cloud's nodes still served."""
        views = self.run(self.emu.nodes_of, cloud_id)
        return [v.status for v in views if v.served]


@pytest.fixture
def start_emulator() -> Iterator[Callable[..., ThreadedEmulator]]:
    """Start threaded emulators with the options given; stop them after."""
    started: list[ThreadedEmulator] = []

    def start(**options: Any) -> ThreadedEmulator:
        options.setdefault("profile", DurationProfile.instant())
        emulator = ThreadedEmulator(**options).__enter__()
        started.append(emulator)
        return emulator

    yield start
    for emulator in reversed(started):
        emulator.__exit__(None, None, None)


@pytest.fixture
def emulator(start_emulator):
    """A threaded emulator whose lifecycles take no time."""
    return start_emulator()


@attrs.frozen
class Result:
    """What one run of the command gave."""

    code: int
    out: str
    err: str

    @property
    def err_lines(self) -> list[str]:
        return self.err.splitlines()


class FakeTTY(io.StringIO):
    """A stream that says it is a terminal."""

    def isatty(self) -> bool:
        return True


@pytest.fixture
def env(monkeypatch):
    """The key in the environment, and no URL there."""
    monkeypatch.setenv("FLEXVM_API_KEY", TOKEN)
    monkeypatch.delenv("FLEXVM_API_URL", raising=False)
    monkeypatch.setenv("COLUMNS", "100")
    monkeypatch.setenv("LINES", "40")
    return monkeypatch


@pytest.fixture
def flexvm(env, capsys) -> Callable[..., Result]:
    """Run ``flexvm`` in process and capture what it wrote."""

    def run(*argv: str) -> Result:
        code = main(list(argv))
        captured = capsys.readouterr()
        assert TOKEN not in captured.out
        assert TOKEN not in captured.err
        assert "Traceback" not in captured.err
        return Result(code, captured.out, captured.err)

    return run


@pytest.fixture
def api(
    emulator: ThreadedEmulator, flexvm: Callable[..., Result]
) -> Callable[..., Result]:
    """Run an API command of ``flexvm`` against the emulator."""

    def run(*argv: str) -> Result:
        return flexvm("--api-url", emulator.url, *FAST, *argv)

    return run
