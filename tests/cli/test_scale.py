"""``flexvm scale`` against the emulator: each exit status, each output."""

from __future__ import annotations

import io
import json
import signal

import pytest

from flexvm_async import FlexVMClient, WaitPolicy
from flexvm_async.cli import main
from flexvm_async.emulator import DurationProfile, ManualClock
from tests.cli.conftest import FAST, FakeTTY
from tests.conftest import TOKEN


@pytest.fixture
def clouds(emulator):
    """edge-01 with one running node, edge-02 with three."""
    seed = emulator.emu.seed_cloud
    return (
        emulator.run(seed, "edge-01", nodes=1),
        emulator.run(seed, "edge-02", nodes=3),
    )


def test_scale_meets_every_target_and_exits_0(api, clouds, emulator):
    """Growing and shrinking at once: the report says met, exit 0."""
    edge_01, edge_02 = clouds

    result = api("scale", "edge-01=3", "edge-02=1")

    assert result.code == 0
    assert emulator.live_nodes(edge_01.cloud_id) == ["running"] * 3
    assert emulator.live_nodes(edge_02.cloud_id) == ["running"]
    rows = [line.split("\t") for line in result.out.splitlines()[:2]]
    assert [row[:7] for row in rows] == [
        ["edge-01", "3", "1", "3", "2", "0", "0"],
        ["edge-02", "1", "3", "1", "0", "2", "0"],
    ]
    assert [row[-1] for row in rows] == ["met", "met"]
    assert result.out.splitlines()[2].startswith(
        "all 2 clouds met their targets: +2 -2 nodes, "
    )


def test_scale_logs_one_line_per_event_outside_a_terminal(api, clouds):
    """Progress on a pipe is plain lines, one per event."""
    result = api("scale", "edge-01=2")

    assert result.err_lines[0] == "cloud edge-01: 1 live, target 2"
    assert result.err_lines[1].startswith("cloud edge-01: node …")
    assert result.err_lines[1].endswith(" ordered")
    assert result.err_lines[-1] == (
        "cloud edge-01: done, 2/2 running, target met"
    )


def test_scale_json_is_the_report(api, clouds):
    """``--json`` prints the report's own JSON form."""
    result = api("scale", "--json", "edge-01=2", "edge-02=3")

    report = json.loads(result.out)
    assert result.code == 0
    assert set(report) == {
        "ok",
        "interrupted",
        "elapsed",
        "requests",
        "clouds",
    }
    assert report["ok"] is True
    assert [c["name"] for c in report["clouds"]] == ["edge-01", "edge-02"]
    assert set(report["clouds"][0]) == {
        "cloud_id", "name", "target", "before", "after", "met", "added",
        "removed", "failed", "pending", "requests", "elapsed", "problems",
    }  # fmt: skip
    assert len(report["clouds"][0]["added"]) == 1


def test_scale_draws_bars_and_a_table_on_a_terminal(api, clouds, monkeypatch):
    """On a terminal: bars redrawn in place, then an aligned table."""
    err, out = FakeTTY(), FakeTTY()
    monkeypatch.setattr("sys.stderr", err)
    monkeypatch.setattr("sys.stdout", out)

    assert api("scale", "edge-01=2", "edge-02=3").code == 0

    drawn = err.getvalue()
    assert drawn.startswith("\x1b[2Kedge-01  [")
    assert "\r\x1b[3A" in drawn
    final = drawn.split("\x1b[J")[-2].split("\r\x1b[3A")[-1]
    assert final.splitlines() == [
        "\x1b[2Kedge-01  [##########]  2/2  +1  -0  !0  met",
        "\x1b[2Kedge-02  [##########]  3/3  +0  -0  !0  met",
        "\x1b[2K2 of 2 clouds done",
    ]
    header, first, _, verdict = out.getvalue().splitlines()
    assert header.split() == [
        "CLOUD", "TARGET", "BEFORE", "AFTER", "ADDED", "REMOVED", "FAILED",
        "REQUESTS", "ELAPSED", "RESULT",
    ]  # fmt: skip
    assert first.split()[:3] == ["edge-01", "2", "1"]
    assert header.index("RESULT") == first.index("met")
    assert verdict.startswith("all 2 clouds met their targets")


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("plan.json", '{"targets": {"edge-01": 2, "edge-02": 0}}'),
        ("plan.toml", "edge-01 = 2\nedge-02 = 0\n"),
    ],
)
def test_scale_follows_a_plan(api, clouds, emulator, tmp_path, name, text):
    """A plan file in JSON or TOML gives the targets."""
    plan = tmp_path / name
    plan.write_text(text, encoding="utf-8")

    result = api("scale", "--plan", str(plan))

    assert result.code == 0
    assert len(emulator.live_nodes(clouds[0].cloud_id)) == 2
    assert emulator.live_nodes(clouds[1].cloud_id) == []


