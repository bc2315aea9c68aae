"""Flavors: the virtual hardware templates of instances."""

from __future__ import annotations

import dataclasses
import datetime

from novalite.domain.base import DomainObject


@dataclasses.dataclass(kw_only=True, eq=False)
class Flavor(DomainObject):
    """A flavor with its extra specs (``flavorid`` is the id users see)."""

    VERSION = "1.0"

    id: int | None = None
    flavorid: str
    name: str
    memory_mb: int
    vcpus: int
    root_gb: int = 0
    ephemeral_gb: int = 0
    swap: int = 0
    rxtx_factor: float = 1.0
    vcpu_weight: int | None = None
    disabled: bool = False
    is_public: bool = True
    description: str | None = None
    extra_specs: dict[str, str] = dataclasses.field(default_factory=dict)
    created_at: datetime.datetime | None = None
    updated_at: datetime.datetime | None = None
