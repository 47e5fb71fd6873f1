"""``flexvm demo``: an emulator in process, a fleet scaled up and down."""

from __future__ import annotations

import json
import signal

from flexvm_async import CloudReport, ScaleReport
from flexvm_async.cli import main
from flexvm_async.cli._demo import Demo, Phase, summary_lines
from flexvm_async.cli._output import Output
from tests.cli.test_scale import _SignalOn

# Fast enough that both phases end in well under a second.
SPEED = ("--speed", "3000")


async def test_the_demo_meets_every_target_in_both_phases(capsys):
    """Up to 1-6 nodes, down to 0-1: every cloud meets its targets."""
    phases = await Demo(Output(), clouds=4, speed=3000, seed=7).run()

    assert [p.name for p in phases] == ["up", "down"]
    assert all(p.report.ok for p in phases)
    up, down = (list(p.report.clouds.values()) for p in phases)
    assert [c.name for c in up] == ["demo-01", "demo-02", "demo-03", "demo-04"]
    assert all(1 <= c.target <= 6 and c.after == c.target for c in up)
    assert all(0 <= c.target <= 1 and c.after == c.target for c in down)
    err = capsys.readouterr().err
    assert "creating 4 clouds" in err
    assert "down: scaling 4 clouds to 0-1 nodes each" in err


def test_flexvm_demo_prints_a_summary_per_phase(flexvm):
    """The command ends with one row per phase and exits 0."""
    result = flexvm("demo", "--clouds", "3", *SPEED, "--seed", "2")

    assert result.code == 0
    header, up, down, took = result.out.splitlines()
    assert header.split() == [
        "PHASE", "TARGETS", "MET", "ADDED", "REMOVED", "REQUESTS",
        "ELAPSED", "EMULATED",
    ]  # fmt: skip
    assert up.split()[:3] == ["up", "1-6", "3/3"]
    assert down.split()[:3] == ["down", "0-1", "3/3"]
    added, removed = int(up.split()[3]), int(down.split()[4])
    assert 3 <= added <= 18
    assert added - 3 <= removed <= added
    assert took.startswith("demo took ")


def test_flexvm_demo_json(flexvm):
    """``--json`` gives both reports, for scripts."""
    result = flexvm("--json", "demo", "--clouds", "2", *SPEED, "--seed", "4")

    data = json.loads(result.out)
    assert result.code == 0
    assert set(data) == {"clouds", "speed", "elapsed", "phases"}
    assert [p["name"] for p in data["phases"]] == ["up", "down"]
    assert all(p["report"]["ok"] for p in data["phases"])


def test_an_interrupted_demo_sums_up_what_ran_and_exits_130(
    env, capsys, monkeypatch
):
    """Ctrl-C in the first phase: its report so far, then 130."""
    err = _SignalOn(" ordered", 1, signal.SIGINT)
    monkeypatch.setattr("sys.stderr", err)

    code = main(["demo", "--clouds", "2", *SPEED, "--seed", "1"])

    lines = capsys.readouterr().out.splitlines()
    assert code == 130
    assert lines[1].split()[:2] == ["up", "1-6"]
    assert lines[2].startswith("up: interrupted after ")
    assert lines[-1].startswith("demo took ")
    assert err.getvalue().endswith("flexvm: interrupted\n")


def test_the_summary_explains_a_phase_that_fell_short():
    """A phase with a short cloud gets its verdict under the table."""
    report = ScaleReport()
    report.clouds["c1"] = CloudReport("c1", "demo-01", 2, after=1)
    report.elapsed = 2.0

    lines = summary_lines([Phase("up", 1, 6, report)], speed=60)

    assert lines[1].split() == [
        "up", "1-6", "0/1", "0", "0", "0", "2.0s", "2.0min",
    ]  # fmt: skip
    assert lines[2].startswith("up: 1 of 1 clouds fell short")
    assert lines[3] == "up:   demo-01: 1 of 2 running"