def test_a_cloud_short_of_its_target_exits_1_and_says_why(
    start_emulator, flexvm
):
    """Nodes that fail: exit 1, the short cloud listed with its problems."""
    failing = start_emulator(
        profile=DurationProfile.instant(node_failure_rate=1.0)
    )
    failing.run(failing.emu.seed_cloud, "edge-01")
    failing.run(failing.emu.seed_cloud, "edge-02", nodes=1)

    result = flexvm(
        "--api-url", failing.url, *FAST, "scale", "edge-01=2", "edge-02=1",
        "--replace-failed", "1",
    )  # fmt: skip

    assert result.code == 1
    lines = result.out.splitlines()
    assert lines[0].split("\t")[-1] == "short"
    assert lines[0].split("\t")[4] == "3"  # two, and one replacement
    assert lines[1].split("\t")[-1] == "met"
    assert lines[2].startswith("1 of 2 clouds fell short (+3 -0 nodes, ")
    assert lines[3] == "  edge-01: 0 of 2 running"
    assert lines[4].startswith("    NodeFailedError: ")
    assert len(lines) == 4 + 3


def test_remove_failed_releases_failed_nodes(api, emulator):
    """``--remove-failed`` takes failed nodes away, as the SDK does."""
    cloud = emulator.run(emulator.emu.seed_cloud, "edge-01", nodes=1)
    emulator.run(emulator.emu.seed_node, cloud.cloud_id, status="failed")

    result = api("scale", "--json", "edge-01=1", "--remove-failed")

    report = json.loads(result.out)["clouds"][0]
    assert result.code == 0
    assert len(report["removed"]) == 1
    assert emulator.live_nodes(cloud.cloud_id) == ["running"]


def test_a_node_with_vms_is_kept_without_evict_vms(api, emulator):
    """A node hosting VMs is not released: the cloud falls short."""
    cloud = emulator.run(emulator.emu.seed_cloud, "edge-01", nodes=1)
    emulator.run(emulator.emu.seed_vm, cloud.cloud_id)

    result = api("scale", "edge-01=0")

    assert result.code == 1
    assert "  edge-01: 1 of 0 running" in result.out.splitlines()
    assert emulator.live_nodes(cloud.cloud_id) == ["running"]


def test_scale_options_reach_the_scaler(api, clouds, monkeypatch):
    """Every option goes to the SDK; waits are scaled by --clock-speed."""
    seen: dict[str, object] = {}
    real = FlexVMClient.scaler

    def spy(self, targets, **options):
        seen.update(options, targets=targets)
        return real(self, targets, **options)

    monkeypatch.setattr(FlexVMClient, "scaler", spy)

    result = api(
        "scale", "edge-01=1", "--max-clouds", "2", "--replace-failed", "3",
        "--remove-failed", "--evict-vms",
    )  # fmt: skip

    assert result.code == 0
    assert seen["targets"] == {"edge-01": 1}
    assert (seen["max_clouds"], seen["replace_failed"]) == (2, 3)
    assert seen["remove_failed"] is seen["evict_vms"] is True
    assert seen["policy"] == WaitPolicy().scaled(1000)
    assert seen["removal_policy"] == WaitPolicy.removal().scaled(1000)


def test_verbose_logs_the_sdk_on_stderr(api, clouds):
    """``-vv`` shows each request; the key is never in it."""
    result = api("-vv", "scale", "edge-01=1")

    assert "flexvm_async.http: GET /v3/flexVM/clouds -> 200" in result.err


class _SignalOn(io.StringIO):
    """Standard error that raises a signal once it has seen some lines."""

    def __init__(self, needle: str, count: int, signum: int) -> None:
        super().__init__()
        self.needle, self.count, self.signum = needle, count, signum

    def write(self, text: str) -> int:
        written = super().write(text)
        if self.needle in text:
            self.count -= text.count(self.needle)
            if self.count == 0:
                signal.raise_signal(self.signum)
        return written


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_an_interrupted_scale_exits_130_and_a_rerun_converges(
    start_emulator, env, capsys, monkeypatch, signum
):
    """A signal prints what was in flight, exits 130; a rerun converges."""
    emulator = start_emulator(clock=ManualClock(), profile=DurationProfile())
    a = emulator.run(emulator.emu.seed_cloud, "edge-01")
    b = emulator.run(emulator.emu.seed_cloud, "edge-02")
    argv = [
        "--api-url",
        emulator.url,
        *FAST,
        "scale",
        "edge-01=3",
        "edge-02=2",
    ]
    err = _SignalOn(" ordered", 5, signum)
    monkeypatch.setattr("sys.stderr", err)

    code = main(argv)

    out = capsys.readouterr().out
    monkeypatch.undo()
    env.setenv("FLEXVM_API_KEY", TOKEN)
    emulator.run(emulator.emu.clock.advance, 3600)
    again = main(argv)
    rerun = capsys.readouterr()

    assert code == 130
    assert err.getvalue().endswith(" ordered\nflexvm: interrupted\n")
    lines = out.splitlines()
    assert [line.split("\t")[-1] for line in lines[:2]] == ["interrupted"] * 2
    assert lines[2].startswith("interrupted after ")
    assert lines[2].endswith(
        "+5 -0 nodes so far; 2 of 2 clouds were in flight:"
    )
    assert lines[3:5] == [
        "  edge-01: +3 -0 so far, target 3",
        "  edge-02: +2 -0 so far, target 2",
    ]
    assert lines[5].startswith("run the same command again")
    assert again == 0, rerun.err
    assert " ordered" not in rerun.err
    assert emulator.live_nodes(a.cloud_id) == ["running"] * 3
    assert emulator.live_nodes(b.cloud_id) == ["running"] * 2
