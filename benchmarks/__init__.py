"""Benchmarks of flexvm_async, each figure a ratio against a baseline.

Run them with ``python -m benchmarks`` (all) or ``python -m benchmarks
NAME [NAME...]``; ``--json FILE`` writes every figure. The benchmarks:

- ``overhead``: client CPU per request, SDK against bare aiohttp.
- ``fleet``: scaling 200 clouds by 5 nodes, SDK against a hand-written
  threaded script and against the Terraform provider's poll schedule.
- ``waiters``: ten thousand node waits at once: memory and loop lag.
- ``coalescing``: GETs spent with coalesced and with per-node polling.

Everything runs against the emulator on 127.0.0.1, and stops by itself.
"""
