"""The scheduler's RPC endpoint (topic ``scheduler``): choose and claim hosts.

``select_destinations`` turns the request spec into a placement query, reads the allocation
candidates (one ``GET``), the facts of the compute nodes they name (one batched read),
filters and weighs, and claims each instance's host in placement (one ``PUT`` per instance;
on a conflict the next best host is tried). It answers, per instance, the claimed host
followed by unclaimed alternates in the same cell. When an instance fits nowhere the
claims already made for the request are deleted and :class:`~novalite.errors.NoValidHost`
goes back to the caller.
"""

from __future__ import annotations

import asyncio
import logging
import random

from novalite.clients.placement import PlacementClient
from novalite.context import RequestContext
from novalite.domain.request_spec import RequestSpec
from novalite.domain.selection import Selection
from novalite.errors import NoValidHost, PlacementConflict
from novalite.rpc import scheduler as scheduler_rpc
from novalite.rpc.endpoint import expose
from novalite.scheduler.candidates import get_allocation_candidates
from novalite.scheduler.claims import ALLOCATION_REQUEST_VERSION, Claims
from novalite.scheduler.framework import Pipeline
from novalite.scheduler.host_facts import HostFactsSource
from novalite.scheduler.host_state import root_providers
from novalite.scheduler.recent import RecentPlacements
from novalite.scheduler.registry import SchedulerSettings, build_pipeline
from novalite.scheduler.request_filters import map_az_to_placement_aggregate
from novalite.scheduler.resource_request import from_request_spec
from novalite.scheduler.selection import SchedulingRun

LOG = logging.getLogger(__name__)


def _instances_of_interest(spec: RequestSpec) -> set[str]:
    """The instances whose hosts the filters and weighers look at.

    The request's own instances are not asked for: a new instance is on no host yet.
    """
    wanted: set[str] = set()
    if spec.instance_group is not None:
        wanted.update(spec.instance_group.members)
    wanted.update(spec.hint("same_host"))
    wanted.update(spec.hint("different_host"))
    return wanted


class SchedulerManager:
    """Serves :class:`novalite.rpc.scheduler.SchedulerAPI`.

    ``facts`` reads the compute nodes' facts; ``settings`` gives the pipeline and the
    options (``max_attempts``, ``max_placement_results``, ``host_subset_size``, ...).
    """

    RPC_API_VERSION = scheduler_rpc.VERSION

    def __init__(
        self,
        placement: PlacementClient,
        facts: HostFactsSource,
        settings: SchedulerSettings,
        *,
        pipeline: Pipeline | None = None,
        rng: random.Random | None = None,
    ) -> None:
        self._placement = placement
        self._facts = facts
        self._settings = settings
        self._pipeline = pipeline or build_pipeline(settings)
        self._rng = rng or random.Random()
        self._recent = RecentPlacements()
        # One request at a time from the candidates to the claims: the next one then sees
        # the claims in placement's usages and the choices in ``_recent``.
        self._turn = asyncio.Lock()

    @expose
    async def select_destinations(
        self,
        ctx: RequestContext,
        *,
        request_spec: RequestSpec,
        instance_uuids: list[str],
        return_alternates: bool = True,
    ) -> list[list[Selection]]:
        """Choose and claim a host for each instance, each followed by its alternates.

        Raises :class:`~novalite.errors.NoValidHost` (nothing claimed) when an instance
        fits nowhere; its message is the user summary, ``kwargs['details']`` the admin's.
        """
        settings = self._settings
        spec = RequestSpec.from_primitive(request_spec.to_primitive())
        uuids = list(instance_uuids) or spec.all_instance_uuids
        spec.instance_uuids, spec.num_instances = uuids, len(uuids)
        if settings.query_placement_for_availability_zone and spec.availability_zone:
            zone = spec.availability_zone
            map_az_to_placement_aggregate(spec, {zone: await self._facts.zone_aggregates(zone)})
        async with self._turn:
            return await self._select(ctx, spec, uuids, return_alternates)

    async def _select(
        self, ctx: RequestContext, spec: RequestSpec, uuids: list[str], return_alternates: bool
    ) -> list[list[Selection]]:
        settings = self._settings
        query = from_request_spec(spec, max_placement_results=settings.max_placement_results)
        candidates = await get_allocation_candidates(self._placement, query, context=ctx)
        wanted = _instances_of_interest(spec)
        facts = await self._facts.get_facts(root_providers(candidates), instance_uuids=wanted)
        facts = self._recent.complete(list(facts), wanted)
        if spec.instance_group is not None:
            self._recent.complete_group(spec.instance_group)
        run = SchedulingRun(
            spec,
            candidates,
            facts,
            self._pipeline,
            instance_uuids=uuids,
            host_subset_size=settings.host_subset_size,
            shuffle_best_same_weighed_hosts=settings.shuffle_best_same_weighed_hosts,
            query=query.to_querystring(),
            allocation_request_version=ALLOCATION_REQUEST_VERSION,
            rng=self._rng,
        )
        claims = Claims(
            self._placement,
            spec.project_id or ctx.project_id or "",
            spec.user_id or ctx.user_id or "",
            context=ctx,
        )
        try:
            for index, instance_uuid in enumerate(uuids, start=1):
                await self._place(run, claims, index, instance_uuid)
        except NoValidHost as exc:
            await claims.release()
            LOG.info("No valid host: %s", exc.kwargs.get("details", exc.message))
            raise
        except BaseException:
            await claims.release()
            raise
        selections = run.selections(settings.max_attempts if return_alternates else 1)
        for chosen in selections:
            self._recent.record(chosen[0].instance_uuid, chosen[0].service_host)
        return selections

    async def _place(
        self, run: SchedulingRun, claims: Claims, index: int, instance_uuid: str
    ) -> None:
        """Claim the best host that placement accepts for one instance."""
        while True:
            best = run.rank(index, instance_uuid)[0]
            try:
                await claims.claim(instance_uuid, best.host.allocation_requests[0])
            except PlacementConflict as exc:
                LOG.debug("Claim of %s on %s refused: %s", instance_uuid, best.host.host, exc)
                run.drop(best, f"placement refused the claim: {exc.kwargs.get('detail', exc)}")
                continue
            run.take(instance_uuid, best)
            return
