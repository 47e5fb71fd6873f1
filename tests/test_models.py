"""Tests for the models and the converter that reads and writes them."""

import json
import os
from datetime import UTC, datetime
from pathlib import Path
from types import MappingProxyType
from typing import Any

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from flexvm_async import _converter, _models, _reports
from flexvm_async._converter import ShapeError, structure, unstructure
from flexvm_async._models import VM, Cloud, NodeStatus, UserData, VMStatus

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_SPEC = "../shared/reference/flexvm-openapi.json"
SPEC = ROOT / os.environ.get("FLEXVM_OPENAPI", DEFAULT_SPEC)
MODELS: dict[str, type] = {
    "FlexVMCloud": Cloud,
    "FlexVMNode": _models.Node,
    "FlexVMIPAddress": _models.IPAddress,
    "FlexVMImage": _models.Image,
    "FlexVMInstanceTypePCIDevice": _models.PCIDevice,
    "FlexVMInstanceType": _models.InstanceType,
    "FlexVMVMResponse": VM,
    "FlexVMUserDataRequest": UserData,
    "FlexVMCapacityResource": _reports.CapacityResource,
    "FlexVMCapacityPCIDevice": _reports.PCIDeviceCapacity,
    "FlexVMCapacityResources": _reports.CapacityResources,
    "FlexVMCapacityNodeGroup": _reports.NodeGroup,
    "FlexVMCapacity": _reports.Capacity,
    "FlexVMCloudCapacity": _reports.CloudCapacity,
    "FlexVMMonthlyUsageReportPeriod": _reports.ReportPeriod,
    "FlexVMMonthlyUsageReportPeriodUsage": _reports.PeriodUsage,
    "FlexVMMonthlyUsageReportCloud": _reports.CloudUsage,
    "FlexVMMonthlyUsageReportTag": _reports.TagUsage,
    "FlexVMMonthlyUsageReportVM": _reports.VMUsage,
    "FlexVMMonthlyUsageReport": _reports.MonthlyReport,
}
# Read by the HTTP layer, or sent as plain dicts by the VM calls.
REQUESTS = {"FlexVMVMRequest", "FlexVMVMCommandRequest"}
UNMODELLED = {"Error", "ErrorDetails", *REQUESTS}
# Keys a model reads that its schema lacks: i3D's client reads image.id.
BEYOND_SPEC = {"FlexVMImage": {"id"}}
BASE = "2026-06-01T12:45:14"
TIMESTAMP = f"{BASE}Z"
TRANSITIONAL = {"provisioning", "created", "starting", "stopping", "deleting"}
JSON_TYPES = {"string": str, "integer": int, "boolean": bool}


@pytest.fixture(scope="module")
def schemas():
    """Load the schemas of the OpenAPI document, or skip without it."""
    if not SPEC.is_file():
        pytest.skip(f"no OpenAPI document at {SPEC}; set FLEXVM_OPENAPI")
    document = json.loads(SPEC.read_text(encoding="utf-8"))
    return document["components"]["schemas"]


def example(schema: dict[str, Any], schemas: dict[str, Any]) -> Any:
    """Build a value for `schema` from its examples, every property set."""
    if "$ref" in schema:
        # Some $refs carry a string "example" beside them (an id, a name),
        # against the object they declare: the object is built instead.
        schema = schemas[schema["$ref"].rsplit("/", 1)[1]]
    parts = [example(part, schemas) for part in schema.get("allOf", [])]
    if parts:
        return {k: v for part in parts for k, v in part.items()}
    kind = schema["type"]
    if kind == "object":
        props = schema["properties"].items()
        return {name: example(prop, schemas) for name, prop in props}
    if kind == "array":
        return [example(schema["items"], schemas)]
    value = schema.get("example")
    if type(value) is JSON_TYPES[kind]:
        return value
    # No example, or one of another type than declared (the boolean
    # FlexVMIPAddress.public has the string "true"): use the declared type.
    # Only cloud timestamps say date-time; the rest say so in prose.
    text = f"{schema.get('format')} {schema.get('description')}"
    if any(hint in text for hint in ("date-time", "timestamp", "ISO 8601")):
        return TIMESTAMP
    return {"boolean": True, "integer": 1, "string": "string"}[kind]


