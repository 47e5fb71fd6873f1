"""JSON bodies shaped as the API sends them, for tests."""

from __future__ import annotations

from typing import Any

CLOUD_ID = "019256ab-1554-73a7-b091-f024b0a724ea"
NODE_ID = "019256ab-1554-73a7-b091-f024b0a72400"
VM_ID = "019256ab-1554-73a7-b091-f024b0a72500"


def cloud(cloud_id: str = CLOUD_ID, name: str = "edge") -> dict[str, Any]:
    """Return a Cloud body."""
    return {
        "id": cloud_id,
        "name": name,
        "site": "frmtl1",
        "instance_type": "bm9.hmm.gpu.4rtx4000.64",
        "created_at": "2026-06-01T12:45:14Z",
    }


def node(
    node_id: str = NODE_ID, status: str = "running", cloud_id: str = CLOUD_ID
) -> dict[str, Any]:
    """Return a Node body."""
    return {
        "id": node_id,
        "name": "proxmox-dev-1",
        "serial": "3W2GN83",
        "status": status,
        "cloud": cloud(cloud_id),
    }


def vm(vm_id: str = VM_ID, status: str = "running") -> dict[str, Any]:
    """Return a VM body."""
    return {
        "id": vm_id,
        "name": "development.ubuntu-2404",
        "instance_type": {
            "id": "019256ab-1554-73a7-b091-f024b0a72600",
            "name": "vm.gpu.1rtx4000.15c.248g",
            "vcpu": 4,
            "memory": 4096,
            "disk": 256,
            "pciDevices": [{"type": "gpu", "spec": "rtx4000"}],
        },
        "image": {
            "name": "ubuntu-2404-server-amd64",
            "os": "Ubuntu LTS 24.04",
            "os_type": "linux",
        },
        "status": status,
        "ips": [{"address": "1.2.3.4", "public": True}],
        "cloud": cloud(),
        "node": node(),
        "created_at": "2026-06-01T12:45:14Z",
        "tags": [],
    }


def resource(total: int, in_use: int) -> dict[str, int]:
    """Return a CapacityResource body."""
    return {"total": total, "in_use": in_use, "available": total - in_use}


def capacity() -> dict[str, Any]:
    """Return a Capacity body."""
    return {
        "nodes": 2,
        "node_groups": [
            {"instance_type": "bm9.hmm.gpu.4rtx4000.64", "quantity": 2}
        ],
        "resources": {
            "vcpu": resource(128, 8),
            "memory": resource(524288, 8192),
            "pci_devices": [
                {"type": "gpu", "total": 8, "in_use": 2, "available": 6}
            ],
        },
    }


def cloud_capacity() -> dict[str, Any]:
    """Return a CloudCapacity body."""
    return {**cloud(), **capacity()}


def monthly() -> dict[str, Any]:
    """Return a MonthlyUsageReport body."""
    return {
        "period": {
            "start": "2026-06-01T00:00:00Z",
            "end": "2026-07-01T00:00:00Z",
        },
        "total_nodes": 2,
        "total_active_vms": 1,
        "clouds": [
            {
                "id": CLOUD_ID,
                "site": "frmtl1",
                "instance_type": "bm9.hmm.gpu.4rtx4000.64",
                "nodes": 2,
                "active_vms": 1,
                "period_usage": {
                    "total_vms_created": 1,
                    "total_vms_released": 0,
                    "total_vm_hours": 5,
                },
            }
        ],
        "by_tag": [],
        "vms": [
            {
                "vm_id": VM_ID,
                "name": "a",
                "status": "running",
                "plan": "vm.4c.8g",
                "image": "ubuntu-2404-server-amd64",
                "cloud_id": CLOUD_ID,
                "site": "frmtl1",
                "tags": [],
                "created_at": "2026-06-01T00:00:00Z",
                "released_at": None,
                "vm_hours": 5,
            }
        ],
    }
