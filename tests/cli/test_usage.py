"""Usage errors: one line on stderr, exit status 2, nothing changed."""

from __future__ import annotations

import json
import runpy
from pathlib import Path

import pytest

from flexvm_async.cli import _main, main
from tests.conftest import TOKEN


def _one_error(result):
    assert result.code == 2
    assert result.out == ""
    assert len(result.err_lines) == 1
    line = result.err_lines[0]
    assert line.startswith("flexvm: error: ")
    return line.removeprefix("flexvm: error: ")


def test_a_missing_key_is_a_usage_error(flexvm, env):
    """Without FLEXVM_API_KEY or a key file: one line, exit 2."""
    env.delenv("FLEXVM_API_KEY")

    message = _one_error(flexvm("clouds", "list"))

    assert message == (
        "no API key: set FLEXVM_API_KEY or pass --api-key-file FILE"
    )


def test_the_key_is_read_from_a_file(api, env, tmp_path, emulator):
    """``--api-key-file`` supplies the key; the file wins over the env."""
    path = tmp_path / "key"
    path.write_text(TOKEN + "\n", encoding="utf-8")
    env.setenv("FLEXVM_API_KEY", "not-this-one")

    result = api("clouds", "list", "--api-key-file", str(path))

    assert result.code == 0


@pytest.mark.parametrize(
    ("content", "expected"),
    [("\n", "is empty"), (None, "cannot read the API key file")],
)
def test_a_bad_key_file_is_a_usage_error(flexvm, tmp_path, content, expected):
    """An empty or missing key file: one line, exit 2."""
    path = tmp_path / "key"
    if content is not None:
        path.write_text(content, encoding="utf-8")

    message = _one_error(flexvm("--api-key-file", str(path), "clouds", "list"))

    assert expected in message


@pytest.mark.parametrize(
    "url",
    ["ftp://api.example", "http://api.example", "https://h/v3", "nonsense"],
)
def test_a_bad_url_is_a_usage_error(flexvm, url):
    """A URL the SDK refuses (plain http off loopback, say): exit 2."""
    message = _one_error(flexvm("--api-url", url, "clouds", "list"))

    assert message.startswith("base_url ")


def test_the_url_comes_from_the_environment(flexvm, env, emulator):
    """FLEXVM_API_URL is used when ``--api-url`` is not given."""
    env.setenv("FLEXVM_API_URL", emulator.url)

    assert flexvm("clouds", "list").code == 0


def test_the_url_defaults_to_i3d(env):
    """Without any URL the command talks to api.i3d.net."""
    from flexvm_async.cli._parser import build_parser  # noqa: PLC0415

    args = build_parser().parse_args(["clouds", "list"])

    assert args.api_url == "https://api.i3d.net"
    assert (args.json, args.clock_speed, args.verbose) == (False, 1.0, 0)


def test_options_go_before_or_after_the_command(env):
    """Shared options are taken on either side of the command."""
    from flexvm_async.cli._parser import build_parser  # noqa: PLC0415

    parser = build_parser()
    before = parser.parse_args(
        ["--json", "--clock-speed", "5", "scale", "a=1"]
    )
    after = parser.parse_args(["scale", "a=1", "--json", "--clock-speed", "5"])

    assert (before.json, before.clock_speed) == (True, 5.0)
    assert (after.json, after.clock_speed) == (True, 5.0)


