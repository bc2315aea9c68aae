"""The service catalog as tokens carry it."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from novalite.builtin.identity import models as m

_PROJECT_MARKERS = ("$(project_id)s", "$(tenant_id)s", "%(project_id)s", "%(tenant_id)s")


def _substitute(url: str, project_id: str | None) -> str | None:
    if not any(marker in url for marker in _PROJECT_MARKERS):
        return url
    if project_id is None:
        return None
    for marker in _PROJECT_MARKERS:
        url = url.replace(marker, project_id)
    return url


async def token_catalog(session: AsyncSession, project_id: str | None) -> list[dict[str, Any]]:
    """Enabled services with their enabled endpoints, project ids substituted into URLs.

    Endpoints that need a project id are dropped when there is none (domain or
    system scope), as keystone does.
    """
    services = (await session.scalars(select(m.Service).where(m.Service.enabled))).all()
    endpoints = (await session.scalars(select(m.Endpoint).where(m.Endpoint.enabled))).all()
    catalog: list[dict[str, Any]] = []
    for service in sorted(services, key=lambda s: (s.type, s.id)):
        entries = []
        for endpoint in endpoints:
            if endpoint.service_id != service.id:
                continue
            url = _substitute(endpoint.url, project_id)
            if url is None:
                continue
            entries.append(
                {
                    "id": endpoint.id,
                    "interface": endpoint.interface,
                    "region": endpoint.region_id,
                    "region_id": endpoint.region_id,
                    "url": url,
                }
            )
        catalog.append(
            {"id": service.id, "type": service.type, "name": service.name, "endpoints": entries}
        )
    return catalog
