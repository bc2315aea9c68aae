"""Server bodies per microversion (nova's servers view builder).

What policy lets the caller see is decided once per request (:class:`ServerView`), so that
a page of a thousand servers costs one pass over plain data and no further queries.
"""

from __future__ import annotations

import dataclasses
import datetime
import functools
import hashlib
from collections.abc import Mapping
from typing import Any

from novalite.api import policies
from novalite.api.wsgi import Call
from novalite.domain.instance import Instance, InstanceFault, InstanceMapping
from novalite.domain.states import status_from_state

#: Statuses whose server shows its newest fault.
FAULT_STATUSES = frozenset({"ERROR", "DELETED"})
#: Statuses whose server shows ``progress``.
PROGRESS_STATUSES = frozenset(
    {"ACTIVE", "BUILD", "REBUILD", "RESIZE", "VERIFY_RESIZE", "MIGRATING"}
)
#: ``[DEFAULT] instance_name_template``.
INSTANCE_NAME_TEMPLATE = "instance-%08x"
DEFAULT_AZ = "nova"
#: The status (and zone) of a server whose cell does not answer.
UNKNOWN = "UNKNOWN"


def isotime(value: datetime.datetime | None) -> str | None:
    """nova's ``utils.isotime``: ``YYYY-MM-DDThh:mm:ssZ`` in UTC."""
    if value is None:
        return None
    if value.tzinfo is not None:
        value = value.astimezone(datetime.UTC).replace(tzinfo=None)
    return value.replace(microsecond=0).isoformat() + "Z"


def naive_iso(value: datetime.datetime | None) -> str | None:
    """launched_at/terminated_at as nova shows them: the naive timestamp, microseconds kept."""
    if value is None:
        return None
    if value.tzinfo is not None:
        value = value.astimezone(datetime.UTC).replace(tzinfo=None)
    return value.isoformat()


def host_id(instance: Instance) -> str:
    """``hostId``: sha224 of project + host (empty without a host)."""
    if not instance.host:
        return ""
    return _host_id(instance.project_id, instance.host)


@functools.lru_cache(maxsize=4096)
def _host_id(project_id: str | None, host: str) -> str:
    return hashlib.sha224(f"{project_id}{host}".encode()).hexdigest()


def status(instance: Instance) -> str:
    """The API ``status`` (a deleted row shows DELETED whatever its vm_state)."""
    if instance.deleted:
        return "DELETED"
    return _status(instance.vm_state, instance.task_state)


_status = functools.lru_cache(maxsize=1024)(status_from_state)


