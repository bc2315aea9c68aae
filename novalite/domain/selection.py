"""Selections: a host chosen by the scheduler for an instance, with its placement claim."""

from __future__ import annotations

import dataclasses
from typing import Any

from novalite.domain.base import DomainObject


@dataclasses.dataclass(kw_only=True, eq=False)
class Selection(DomainObject):
    """One host for one instance (nova's Selection object).

    ``allocation_request`` is the placement allocation request to claim (or that was
    claimed, for the selected host) in the ``PUT /allocations`` body format;
    ``allocation_request_version`` is the placement microversion it was obtained with.
    """

    VERSION = "1.0"

    instance_uuid: str
    service_host: str
    nodename: str
    compute_node_uuid: str
    cell_uuid: str | None = None
    allocation_request: dict[str, Any] = dataclasses.field(default_factory=dict)
    allocation_request_version: str | None = None
    weight: float = 0.0
