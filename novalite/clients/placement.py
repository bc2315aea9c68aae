"""The placement report client that compute and scheduler use (a subset of nova's).

Every write that needs a resource provider generation takes it from a small local cache
(filled by every response that carries one, refreshed with a GET when unknown); on a
generation conflict (409) it refreshes the generation and retries, at most
``max_conflict_retries`` times, then raises :class:`~novalite.errors.PlacementConflict`.

Microversions follow nova's report client: providers 1.14 / 1.20, inventories 1.26, custom
resource classes 1.7, traits 1.6, aggregates 1.19, usages 1.9, allocations 1.28,
allocation candidates and claims 1.36.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import httpx

from novalite.clients.session import ServiceSession, error_code, error_detail
from novalite.context import RequestContext
from novalite.errors import PlacementConflict, ServiceHTTPError

LOG = logging.getLogger(__name__)

CONCURRENT_UPDATE = "placement.concurrent_update"

NESTED_PROVIDER = "1.14"
POST_RPS_RETURNS_PAYLOAD = "1.20"
RESOURCE_CLASS_PUT = "1.7"
TRAITS = "1.6"
AGGREGATE_GENERATION = "1.19"
GET_USAGES = "1.9"
INVENTORY = "1.26"
CONSUMER_GENERATION = "1.28"
SAME_SUBTREE = "1.36"

Inventories = Mapping[str, Mapping[str, Any]]


def _json(response: httpx.Response) -> dict[str, Any]:
    body = response.json()
    if not isinstance(body, dict):
        raise ValueError("placement answered with a body that is not an object")
    return body


class PlacementClient:
    """Asynchronous calls to placement on behalf of nova's services."""

    def __init__(self, session: ServiceSession, *, max_conflict_retries: int = 4) -> None:
        self.session = session
        self.max_conflict_retries = max_conflict_retries
        self._generations: dict[str, int] = {}

    # -- helpers --------------------------------------------------------------------------

    def generation(self, rp_uuid: str) -> int | None:
        """The cached generation of a provider, if known."""
        return self._generations.get(rp_uuid)

    def forget(self, rp_uuid: str) -> None:
        """Drop a provider from the generation cache."""
        self._generations.pop(rp_uuid, None)

    def _remember(self, rp_uuid: str, body: Mapping[str, Any]) -> None:
        generation = body.get("resource_provider_generation", body.get("generation"))
        if isinstance(generation, int):
            self._generations[rp_uuid] = generation

    def _fail(self, response: httpx.Response, method: str, path: str) -> ServiceHTTPError:
        return ServiceHTTPError(
            service="placement",
            method=method,
            path=path,
            status=response.status_code,
            detail=error_detail(response),
        )

    def _conflict(self, response: httpx.Response, path: str) -> PlacementConflict:
        err = PlacementConflict(path=path, detail=error_detail(response))
        err.kwargs["placement_code"] = error_code(response)
        return err

    # -- resource providers ---------------------------------------------------------------

    async def get_provider(
        self, rp_uuid: str, *, context: RequestContext | None = None
    ) -> dict[str, Any] | None:
        """``GET /resource_providers/{uuid}`` (1.14), None when it does not exist."""
        path = f"/resource_providers/{rp_uuid}"
        r = await self.session.get(path, microversion=NESTED_PROVIDER, context=context)
        if r.status_code == 404:
            return None
        if r.status_code != 200:
            raise self._fail(r, "GET", path)
        body = _json(r)
        self._remember(rp_uuid, body)
        return body

    async def create_provider(
        self,
        name: str,
        rp_uuid: str | None = None,
        parent_provider_uuid: str | None = None,
        *,
        context: RequestContext | None = None,
    ) -> dict[str, Any]:
        """``POST /resource_providers`` (1.20): the new provider's body."""
        body: dict[str, Any] = {"name": name}
        if rp_uuid:
            body["uuid"] = rp_uuid
        if parent_provider_uuid:
            body["parent_provider_uuid"] = parent_provider_uuid
        r = await self.session.post(
            "/resource_providers", json=body, microversion=POST_RPS_RETURNS_PAYLOAD, context=context
        )
        if r.status_code == 409:
            raise self._conflict(r, "/resource_providers")
        if r.status_code != 200:
            raise self._fail(r, "POST", "/resource_providers")
        provider = _json(r)
        self._remember(str(provider["uuid"]), provider)
        return provider

    async def ensure_provider(
        self,
        rp_uuid: str,
        name: str,
        parent_provider_uuid: str | None = None,
        *,
        context: RequestContext | None = None,
    ) -> dict[str, Any]:
        """Get the provider, creating it when missing (tolerating a concurrent creation)."""
        provider = await self.get_provider(rp_uuid, context=context)
        if provider is not None:
            return provider
        try:
            return await self.create_provider(name, rp_uuid, parent_provider_uuid, context=context)
        except PlacementConflict:
            provider = await self.get_provider(rp_uuid, context=context)
            if provider is None:
                raise
            return provider

    async def get_providers_in_tree(
        self, rp_uuid: str, *, context: RequestContext | None = None
    ) -> list[dict[str, Any]]:
        """``GET /resource_providers?in_tree=`` (1.14)."""
        r = await self.session.get(
            "/resource_providers",
            params={"in_tree": rp_uuid},
            microversion=NESTED_PROVIDER,
            context=context,
        )
        if r.status_code != 200:
            raise self._fail(r, "GET", "/resource_providers")
        providers: list[dict[str, Any]] = _json(r)["resource_providers"]
        for provider in providers:
            self._remember(str(provider["uuid"]), provider)
        return providers

    async def delete_provider(self, rp_uuid: str, *, context: RequestContext | None = None) -> bool:
        """``DELETE /resource_providers/{uuid}``: False when it did not exist."""
        path = f"/resource_providers/{rp_uuid}"
        r = await self.session.delete(path, microversion=NESTED_PROVIDER, context=context)
        self.forget(rp_uuid)
        if r.status_code == 404:
            return False
        if r.status_code == 409:
            raise self._conflict(r, path)
        if r.status_code != 204:
            raise self._fail(r, "DELETE", path)
        return True

    async def _refresh_generation(self, rp_uuid: str, context: RequestContext | None) -> int:
        provider = await self.get_provider(rp_uuid, context=context)
        if provider is None:
            raise self._fail_missing(rp_uuid)
        return int(provider["generation"])

    def _fail_missing(self, rp_uuid: str) -> ServiceHTTPError:
        return ServiceHTTPError(
            service="placement",
            method="GET",
            path=f"/resource_providers/{rp_uuid}",
            status=404,
            detail="resource provider not found",
        )

    async def _put_with_generation(
        self,
        rp_uuid: str,
        path: str,
        payload: Mapping[str, Any],
        microversion: str,
        context: RequestContext | None,
    ) -> dict[str, Any]:
        """PUT ``payload`` + the provider generation; refresh and retry on generation conflicts.

        Before 1.23 placement sends no error code: any 409 counts as a generation conflict.
        """
        generation = self._generations.get(rp_uuid)
        for attempt in range(self.max_conflict_retries + 1):
            if generation is None:
                generation = await self._refresh_generation(rp_uuid, context)
            body = {**payload, "resource_provider_generation": generation}
            r = await self.session.put(path, json=body, microversion=microversion, context=context)
            if r.status_code == 200:
                result = _json(r)
                self._remember(rp_uuid, result)
                return result
            if r.status_code == 404:
                self.forget(rp_uuid)
                raise self._fail(r, "PUT", path)
            if r.status_code != 409:
                raise self._fail(r, "PUT", path)
            code = error_code(r)
            if code not in (None, CONCURRENT_UPDATE):
                raise self._conflict(r, path)
            LOG.debug("Generation conflict on %s (attempt %d); refreshing", path, attempt + 1)
            self.forget(rp_uuid)
            generation = None
        raise self._conflict(r, path)

    # -- inventories, classes, traits, aggregates ----------------------------------------

    async def get_inventory(
        self, rp_uuid: str, *, context: RequestContext | None = None
    ) -> dict[str, Any]:
        """``GET /resource_providers/{uuid}/inventories``: generation and inventories."""
        path = f"/resource_providers/{rp_uuid}/inventories"
        r = await self.session.get(path, microversion=INVENTORY, context=context)
        if r.status_code != 200:
            raise self._fail(r, "GET", path)
        body = _json(r)
        self._remember(rp_uuid, body)
        return body

    async def set_inventory(
        self, rp_uuid: str, inventories: Inventories, *, context: RequestContext | None = None
    ) -> dict[str, Any]:
        """Replace every inventory of a provider (PUT, 1.26). 409 inventory-in-use raises."""
        path = f"/resource_providers/{rp_uuid}/inventories"
        payload = {"inventories": {rc: dict(inv) for rc, inv in inventories.items()}}
        return await self._put_with_generation(rp_uuid, path, payload, INVENTORY, context)

    async def ensure_resource_class(
        self, name: str, *, context: RequestContext | None = None
    ) -> None:
        """``PUT /resource_classes/{name}`` (1.7): create a custom class unless it exists."""
        path = f"/resource_classes/{name}"
        r = await self.session.put(path, microversion=RESOURCE_CLASS_PUT, context=context)
        if r.status_code not in (201, 204):
            raise self._fail(r, "PUT", path)

    async def ensure_traits(
        self, traits: Iterable[str], *, context: RequestContext | None = None
    ) -> None:
        """Create the missing custom traits among ``traits`` (1.6).

        A missing standard trait is an error: placement's trait list is older than ours.
        """
        wanted = sorted(set(traits))
        if not wanted:
            return
        r = await self.session.get(
            "/traits",
            params={"name": "in:" + ",".join(wanted)},
            microversion=TRAITS,
            context=context,
        )
        if r.status_code != 200:
            raise self._fail(r, "GET", "/traits")
        missing = set(wanted) - set(_json(r)["traits"])
        for trait in sorted(missing):
            path = f"/traits/{trait}"
            if not trait.startswith("CUSTOM_"):
                raise ServiceHTTPError(
                    service="placement",
                    method="GET",
                    path="/traits",
                    status=404,
                    detail=f"standard trait {trait} is unknown to placement",
                )
            r = await self.session.put(path, microversion=TRAITS, context=context)
            if r.status_code not in (201, 204):
                raise self._fail(r, "PUT", path)

    async def set_traits(
        self, rp_uuid: str, traits: Iterable[str], *, context: RequestContext | None = None
    ) -> dict[str, Any]:
        """Ensure ``traits`` exist, then replace the provider's traits with them (1.6)."""
        names = sorted(set(traits))
        await self.ensure_traits(names, context=context)
        path = f"/resource_providers/{rp_uuid}/traits"
        return await self._put_with_generation(rp_uuid, path, {"traits": names}, TRAITS, context)

    async def set_aggregates(
        self, rp_uuid: str, aggregates: Iterable[str], *, context: RequestContext | None = None
    ) -> dict[str, Any]:
        """Replace the provider's aggregates (1.19, with generation)."""
        path = f"/resource_providers/{rp_uuid}/aggregates"
        payload = {"aggregates": sorted(set(aggregates))}
        return await self._put_with_generation(
            rp_uuid, path, payload, AGGREGATE_GENERATION, context
        )

    # -- candidates, allocations, usages --------------------------------------------------

    async def get_allocation_candidates(
        self,
        resources: Mapping[str, int],
        *,
        required: Iterable[str] = (),
        root_required: Iterable[str] = (),
        member_of: Iterable[str] = (),
        in_tree: str | None = None,
        limit: int | None = None,
        extra: Sequence[tuple[str, str]] = (),
        context: RequestContext | None = None,
    ) -> dict[str, Any]:
        """``GET /allocation_candidates`` (1.36) for the unsuffixed group, plus ``extra`` params.

        ``required``/``root_required`` take trait names (``!NAME`` forbids); ``member_of``
        aggregate uuids (any of); ``extra`` adds granular groups, ``group_policy``... as is.
        Returns the parsed body (``allocation_requests``, ``provider_summaries``).
        """
        query: list[tuple[str, str | int]] = [
            ("resources", ",".join(f"{rc}:{n}" for rc, n in sorted(resources.items())))
        ]
        if names := sorted(required):
            query.append(("required", ",".join(names)))
        if names := sorted(root_required):
            query.append(("root_required", ",".join(names)))
        if aggs := sorted(member_of):
            query.append(("member_of", "in:" + ",".join(aggs)))
        if in_tree:
            query.append(("in_tree", in_tree))
        if limit is not None:
            query.append(("limit", limit))
        query.extend(extra)
        r = await self.session.get(
            "/allocation_candidates", params=query, microversion=SAME_SUBTREE, context=context
        )
        if r.status_code != 200:
            raise self._fail(r, "GET", "/allocation_candidates")
        return _json(r)

    async def get_allocations(
        self, consumer_uuid: str, *, context: RequestContext | None = None
    ) -> dict[str, Any]:
        """``GET /allocations/{consumer}`` (1.28): allocations, owner, consumer_generation."""
        path = f"/allocations/{consumer_uuid}"
        r = await self.session.get(path, microversion=CONSUMER_GENERATION, context=context)
        if r.status_code != 200:
            raise self._fail(r, "GET", path)
        return _json(r)

    async def get_provider_allocations(
        self, rp_uuid: str, *, context: RequestContext | None = None
    ) -> dict[str, Any]:
        """``GET /resource_providers/{uuid}/allocations``."""
        path = f"/resource_providers/{rp_uuid}/allocations"
        r = await self.session.get(path, microversion=CONSUMER_GENERATION, context=context)
        if r.status_code != 200:
            raise self._fail(r, "GET", path)
        body = _json(r)
        self._remember(rp_uuid, body)
        return body

    async def claim(
        self,
        consumer_uuid: str,
        allocation_request: Mapping[str, Any],
        project_id: str,
        user_id: str,
        consumer_generation: int | None = None,
        *,
        context: RequestContext | None = None,
    ) -> None:
        """Write an allocation request for a consumer (``PUT /allocations/{c}``, 1.36).

        ``allocation_request`` is one of ``allocation_requests`` (``{"allocations": ...,
        "mappings": ...}``) or a bare ``{rp_uuid: {"resources": ...}}``. A provider generation
        race inside placement is retried (the request does not depend on it); a consumer
        generation conflict means someone else changed the consumer: it raises
        :class:`~novalite.errors.PlacementConflict`, as nova does.
        """
        allocations = allocation_request.get("allocations", allocation_request)
        body: dict[str, Any] = {
            "allocations": allocations,
            "project_id": project_id,
            "user_id": user_id,
            "consumer_generation": consumer_generation,
        }
        if "mappings" in allocation_request:
            body["mappings"] = allocation_request["mappings"]
        path = f"/allocations/{consumer_uuid}"
        for attempt in range(self.max_conflict_retries + 1):
            r = await self.session.put(path, json=body, microversion=SAME_SUBTREE, context=context)
            if r.status_code == 204:
                return
            if r.status_code != 409:
                raise self._fail(r, "PUT", path)
            detail = error_detail(r)
            if error_code(r) != CONCURRENT_UPDATE or "consumer generation" in detail.lower():
                raise self._conflict(r, path)
            LOG.debug("Provider generation race claiming %s (attempt %d)", path, attempt + 1)
        raise self._conflict(r, path)

    async def delete_allocations(
        self, consumer_uuid: str, *, context: RequestContext | None = None
    ) -> bool:
        """``DELETE /allocations/{consumer}``: False when the consumer had none."""
        path = f"/allocations/{consumer_uuid}"
        r = await self.session.delete(path, context=context)
        if r.status_code == 404:
            return False
        if r.status_code != 204:
            raise self._fail(r, "DELETE", path)
        return True

    async def move_allocations(
        self, source_consumer: str, target_consumer: str, *, context: RequestContext | None = None
    ) -> bool:
        """Move every allocation of ``source_consumer`` to ``target_consumer`` (POST, 1.28).

        Both consumers' generations are sent, so a concurrent change raises
        :class:`~novalite.errors.PlacementConflict`. False when the source has nothing.
        """
        source = await self.get_allocations(source_consumer, context=context)
        if not source.get("allocations"):
            return False
        target = await self.get_allocations(target_consumer, context=context)
        project_id, user_id = source["project_id"], source["user_id"]
        moved = {rp: {"resources": a["resources"]} for rp, a in source["allocations"].items()}
        body = {
            source_consumer: {
                "allocations": {},
                "project_id": project_id,
                "user_id": user_id,
                "consumer_generation": source.get("consumer_generation"),
            },
            target_consumer: {
                "allocations": moved,
                "project_id": target.get("project_id", project_id),
                "user_id": target.get("user_id", user_id),
                "consumer_generation": target.get("consumer_generation"),
            },
        }
        r = await self.session.post(
            "/allocations", json=body, microversion=CONSUMER_GENERATION, context=context
        )
        if r.status_code == 409:
            raise self._conflict(r, "/allocations")
        if r.status_code != 204:
            raise self._fail(r, "POST", "/allocations")
        return True

    async def get_usages(
        self,
        project_id: str,
        user_id: str | None = None,
        *,
        context: RequestContext | None = None,
    ) -> dict[str, int]:
        """``GET /usages?project_id=[&user_id=]`` (1.9): resource class -> amount used."""
        params = {"project_id": project_id}
        if user_id:
            params["user_id"] = user_id
        r = await self.session.get(
            "/usages", params=params, microversion=GET_USAGES, context=context
        )
        if r.status_code != 200:
            raise self._fail(r, "GET", "/usages")
        usages: dict[str, int] = _json(r)["usages"]
        return usages