def test_every_schema_has_a_model(schemas):
    """Each schema maps to a model reading exactly its properties."""
    assert set(schemas) - UNMODELLED == set(MODELS)
    for name, cls in MODELS.items():
        fields = attrs.fields(cls)
        keys = {f.metadata.get(_converter.JSON_KEY, f.name) for f in fields}
        keys -= {"extra", *BEYOND_SPEC.get(name, ())}
        assert keys == set(schemas[name]["properties"]), name


@pytest.mark.parametrize("name", sorted(MODELS))
def test_spec_example_round_trips(name, schemas):
    """The schema's example structures into its model and back unchanged."""
    data = example(schemas[name], schemas)
    obj: Any = structure(data, MODELS[name])
    assert getattr(obj, "extra", {}) == {}
    assert unstructure(obj) == data


CLOUD: dict[str, Any] = {
    "id": "0192-c",
    "name": "dev",
    "site": "frmtl1",
    "instance_type": "bm9.hmm.gpu.4rtx4000.64",
    "created_at": TIMESTAMP,
}
NODE: dict[str, Any] = {
    "id": "0192-n",
    "name": "pve-1",
    "serial": "3W2GN83",
    "status": "running",
    "cloud": CLOUD,
}
DEVICE = {"type": "gpu", "spec": "rtx4000"}
SIZES = {"vcpu": 4, "memory": 8192, "disk": 256, "pciDevices": [DEVICE]}
TYPE = {"id": "0192-t", "name": "vm.4c.8g", **SIZES}
IP = {"address": "192.0.2.7", "public": True}
VM_JSON: dict[str, Any] = {
    "id": "0192-v",
    "name": "build-1",
    "instance_type": TYPE,
    "image": {"name": "ubuntu-2404", "os": "Ubuntu", "os_type": "linux"},
    "status": "running",
    "ips": [IP],
    "cloud": CLOUD,
    "node": NODE,
    "created_at": "2026-06-02T08:00:00Z",
    "tags": ["env:build"],
}
USAGE: dict[str, Any] = {
    "vm_id": "0192-v",
    "name": "build-1",
    "status": "deleted",
    "plan": "vm.4c.8g",
    "image": "ubuntu-2404",
    "cloud_id": "0192-c",
    "site": "frmtl1",
    "tags": [],
    "created_at": "2026-06-02T08:00:00Z",
    "vm_hours": 3,
    "released_at": "2026-06-02T10:30:00Z",
}
PAYLOADS: list[tuple[type, dict[str, Any]]] = [
    (Cloud, CLOUD),
    (_models.Node, NODE),
    (_models.InstanceType, TYPE),
    (VM, VM_JSON),
    (_reports.VMUsage, USAGE),
]
FIELDS = [(cls, data, key) for cls, data in PAYLOADS for key in data]
REQUIRED = [field for field in FIELDS if field[2] != "released_at"]
SCALARS = st.none() | st.booleans() | st.integers() | st.text()
JSON = st.recursive(
    SCALARS | st.floats(allow_nan=False),
    lambda inner: st.lists(inner) | st.dictionaries(st.text(), inner),
    max_leaves=6,
)
NEW_KEYS = st.text().map(lambda key: f"x-{key}")  # No model has such keys.
UNKNOWN = st.dictionaries(NEW_KEYS, JSON, min_size=1)
STATUSES = {s.value for s in NodeStatus} | {s.value for s in VMStatus}


@given(case=st.sampled_from(PAYLOADS), extra=UNKNOWN)
def test_unknown_keys_are_kept(case, extra):
    """Keys a model does not know land in extra and are written back."""
    cls, payload = case
    obj = structure(payload | extra, cls)
    assert obj.extra == extra
    assert unstructure(obj) == payload | extra


@given(extra=UNKNOWN)
def test_unknown_nested_keys_are_kept(extra):
    """Unknown keys deep inside a VM survive a round trip."""
    nested = {"ips": [IP | extra], "node": NODE | {"cloud": CLOUD | extra}}
    vm = structure(VM_JSON | nested, VM)
    assert vm.ips[0].extra == extra
    assert vm.node is not None
    assert vm.node.cloud.extra == extra
    assert unstructure(vm) == VM_JSON | nested


@given(status=st.text().filter(lambda text: text not in STATUSES))
def test_unknown_statuses_parse(status):
    """A status the SDK does not list parses, is marked, and round-trips."""
    data = VM_JSON | {"status": status, "node": NODE | {"status": status}}
    vm = structure(data, VM)
    assert vm.node is not None
    assert [s.value for s in (vm.status, vm.node.status)] == [status] * 2
    assert [s.known for s in (vm.status, vm.node.status)] == [False] * 2
    assert unstructure(vm) == data


