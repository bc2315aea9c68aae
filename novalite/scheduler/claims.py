"""Claiming the chosen hosts in placement for the instances of one request.

A claim is ``PUT /allocations/{instance}`` of the chosen allocation request, on behalf of
the request's project and user. Placement refuses it with a conflict when the host filled
up (or changed) since the candidates were read; the scheduler then tries another host.
When the request cannot be placed whole, :meth:`Claims.release` deletes what was claimed
(nova's ``_cleanup_allocations``), so that a failed request leaves nothing behind.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from novalite.clients.placement import SAME_SUBTREE, PlacementClient
from novalite.context import RequestContext
from novalite.errors import NovaliteError

LOG = logging.getLogger(__name__)

#: The placement microversion of the candidates asked and of the claims written.
ALLOCATION_REQUEST_VERSION = SAME_SUBTREE


class Claims:
    """The claims of one request, for one project and user."""

    def __init__(
        self,
        placement: PlacementClient,
        project_id: str,
        user_id: str,
        *,
        context: RequestContext | None = None,
    ) -> None:
        self._placement = placement
        self._project_id = project_id
        self._user_id = user_id
        self._context = context
        self.claimed: list[str] = []

    async def claim(self, instance_uuid: str, allocation_request: Mapping[str, Any]) -> None:
        """Write ``allocation_request`` for a new consumer ``instance_uuid``.

        Raises :class:`~novalite.errors.PlacementConflict` when placement refuses it.
        """
        await self._placement.claim(
            instance_uuid,
            allocation_request,
            self._project_id,
            self._user_id,
            context=self._context,
        )
        self.claimed.append(instance_uuid)

    async def release(self) -> None:
        """Delete every claim made so far (errors are logged: the caller is failing)."""
        claimed, self.claimed = self.claimed, []
        for instance_uuid in claimed:
            try:
                await self._placement.delete_allocations(instance_uuid, context=self._context)
            except NovaliteError as exc:
                LOG.warning("Could not delete the claim of instance %s: %s", instance_uuid, exc)
