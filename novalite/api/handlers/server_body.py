"""Server request bodies (already schema-valid) to what the service layer takes.

Also the checks nova's schema formats make that plain JSON Schema cannot (``name``
without surrounding whitespace, ``base64`` user data).
"""

from __future__ import annotations

import base64
import binascii
from typing import Any
from urllib.parse import urlsplit

from novalite.api.common import strbool
from novalite.api.server_create import CreateRequest, normalise_hints
from novalite.api.wsgi import Call
from novalite.errors import RequestInvalid

_NAME_REASON = "printable characters. Can not start or end with whitespace."


def check_name(value: Any) -> None:
    """nova's ``name`` format: printable, no leading or trailing whitespace."""
    if isinstance(value, str) and (value != value.strip() or not value.isprintable()):
        raise RequestInvalid(
            f"An invalid 'name' value was provided. The name must be: {_NAME_REASON}"
        )


def check_base64(field: str, value: Any) -> None:
    """nova's ``base64`` format."""
    if not isinstance(value, str):
        return
    try:
        base64.decodebytes(value.encode("utf-8"))
    except (binascii.Error, ValueError):
        raise RequestInvalid(
            f"Invalid input for field/attribute {field}. Value: {value}. "
            f"'{value}' is not a 'base64'"
        ) from None


def id_from_href(href: Any) -> str:
    """The last path segment of a link, or the id itself (nova's ``get_id_from_href``)."""
    return urlsplit(str(href)).path.split("/")[-1]


def _count(server: dict[str, Any]) -> tuple[int, int]:
    low = int(server.get("min_count", 1))
    high = int(server.get("max_count", low))
    if low > high:
        raise RequestInvalid("min_count must be <= max_count")
    return low, high


def _availability_zone(value: str | None) -> tuple[str | None, str | None, str | None]:
    """nova's legacy ``az:host:node`` / ``az::node`` forms."""
    host = node = None
    if value and ":" in value:
        colons = value.count(":")
        if colons == 1:
            value, host = value.split(":")
        elif colons == 2 and "::" in value:
            value, node = value.split("::")
        elif colons == 2:
            value, host, node = value.split(":")
        else:
            raise RequestInvalid("Unable to parse availability_zone")
    return value or None, host or None, node or None


def _image_ref(server: dict[str, Any], is_bfv: bool) -> str:
    image = server.get("imageRef")
    if image:
        return str(image)
    if is_bfv:
        return ""
    raise RequestInvalid("Missing imageRef attribute")


def _hints(body: dict[str, Any]) -> dict[str, list[str]]:
    hints = body.get("os:scheduler_hints") or body.get("OS-SCH-HNT:scheduler_hints") or {}
    return normalise_hints(hints)


def create_request(call: Call, body: dict[str, Any]) -> CreateRequest:
    """The :class:`CreateRequest` of a ``POST /servers`` body."""
    server: dict[str, Any] = body["server"]
    for field in ("name", "key_name", "availability_zone"):
        check_name(server.get(field))
    check_base64("user_data", server.get("user_data"))
    count_min, count_max = _count(server)
    hostname = server.get("hostname") if call.version >= (2, 90) else None
    if hostname is not None and count_max > 1:
        raise RequestInvalid("Unable to allocate a single hostname to multiple instances")
    is_bfv = bool(server.get("block_device_mapping") or server.get("block_device_mapping_v2"))
    zone, host, node = _availability_zone(server.get("availability_zone"))
    return CreateRequest(
        name=server["name"],
        flavor_id=id_from_href(server["flavorRef"]),
        image_ref=_image_ref(server, is_bfv),
        count_min=count_min,
        count_max=count_max,
        key_name=server.get("key_name"),
        admin_password=server.get("adminPass"),
        user_data=server.get("user_data"),
        metadata=dict(server.get("metadata") or {}),
        availability_zone=zone,
        forced_host=host,
        forced_node=node,
        description=server.get("description"),
        hostname=hostname,
        access_ip_v4=server.get("accessIPv4"),
        access_ip_v6=server.get("accessIPv6"),
        config_drive=bool(strbool(server.get("config_drive", False))),
        tags=list(server.get("tags") or []),
        scheduler_hints=_hints(body),
        is_bfv=is_bfv,
        requested_host=server.get("host") if call.version >= (2, 74) else None,
        requested_node=server.get("hypervisor_hostname") if call.version >= (2, 74) else None,
    )


def wants_reservation_id(body: dict[str, Any]) -> bool:
    """Whether the caller asked for ``{"reservation_id": ...}`` instead of the server."""
    return bool(strbool(body["server"].get("return_reservation_id", False)))


def security_groups(body: dict[str, Any]) -> list[dict[str, str]]:
    """The security groups named in the request (``default`` when none)."""
    groups = body["server"].get("security_groups") or [{"name": "default"}]
    return [{"name": g.get("name", "default")} for g in groups]


def update_values(call: Call, body: dict[str, Any]) -> dict[str, Any]:
    """Instance fields changed by a ``PUT /servers/{id}`` body."""
    server: dict[str, Any] = body["server"]
    values: dict[str, Any] = {}
    if "name" in server:
        check_name(server["name"])
        values["display_name"] = server["name"]
    if "description" in server and call.version >= (2, 19):
        values["display_description"] = server["description"]
    if "hostname" in server and call.version >= (2, 90):
        values["hostname"] = server["hostname"]
    if "accessIPv4" in server:
        values["access_ip_v4"] = server["accessIPv4"] or None
    if "accessIPv6" in server:
        values["access_ip_v6"] = server["accessIPv6"] or None
    return values
