"""Turning the names in a request into database ids (one small query per kind of name).

Standard resource classes are not stored: their id is their position in
``os_resource_classes.STANDARDS``; custom ones live in ``resource_classes``.
"""

from __future__ import annotations

import dataclasses
import weakref
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from novalite.builtin.placement.candidates.request import (
    CandidateQueryError,
    CandidateRequest,
    RequestGroup,
)
from novalite.builtin.placement.db.models import (
    PlacementAggregate,
    ResourceClass,
    ResourceProvider,
    Trait,
)
from novalite.builtin.placement.db.resource_classes import STANDARD

_STANDARD_IDS = {name: i for i, name in enumerate(STANDARD)}
_RC = ResourceClass.__table__
_TRAIT = Trait.__table__
_AGG = PlacementAggregate.__table__
_RP = ResourceProvider.__table__


@dataclasses.dataclass(frozen=True)
class GroupFilter:
    """A request group with ids instead of names, ready for SQL."""

    suffix: str
    resources: dict[int, int]
    required: tuple[frozenset[int], ...]
    forbidden: frozenset[int]
    member_of: tuple[frozenset[int], ...]
    forbidden_aggs: frozenset[int]
    in_tree_root: int | None

    @property
    def use_same_provider(self) -> bool:
        """True for a granular group."""
        return bool(self.suffix)


@dataclasses.dataclass(frozen=True)
class ResolvedRequest:
    """A request whose names are resolved; ``satisfiable`` False means: answer nothing."""

    groups: tuple[GroupFilter, ...]
    root_required: frozenset[int]
    root_forbidden: frozenset[int]
    class_names: dict[int, str]
    satisfiable: bool = True


async def _class_ids(conn: AsyncConnection, names: set[str]) -> dict[str, int]:
    ids = {n: _STANDARD_IDS[n] for n in names if n in _STANDARD_IDS}
    custom = sorted(names - set(ids))
    if custom:
        rows = await conn.execute(select(_RC.c.name, _RC.c.id).where(_RC.c.name.in_(custom)))
        ids.update({str(n): int(i) for n, i in rows})
    missing = sorted(names - set(ids))
    if missing:
        raise CandidateQueryError(
            f"Invalid resource class in resources parameter: No such resource class {missing[0]}."
        )
    return ids


#: Ids of standard traits per database engine. Standard traits (every non-``CUSTOM_``
#: trait) are synced from os-traits at start-up and cannot be deleted through the API, so
#: an id, once read, stays valid for the life of the database; custom ones are always read.
_STANDARD_TRAIT_IDS: weakref.WeakKeyDictionary[Any, dict[str, int]] = weakref.WeakKeyDictionary()


def _trait_cache(conn: AsyncConnection) -> dict[str, int]:
    return _STANDARD_TRAIT_IDS.setdefault(conn.engine.sync_engine, {})


async def trait_ids(conn: AsyncConnection, names: set[str]) -> dict[str, int]:
    """Ids of the traits ``names`` (unknown ones are absent); standard ones are cached."""
    cache = _trait_cache(conn)
    ids = {n: cache[n] for n in names if n in cache}
    wanted = sorted(names - set(ids))
    if wanted:
        rows = await conn.execute(
            select(_TRAIT.c.name, _TRAIT.c.id).where(_TRAIT.c.name.in_(wanted))
        )
        for name, tid in rows:
            ids[str(name)] = int(tid)
            if not str(name).startswith("CUSTOM_"):
                cache[str(name)] = int(tid)
    return ids


async def _trait_ids(conn: AsyncConnection, names: set[str]) -> dict[str, int]:
    if not names:
        return {}
    ids = await trait_ids(conn, names)
    missing = sorted(names - set(ids))
    if missing:
        raise CandidateQueryError(f"No such trait(s): {', '.join(missing)}.")
    return ids


async def _aggregate_ids(conn: AsyncConnection, uuids: set[str]) -> dict[str, int]:
    if not uuids:
        return {}
    rows = await conn.execute(select(_AGG.c.uuid, _AGG.c.id).where(_AGG.c.uuid.in_(sorted(uuids))))
    return {str(u): int(i) for u, i in rows}


async def _tree_roots(conn: AsyncConnection, uuids: set[str]) -> dict[str, int]:
    if not uuids:
        return {}
    rows = await conn.execute(
        select(_RP.c.uuid, _RP.c.root_provider_id).where(_RP.c.uuid.in_(sorted(uuids)))
    )
    return {str(u): int(r) for u, r in rows}


def _resolve_group(
    group: RequestGroup,
    classes: dict[str, int],
    traits: dict[str, int],
    aggs: dict[str, int],
    roots: dict[str, int],
) -> GroupFilter | None:
    member_of = []
    for any_of in group.member_of:
        known = frozenset(aggs[u] for u in any_of if u in aggs)
        if not known:
            return None
        member_of.append(known)
    in_tree_root = None
    if group.in_tree is not None:
        if group.in_tree not in roots:
            return None
        in_tree_root = roots[group.in_tree]
    return GroupFilter(
        suffix=group.suffix,
        resources={classes[n]: a for n, a in group.resources.items()},
        required=tuple(frozenset(traits[n] for n in s) for s in group.required),
        forbidden=frozenset(traits[n] for n in group.forbidden),
        member_of=tuple(member_of),
        forbidden_aggs=frozenset(aggs[u] for u in group.forbidden_aggs if u in aggs),
        in_tree_root=in_tree_root,
    )


async def resolve(conn: AsyncConnection, request: CandidateRequest) -> ResolvedRequest:
    """Resolve every name of ``request``; unknown classes or traits are a 400."""
    classes = await _class_ids(conn, request.requested_classes())
    traits = await _trait_ids(conn, request.trait_names())
    aggs = await _aggregate_ids(conn, request.aggregate_uuids())
    roots = await _tree_roots(conn, request.in_tree_uuids())
    groups = []
    satisfiable = True
    for suffix in sorted(request.groups):
        resolved = _resolve_group(request.groups[suffix], classes, traits, aggs, roots)
        if resolved is None:
            satisfiable = False
            continue
        groups.append(resolved)
    return ResolvedRequest(
        groups=tuple(groups),
        root_required=frozenset(traits[n] for n in request.root_required),
        root_forbidden=frozenset(traits[n] for n in request.root_forbidden),
        class_names={i: n for n, i in classes.items()},
        satisfiable=satisfiable,
    )
