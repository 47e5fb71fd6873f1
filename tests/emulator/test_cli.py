"""The command line: ``python -m flexvm_async.emulator``."""

from __future__ import annotations

import argparse
import asyncio
import io
import runpy
import signal
import socket
import sys
from pathlib import Path

import aiohttp
import pytest

from flexvm_async.emulator import _cli

STARTUP = 30  # seconds a fresh interpreter may take to import and bind


async def _spawn(*args: str) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "flexvm_async.emulator",
        *args,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )


async def _read_banner(proc: asyncio.subprocess.Process) -> tuple[str, str]:
    assert proc.stdout is not None
    url_line = await asyncio.wait_for(proc.stdout.readline(), STARTUP)
    key_line = await asyncio.wait_for(proc.stdout.readline(), STARTUP)
    url = url_line.decode().strip().removeprefix("FLEXVM_URL=")
    key = key_line.decode().strip().removeprefix("FLEXVM_API_KEY=")
    return url, key


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
async def test_command_serves_until_signalled(signum) -> None:
    """The command prints URL and token, serves, and exits 0 on a signal."""
    proc = await _spawn("--port", "0", "--speed", "60", "--api-key", "k-1")
    try:
        url, key = await _read_banner(proc)
        async with (
            aiohttp.ClientSession(url) as session,
            session.get(
                "/v3/flexVM/images", headers={"PRIVATE-TOKEN": key}
            ) as resp,
        ):
            assert resp.status == 200
        proc.send_signal(signum)
        code = await asyncio.wait_for(proc.wait(), STARTUP)
    finally:
        if proc.returncode is None:  # pragma: no cover - only on failure
            proc.kill()
            await proc.wait()

    assert url.startswith("http://127.0.0.1:")
    assert not url.endswith(":0")
    assert key == "k-1"
    assert code == 0


async def test_command_without_key_prints_a_generated_one() -> None:
    """Without --api-key a random token is made and printed."""
    proc = await _spawn("--port", "0")
    try:
        url, key = await _read_banner(proc)
        async with (
            aiohttp.ClientSession(url) as session,
            session.get(
                "/v3/flexVM/clouds", headers={"PRIVATE-TOKEN": key}
            ) as resp,
        ):
            assert resp.status == 200
        proc.send_signal(signal.SIGINT)
        assert await asyncio.wait_for(proc.wait(), STARTUP) == 0
    finally:
        if proc.returncode is None:  # pragma: no cover - only on failure
            proc.kill()
            await proc.wait()

    assert len(key) >= 32


class _Banner(io.StringIO):
    """Captures the banner and signals once it has been flushed."""

    def __init__(self) -> None:
        super().__init__()
        self.ready = asyncio.Event()

    def flush(self) -> None:
        super().flush()
        self.ready.set()


def _args(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    _cli.add_arguments(parser)
    return parser.parse_args(["--port", "0", *argv])


async def test_serve_in_process_stops_on_its_event() -> None:
    """serve() can run inside a program that handles signals itself."""
    out, stop = _Banner(), asyncio.Event()
    args = _args("--seed", "3", "--max-page-size", "5", "--api-key", "abc")
    task = asyncio.create_task(_cli.serve(args, out=out, stop=stop))
    await asyncio.wait_for(out.ready.wait(), STARTUP)
    url_line, key_line = out.getvalue().splitlines()

    stop.set()

    assert await task == 0
    assert url_line.startswith("FLEXVM_URL=http://127.0.0.1:")
    assert key_line == "FLEXVM_API_KEY=abc"


def test_defaults_match_the_documentation() -> None:
    """The options default to loopback, port 8080 and real time."""
    parser = argparse.ArgumentParser()
    _cli.add_arguments(parser)
    args = parser.parse_args([])

    assert (args.host, args.port, args.speed) == ("127.0.0.1", 8080, 1.0)
    assert (args.api_key, args.seed, args.max_page_size) == (None, None, 100)
    assert (args.vms_per_node, args.node_failure_rate) == (8, 0.0)


async def test_serve_reports_bad_options(capsys) -> None:
    """Options the emulator refuses give exit status 2 and a message."""
    code = await _cli.serve(_args("--max-page-size", "0"))

    assert code == 2
    assert "max_page_size" in capsys.readouterr().err


async def test_serve_reports_a_busy_port(capsys) -> None:
    """A port that cannot be bound gives exit status 2."""
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = str(taken.getsockname()[1])
        code = await _cli.serve(_args("--port", port))

    assert code == 2
    assert capsys.readouterr().err.startswith("flexvm emulator:")


def test_main_parses_and_serves(capsys) -> None:
    """main() parses argv and returns serve()'s exit status."""
    assert _cli.main(["--port", "0", "--vms-per-node", "0"]) == 2


def test_module_entry_point_exits_with_mains_status(monkeypatch) -> None:
    """``python -m`` exits with whatever main() returned."""
    monkeypatch.setattr(_cli, "main", lambda: 0)
    script = Path(_cli.__file__).with_name("__main__.py")

    with pytest.raises(SystemExit) as exit_info:
        # Named as the package's module, so coverage counts it as such.
        runpy.run_path(str(script), run_name="flexvm_async.emulator.__main__")

    assert exit_info.value.code == 0
