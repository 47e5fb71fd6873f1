"""``overhead``: the client's CPU per request, SDK against bare aiohttp.

64 callers each read one node 50 times in a row, through
`FlexVMClient.nodes.get` and through a bare aiohttp loop that sends the
same GET with the same headers and decodes the body with `json.loads`.
The emulator runs in a process of its own (the stock command), so
`time.process_time` here counts the client alone. The variants take
turns, fifteen times each. The figure is the median of the fifteen
ratios of an SDK run to the bare run next to it, so that a spell of load
on the machine moves both sides of a ratio rather than one median.

A third, diagnostic variant is the bare loop with one tenacity
`AsyncRetrying` around each request, built the way the SDK's retry
adapter builds it: it shows what a retry loop costs on a request that
needs no retry.
"""

from __future__ import annotations

import asyncio
import json
import random
import time
from collections.abc import Awaitable, Callable
from importlib.metadata import version

import aiohttp
import tenacity

from benchmarks._common import (
    API_KEY,
    BARE_METAL,
    Options,
    Result,
    median,
)
from benchmarks._procs import stock_emulator
from flexvm_async import FlexVMClient

__all__ = ["run"]

TASKS = 64
PER_TASK = 50
REPETITIONS = 15
WARMUP_PER_TASK = 5


def _headers() -> dict[str, str]:
    """Return the headers the SDK sends on a GET."""
    return {
        "PRIVATE-TOKEN": API_KEY,
        "Accept": "application/json",
        "User-Agent": f"flexvm-async/{version('flexvm-async')}",
    }


_JITTER = random.Random(1)


def _quiet(state: tenacity.RetryCallState) -> None:
    """Stand for the SDK's log line before a retry: none is made here."""
    del state


def _retrying() -> tenacity.AsyncRetrying:
    """Build a retry loop shaped like the SDK's: five tries in 120 s."""
    loop = asyncio.get_running_loop()
    last = loop.time() + 120.0

    def wait(state: tenacity.RetryCallState) -> float:
        base = min(30.0, 0.5 * 2.0 ** (state.attempt_number - 1))
        return base * (1 - 0.5 * _JITTER.random())

    def stop(state: tenacity.RetryCallState) -> bool:
        if state.attempt_number >= 5:
            return True
        return loop.time() + state.upcoming_sleep > last

    return tenacity.AsyncRetrying(
        stop=stop,
        wait=wait,
        retry=tenacity.retry_if_exception(
            lambda exc: isinstance(exc, aiohttp.ClientError)
        ),
        before_sleep=_quiet,
        reraise=True,
    )


async def _cpu_per_request(caller: Callable[[int], Awaitable[None]]) -> float:
    """Run every caller once; return the CPU microseconds per request."""
    started = time.process_time()
    await asyncio.gather(*(caller(PER_TASK) for _ in range(TASKS)))
    spent = time.process_time() - started
    return spent / (TASKS * PER_TASK) * 1e6


async def _measure(url: str) -> dict[str, list[float]]:
    headers = _headers()
    async with (
        FlexVMClient(API_KEY, base_url=url) as client,
        aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(limit=TASKS)
        ) as session,
    ):
        cloud = await client.clouds.create(
            name="overhead", site="frmtl1", instance_type=BARE_METAL
        )
        node = await client.nodes.add(cloud.id)
        node_url = f"{url}/v3/flexVM/clouds/{cloud.id}/nodes/{node.id}"

        async def sdk(count: int) -> None:
            for _ in range(count):
                await client.nodes.get(cloud.id, node.id)

        async def raw(count: int) -> None:
            for _ in range(count):
                async with session.get(node_url, headers=headers) as resp:
                    json.loads(await resp.read())

        async def raw_retrying(count: int) -> None:
            for _ in range(count):
                async for attempt in _retrying():
                    with attempt:
                        async with session.get(
                            node_url, headers=headers
                        ) as resp:
                            json.loads(await resp.read())

        callers = {"sdk": sdk, "raw": raw, "raw_retrying": raw_retrying}
        for caller in callers.values():
            await asyncio.gather(
                *(caller(WARMUP_PER_TASK) for _ in range(TASKS))
            )
        results: dict[str, list[float]] = {name: [] for name in callers}
        for _ in range(REPETITIONS):
            for name, caller in callers.items():
                results[name].append(await _cpu_per_request(caller))
    return results


def run(options: Options) -> Result:
    """Measure the SDK's client CPU per request against bare aiohttp."""
    del options  # writes no files
    with stock_emulator() as url:
        samples = asyncio.run(_measure(url))
    sdk = median(samples["sdk"])
    raw = median(samples["raw"])
    retrying = median(samples["raw_retrying"])
    result = Result("overhead")
    paired = median(
        [s / r for s, r in zip(samples["sdk"], samples["raw"], strict=True)]
    )
    result.figures = {
        "sdk_vs_raw_cpu_ratio": round(paired, 3),
        "sdk_vs_raw_cpu_ratio_of_medians": round(sdk / raw, 3),
        "sdk_cpu_us_per_request": round(sdk, 1),
        "raw_cpu_us_per_request": round(raw, 1),
        "raw_with_retry_loop_cpu_us_per_request": round(retrying, 1),
        "retry_loop_vs_raw_cpu_ratio": round(retrying / raw, 3),
        "requests_per_repetition": TASKS * PER_TASK,
        "repetitions": REPETITIONS,
    }
    result.row("variant", "CPU us/request", "runs (us)", "vs raw")
    for label, name, value in (
        ("SDK client.nodes.get", "sdk", sdk),
        ("bare aiohttp + json.loads", "raw", raw),
        ("bare + tenacity loop (diag.)", "raw_retrying", retrying),
    ):
        runs = " ".join(f"{v:.0f}" for v in samples[name])
        result.row(label, value, runs, value / raw)
    result.notes.append(
        f"{TASKS} callers x {PER_TASK} GETs per run, {REPETITIONS} runs "
        "each, interleaved; emulator in its own process"
    )
    result.notes.append(
        f"sdk_vs_raw_cpu_ratio: median of the {REPETITIONS} paired run "
        f"ratios, {paired:.3f} (target <= 1.3)"
    )
    return result
