"""Answering ``GET /allocation_candidates``: choose the path, bound the work, add summaries.

* **Fast path** — one unsuffixed group, no ``same_subtree``, and (one cheap ``EXISTS``
  query) no child provider and no sharing provider has inventory of a requested class. Then
  each candidate is one root provider; a single SQL query with every filter pushed down
  returns the qualifying roots in id order and stops after ``limit`` rows (unless the
  answer is randomised, which needs them all), with their summaries as JSON text (on
  PostgreSQL from a second, set-based query).
* **General path** — nested trees, sharing providers, granular groups: :mod:`.general`
  reads the suppliers of a batch of trees (root ids in a range that doubles from
  :data:`FIRST_BATCH`; sharing providers always), :mod:`.combine` builds the candidates
  lazily, and the engine stops once it has ``limit`` (or ``max_allocation_candidates``).

Summaries are read for the providers in the answer only (plus, from 1.29, the other
providers of their trees). Everything runs on the caller's connection, in its transaction.
Typical round trips of the fast path: the shape query and the roots query (plus one on
PostgreSQL, plus one per kind of name to resolve: custom classes, traits, aggregates,
``in_tree`` providers).
"""

from __future__ import annotations

import dataclasses
import itertools
import random
from collections.abc import Iterable
from typing import TypeVar

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from novalite.builtin.placement.candidates import fastpath, general
from novalite.builtin.placement.candidates.combine import Candidate, Combiner, quiet_gc
from novalite.builtin.placement.candidates.lookup import (
    ResolvedRequest,
    resolve,
)
from novalite.builtin.placement.candidates.request import CandidateRequest
from novalite.builtin.placement.candidates.sql import RP
from novalite.builtin.placement.candidates.summaries import tree_members
from novalite.builtin.placement.candidates.summary_sql import Doc, fetch_docs

T = TypeVar("T")


@dataclasses.dataclass(frozen=True)
class Options:
    """Service options and microversion-dependent output choices."""

    randomize: bool = False
    #: Most candidates generated before the limit is applied; -1: no bound.
    max_candidates: int = -1
    #: Summaries list every class of a provider (1.27), not only the requested ones.
    all_classes: bool = True
    #: Summaries carry traits (1.17).
    with_traits: bool = True


@dataclasses.dataclass
class CandidateResult:
    """The candidates, the summaries of their providers, and the class names they use.

    The answer is kept compact (few long-lived objects, which keeps the garbage collector
    quiet): fast-path candidates are just ``roots`` all asking ``amounts``; general-path
    ones are :class:`Candidate` objects; every summary is a :data:`Doc` whose JSON the
    database built.
    """

    candidates: list[Candidate]
    class_names: dict[int, str]
    #: Which path answered ("fast", "general" or "none"), for logs and tests.
    path: str = "none"
    roots: list[int] = dataclasses.field(default_factory=list)
    amounts: dict[int, int] = dataclasses.field(default_factory=dict)
    docs: dict[int, Doc] = dataclasses.field(default_factory=dict)

    def uuid(self, provider: int) -> str:
        """The uuid of a provider of the answer."""
        return self.docs[provider][1]


def _generation_cap(request: CandidateRequest, options: Options) -> int | None:
    caps = []
    if request.limit is not None and not options.randomize:
        caps.append(request.limit)
    if options.max_candidates >= 0:
        caps.append(options.max_candidates)
    return min(caps) if caps else None


def _sample(items: list[T], request: CandidateRequest, options: Options) -> list[T]:
    if options.randomize:
        count = len(items) if request.limit is None else min(request.limit, len(items))
        return random.sample(items, count)
    return items if request.limit is None else items[: request.limit]


