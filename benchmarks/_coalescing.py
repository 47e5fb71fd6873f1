"""``coalescing``: GETs spent with coalesced and with per-node polling.

The fleet of ``fleet`` (200 clouds from 0 to 5 nodes, the default
provisioning profile, one seed) is grown with ``client.scale`` three
times, on virtual time, each against a fresh emulator:

- coalesced: ``coalesce=True`` with the capacity hint off, so that the
  schedule is the per-node one and only the sharing of polls differs;
- per node: ``coalesce=False``, every wait reading its own node;
- the client's defaults (coalescing and the capacity hint), for scale.

Every GET the emulator received is counted, the run's own reads of each
cloud included (the same in every run).
"""

from __future__ import annotations

import functools
import statistics

from benchmarks._common import Options, Result
from benchmarks._runs import in_parallel, virtual_run

__all__ = ["run"]

CLOUDS = 200
PER_CLOUD = 5
SEED = 7
# The longest first: one worker takes it while the other does the rest.
LABELS = ("sdk_per_node", "sdk_coalesced_only", "sdk")


def run(options: Options) -> Result:
    """Count the GETs of coalesced and per-node polling, same fleet."""
    del options  # writes no files
    shape = {"clouds": CLOUDS, "per_cloud": PER_CLOUD, "seed": SEED}
    per_node, coalesced, default = in_parallel(
        [functools.partial(virtual_run, label, **shape) for label in LABELS]
    )
    nodes = CLOUDS * PER_CLOUD
    result = Result("coalescing")
    result.figures = {
        "coalesced_vs_per_node_requests": round(
            coalesced.count("GET") / per_node.count("GET"), 3
        ),
        "default_vs_per_node_requests": round(
            default.count("GET") / per_node.count("GET"), 3
        ),
        "coalesced_gets": coalesced.count("GET"),
        "per_node_gets": per_node.count("GET"),
        "default_gets": default.count("GET"),
        "coalesced_mean_lag_s": round(statistics.fmean(coalesced.lags), 2),
        "per_node_mean_lag_s": round(statistics.fmean(per_node.lags), 2),
        "nodes": nodes,
    }
    result.row(
        "polling",
        "GETs",
        "GETs per node",
        "vs per node",
        "mean lag (s)",
        "wall/ideal",
    )
    for label, one in (
        ("per node (coalesce=False)", per_node),
        ("coalesced, no capacity hint", coalesced),
        ("client defaults", default),
    ):
        gets = one.count("GET")
        result.row(
            label,
            gets,
            gets / nodes,
            gets / per_node.count("GET"),
            statistics.fmean(one.lags),
            one.wall / one.ideal,
        )
    result.notes.append(
        f"{CLOUDS} clouds x {PER_CLOUD} nodes, seed {SEED}, virtual time; "
        "target: coalesced / per node <= 0.35"
    )
    return result
