"""What a ``GET /allocation_candidates`` asks for, once parsed: groups and request-wide options.

These are plain data: names (resource classes, traits, uuids), not database ids.
:mod:`.params` builds them from a query string; :mod:`.lookup` resolves the names.
"""

from __future__ import annotations

import dataclasses

#: Group policies accepted from 1.25.
GROUP_POLICIES = ("none", "isolate")


class CandidateQueryError(Exception):
    """The query string is invalid: a 400 with ``message`` and the placement error ``code``."""

    def __init__(self, message: str, code: str = "placement.undefined_code") -> None:
        super().__init__(message)
        self.message = message
        self.code = code


@dataclasses.dataclass
class RequestGroup:
    """One request group: the unsuffixed one (``suffix == ""``) or a granular one.

    ``required`` is an AND of any-of sets (``[{A}, {B, C}]`` = A and (B or C));
    ``member_of`` likewise for aggregate uuids. The unsuffixed group may be spread
    over several providers of one tree plus sharing providers; a suffixed group
    must be satisfied by exactly one provider.
    """

    suffix: str
    resources: dict[str, int] = dataclasses.field(default_factory=dict)
    required: list[frozenset[str]] = dataclasses.field(default_factory=list)
    forbidden: set[str] = dataclasses.field(default_factory=set)
    member_of: list[frozenset[str]] = dataclasses.field(default_factory=list)
    forbidden_aggs: set[str] = dataclasses.field(default_factory=set)
    in_tree: str | None = None

    @property
    def use_same_provider(self) -> bool:
        """True for a granular group, which one provider must satisfy alone."""
        return bool(self.suffix)


@dataclasses.dataclass
class CandidateRequest:
    """A whole parsed request: its groups by suffix and the request-wide parameters."""

    groups: dict[str, RequestGroup]
    limit: int | None = None
    group_policy: str | None = None
    root_required: frozenset[str] = frozenset()
    root_forbidden: frozenset[str] = frozenset()
    same_subtrees: list[frozenset[str]] = dataclasses.field(default_factory=list)
    #: False below 1.29: trees of more than one provider are left out of the answer.
    nested_aware: bool = True

    @property
    def isolate(self) -> bool:
        """Whether different granular groups must land on different providers."""
        return self.group_policy == "isolate"

    def requested_classes(self) -> set[str]:
        """Every resource class some group asks for."""
        names: set[str] = set()
        for group in self.groups.values():
            names.update(group.resources)
        return names

    def trait_names(self) -> set[str]:
        """Every trait named anywhere in the request."""
        names = set(self.root_required) | set(self.root_forbidden)
        for group in self.groups.values():
            for any_of in group.required:
                names.update(any_of)
            names.update(group.forbidden)
        return names

    def aggregate_uuids(self) -> set[str]:
        """Every aggregate uuid named anywhere in the request."""
        uuids: set[str] = set()
        for group in self.groups.values():
            for any_of in group.member_of:
                uuids.update(any_of)
            uuids.update(group.forbidden_aggs)
        return uuids

    def in_tree_uuids(self) -> set[str]:
        """Every provider uuid given as ``in_tree``."""
        return {g.in_tree for g in self.groups.values() if g.in_tree is not None}
