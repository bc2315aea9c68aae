"""Flavor bodies per microversion (2.55 description, 2.61 extra_specs, 2.75 swap, 2.102)."""

from __future__ import annotations

from typing import Any

from novalite.api.views import links
from novalite.api.wsgi import Call
from novalite.domain.flavor import Flavor


def basic(call: Call, flavor: Flavor) -> dict[str, Any]:
    """The list entry: id, name, links (and description from 2.55)."""
    body: dict[str, Any] = {
        "id": flavor.flavorid,
        "name": flavor.name,
        "links": links(call, "flavors", flavor.flavorid),
    }
    if call.version >= (2, 55):
        body["description"] = flavor.description
    return body


def detail(call: Call, flavor: Flavor, *, extra_specs: bool) -> dict[str, Any]:
    """The full flavor; ``extra_specs`` says whether policy lets the caller see them (2.61)."""
    body = basic(call, flavor)
    swap: int | str = flavor.swap
    if call.version < (2, 75) and not flavor.swap:
        swap = ""
    body.update(
        {
            "ram": flavor.memory_mb,
            "disk": flavor.root_gb,
            "vcpus": flavor.vcpus,
            "swap": swap,
            "OS-FLV-EXT-DATA:ephemeral": flavor.ephemeral_gb,
            "os-flavor-access:is_public": flavor.is_public,
        }
    )
    if call.version < (2, 102):
        body["OS-FLV-DISABLED:disabled"] = flavor.disabled
        body["rxtx_factor"] = flavor.rxtx_factor
    if call.version >= (2, 61) and extra_specs:
        body["extra_specs"] = dict(flavor.extra_specs)
    return body