@given(field=st.sampled_from(FIELDS), data=st.data())
def test_wrong_types_name_the_field(field, data):
    """A value of the wrong JSON type is refused with its path."""
    cls, payload, key = field
    wrong = JSON.filter(lambda v: type(v) is not type(payload[key]))
    if key in {"node", "released_at"}:  # These two take null as well.
        wrong = wrong.filter(lambda v: v is not None)
    with pytest.raises(ShapeError) as info:
        structure(payload | {key: data.draw(wrong)}, cls)
    assert str(info.value).startswith(f"$.{key}: ")


@pytest.mark.parametrize(("cls", "data", "key"), REQUIRED)
def test_missing_fields_are_named(cls, data, key):
    """Leaving out a required key is refused with its JSON name."""
    with pytest.raises(ShapeError) as info:
        structure({k: v for k, v in data.items() if k != key}, cls)
    assert info.value.problems == (f"$.{key}: required field missing",)
    assert info.value.target == cls.__name__


def test_every_problem_gets_a_line():
    """Each problem is listed on its own line with its JSON path."""
    devices = [{"type": "gpu"}, {"type": "nvme", "spec": 1}]
    data = VM_JSON | {
        "instance_type": TYPE | {"vcpu": "4", "pciDevices": devices},
        "status": 5,
        "ips": [IP | {"public": "true"}, "192.0.2.8"],
        "node": NODE | {"cloud": []},
        "tags": "env:build",
    }
    with pytest.raises(ShapeError) as info:
        structure(data, VM)
    assert str(info.value).splitlines() == [
        "$.instance_type.vcpu: expected int, got str",
        "$.instance_type.pciDevices[0].spec: required field missing",
        "$.instance_type.pciDevices[1].spec: expected str, got int",
        "$.status: expected str, got int",
        "$.ips[0].public: expected bool, got str",
        "$.ips[1]: expected an object, got str",
        "$.node.cloud: expected an object, got list",
        "$.tags: expected a list, got str",
    ]


def test_whole_bodies_are_checked():
    """A body of the wrong kind is reported at the root; mappings are read."""
    with pytest.raises(ShapeError) as info:
        structure([CLOUD], Cloud)
    assert str(info.value) == "$: expected an object, got list"
    assert structure(MappingProxyType(CLOUD), Cloud) == structure(CLOUD, Cloud)


def test_commands_are_a_closed_set():
    """Only the four power commands the API knows are accepted."""
    commands = [c.value for c in _models.VMCommand]
    assert commands == ["start", "stop", "reboot", "reset"]
    assert structure("stop", _models.VMCommand) is _models.VMCommand.STOP
    with pytest.raises(ShapeError) as info:
        structure("jump", _models.VMCommand)
    assert str(info.value) == "$: 'jump' is not a valid VMCommand"


def test_camel_case_created_at_is_read():
    """A VM with only createdAt parses, and is written back as created_at."""
    data = {k: v for k, v in VM_JSON.items() if k != "created_at"}
    vm = structure(data | {"createdAt": "2026-06-03T00:00:00Z"}, VM)
    assert vm.created_at == datetime(2026, 6, 3, tzinfo=UTC)
    assert vm.extra == {}
    assert unstructure(vm) == data | {"created_at": "2026-06-03T00:00:00Z"}


def test_snake_case_created_at_wins():
    """With both spellings, created_at is read and createdAt kept aside."""
    data = VM_JSON | {"createdAt": "1999-01-01T00:00:00Z"}
    vm = structure(data, VM)
    assert vm.created_at == datetime(2026, 6, 2, 8, tzinfo=UTC)
    assert vm.extra == {"createdAt": "1999-01-01T00:00:00Z"}
    assert unstructure(vm) == data


def test_absent_and_null_optionals():
    """Absent optionals stay absent; released_at and node stay as null."""
    vm = structure(VM_JSON | {"node": None, "description": "db"}, VM)
    assert vm.node is None
    assert unstructure(vm) == VM_JSON | {"node": None, "description": "db"}
    alive = {k: v for k, v in USAGE.items() if k != "released_at"}
    usage = structure(alive, _reports.VMUsage)
    assert usage.released_at is None
    assert unstructure(usage) == alive | {"released_at": None}


