"""``[api]``: behaviour of the compute API and of the metadata service."""

from __future__ import annotations

from typing import Literal

from novalite.conf.section import Section, opt
from novalite.conf.types import Bool, Seconds


class ApiSection(Section):
    """The compute REST API and the metadata service."""

    auth_strategy: Literal["keystone", "noauth2"] = opt(
        "keystone",
        "How requests are authenticated: keystone (tokens checked with the identity "
        "service) or noauth2 (trust the user and project in the request; tests only).",
    )
    use_forwarded_for: Bool = opt(
        False,
        "Take the client's address from the X-Forwarded-For header. Only behind a "
        "proxy that sets it.",
    )
    max_limit: int = opt(
        1000,
        "Most items a list request returns in one page.",
        ge=0,
    )
    compute_link_prefix: str | None = opt(
        None,
        "Replaces scheme, host and port of the compute API links in responses (set "
        "it behind a proxy). Unset: taken from the request.",
    )
    glance_link_prefix: str | None = opt(
        None,
        "Replaces scheme, host and port of the image links in responses. Unset: taken "
        "from the request.",
    )
    instance_list_per_project_cells: Bool = opt(
        False,
        "When listing servers, query only the cells where the project has instances, "
        "instead of every cell.",
    )
    instance_list_cells_batch_strategy: Literal["distributed", "fixed"] = opt(
        "distributed",
        "How many results to ask each cell for when listing servers: distributed "
        "(the limit shared among the cells) or fixed (instance_list_cells_batch_fixed_size).",
    )
    instance_list_cells_batch_fixed_size: int = opt(
        100,
        "Batch size per cell when instance_list_cells_batch_strategy = fixed.",
        ge=1,
    )
    list_records_by_skipping_down_cells: Bool = opt(
        True,
        "When a cell is down, list what the other cells have instead of failing the "
        "request. Either way servers of a down cell are not lost.",
    )
    dhcp_domain: str = opt(
        "novalocal",
        "Domain appended to the host name of instances in their metadata.",
    )
    metadata_cache_expiration: Seconds = opt(
        15,
        "Seconds the metadata service caches what it serves for an instance; 0 disables the cache.",
        ge=0,
    )
    local_metadata_per_cell: Bool = opt(
        False,
        "The metadata service runs per cell and reads only that cell's database.",
    )
    enable_instance_password: Bool = opt(
        True,
        "Return the admin password of a new server in the response to its creation.",
    )
