"""``flexvm clouds``, ``nodes`` and ``vms`` against the emulator."""

from __future__ import annotations

import json

import pytest

from tests.cli.conftest import FakeTTY

IMAGE = ("--image", "ubuntu-2404-server-amd64")
VM_TYPE = ("--instance-type", "vm.4c.8g")
KEY = ("--ssh-key", "ssh-ed25519 AAAAC3Nza test@example")


@pytest.fixture
def cloud(emulator):
    """A cloud named edge-01 with two running nodes."""
    return emulator.run(emulator.emu.seed_cloud, "edge-01", nodes=2)


def _vm(api, *extra: str):
    result = api(
        "vms", "create", "edge-01", "--json", "--name", "web-1", *IMAGE,
        *VM_TYPE, *extra,
    )  # fmt: skip
    assert result.code == 0, result.err
    return json.loads(result.out)


def test_clouds_list_json_has_the_model_keys(api, cloud):
    """``clouds list --json`` prints every cloud with its fields."""
    result = api("clouds", "list", "--json")

    clouds = json.loads(result.out)
    assert result.code == 0
    assert [c["id"] for c in clouds] == [cloud.cloud_id]
    assert set(clouds[0]) == {
        "id", "name", "site", "instance_type", "created_at",
        "description", "extra",
    }  # fmt: skip
    assert clouds[0]["created_at"] == "2026-06-01T00:00:00+00:00"


def test_clouds_list_is_a_table_on_a_terminal(api, cloud, monkeypatch):
    """On a terminal the list has a header and aligned columns."""
    tty = FakeTTY()
    monkeypatch.setattr("sys.stdout", tty)

    assert api("clouds", "list").code == 0

    header, row = tty.getvalue().splitlines()
    assert header.split() == [
        "ID", "NAME", "SITE", "TYPE", "CREATED", "DESCRIPTION",
    ]  # fmt: skip
    assert row.index("edge-01") == header.index("NAME")
    assert row.split()[-1] == "-"


def test_clouds_list_is_tab_separated_in_a_pipe(api, cloud):
    """Outside a terminal each cloud is one tab-separated line."""
    result = api("clouds", "list")

    assert [line.split("\t") for line in result.out.splitlines()] == [
        [
            cloud.cloud_id, "edge-01", "frmtl1", "bm9.hmm.gpu.4rtx4000.64",
            "2026-06-01T00:00:00+00:00", "-",
        ]
    ]  # fmt: skip


def test_clouds_get_finds_by_name_and_by_id(api, cloud, emulator):
    """A cloud is named by its id or its name, alike."""
    core = emulator.run(emulator.emu.seed_cloud, "core-01")
    by_name = api("clouds", "get", "edge-01", "--json")
    second = api("clouds", "get", "core-01", "--json")
    by_id = api("clouds", "get", cloud.cloud_id)

    assert json.loads(by_name.out)["id"] == cloud.cloud_id
    assert json.loads(second.out)["id"] == core.cloud_id
    assert f"id:           {cloud.cloud_id}" in by_id.out.splitlines()
    assert "name:         edge-01" in by_id.out.splitlines()


def test_clouds_create_and_delete(api, emulator):
    """A created cloud is shown, then deleted."""
    created = api(
        "clouds", "create", "--name", "new", "--site", "nlrtm1",
        "--instance-type", "bm7.std.32", "--description", "a\ttab", "--json",
    )  # fmt: skip
    cloud = json.loads(created.out)
    shown = api("clouds", "get", "new")

    deleted = api("clouds", "delete", "new")
    gone = api("clouds", "delete", "new", "--json")

    assert created.code == 0
    assert cloud["description"] == "a\ttab"
    assert "description:  a tab" in shown.out.splitlines()
    assert deleted.code == 0
    assert deleted.out == "cloud new deleted\n"
    assert gone.code == 2
    assert gone.err == "flexvm: error: no such cloud: 'new'\n"
    assert emulator.emu.clouds[cloud["id"]].deleted_at is not None


def test_clouds_delete_json(api, emulator):
    """``--json`` reports a deletion as an object."""
    empty = emulator.run(emulator.emu.seed_cloud, "empty")

    result = api("--json", "clouds", "delete", "empty")

    assert json.loads(result.out) == {
        "cloud_id": empty.cloud_id,
        "deleted": True,
    }


def test_an_api_refusal_is_one_line_and_status_1(api, cloud):
    """A name taken already: the API's answer on one line, exit 1."""
    result = api(
        "clouds", "create", "--name", "edge-01", "--site", "frmtl1",
        "--instance-type", "bm7.std.32",
    )  # fmt: skip

    assert result.code == 1
    assert len(result.err_lines) == 1
    assert result.err.startswith("flexvm: error: POST /v3/flexVM/clouds")
    assert result.out == ""


def test_a_wrong_key_is_status_1_and_never_printed(start_emulator, flexvm):
    """A key the API refuses gives exit 1; the key appears nowhere."""
    other = start_emulator(api_key="another-key")

    result = flexvm("--api-url", other.url, "clouds", "list")

    assert result.code == 1
    assert len(result.err_lines) == 1
    assert "-> 403" in result.err


def test_nodes_list_json_and_lines(api, cloud):
    """Nodes list as JSON, with their cloud, or as lines."""
    as_json = json.loads(api("nodes", "list", "edge-01", "--json").out)
    lines = api("nodes", "list", "edge-01").out.splitlines()

    assert [n["id"] for n in as_json] == list(cloud.node_ids)
    assert set(as_json[0]) == {
        "id", "name", "serial", "status", "cloud", "extra",
    }  # fmt: skip
    assert as_json[0]["cloud"]["name"] == "edge-01"
    assert [line.split("\t")[3] for line in lines] == ["running"] * 2


