"""The keystone v3 service catalog and endpoint selection (keystoneauth's rules, simplified)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from novalite.errors import EndpointNotFound

#: nova's default ``valid_interfaces`` for the services it calls.
DEFAULT_INTERFACES: tuple[str, ...] = ("internal", "public")


def _interface(name: str) -> str:
    # keystoneauth accepts the v2 names too ("publicURL").
    name = name.strip().lower()
    return name[: -len("url")] if name.endswith("url") else name


class Catalog:
    """A token's service catalog: a list of ``{"type", "name", "endpoints": [...]}``."""

    def __init__(self, services: Iterable[Mapping[str, Any]] = ()) -> None:
        self.services: tuple[Mapping[str, Any], ...] = tuple(services)

    def __bool__(self) -> bool:
        return bool(self.services)

    def endpoint_for(
        self,
        service_type: str,
        interfaces: Sequence[str] | str = DEFAULT_INTERFACES,
        region: str | None = None,
        service_name: str | None = None,
    ) -> str:
        """The URL of ``service_type`` for the first of ``interfaces`` that has one.

        ``interfaces`` is in order of preference (a comma-separated string works too);
        ``region`` matches an endpoint's ``region_id`` or ``region``. Raises
        :class:`~novalite.errors.EndpointNotFound`.
        """
        if isinstance(interfaces, str):
            interfaces = [i for i in interfaces.split(",") if i.strip()]
        wanted = [_interface(i) for i in interfaces]
        candidates: dict[str, str] = {}
        for service in self.services:
            if service.get("type") != service_type:
                continue
            if service_name is not None and service.get("name") != service_name:
                continue
            for endpoint in service.get("endpoints") or ():
                interface = _interface(str(endpoint.get("interface", "")))
                if region is not None and region not in (
                    endpoint.get("region_id"),
                    endpoint.get("region"),
                ):
                    continue
                url = endpoint.get("url")
                if isinstance(url, str) and url and interface not in candidates:
                    candidates[interface] = url
        for interface in wanted:
            if interface in candidates:
                return candidates[interface]
        raise EndpointNotFound(
            interfaces="/".join(wanted) or "any",
            service_type=service_type,
            region=region or "(any)",
        )
