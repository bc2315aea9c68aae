"""Building allocation requests from what providers can supply (pure Python, no I/O).

The general path fetches, per request group and resource class, the providers able to give
the requested amount (per-provider filters already applied in SQL), plus the shape of the
trees involved. This module then walks the trees in root-id order and yields every valid
combination:

* the unsuffixed group may take each class from a different provider of the tree or from a
  sharing provider associated with the tree; its required traits are checked against the
  union of the traits of the providers it uses;
* a suffixed group takes all its classes from one provider (a resourceless one only names
  the provider, for ``same_subtree``);
* ``group_policy=isolate`` keeps suffixed groups on different providers; ``same_subtree``
  puts its groups under one of their providers; ``root_required`` is checked on the tree's
  root; amounts landing on one provider from several groups must fit together.

Generation is lazy: the caller stops it once it has enough candidates.
"""

from __future__ import annotations

import contextlib
import dataclasses
import gc
import itertools
from collections.abc import Iterator, Sequence

from novalite.builtin.placement.candidates.lookup import GroupFilter

#: One group's choice: the provider giving each class (resourceless: ``{-1: provider}``).
Choice = dict[int, int]
RESOURCELESS = -1


@dataclasses.dataclass(frozen=True)
class Candidate:
    """One allocation request: amounts by provider and class, providers by group suffix."""

    allocations: dict[int, dict[int, int]]
    mappings: dict[str, list[int]]

    def key(self) -> tuple[object, ...]:
        """A hashable identity, to drop duplicates."""
        return (
            tuple(sorted((p, tuple(sorted(r.items()))) for p, r in self.allocations.items())),
            tuple(sorted((s, tuple(ps)) for s, ps in self.mappings.items())),
        )


@dataclasses.dataclass
class World:
    """What the general path knows about the providers that matter to one request."""

    parent: dict[int, int | None]
    root: dict[int, int]
    #: The request's traits that each provider has (other traits are not fetched).
    traits: dict[int, frozenset[int]]
    #: class -> provider -> capacity minus usage (plain ints: nothing for the GC to track)
    free: dict[int, dict[int, int]]
    #: root -> sharing providers associated with that tree through an aggregate
    sharing_for_root: dict[int, set[int]] = dataclasses.field(default_factory=dict)


@dataclasses.dataclass
class GroupSupply:
    """A group and, per class, the providers that can give its amount (in id order)."""

    group: GroupFilter
    by_class: dict[int, list[int]] = dataclasses.field(default_factory=dict)
    #: For a resourceless group: the providers matching its filters.
    matching: list[int] = dataclasses.field(default_factory=list)


def _satisfies(traits: frozenset[int], required: Sequence[frozenset[int]]) -> bool:
    return all(traits & any_of for any_of in required)


def _in_subtree(world: World, node: int, top: int) -> bool:
    current: int | None = node
    while current is not None:
        if current == top:
            return True
        current = world.parent.get(current)
    return False