@dataclasses.dataclass(frozen=True)
class ServerView:
    """How one request renders servers: version, links and what policy shows."""

    call: Call
    extended_attrs: bool
    extra_specs: bool
    #: None: no host_status; False: any status; True: only UNKNOWN (policy unknown-only).
    host_status_unknown_only: bool | None
    self_prefix: str
    bookmark_prefix: str

    @classmethod
    def for_call(cls, call: Call, project_id: str | None = None) -> ServerView:
        """Policy decided against ``project_id`` (the server's; the caller's for lists)."""
        target = {"project_id": project_id or call.context.project_id}
        unknown_only: bool | None = None
        if call.version >= (2, 16):
            if call.allowed(policies.SERVERS % "show:host_status", target):
                unknown_only = False
            elif call.allowed(policies.SERVERS % "show:host_status:unknown-only", target):
                unknown_only = True
        return cls(
            call=call,
            extended_attrs=call.allowed(policies.EXTENDED_SERVER_ATTRIBUTES, target),
            extra_specs=call.version >= (2, 47)
            and call.allowed(policies.SERVERS % "show:flavor-extra-specs", target),
            host_status_unknown_only=unknown_only,
            self_prefix=call.url(""),
            bookmark_prefix=call.url("", versioned=False),
        )

    def links(self, collection: str, item_id: str) -> list[dict[str, str]]:
        """``self`` and ``bookmark`` links."""
        return [
            {"rel": "self", "href": f"{self.self_prefix}{collection}/{item_id}"},
            {"rel": "bookmark", "href": f"{self.bookmark_prefix}{collection}/{item_id}"},
        ]

    def basic(self, instance: Instance) -> dict[str, Any]:
        """The list entry: id, name, links."""
        return {
            "id": instance.uuid,
            "name": instance.display_name or "",
            "links": self.links("servers", instance.uuid),
        }

    def unavailable(self, mapping: InstanceMapping, *, detail: bool) -> dict[str, Any]:
        """A listed server whose cell does not answer (2.69): id, status UNKNOWN and links;
        in details also its project and creation time."""
        body: dict[str, Any] = {"id": mapping.instance_uuid, "status": UNKNOWN}
        if detail:
            body["tenant_id"] = mapping.project_id
            body["created"] = isotime(mapping.created_at)
        body["links"] = self.links("servers", mapping.instance_uuid)
        return body

    def unavailable_detail(
        self, instance: Instance, *, server_groups: list[str] | None = None
    ) -> dict[str, Any]:
        """A shown server whose cell does not answer (2.69), from
        :func:`~novalite.api.server_lookup.partial_instance`."""
        body: dict[str, Any] = {
            "id": instance.uuid,
            "status": UNKNOWN,
            "tenant_id": instance.project_id,
            "user_id": instance.user_id,
            "created": isotime(instance.created_at),
            "image": self._image(instance),
            "flavor": self._flavor(instance),
            "OS-EXT-AZ:availability_zone": instance.availability_zone or UNKNOWN,
            "OS-EXT-STS:power_state": instance.power_state,
            "links": self.links("servers", instance.uuid),
        }
        if server_groups is not None and self.call.version >= (2, 71):
            body["server_groups"] = server_groups
        return body

    def detail(
        self,
        instance: Instance,
        *,
        host_status: str | None = None,
        server_groups: list[str] | None = None,
        full: bool = True,
    ) -> dict[str, Any]:
        """The server; ``server_groups`` only where nova shows them (show, update).

        ``full=False`` is the shorter body of ``PUT`` before 2.75 (no zone, key,
        usage, extended attributes and statuses, volumes or host status).
        """
        version = self.call.version
        state = status(instance)
        body: dict[str, Any] = {
            "id": instance.uuid,
            "name": instance.display_name or "",
            "status": state,
            "tenant_id": instance.project_id or "",
            "user_id": instance.user_id or "",
            "metadata": dict(instance.metadata),
            "hostId": host_id(instance),
            "image": self._image(instance),
            "flavor": self._flavor(instance),
            "created": isotime(instance.created_at),
            "updated": isotime(instance.updated_at or instance.created_at),
            "addresses": {},
            "accessIPv4": instance.access_ip_v4 or "",
            "accessIPv6": instance.access_ip_v6 or "",
            "links": self.links("servers", instance.uuid),
            "OS-DCF:diskConfig": "MANUAL",
        }
        if state in FAULT_STATUSES and instance.fault is not None:
            body["fault"] = self._fault(instance.fault)
        if state in PROGRESS_STATUSES:
            body["progress"] = instance.progress or 0
        if full:
            body.update(self._full(instance, host_status))
        extended = self.extended_attrs and full
        if version >= (2, 9):
            body["locked"] = bool(instance.locked or instance.locked_by)
        if version >= (2, 73):
            body["locked_reason"] = instance.system_metadata.get("locked_reason")
        if version >= (2, 19):
            body["description"] = instance.display_description
        if version >= (2, 26):
            body["tags"] = list(instance.tags)
        if version >= (2, 63):
            body["trusted_image_certificates"] = None
        if version >= (2, 90) and not extended:
            body["OS-EXT-SRV-ATTR:hostname"] = instance.hostname
        if server_groups is not None and version >= (2, 71):
            body["server_groups"] = server_groups
        return body

    def _full(self, instance: Instance, host_status: str | None) -> dict[str, Any]:
        body: dict[str, Any] = {
            "OS-EXT-AZ:availability_zone": _availability_zone(instance),
            "config_drive": instance.config_drive or "",
            "key_name": instance.key_name,
            "OS-SRV-USG:launched_at": naive_iso(instance.launched_at),
            "OS-SRV-USG:terminated_at": naive_iso(instance.terminated_at),
        }
        if self.extended_attrs:
            body.update(self._extended(instance))
        body["OS-EXT-STS:task_state"] = instance.task_state
        body["OS-EXT-STS:vm_state"] = instance.vm_state
        body["OS-EXT-STS:power_state"] = instance.power_state
        body["os-extended-volumes:volumes_attached"] = []
        if self.call.version >= (2, 16) and self.host_status_unknown_only is not None:
            shown = host_status if host_status is not None else ""
            if not self.host_status_unknown_only or shown == "UNKNOWN":
                body["host_status"] = shown
        return body

    def _image(self, instance: Instance) -> Any:
        if not instance.image_ref:
            return ""
        image_id = instance.image_ref.rstrip("/").rsplit("/", 1)[-1]
        href = f"{self.bookmark_prefix}images/{image_id}"
        return {"id": image_id, "links": [{"rel": "bookmark", "href": href}]}

    def _flavor(self, instance: Instance) -> dict[str, Any]:
        flavor = instance.flavor
        if self.call.version < (2, 47):
            flavorid = flavor.flavorid if flavor else ""
            href = f"{self.bookmark_prefix}flavors/{flavorid}"
            return {"id": flavorid, "links": [{"rel": "bookmark", "href": href}]}
        if flavor is None:
            return {"vcpus": 0, "ram": 0, "disk": 0, "ephemeral": 0, "swap": 0, "original_name": ""}
        body: dict[str, Any] = {
            "vcpus": flavor.vcpus,
            "ram": flavor.memory_mb,
            "disk": flavor.root_gb,
            "ephemeral": flavor.ephemeral_gb,
            "swap": flavor.swap,
            "original_name": flavor.name,
        }
        if self.extra_specs:
            body["extra_specs"] = dict(flavor.extra_specs)
        return body

    def _fault(self, fault: InstanceFault) -> dict[str, Any]:
        body: dict[str, Any] = {
            "code": fault.code,
            "created": isotime(fault.created_at),
            "message": fault.message,
        }
        if fault.details and (self.call.context.is_admin or fault.code != 500):
            body["details"] = fault.details
        return body

    def _extended(self, instance: Instance) -> dict[str, Any]:
        body: dict[str, Any] = {
            "OS-EXT-SRV-ATTR:host": instance.host,
            "OS-EXT-SRV-ATTR:instance_name": (
                INSTANCE_NAME_TEMPLATE % instance.id if instance.id is not None else ""
            ),
            "OS-EXT-SRV-ATTR:hypervisor_hostname": instance.node,
        }
        if self.call.version >= (2, 3):
            body.update(
                {
                    "OS-EXT-SRV-ATTR:reservation_id": instance.reservation_id,
                    "OS-EXT-SRV-ATTR:launch_index": instance.launch_index,
                    "OS-EXT-SRV-ATTR:hostname": instance.hostname,
                    "OS-EXT-SRV-ATTR:kernel_id": "",
                    "OS-EXT-SRV-ATTR:ramdisk_id": "",
                    "OS-EXT-SRV-ATTR:root_device_name": None,
                    "OS-EXT-SRV-ATTR:user_data": instance.user_data,
                }
            )
        return body


def _availability_zone(instance: Instance) -> str:
    if instance.host:
        return instance.availability_zone or DEFAULT_AZ
    return instance.availability_zone or ""


def host_statuses(services: Mapping[str, tuple[bool, bool, bool]]) -> dict[str, str]:
    """host -> nova's host_status from (forced_down, disabled, up) of its compute service."""
    result: dict[str, str] = {}
    for host, (forced_down, disabled, up) in services.items():
        if forced_down:
            result[host] = "DOWN"
        elif disabled:
            result[host] = "MAINTENANCE"
        else:
            result[host] = "UP" if up else "UNKNOWN"
    return result
