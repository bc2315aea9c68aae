"""``[placement]``, ``[glance]`` and ``[neutron]``: how novalite reaches the other services."""

from __future__ import annotations

from typing import Literal

from novalite.conf.auth import KeystoneAuthOptions
from novalite.conf.section import opt
from novalite.conf.types import Bool, ListOf, Seconds, Secret, StrList

Interface = Literal["public", "internal", "admin"]


class ServiceClientOptions(KeystoneAuthOptions):
    """Credentials plus how to find the service's endpoint (keystoneauth adapter options)."""

    valid_interfaces: ListOf[Interface] = opt(
        ("internal", "public"),
        "Catalog interfaces to use, in order of preference.",
    )
    endpoint_override: str | None = opt(
        None,
        "URL of the service, bypassing the catalog.",
    )
    service_name: str | None = opt(None, "Name of the service in the catalog.")
    connect_retries: int | None = opt(
        None,
        "Retries of a request that could not connect. Unset: none.",
        ge=0,
    )


class PlacementSection(ServiceClientOptions):
    """The placement service (the built-in one, or OpenStack placement)."""

    service_type: str = opt("placement", "Type of the service in the catalog.")


class GlanceSection(ServiceClientOptions):
    """The image service (the built-in one, or OpenStack glance)."""

    service_type: str = opt("image", "Type of the service in the catalog.")
    num_retries: int = opt(
        3,
        "Retries of a failed image upload or download.",
        ge=0,
    )
    verify_glance_signatures: Bool = opt(
        False,
        "Check the signatures of signed images before booting them.",
    )


class NeutronSection(ServiceClientOptions):
    """The network service (the built-in one, or OpenStack neutron)."""

    service_type: str = opt("network", "Type of the service in the catalog.")
    default_floating_pool: str = opt(
        "nova",
        "External network floating IPs come from when a request names none.",
    )
    ovs_bridge: str = opt("br-int", "Integration bridge that ports are plugged into.")
    extension_sync_interval: Seconds = opt(
        600,
        "Seconds between two refreshes of the list of the network service's extensions.",
        ge=0,
    )
    http_retries: int = opt(
        3,
        "Retries of an idempotent request to the network service that failed to connect.",
        ge=0,
    )
    service_metadata_proxy: Bool = opt(
        False,
        "The network service proxies metadata requests, signed with metadata_proxy_shared_secret.",
    )
    metadata_proxy_shared_secret: Secret = opt(
        "",
        "Secret shared with the metadata proxy to sign the instance id of metadata requests.",
    )
    physnets: StrList = opt(
        (),
        "Physical networks this host's compute service can attach instances to.",
    )
