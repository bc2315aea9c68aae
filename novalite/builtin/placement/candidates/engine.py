"""Answering ``GET /allocation_candidates``: choose the path, bound the work, add summaries.

* **Fast path** — one unsuffixed group, no ``same_subtree``, and (one cheap ``EXISTS``
  query) no child provider and no sharing provider has inventory of a requested class. Then
  each candidate is one root provider; a single SQL query with every filter pushed down
  returns the qualifying roots in id order and stops after ``limit`` rows (unless the
  answer is randomised, which needs them all).
* **General path** — nested trees, sharing providers, granular groups: :mod:`.general`
  reads the suppliers, :mod:`.combine` builds the candidates lazily and the engine stops
  after ``limit`` (or ``max_allocation_candidates``) of them.

Summaries are then read for the providers in the answer only (plus, from 1.29, the other
providers of their trees). Everything runs on the caller's connection, in its transaction.
"""

from __future__ import annotations

import dataclasses
import itertools
import random
from collections.abc import Iterable
from typing import TypeVar

from sqlalchemy.ext.asyncio import AsyncConnection

from novalite.builtin.placement.candidates import fastpath, general
from novalite.builtin.placement.candidates.combine import Candidate, Combiner
from novalite.builtin.placement.candidates.lookup import (
    ResolvedRequest,
    all_class_names,
    class_name,
    resolve,
)
from novalite.builtin.placement.candidates.request import CandidateRequest
from novalite.builtin.placement.candidates.summaries import (
    ProviderSummary,
    fetch_summaries,
    tree_members,
)
from novalite.builtin.placement.db.models import CUSTOM_CLASS_ID_BASE

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

    The fast path keeps its answer compact (few long-lived objects, which keeps the
    garbage collector quiet): ``roots`` are single-provider candidates all asking
    ``amounts``, and ``digests`` hold their summaries as JSON built by the database.
    """

    candidates: list[Candidate]
    summaries: dict[int, ProviderSummary]
    class_names: dict[int, str]
    #: Which path answered ("fast", "general" or "none"), for logs and tests.
    path: str = "none"
    roots: list[int] = dataclasses.field(default_factory=list)
    amounts: dict[int, int] = dataclasses.field(default_factory=dict)
    digests: dict[int, fastpath.RootRow] = dataclasses.field(default_factory=dict)
    #: Only these classes appear in summaries (None: all, from 1.27).
    summary_classes: frozenset[int] | None = None

    def uuid(self, provider: int) -> str:
        """The uuid of a provider of the answer."""
        digest = self.digests.get(provider)
        return digest[1] if digest is not None else self.summaries[provider].uuid

    def class_name(self, class_id: int) -> str:
        """The name of a resource class appearing in the answer."""
        name = self.class_names.get(class_id)
        return name if name is not None else class_name(class_id, self.class_names)


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
        summary_classes=None if options.all_classes else frozenset(resolved.class_names),
        with_traits=options.with_traits,
    )
    rows = _sample(rows, request, options)
    names = dict(resolved.class_names)
    result = CandidateResult(
        [],
        {},
        names,
        "fast",
        roots=[row[0] for row in rows],
        amounts=dict(sorted(group.resources.items())),
        digests={row[0]: row for row in rows},
    )
    if request.nested_aware and shape.any_nested and rows:
        members = await tree_members(conn, result.roots)
        result.summaries = await _summaries(conn, members - set(result.digests), resolved, options)
        result.class_names.update(await _names(conn, result.summaries, names))
    return result


async def _summaries(
    conn: AsyncConnection, ids: set[int], resolved: ResolvedRequest, options: Options
) -> dict[int, ProviderSummary]:
    return await fetch_summaries(
        conn,
        ids,
        classes=None if options.all_classes else set(resolved.class_names),
        with_traits=options.with_traits,
    )


async def _names(
    conn: AsyncConnection, summaries: dict[int, ProviderSummary], known: dict[int, str]
) -> dict[int, str]:
    unknown = {c for s in summaries.values() for c in s.resources if c not in known}
    if not unknown:
        return {}
    custom = await all_class_names(conn) if any(c >= CUSTOM_CLASS_ID_BASE for c in unknown) else {}
    return {c: class_name(c, custom) for c in unknown}


async def _general(
    conn: AsyncConnection,
    resolved: ResolvedRequest,
    request: CandidateRequest,
    options: Options,
) -> list[Candidate]:
    world, supplies = await general.load(conn, resolved)
    combiner = Combiner(
        world,
        supplies,
        isolate=request.isolate,
        same_subtrees=request.same_subtrees,
        root_required=resolved.root_required,
        root_forbidden=resolved.root_forbidden,
        nested_aware=request.nested_aware,
    )
    return list(itertools.islice(combiner.candidates(), _generation_cap(request, options)))


def _providers(candidates: Iterable[Candidate]) -> set[int]:
    return {p for c in candidates for p in c.allocations} | {
        p for c in candidates for ps in c.mappings.values() for p in ps
    }


async def custom_plans(conn: AsyncConnection) -> None:
    """PostgreSQL: plan every statement for its actual values until the transaction ends.

    Good plans depend on the amounts and ids; the generic plan of a prepared statement
    (which PostgreSQL picks after five executions) was measured 4x slower. The fast path
    sets this within its first query instead (one round trip less).
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
        return CandidateResult([], {}, dict(resolved.class_names))
    summary_classes = None if options.all_classes else frozenset(resolved.class_names)
    if (
        len(resolved.groups) == 1
        and not resolved.groups[0].use_same_provider
        and not request.same_subtrees
    ):
        fast = await _fast(conn, resolved, request, options)
        if fast is not None:
            fast.summary_classes = summary_classes
            return fast
    await custom_plans(conn)
    candidates = _sample(await _general(conn, resolved, request, options), request, options)
    provider_ids = _providers(candidates)
    if request.nested_aware and provider_ids:
        provider_ids = await tree_members(conn, provider_ids)
    summaries = await _summaries(conn, provider_ids, resolved, options)
    names = dict(resolved.class_names)
    names.update(await _names(conn, summaries, names))
    return CandidateResult(candidates, summaries, names, "general", summary_classes=summary_classes)