def test_models_are_frozen_and_hashable():
    """Models refuse changes and hash even with unknown keys kept."""
    vm = structure(VM_JSON | {"rack": {"row": [1]}}, VM)
    assert hash(vm) == hash(structure(VM_JSON, VM))
    assert "rack" not in repr(vm)
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        vm.name = "other"  # type: ignore[misc]


@pytest.mark.parametrize(
    ("text", "microsecond", "rendered"),
    [
        (f"{BASE}Z", 0, f"{BASE}Z"),
        (f"{BASE}.000001Z", 1, f"{BASE}.000001Z"),
        (f"{BASE}.5Z", 500000, f"{BASE}.500000Z"),
        # Nanoseconds, as Go's RFC3339Nano writes them, are truncated.
        (f"{BASE}.123456789Z", 123456, f"{BASE}.123456Z"),
        (f"{BASE.replace('T', 't')}z", 0, f"{BASE}Z"),
        (f"{BASE}+00:00", 0, f"{BASE}Z"),
        ("2026-06-01T14:45:14+02:00", 0, "2026-06-01T14:45:14+02:00"),
    ],
)
def test_timestamps_parse_and_render(text, microsecond, rendered):
    """RFC 3339 text parses to its instant and renders in canonical form."""
    cloud = structure(CLOUD | {"created_at": text}, Cloud)
    moment = datetime(2026, 6, 1, 12, 45, 14, microsecond, tzinfo=UTC)
    assert cloud.created_at == moment
    assert unstructure(cloud)["created_at"] == rendered


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        (BASE, f"timestamp without a UTC offset: '{BASE}'"),
        ("2026-06-01", "timestamp without a UTC offset: '2026-06-01'"),
        ("soon", "expected an RFC 3339 timestamp, got 'soon'"),
        (1780317914, "expected an RFC 3339 timestamp, got int"),
    ],
)
def test_bad_timestamps_are_refused(value, problem):
    """Naive, malformed and non-string timestamps are refused."""
    with pytest.raises(ShapeError) as info:
        structure(CLOUD | {"created_at": value}, Cloud)
    assert str(info.value) == f"$.created_at: {problem}"


def test_naive_datetimes_are_not_written():
    """Unstructuring a naive datetime fails rather than guess its zone."""
    cloud = structure(CLOUD, Cloud)
    naive = cloud.created_at.replace(tzinfo=None)
    with pytest.raises(ValueError, match="without a timezone"):
        unstructure(attrs.evolve(cloud, created_at=naive))


@given(moment=st.datetimes(timezones=st.just(UTC)))
def test_utc_datetimes_round_trip(moment):
    """Any UTC datetime renders with Z and parses back to itself."""
    cloud = attrs.evolve(structure(CLOUD, Cloud), created_at=moment)
    text = unstructure(cloud)["created_at"]
    assert text.endswith("Z")
    assert ("." in text) == bool(moment.microsecond)
    assert structure(unstructure(cloud), Cloud) == cloud


def test_unknown_status_is_an_uncached_pseudo_member():
    """An unlisted value makes a fresh member that says it is unknown."""
    status = NodeStatus("rebooting")
    assert isinstance(status, NodeStatus)
    assert status.value == "rebooting"
    assert status == "rebooting"
    assert not status.known
    assert NodeStatus.RUNNING.known
    assert "rebooting" not in NodeStatus._value2member_map_
    assert len(NodeStatus) == 7
    with pytest.raises(ValueError):
        NodeStatus(5)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("prop", "values"),
    [
        ("is_provisioning", {"created", "requested", "bootstrapping"}),
        ("is_live", {"created", "requested", "bootstrapping", "running"}),
        ("is_removing", {"deleting", "deleted"}),
        ("is_transitional", TRANSITIONAL),
        ("is_terminal", {"failed", "deleted"}),
    ],
)
def test_status_groups(prop, values):
    """Each status group holds exactly its statuses, and no unknown one."""
    enum = VMStatus if hasattr(VMStatus, prop) else NodeStatus
    assert {s.value for s in enum if getattr(s, prop)} == values
    assert not getattr(enum("hibernating"), prop)


def test_user_data_is_written_with_its_flag():
    """User data carries is_base64 and must be 1 to 64,000 characters."""
    expected = {"data": "#cloud-config", "is_base64": False}
    assert unstructure(UserData("#cloud-config")) == expected
    assert structure({"data": "eA==", "is_base64": True}, UserData).is_base64
    for size in (0, 64001):
        with pytest.raises(ValueError, match="Length of 'data'"):
            UserData("x" * size)