@contextlib.contextmanager
def quiet_gc() -> Iterator[None]:
    """Pause the cyclic garbage collector around a synchronous burst of allocations.

    Building thousands of small lists and dicts that all stay alive triggers full
    collections whose cost grows with the whole heap (measured: most of the time of a
    10,000-tree request). Nothing here creates cycles; the collector resumes after.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


class Combiner:
    """Yields the candidates of a request, tree by tree (see the module docstring)."""

    def __init__(
        self,
        world: World,
        supplies: Sequence[GroupSupply],
        *,
        isolate: bool,
        same_subtrees: Sequence[frozenset[str]],
        root_required: frozenset[int],
        root_forbidden: frozenset[int],
        nested_aware: bool,
        root_range: tuple[int, int] | None = None,
        seen: set[tuple[object, ...]] | None = None,
    ) -> None:
        """``root_range``: only trees whose root id is in it anchor candidates; ``seen``:
        identities of candidates already produced (shared between batches)."""
        self.world = world
        self.root_range = root_range
        self.seen: set[tuple[object, ...]] = set() if seen is None else seen
        self.supplies = list(supplies)
        self.isolate = isolate
        self.same_subtrees = [s for s in same_subtrees if len(s) > 1]
        self.root_required = root_required
        self.root_forbidden = root_forbidden
        self.nested_aware = nested_aware
        self.tree_size: dict[int, int] = {}
        for r in world.root.values():
            self.tree_size[r] = self.tree_size.get(r, 0) + 1
        # Per (group, class): suppliers by tree root, and as a set (for sharing ones), so
        # that each tree costs in proportion to its own providers, not to the cloud's.
        self._by_root: dict[tuple[int, int], dict[int, list[int]]] = {}
        self._sets: dict[tuple[int, int], set[int]] = {}
        for index, supply in enumerate(self.supplies):
            for class_id, providers in supply.by_class.items():
                by_root: dict[int, list[int]] = {}
                for p in providers:
                    by_root.setdefault(world.root[p], []).append(p)
                self._by_root[(index, class_id)] = by_root
                self._sets[(index, class_id)] = set(providers)

    def roots(self) -> list[int]:
        """Roots of every tree that could anchor a candidate, in id order."""
        found: set[int] = set()
        for supply in self.supplies:
            for providers in supply.by_class.values():
                found.update(self.world.root[p] for p in providers)
            found.update(self.world.root[p] for p in supply.matching)
        for root, sharing in self.world.sharing_for_root.items():
            if sharing:
                found.add(root)
        if self.root_range is not None:
            low, high = self.root_range
            found = {r for r in found if low <= r <= high}
        return sorted(found)

    def _available(self, root: int, index: int, class_id: int) -> list[int]:
        """Suppliers of ``class_id`` for group ``index`` usable by tree ``root``."""
        here = self._by_root.get((index, class_id), {}).get(root, [])
        sharing = self.world.sharing_for_root.get(root)
        if not sharing:
            return here
        pool = self._sets.get((index, class_id), set())
        shared = sorted(p for p in sharing if p in pool and self.world.root[p] != root)
        return here + shared

    def _unsuffixed_choices(self, root: int, index: int, supply: GroupSupply) -> Iterator[Choice]:
        classes = sorted(supply.group.resources)
        per_class = [self._available(root, index, c) for c in classes]
        if not all(per_class):
            return
        for providers in itertools.product(*per_class):
            used = frozenset(providers)
            traits = frozenset().union(*(self.world.traits.get(p, frozenset()) for p in used))
            if _satisfies(traits, supply.group.required):
                yield dict(zip(classes, providers, strict=True))

    def _suffixed_choices(self, root: int, index: int, supply: GroupSupply) -> list[Choice]:
        if not supply.group.resources:
            return [{RESOURCELESS: p} for p in supply.matching if self.world.root[p] == root]
        classes = sorted(supply.group.resources)
        common: set[int] | None = None
        for c in classes:
            here = set(self._available(root, index, c))
            common = here if common is None else common & here
        return [dict.fromkeys(classes, p) for p in sorted(common or ())]

    def _root_ok(self, root: int) -> bool:
        traits = self.world.traits.get(root, frozenset())
        if not self.root_required <= traits or traits & self.root_forbidden:
            return False
        return self.nested_aware or self.tree_size.get(root, 1) == 1

    def _build(self, choices: Sequence[Choice]) -> Candidate | None:
        allocations: dict[int, dict[int, int]] = {}
        mappings: dict[str, list[int]] = {}
        granular: list[int] = []
        for supply, choice in zip(self.supplies, choices, strict=True):
            group = supply.group
            providers = list(dict.fromkeys(choice.values()))
            mappings[group.suffix] = providers
            if group.use_same_provider:
                granular.append(providers[0])
            for class_id, provider in choice.items():
                if class_id == RESOURCELESS:
                    continue
                per_provider = allocations.setdefault(provider, {})
                per_provider[class_id] = per_provider.get(class_id, 0) + group.resources[class_id]
        if self.isolate and len(set(granular)) != len(granular):
            return None
        for suffixes in self.same_subtrees:
            chosen = {p for s in suffixes for p in mappings.get(s, [])}
            if not any(all(_in_subtree(self.world, p, top) for p in chosen) for top in chosen):
                return None
        for provider, amounts in allocations.items():
            if not self.nested_aware and self.tree_size.get(self.world.root[provider], 1) > 1:
                return None
            for class_id, amount in amounts.items():
                if amount > self.world.free[class_id][provider]:
                    return None
        return Candidate(allocations, mappings)

    def candidates(self) -> Iterator[Candidate]:
        """Every valid candidate, trees in root-id order, without duplicates.

        Run it without awaiting in between (it is synchronous) - see :func:`quiet_gc`.
        """
        seen = self.seen
        for root in self.roots():
            if not self._root_ok(root):
                continue
            per_group: list[Sequence[Choice]] = []
            for index, supply in enumerate(self.supplies):
                if supply.group.use_same_provider:
                    per_group.append(self._suffixed_choices(root, index, supply))
                else:
                    per_group.append(list(self._unsuffixed_choices(root, index, supply)))
                if not per_group[-1]:
                    break
            else:
                for choices in itertools.product(*per_group):
                    candidate = self._build(choices)
                    if candidate is None:
                        continue
                    key = candidate.key()
                    if key not in seen:
                        seen.add(key)
                        yield candidate
