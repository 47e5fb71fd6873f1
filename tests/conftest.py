"""Fixtures shared by the SDK's tests."""

from __future__ import annotations

import inspect
import logging
from collections.abc import AsyncIterator, Iterator
from typing import Any

import aiohttp
import pytest
from aioresponses import aioresponses
from aioresponses import core as aioresponses_core

from flexvm_async import FlexVMClient, RetryPolicy

TOKEN = "tok-5ecret-never-printed-0123456789"
BASE = "https://api.test"
API = f"{BASE}/v3/flexVM"


class FakeTime:
    """A clock and a sleep that move together, without real waiting."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


class _Recorder(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@pytest.fixture(autouse=True)
def _no_token_in_logs() -> Iterator[_Recorder]:
    """Record every log record of each test at DEBUG; none has the token."""
    recorder = _Recorder()
    root = logging.getLogger()
    sdk = logging.getLogger("flexvm_async")
    old_level = sdk.level
    sdk.setLevel(logging.DEBUG)
    root.addHandler(recorder)
    try:
        yield recorder
    finally:
        root.removeHandler(recorder)
        sdk.setLevel(old_level)
    for record in recorder.records:
        text = record.getMessage() + repr(record.__dict__)
        assert TOKEN not in text, f"token leaked in log: {record.name}"


@pytest.fixture
def log_records(_no_token_in_logs: _Recorder) -> list[logging.LogRecord]:
    """The log records of the running test."""
    return _no_token_in_logs.records


@pytest.fixture
def fake_time() -> FakeTime:
    """A fake clock and sleep for retry schedules."""
    return FakeTime()


class _SentWriter:
    """Stands for the writer of a request that is already sent."""

    output_size = 0


class _CompatResponse(aiohttp.ClientResponse):
    """aioresponses 0.7 predates the ``stream_writer`` of aiohttp 3.14."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("stream_writer", _SentWriter())
        super().__init__(*args, **kwargs)


@pytest.fixture
def mocked(monkeypatch: pytest.MonkeyPatch) -> Iterator[aioresponses]:
    """Intercept aiohttp requests; nothing reaches a network."""
    needs = (
        "stream_writer"
        in inspect.signature(aiohttp.ClientResponse.__init__).parameters
    )
    if needs:
        monkeypatch.setattr(
            aioresponses_core, "ClientResponse", _CompatResponse
        )
    with aioresponses() as mock:
        yield mock


@pytest.fixture
async def client(fake_time: FakeTime) -> AsyncIterator[FlexVMClient]:
    """A client for the mocked API with a fake clock and seeded jitter."""
    async with FlexVMClient(
        TOKEN,
        base_url=BASE,
        sleep=fake_time.sleep,
        clock=fake_time.clock,
        seed=7,
        retry=RetryPolicy(),
    ) as sdk:
        yield sdk
