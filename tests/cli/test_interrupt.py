"""Ctrl-C on a real ``flexvm scale`` process, against a real emulator.

Both run as their own processes, so the signal takes the path it takes
in a terminal. The emulator runs 300 times real time: a node takes at
least 0.9 s to come up, far more than the signal takes to arrive, and at
most 2.7 s, so the second run converges quickly.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys

from flexvm_async import FlexVMClient, NodeStatus

STARTUP = 30  # seconds a fresh interpreter may take to import and start
SPEED = "300"
KEY = "interrupt-test-key"


async def _spawn(*args: str) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable,
        *args,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env={**os.environ, "FLEXVM_API_KEY": KEY},
    )


async def _flexvm(url: str, *args: str) -> asyncio.subprocess.Process:
    return await _spawn(
        "-m", "flexvm_async.cli", "--api-url", url, "--clock-speed", SPEED,
        *args,
    )  # fmt: skip


async def _stop(proc: asyncio.subprocess.Process) -> None:
    if proc.returncode is None:  # pragma: no cover - only on failure
        proc.kill()
        await proc.wait()


async def _counts(url: str, names: list[str]) -> dict[str, list[str]]:
    async with FlexVMClient(KEY, base_url=url) as client:
        clouds = {c.name: c.id for c in await client.clouds.list()}
        return {
            name: sorted(
                n.status
                for n in await client.nodes.list(clouds[name])
                if n.status.is_live or n.status is NodeStatus.FAILED
            )
            for name in names
        }


async def test_sigint_stops_scale_with_130_and_a_rerun_converges():
    """SIGINT mid-run exits 130 and a rerun hits each target exactly."""
    emulator = await _spawn(
        "-m", "flexvm_async.emulator", "--port", "0", "--speed", SPEED,
        "--api-key", KEY, "--seed", "1",
    )  # fmt: skip
    try:
        assert emulator.stdout is not None
        line = await asyncio.wait_for(emulator.stdout.readline(), STARTUP)
        url = line.decode().strip().removeprefix("FLEXVM_URL=")
        async with FlexVMClient(KEY, base_url=url) as client:
            for name in ("edge-01", "edge-02"):
                await client.clouds.create(
                    name=name, site="frmtl1", instance_type="bm7.std.32"
                )
        targets = ("edge-01=3", "edge-02=2")

        first = await _flexvm(url, "scale", *targets)
        try:
            assert first.stderr is not None
            seen = b""
            while b" ordered" not in seen:
                seen = await asyncio.wait_for(first.stderr.readline(), STARTUP)
                assert seen, "scale ended before ordering a node"
            first.send_signal(signal.SIGINT)
            out, err = await asyncio.wait_for(first.communicate(), STARTUP)
        finally:
            await _stop(first)

        second = await _flexvm(url, "scale", *targets)
        try:
            again, _ = await asyncio.wait_for(second.communicate(), STARTUP)
        finally:
            await _stop(second)
        counts = await _counts(url, ["edge-01", "edge-02"])
    finally:
        emulator.send_signal(signal.SIGINT)
        await asyncio.wait_for(emulator.wait(), STARTUP)

    assert first.returncode == 130
    lines = out.decode().splitlines()
    assert any(line.startswith("interrupted after ") for line in lines)
    assert any(line.startswith("  edge-01: +") for line in lines)
    assert err.decode().splitlines()[-1] == "flexvm: interrupted"
    assert "Traceback" not in err.decode()
    assert second.returncode == 0, again.decode()
    assert again.decode().splitlines()[-1].startswith("all 2 clouds met")
    assert counts == {"edge-01": ["running"] * 3, "edge-02": ["running"] * 2}
