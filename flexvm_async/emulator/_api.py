"""The FlexVM API routes, under ``/v3/flexVM/``.

Handlers check the request, call the store and render the answer. They
never sleep and never wait on anything but the request body, so a burst
of requests costs only the JSON work.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Iterable, Sequence
from datetime import UTC, datetime
from typing import Any

from aiohttp import web

from flexvm_async.emulator import _apierror as err
from flexvm_async.emulator import _reports as reports
from flexvm_async.emulator import _validate as check
from flexvm_async.emulator._catalog import IMAGES, VM_TYPES
from flexvm_async.emulator._records import VM_STATUSES, CloudRecord
from flexvm_async.emulator._render import vm_json
from flexvm_async.emulator._store import Store

__all__ = ["API_ROUTES", "Api", "route"]

_V3 = "/v3/flexVM"
_CLOUD = _V3 + "/clouds/{cloudUuid}"
_NODE = _CLOUD + "/nodes/{nodeUuid}"
_VM = _CLOUD + "/vms/{vmUuid}"

#: Every route of the API, as ``(method, template, handler name)``.
API_ROUTES = (
    ("GET", _V3 + "/clouds", "list_clouds"),
    ("POST", _V3 + "/clouds", "create_cloud"),
    ("GET", _CLOUD, "get_cloud"),
    ("DELETE", _CLOUD, "delete_cloud"),
    ("GET", _CLOUD + "/nodes", "list_nodes"),
    ("POST", _CLOUD + "/nodes", "create_node"),
    ("GET", _NODE, "get_node"),
    ("DELETE", _NODE, "delete_node"),
    ("GET", _CLOUD + "/vms", "list_vms"),
    ("POST", _CLOUD + "/vms", "create_vm"),
    ("GET", _VM, "get_vm"),
    ("DELETE", _VM, "delete_vm"),
    ("POST", _VM + "/commands", "command_vm"),
    ("GET", _V3 + "/images", "list_images"),
    ("GET", _V3 + "/instanceTypes", "list_instance_types"),
    ("GET", _V3 + "/capacity", "list_capacity"),
    ("GET", _V3 + "/reports/capacity", "capacity_report"),
    ("GET", _V3 + "/reports/monthly", "monthly_report"),
)

_Handler = Callable[[web.Request], Awaitable[web.Response]]


def route(method: str, path: str, handler: _Handler) -> web.RouteDef:
    """Return a route; a GET one without the implicit HEAD route."""
    if method == "GET":
        # The API documents no HEAD, so it answers 405 like any other.
        return web.get(path, handler, allow_head=False)
    return web.route(method, path, handler)


def _json(data: Any, status: int = 200) -> web.Response:
    # Compact separators: list bodies are the bulk of the traffic.
    text = json.dumps(data, separators=(",", ":"))
    return web.Response(
        text=text, status=status, content_type="application/json"
    )


def _parse_instant(name: str, value: str) -> float:
    """Return POSIX seconds of an ISO 8601 instant, or raise 400."""
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise err.ApiError(
            400,
            err.BAD_QUERY,
            "Invalid reporting period",
            [(name, "must be an ISO 8601 date-time")],
        ) from None
    if moment.tzinfo is None:
        # The API takes UTC; a time without an offset is read as UTC.
        moment = moment.replace(tzinfo=UTC)
    return moment.timestamp()


class Api:
    """Handlers for every API route, over one store.

    Args:
        store: The state the handlers read and change.
        max_page_size: The cap on a page's ``results``.
    """

    def __init__(self, store: Store, max_page_size: int) -> None:
        """Keep the store and the page cap."""
        self.store = store
        self.max_page_size = max_page_size

    def routes(self) -> list[web.RouteDef]:
        """Return the route table for an aiohttp application."""
        return [
            route(method, template, getattr(self, name))
            for method, template, name in API_ROUTES
        ]

    def _page(self, request: web.Request, items: Iterable[Any]) -> list[Any]:
        start, results = check.page_bounds(
            request.headers.get("RANGED-DATA"), self.max_page_size
        )
        listed = items if isinstance(items, Sequence) else list(items)
        return list(listed[start : start + results])

    def _cloud(self, request: web.Request) -> CloudRecord:
        (cloud_id,) = check.check_uuid(request, "cloudUuid")
        return self.store.cloud(cloud_id)

    # Clouds

    async def list_clouds(self, request: web.Request) -> web.Response:
        """``GET /clouds``: the clouds, one page of them."""
        clouds = self._page(request, self.store.live_clouds.values())
        return _json([cloud.to_json() for cloud in clouds])

    async def create_cloud(self, request: web.Request) -> web.Response:
        """``POST /clouds``: create a cloud."""
        fields = check.cloud_request(await check.read_json(request))
        cloud = self.store.create_cloud(
            fields["name"],
            fields["site"],
            fields["instance_type"],
            fields.get("description"),
        )
        return _json(cloud.to_json(), 201)

    async def get_cloud(self, request: web.Request) -> web.Response:
        """``GET /clouds/{cloudUuid}``: one cloud."""
        return _json(self._cloud(request).to_json())

    async def delete_cloud(self, request: web.Request) -> web.Response:
        """``DELETE /clouds/{cloudUuid}``: delete an empty cloud."""
        self.store.delete_cloud(self._cloud(request))
        return web.Response(status=204)

    # Nodes

    async def list_nodes(self, request: web.Request) -> web.Response:
        """``GET .../nodes``: the cloud's nodes, one page of them."""
        cloud = self._cloud(request)
        nodes = self._page(request, self.store.live_nodes(cloud))
        now = self.store.now()
        return _json([node.to_json(now) for node in nodes])

    async def create_node(self, request: web.Request) -> web.Response:
        """``POST .../nodes``: order a node; it answers ``requested``."""
        node = self.store.create_node(self._cloud(request))
        return _json(node.to_json(node.created, "requested"), 201)

    async def get_node(self, request: web.Request) -> web.Response:
        """``GET .../nodes/{nodeUuid}``: one node."""
        cloud_id, node_id = check.check_uuid(request, "cloudUuid", "nodeUuid")
        node = self.store.node(self.store.cloud(cloud_id), node_id)
        return _json(node.to_json(self.store.now()))

    async def delete_node(self, request: web.Request) -> web.Response:
        """``DELETE .../nodes/{nodeUuid}``: start removing a node."""
        cloud_id, node_id = check.check_uuid(request, "cloudUuid", "nodeUuid")
        self.store.delete_node(
            self.store.node(self.store.cloud(cloud_id), node_id)
        )
        return web.Response(status=202)

    # VMs

    async def list_vms(self, request: web.Request) -> web.Response:
        """``GET .../vms``: the cloud's VMs, optionally by ``status``."""
        cloud = self._cloud(request)
        wanted = request.query.get("status")
        if wanted is not None and wanted not in VM_STATUSES:
            raise err.unprocessable(
                "Invalid status filter",
                [("status", f"must be one of {', '.join(VM_STATUSES)}")],
            )
        now = self.store.now()
        vms = self.store.live_vms(cloud)
        if wanted is not None:
            vms = (vm for vm in vms if vm.status(now) == wanted)
        page = self._page(request, vms)
        return _json([vm_json(self.store, vm, now) for vm in page])

    async def create_vm(self, request: web.Request) -> web.Response:
        """``POST .../vms``: create a VM; it answers ``provisioning``."""
        cloud = self._cloud(request)
        asked = check.vm_request(await check.read_json(request))
        vm = self.store.create_vm(
            cloud,
            name=asked.name,
            description=asked.description,
            vm_type=asked.vm_type,
            image=asked.image,
            tags=asked.tags,
        )
        return _json(vm_json(self.store, vm, vm.created, "provisioning"), 201)

    async def get_vm(self, request: web.Request) -> web.Response:
        """``GET .../vms/{vmUuid}``: one VM."""
        cloud_id, vm_id = check.check_uuid(request, "cloudUuid", "vmUuid")
        vm = self.store.vm(self.store.cloud(cloud_id), vm_id)
        return _json(vm_json(self.store, vm, self.store.now()))

    async def delete_vm(self, request: web.Request) -> web.Response:
        """``DELETE .../vms/{vmUuid}``: start removing a VM."""
        cloud_id, vm_id = check.check_uuid(request, "cloudUuid", "vmUuid")
        self.store.delete_vm(self.store.vm(self.store.cloud(cloud_id), vm_id))
        return web.Response(status=202)

    async def command_vm(self, request: web.Request) -> web.Response:
        """``POST .../vms/{vmUuid}/commands``: start, stop, reboot, reset."""
        cloud_id, vm_id = check.check_uuid(request, "cloudUuid", "vmUuid")
        vm = self.store.vm(self.store.cloud(cloud_id), vm_id)
        command = check.command_request(await check.read_json(request))
        self.store.command_vm(vm, command)
        return web.Response(status=202)

    # Catalog, capacity and reports

    async def list_images(self, request: web.Request) -> web.Response:
        """``GET /images``: the built-in images."""
        images = self._page(request, list(IMAGES.values()))
        return _json([image.to_json() for image in images])

    async def list_instance_types(self, request: web.Request) -> web.Response:
        """``GET /instanceTypes``: the built-in VM instance types."""
        kinds = self._page(request, list(VM_TYPES.values()))
        return _json([kind.to_json() for kind in kinds])

    async def list_capacity(self, request: web.Request) -> web.Response:
        """``GET /capacity``: each cloud's capacity, one page of them."""
        clouds = self._page(request, self.store.live_clouds.values())
        return _json([reports.cloud_capacity(self.store, c) for c in clouds])

    async def capacity_report(self, request: web.Request) -> web.Response:
        """``GET /reports/capacity``: the capacity of every cloud together."""
        del request  # the report takes no parameters
        return _json(reports.org_capacity(self.store))

    async def monthly_report(self, request: web.Request) -> web.Response:
        """``GET /reports/monthly``: usage over a period (default: a month)."""
        start_text = request.query.get("start")
        end_text = request.query.get("end")
        if (start_text is None) != (end_text is None):
            raise err.ApiError(
                400,
                err.BAD_QUERY,
                "start and end must be given together",
                [("start" if start_text is None else "end", "is required")],
            )
        epoch = self.store.epoch
        if start_text is None or end_text is None:
            start, end = reports.month_of(epoch + self.store.now())
        else:
            start = _parse_instant("start", start_text)
            end = _parse_instant("end", end_text)
            if start >= end:
                raise err.unprocessable(
                    "The period is empty", [("end", "must be after start")]
                )
        report = reports.monthly_report(self.store, start - epoch, end - epoch)
        return _json(report)