@pytest.mark.parametrize(
    "argv",
    [
        [],
        ["clouds"],
        ["clouds", "get"],
        ["nodes", "frobnicate"],
        ["vms", "command", "c", "v", "explode"],
        ["scale", "--max-clouds", "0", "a=1"],
        ["scale", "--replace-failed", "-1", "a=1"],
        ["--clock-speed", "0", "clouds", "list"],
        ["--clock-speed", "fast", "clouds", "list"],
        ["--clock-speed", "inf", "clouds", "list"],
        ["demo", "--clouds", "0"],
    ],
)
def test_a_malformed_command_line_is_one_line(flexvm, argv):
    """The parser's complaints come as one line, with where to get help."""
    message = _one_error(flexvm(*argv))

    assert message.endswith("--help')")


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ("edge-01", "target 'edge-01' is not CLOUD=N"),
        ("=3", "target '=3' is not CLOUD=N"),
        ("edge-01=-1", "N must be a whole number >= 0"),
        ("edge-01=1.5", "N must be a whole number >= 0"),
        ("edge-01=+2", "N must be a whole number >= 0"),
        ("edge-01=", "N must be a whole number >= 0"),
    ],
)
def test_a_bad_target_is_a_usage_error(api, target, expected):
    """A target that is not CLOUD=N with N >= 0: one line, exit 2."""
    message = _one_error(api("scale", target))

    assert expected in message


def test_scale_needs_targets_or_a_plan(api, tmp_path):
    """Neither or both of CLOUD=N and --plan: one line, exit 2."""
    plan = tmp_path / "plan.json"
    plan.write_text(json.dumps({"a": 1}), encoding="utf-8")

    neither = _one_error(api("scale"))
    both = _one_error(api("scale", "a=1", "--plan", str(plan)))

    assert neither == "give CLOUD=N targets or --plan FILE"
    assert both == "give CLOUD=N targets or --plan FILE, not both"


def test_an_unknown_cloud_is_a_usage_error(api, emulator):
    """Scaling a cloud that does not exist changes nothing; exit 2."""
    cloud = emulator.run(emulator.emu.seed_cloud, "edge-01")

    message = _one_error(api("scale", "edge-01=2", "nope=1", "gone=0"))

    assert message == "no such cloud: 'nope', 'gone'"
    assert emulator.live_nodes(cloud.cloud_id) == []


def test_two_names_of_one_cloud_are_a_usage_error(api, emulator):
    """A cloud named by id and by name in one run: exit 2."""
    cloud = emulator.run(emulator.emu.seed_cloud, "edge-01")

    message = _one_error(api("scale", "edge-01=2", f"{cloud.cloud_id}=1"))

    assert message == "two targets name the same cloud"


def test_a_malformed_plan_is_a_usage_error(api, tmp_path):
    """A plan file that is not valid JSON: one line, exit 2."""
    plan = tmp_path / "plan.json"
    plan.write_text('{"a": 1,\n', encoding="utf-8")

    message = _one_error(api("scale", "--plan", str(plan)))

    assert message.startswith(f"plan {plan} is not valid: ")


def test_unknown_cloud_for_other_commands_is_a_usage_error(api):
    """Any command naming a cloud that does not exist: exit 2."""
    message = _one_error(api("nodes", "list", "nope"))

    assert message == "no such cloud: 'nope'"


def test_help_and_version_exit_0(flexvm):
    """``--help`` and ``--version`` print and return 0."""
    helped = flexvm("--help")
    version = flexvm("--version")
    scale_help = flexvm("scale", "--help")

    assert helped.code == version.code == scale_help.code == 0
    assert "FLEXVM_API_KEY" in helped.out
    assert version.out.startswith("flexvm ")
    assert "--plan FILE" in scale_help.out


def test_an_interrupt_outside_the_loop_is_status_130(env, monkeypatch):
    """Ctrl-C before the signal handlers are set still exits 130."""

    def interrupted(coro):
        coro.close()
        raise KeyboardInterrupt

    monkeypatch.setattr("flexvm_async.cli._main.asyncio.run", interrupted)

    assert main(["clouds", "list"]) == 130


def test_module_entry_point_exits_with_mains_status(monkeypatch):
    """``python -m flexvm_async.cli`` exits with main()'s status."""
    monkeypatch.setattr("flexvm_async.cli.main", lambda: 3)
    script = Path(_main.__file__).with_name("__main__.py")

    with pytest.raises(SystemExit) as exit_info:
        runpy.run_path(str(script), run_name="flexvm_async.cli.__main__")

    assert exit_info.value.code == 3