async def _fast(
    conn: AsyncConnection,
    resolved: ResolvedRequest,
    request: CandidateRequest,
    options: Options,
) -> CandidateResult | None:
    group = resolved.groups[0]
    shape = await fastpath.deployment_shape(conn, sorted(group.resources))
    if shape.nested_supply or shape.shared_supply:
        return None
    rows = await fastpath.qualifying_roots(
        conn,
        group,
        resolved,
        single_provider_trees_only=shape.any_nested and not request.nested_aware,
        limit=_generation_cap(request, options),
        summary_classes=_classes(resolved, options),
        with_traits=options.with_traits,
        # A random sample needs every qualifying root: summarise only the chosen ones.
        with_docs=not options.randomize,
    )
    rows = _sample(rows, request, options)
    result = CandidateResult(
        [],
        dict(resolved.class_names),
        "fast",
        roots=[row[0] for row in rows],
        amounts=dict(sorted(group.resources.items())),
        docs={pid: (pid, uuid, None, uuid, inv, traits) for pid, uuid, inv, traits in rows},
    )
    members = set(result.roots) if options.randomize else set()
    if request.nested_aware and shape.any_nested and rows:
        members = await tree_members(conn, result.roots, all_roots=True)
    if members:
        known = set() if options.randomize else set(result.docs)
        result.docs.update(
            await fetch_docs(
                conn,
                members - known,
                classes=_classes(resolved, options),
                with_traits=options.with_traits,
            )
        )
    return result


def _classes(resolved: ResolvedRequest, options: Options) -> frozenset[int] | None:
    return None if options.all_classes else frozenset(resolved.class_names)


#: Root ids covered by the general path's first batch (it doubles for each further one).
FIRST_BATCH = 2048


async def _general(
    conn: AsyncConnection,
    resolved: ResolvedRequest,
    request: CandidateRequest,
    options: Options,
) -> list[Candidate]:
    """Candidates from batches of trees in root-id order, until ``cap`` of them exist.

    Without a cap (a random sample of everything) one batch covers the whole cloud.
    """
    cap = _generation_cap(request, options)
    sharing = await general.sharing_providers(conn)
    highest = (await conn.execute(select(func.max(RP.c.id)))).scalar() or 0
    found: list[Candidate] = []
    seen: set[tuple[object, ...]] = set()
    low, width = 1, FIRST_BATCH if cap is not None else max(highest, 1)
    while low <= highest and (cap is None or len(found) < cap):
        high = low + width - 1
        batch = ((low, high), sharing)
        world, supplies = await general.load(conn, resolved, batch)
        with quiet_gc():
            combiner = Combiner(
                world,
                supplies,
                isolate=request.isolate,
                same_subtrees=request.same_subtrees,
                root_required=resolved.root_required,
                root_forbidden=resolved.root_forbidden,
                nested_aware=request.nested_aware,
                root_range=(low, high),
                seen=seen,
            )
            wanted = None if cap is None else cap - len(found)
            found.extend(itertools.islice(combiner.candidates(), wanted))
        low, width = high + 1, width * 2
    return found


def _providers(candidates: Iterable[Candidate]) -> set[int]:
    return {p for c in candidates for p in c.allocations} | {
        p for c in candidates for ps in c.mappings.values() for p in ps
    }


async def custom_plans(conn: AsyncConnection) -> None:
    """PostgreSQL: plan every statement for its actual values until the transaction ends.

    Good plans depend on the amounts and ids; the generic plan of a prepared statement
    (which PostgreSQL picks after five executions) was measured 4x slower. The fast path
    needs none of this: its roots query has its values inlined (see
    :func:`.fastpath.qualifying_roots`) and its summaries query plans well generically.
    """
    if conn.dialect.name == "postgresql":
        await conn.exec_driver_sql("SET LOCAL plan_cache_mode = force_custom_plan")


async def find_candidates(
    conn: AsyncConnection, request: CandidateRequest, options: Options
) -> CandidateResult:
    """The allocation candidates for ``request`` and the summaries of their providers.

    ``conn`` must be in a transaction (one snapshot for every read).
    """
    resolved = await resolve(conn, request)
    if not resolved.satisfiable:
        return CandidateResult([], dict(resolved.class_names))
    if (
        len(resolved.groups) == 1
        and not resolved.groups[0].use_same_provider
        and not request.same_subtrees
    ):
        fast = await _fast(conn, resolved, request, options)
        if fast is not None:
            return fast
    await custom_plans(conn)
    candidates = _sample(await _general(conn, resolved, request, options), request, options)
    provider_ids = _providers(candidates)
    if request.nested_aware and provider_ids:
        provider_ids = await tree_members(conn, provider_ids)
    docs = await fetch_docs(
        conn, provider_ids, classes=_classes(resolved, options), with_traits=options.with_traits
    )
    return CandidateResult(candidates, dict(resolved.class_names), "general", docs=docs)
