"""The placement query of a request spec (nova's ``ResourceRequest.to_querystring``).

The unsuffixed group holds the flavor's ``VCPU`` (``PCPU`` for ``hw:cpu_policy=dedicated``),
``MEMORY_MB`` and ``DISK_GB`` = root (unless boot from volume) + ephemeral + swap rounded up
to GB, each unless flavor extra specs already request that class in any group; zero amounts
are dropped. Extra specs ``resources[S]:RC=N`` and ``trait[S]:T=required|forbidden`` fill the
unsuffixed (no ``S``) or granular groups, ``group_policy`` passes through, the root provider
must not carry ``COMPUTE_STATUS_DISABLED``, and ``limit`` is ``[scheduler]
max_placement_results``.
"""

from __future__ import annotations

import dataclasses
import logging
import re
from urllib.parse import urlencode

from novalite.domain.request_spec import RequestSpec
from novalite.errors import Invalid

LOG = logging.getLogger(__name__)

_EXTRA_SPEC_KEY = re.compile(r"^(resources|trait)([a-zA-Z0-9_-]{1,64})?:(.+)$")
DISABLED_TRAIT = "COMPUTE_STATUS_DISABLED"
VCPU, PCPU, MEMORY_MB, DISK_GB = "VCPU", "PCPU", "MEMORY_MB", "DISK_GB"


@dataclasses.dataclass
class RequestGroup:
    """One group of the query: resources and traits, from one provider if suffixed."""

    suffix: str = ""
    resources: dict[str, int] = dataclasses.field(default_factory=dict)
    required_traits: set[str] = dataclasses.field(default_factory=set)
    forbidden_traits: set[str] = dataclasses.field(default_factory=set)
    member_of: list[list[str]] = dataclasses.field(default_factory=list)
    in_tree: str | None = None

    def to_query_params(self) -> list[tuple[str, str]]:
        """``resources[S]``, ``required[S]``, ``member_of[S]``, ``in_tree[S]`` pairs."""
        params: list[tuple[str, str]] = []
        if self.resources:
            amounts = ",".join(f"{rc}:{n}" for rc, n in sorted(self.resources.items()))
            params.append((f"resources{self.suffix}", amounts))
        if self.required_traits or self.forbidden_traits:
            traits = sorted(self.required_traits) + [f"!{t}" for t in sorted(self.forbidden_traits)]
            params.append((f"required{self.suffix}", ",".join(traits)))
        for aggs in self.member_of:
            params.append((f"member_of{self.suffix}", "in:" + ",".join(aggs)))
        if self.in_tree:
            params.append((f"in_tree{self.suffix}", self.in_tree))
        return params


@dataclasses.dataclass
class ResourceRequest:
    """The whole ``GET /allocation_candidates`` query for one request spec."""

    groups: dict[str, RequestGroup] = dataclasses.field(default_factory=dict)
    group_policy: str | None = None
    root_required: set[str] = dataclasses.field(default_factory=set)
    root_forbidden: set[str] = dataclasses.field(default_factory=set)
    limit: int | None = None

    def group(self, suffix: str = "") -> RequestGroup:
        """The group with ``suffix`` ("" is the unsuffixed group), created on first use."""
        if suffix not in self.groups:
            self.groups[suffix] = RequestGroup(suffix=suffix)
        return self.groups[suffix]

    @property
    def unsuffixed(self) -> RequestGroup:
        """The unsuffixed group."""
        return self.group("")

    def merged_resources(self) -> dict[str, int]:
        """Every group's resources added up per class."""
        merged: dict[str, int] = {}
        for grp in self.groups.values():
            for rc, amount in grp.resources.items():
                merged[rc] = merged.get(rc, 0) + amount
        return merged

    def strip_zeros(self) -> None:
        """Drop zero amounts (``resources:VCPU=0`` means "do not ask for VCPU")."""
        for grp in self.groups.values():
            grp.resources = {rc: n for rc, n in grp.resources.items() if n}

    def to_query_params(self) -> list[tuple[str, str]]:
        """The query as sorted ``(name, value)`` pairs, as nova sends them."""
        params: list[tuple[str, str]] = []
        if self.group_policy is not None:
            params.append(("group_policy", self.group_policy))
        if self.limit is not None:
            params.append(("limit", str(self.limit)))
        if self.root_required or self.root_forbidden:
            traits = sorted(self.root_required) + [f"!{t}" for t in sorted(self.root_forbidden)]
            params.append(("root_required", ",".join(traits)))
        for grp in self.groups.values():
            params.extend(grp.to_query_params())
        return sorted(params)

    def to_querystring(self) -> str:
        """The urlencoded query string (byte-for-byte what nova builds)."""
        return urlencode(self.to_query_params())


def _add_extra_spec(req: ResourceRequest, key: str, value: str) -> None:
    match = _EXTRA_SPEC_KEY.match(key)
    if match is None:
        return
    prefix, suffix, name = match.group(1), match.group(2) or "", match.group(3)
    if prefix == "resources":
        try:
            amount = int(value)
        except ValueError:
            LOG.warning("Ignoring flavor extra spec %s=%s: not an integer", key, value)
            return
        if amount < 0:
            raise Invalid(reason=f"Resource amounts must be >= 0: {key}={value}")
        req.group(suffix).resources[name] = amount
    elif value == "required":
        req.group(suffix).required_traits.add(name)
    elif value == "forbidden":
        req.group(suffix).forbidden_traits.add(name)
    else:
        LOG.warning("Ignoring flavor extra spec %s=%s: not required|forbidden", key, value)


def _image_traits(spec: RequestSpec) -> set[str]:
    props = spec.image_properties
    traits = {str(t) for t in props.get("traits_required") or ()}
    traits.update(
        k.removeprefix("trait:")
        for k, v in props.items()
        if k.startswith("trait:") and v == "required"
    )
    return traits


def _gb_ceil(mb: int) -> int:
    return (mb + 1023) // 1024


def from_request_spec(spec: RequestSpec, *, max_placement_results: int = 1000) -> ResourceRequest:
    """Build the placement query for ``spec`` (one instance's worth of resources)."""
    req = ResourceRequest(limit=max_placement_results)
    for key, value in sorted(spec.extra_specs.items()):
        _add_extra_spec(req, key, str(value))
    if "group_policy" in spec.extra_specs:
        req.group_policy = spec.extra_specs["group_policy"]
    req.unsuffixed.required_traits.update(_image_traits(spec))
    merged = req.merged_resources()
    dedicated = spec.extra_specs.get("hw:cpu_policy") == "dedicated"
    unsuffixed = req.unsuffixed
    if VCPU not in merged and PCPU not in merged:
        unsuffixed.resources[PCPU if dedicated else VCPU] = spec.vcpus
    if MEMORY_MB not in merged:
        unsuffixed.resources[MEMORY_MB] = spec.memory_mb
    if DISK_GB not in merged:
        disk = spec.ephemeral_gb + _gb_ceil(spec.swap)
        if not spec.is_bfv:
            disk += spec.root_gb
        unsuffixed.resources[DISK_GB] = disk
    unsuffixed.member_of.extend(list(aggs) for aggs in spec.member_of)
    req.strip_zeros()
    if not unsuffixed.resources and not unsuffixed.required_traits and not unsuffixed.member_of:
        del req.groups[""]
    req.root_required.update(spec.root_required)
    req.root_forbidden.update(spec.root_forbidden)
    req.root_forbidden.add(DISABLED_TRAIT)
    return req
