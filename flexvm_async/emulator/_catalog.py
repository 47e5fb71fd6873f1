"""The emulator's built-in catalog: sites, images and instance types.

The names follow the examples in i3D's OpenAPI document. Bare-metal types
describe what one node brings to a cloud's capacity; VM instance types
what one VM takes from it. Their resource figures are plausible, not
i3D's: the API publishes no table of them.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any, TypeVar

import attrs

__all__ = [
    "BARE_METAL_TYPES",
    "DEFAULT_BARE_METAL",
    "DEFAULT_IMAGE",
    "DEFAULT_VM_TYPE",
    "IMAGES",
    "SITES",
    "VM_TYPES",
    "BareMetalType",
    "Image",
    "VMType",
]

#: The sites a cloud may be created in.
SITES = frozenset({"frmtl1", "camtr6", "nlrtm1"})

# Fixed ids keep the catalog identical across runs and seeds.
_NAMESPACE = uuid.UUID("0c5d7a52-3f0e-4b8e-9a57-9d1f2c6e4b10")


def _image_json(image: Image) -> dict[str, Any]:
    return {"name": image.name, "os": image.os, "os_type": image.os_type}


@attrs.frozen
class Image:
    """An image VMs can be created from.

    Attributes:
        name: The name used in ``image_name``.
        os: A human-readable OS name.
        os_type: ``linux`` or ``windows``.
    """

    name: str
    os: str
    os_type: str
    # Built once: every VM answer embeds it.
    _json: dict[str, Any] = attrs.field(
        init=False,
        eq=False,
        repr=False,
        default=attrs.Factory(_image_json, takes_self=True),
    )

    def to_json(self) -> dict[str, Any]:
        """Return the ``FlexVMImage`` JSON object (shared; do not change)."""
        return self._json


def _vm_type_id(vm_type: VMType) -> str:
    return str(uuid.uuid5(_NAMESPACE, f"instance-type:{vm_type.name}"))


def _vm_type_json(vm_type: VMType) -> dict[str, Any]:
    return {
        "id": vm_type.id,
        "name": vm_type.name,
        "vcpu": vm_type.vcpu,
        "memory": vm_type.memory,
        "disk": vm_type.disk,
        "pciDevices": [
            {"type": kind, "spec": spec} for kind, spec in vm_type.pci
        ],
    }


@attrs.frozen
class VMType:
    """A VM instance type and the resources one VM of it takes.

    Attributes:
        name: The name used in ``instance_type_name``.
        vcpu: Virtual CPUs.
        memory: Memory in MB.
        disk: OS disk in GB.
        pci: Pass-through devices as ``(type, spec)`` pairs.
        id: A stable UUID derived from the name.
    """

    name: str
    vcpu: int
    memory: int
    disk: int
    pci: tuple[tuple[str, str], ...] = ()
    id: str = attrs.field(
        init=False, default=attrs.Factory(_vm_type_id, takes_self=True)
    )
    # Built once: every VM answer embeds it.
    _json: dict[str, Any] = attrs.field(
        init=False,
        eq=False,
        repr=False,
        default=attrs.Factory(_vm_type_json, takes_self=True),
    )

    def pci_count(self, kind: str) -> int:
        """Return how many devices of a class (``gpu``, ``nvme``) it takes."""
        return sum(1 for device, _ in self.pci if device == kind)

    def to_json(self) -> dict[str, Any]:
        """Return the ``FlexVMInstanceType`` JSON (shared; do not change)."""
        return self._json


@attrs.frozen
class BareMetalType:
    """A bare-metal node type and the resources one node of it offers.

    Attributes:
        name: The name used in a cloud's ``instance_type``.
        vcpu: Virtual CPUs available to VMs.
        memory: Memory in MB available to VMs.
        pci: Pass-through device counts by class, e.g. ``{"gpu": 4}``.
    """

    name: str
    vcpu: int
    memory: int
    pci: Mapping[str, int] = attrs.field(factory=dict)


_T = TypeVar("_T", Image, VMType, BareMetalType)


def _index(*items: _T) -> Mapping[str, _T]:
    return {item.name: item for item in items}


#: Images by name, in listing order.
IMAGES: Mapping[str, Image] = _index(
    Image("ubuntu-2404-server-amd64", "Ubuntu LTS 24.04", "linux"),
    Image("ubuntu-2204-server-amd64", "Ubuntu LTS 22.04", "linux"),
    Image("debian-12-amd64", "Debian 12", "linux"),
    Image("windows-server-2022-amd64", "Windows Server 2022", "windows"),
)

#: VM instance types by name, in listing order.
VM_TYPES: Mapping[str, VMType] = _index(
    VMType("vm.4c.8g", 4, 8 * 1024, 64),
    VMType("vm.8c.16g", 8, 16 * 1024, 128),
    VMType("vm.8c.64g", 8, 64 * 1024, 128),
    VMType("vm.1nvme.16c.64g", 16, 64 * 1024, 128, (("nvme", "3.84TB"),)),
    VMType(
        "vm.gpu.1rtx4000.15c.248g", 15, 248 * 1024, 256, (("gpu", "rtx4000"),)
    ),
)

#: Bare-metal node types by name.
BARE_METAL_TYPES: Mapping[str, BareMetalType] = _index(
    BareMetalType(
        "bm9.hmm.gpu.4rtx4000.64", 64, 1024 * 1024, {"gpu": 4, "nvme": 2}
    ),
    BareMetalType("bm9.std.64", 64, 256 * 1024, {"nvme": 4}),
    BareMetalType("bm7.std.32", 32, 128 * 1024),
)

DEFAULT_BARE_METAL = "bm9.hmm.gpu.4rtx4000.64"
DEFAULT_VM_TYPE = "vm.4c.8g"
DEFAULT_IMAGE = "ubuntu-2404-server-amd64"
