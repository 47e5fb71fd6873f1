"""Where the SDK's time goes: ``python -m benchmarks._profile NAME``.

``overhead`` profiles the SDK loop of the ``overhead`` benchmark, and
``waiters`` the ten thousand waits of ``waiters`` (sped up 15 times),
both under cProfile against an emulator in its own process. It prints
the share of the profiled time spent inside a few entry points (the
retry loop, model structuring, JSON decoding, aiohttp), then the
functions that took the most time themselves. cProfile slows everything
down, so the shares, not the seconds, are the evidence.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import pstats
import sys
from collections.abc import Sequence

from benchmarks import _waiters_child
from benchmarks._common import API_KEY, BARE_METAL
from benchmarks._procs import bench_server, stock_emulator
from flexvm_async import FlexVMClient

__all__ = ["main"]

#: Entry points whose cumulative time is shown, as (label, file, function).
ENTRY_POINTS = (
    ("tenacity retry loop", "tenacity/asyncio/__init__.py", "__anext__"),
    ("building a retry loop", "tenacity/__init__.py", "__init__"),
    ("model structuring", "flexvm_async/_converter.py", "structure"),
    ("JSON decoding", "json/__init__.py", "loads"),
    ("aiohttp request", "aiohttp/client.py", "_request"),
    ("event loop poll", "selectors.py", "select"),
)


def _shares(stats: pstats.Stats) -> list[tuple[str, float, float]]:
    table = stats.stats  # type: ignore[attr-defined]
    total = sum(entry[2] for entry in table.values())
    shares = []
    for label, path, name in ENTRY_POINTS:
        cumulative = sum(
            entry[3]
            for (file, _, function), entry in table.items()
            if file.endswith(path) and function == name
        )
        shares.append((label, cumulative, cumulative / total))
    return shares


def _report(profile: cProfile.Profile, title: str) -> None:
    stats = pstats.Stats(profile, stream=sys.stdout)
    print(f"== {title} ==")
    for label, seconds, share in _shares(stats):
        print(f"  {label:24} {seconds:8.2f} s  {share:6.1%} of profiled time")
    print()
    stats.sort_stats("tottime").print_stats(25)


async def _overhead(url: str) -> cProfile.Profile:
    profile = cProfile.Profile()
    async with FlexVMClient(API_KEY, base_url=url) as client:
        cloud = await client.clouds.create(
            name="profile", site="frmtl1", instance_type=BARE_METAL
        )
        node = await client.nodes.add(cloud.id)

        async def caller(count: int) -> None:
            for _ in range(count):
                await client.nodes.get(cloud.id, node.id)

        await asyncio.gather(*(caller(5) for _ in range(64)))
        profile.enable()
        await asyncio.gather(*(caller(100) for _ in range(64)))
        profile.disable()
    return profile


def _waiters(speed: float) -> cProfile.Profile:
    profile = cProfile.Profile()
    with bench_server(
        speed=speed, seed=11, clouds=100, nodes=100, lifetime=400
    ) as server:
        spec = {
            "url": server.url,
            "speed": speed,
            "clouds": [
                {"id": cloud_id, "nodes": list(nodes)}
                for cloud_id, nodes in server.clouds
            ],
        }
        profile.enable()
        asyncio.run(_waiters_child.measure(spec))
        profile.disable()
    return profile


def main(argv: Sequence[str] | None = None) -> int:
    """Profile one benchmark's SDK side; print where the time went."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks._profile")
    parser.add_argument("name", choices=("overhead", "waiters"))
    args = parser.parse_args(argv)
    if args.name == "overhead":
        with stock_emulator() as url:
            profile = asyncio.run(_overhead(url))
        _report(profile, "overhead: 64 callers x 100 client.nodes.get")
    else:
        profile = _waiters(15.0)
        _report(profile, "waiters: 10,000 waits at 15x, to the end")
    return 0


if __name__ == "__main__":
    sys.exit(main())