def test_nodes_add_then_wait_then_remove(api, cloud, emulator):
    """A node is added, awaited running, removed and awaited gone."""
    added = json.loads(api("nodes", "add", "edge-01", "--json").out)
    node = added["id"]
    running = api("nodes", "wait", "edge-01", node)
    removing = api("nodes", "remove", "edge-01", node)
    removed = api("nodes", "wait", "edge-01", node, "--removed", "--json")

    assert added["status"] in {"requested", "created"}
    assert "status:  running" in running.out.splitlines()
    assert running.err.endswith("running\n")
    assert removing.out == f"node {node} removing\n"
    assert json.loads(removed.out) == {"node_id": node, "status": "removed"}
    assert emulator.live_nodes(cloud.cloud_id) == ["running", "running"]


def test_nodes_add_and_remove_with_wait(api, cloud, emulator):
    """With ``--wait`` add returns the running node and remove its end."""
    added = api("nodes", "add", "edge-01", "--wait", "--json")
    node = json.loads(added.out)["id"]
    removed = api("nodes", "remove", "edge-01", node, "--wait")

    assert json.loads(added.out)["status"] == "running"
    assert removed.out == f"node {node} removed\n"
    assert len(emulator.live_nodes(cloud.cloud_id)) == 2


def test_a_failed_node_ends_a_wait_with_status_1(start_emulator, flexvm):
    """``nodes add --wait`` on a node that fails exits 1, one line."""
    from flexvm_async.emulator import DurationProfile  # noqa: PLC0415

    failing = start_emulator(
        profile=DurationProfile.instant(node_failure_rate=1.0)
    )
    failing.run(failing.emu.seed_cloud, "edge-01")

    result = flexvm(
        "--api-url", failing.url, "--clock-speed", "1000",
        "nodes", "add", "edge-01", "--wait",
    )  # fmt: skip

    assert result.code == 1
    assert result.err_lines[-1].startswith("flexvm: error: ")
    assert "failed" in result.err_lines[-1]


def test_vms_create_list_get_command_delete(api, cloud, emulator):
    """A VM goes through create, list, get, a command and deletion."""
    vm = _vm(api, *KEY, "--tag", "web", "eu", "--tag", "prod")
    vm_id = vm["id"]
    listed = api("vms", "list", "edge-01")
    running = api("vms", "list", "edge-01", "--status", "running", "--json")
    shown = api("vms", "get", "edge-01", vm_id)
    stopped = api("vms", "command", "edge-01", vm_id, "stop")
    stop_json = api("vms", "command", "edge-01", vm_id, "start", "--json")
    deleted = api("vms", "delete", "edge-01", vm_id)

    assert vm["tags"] == ["web", "eu", "prod"]
    assert set(vm) >= {"id", "status", "instance_type", "image", "ips"}
    assert listed.out.split("\t")[:2] == [vm_id, "web-1"]
    assert [v["id"] for v in json.loads(running.out)] == [vm_id]
    assert "tags:     web,eu,prod" in shown.out.splitlines()
    assert stopped.out == f"vm {vm_id}: stop sent\n"
    assert json.loads(stop_json.out) == {"vm_id": vm_id, "command": "start"}
    assert deleted.out == f"vm {vm_id} deleting\n"
    assert emulator.emu.vms[vm_id].status in {"deleting", "deleted"}


def test_vms_create_with_text_user_data(api, cloud, tmp_path, emulator):
    """A text file goes as cloud-init as it is."""
    path = tmp_path / "init.yaml"
    path.write_text("#cloud-config\n", encoding="utf-8")

    vm = _vm(api, "--user-data", str(path))

    assert vm["name"] == "web-1"


def test_vms_create_with_binary_user_data(api, cloud, tmp_path):
    """A file that is not text goes as base64."""
    path = tmp_path / "init.gz"
    path.write_bytes(b"\x1f\x8b\x08\x00\xff")

    assert _vm(api, "--user-data", str(path))["name"] == "web-1"


def test_vms_create_needs_keys_or_user_data(api, cloud):
    """Neither keys nor user data: a usage error, nothing sent."""
    result = api("vms", "create", "edge-01", "--name", "x")

    assert result.code == 2
    assert result.err_lines[0].startswith("flexvm: error: one of the ")


def test_vms_create_with_unreadable_user_data(api, cloud, tmp_path):
    """A user-data file that cannot be read is a usage error."""
    result = api(
        "vms", "create", "edge-01", "--name", "x", "--user-data",
        str(tmp_path / "missing"),
    )  # fmt: skip

    assert result.code == 2
    assert result.err.startswith("flexvm: error: cannot read user data:")


def test_vms_get_unknown_vm_is_status_1(api, cloud):
    """A VM that does not exist: the API's 404, exit 1."""
    result = api(
        "vms", "get", "edge-01", "00000000-0000-7000-8000-0000000000ff"
    )

    assert result.code == 1
    assert "-> 404" in result.err


def test_a_malformed_id_is_status_2(api, cloud):
    """An id the SDK refuses before sending is a usage error."""
    result = api("vms", "get", "edge-01", "../etc")

    assert result.code == 2
    assert result.err_lines[0].startswith("flexvm: error: vm_id must be")
