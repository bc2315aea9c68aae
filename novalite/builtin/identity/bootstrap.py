"""First-start (and every-start) provisioning, as ``keystone-manage bootstrap`` plus a demo.

Safe to run on every start: it creates what is missing, updates endpoint URLs
when the base URL changed, and sets a password only when one is given (or
when it creates the user, generating one if none is given).
"""

from __future__ import annotations

import dataclasses
import itertools
import secrets

from sqlalchemy.ext.asyncio import AsyncSession

from novalite.builtin.identity import models as m
from novalite.builtin.identity import passwords, revocation, roles, store
from novalite.db import migrate
from novalite.db.engine import Database

DEFAULT_DOMAIN_ID = "default"
ROLE_CHAIN = ("admin", "manager", "member", "reader")
INTERFACES = ("public", "internal", "admin")


@dataclasses.dataclass(frozen=True, slots=True)
class BootstrapResult:
    """Ids of what was provisioned; a password is None when an existing one was kept."""

    admin_user_id: str
    admin_project_id: str
    demo_user_id: str
    demo_project_id: str
    service_user_id: str
    service_project_id: str
    admin_password: str | None
    demo_password: str | None
    service_password: str | None = dataclasses.field(repr=False, default=None)

    def __repr__(self) -> str:
        return f"BootstrapResult(admin_user_id={self.admin_user_id!r}, ...)"


def catalog_urls(base_url: str, compute_url: str | None = None) -> dict[tuple[str, str], str]:
    """``(type, name) -> URL`` of every service the all-in-one serves under ``base_url``.

    Only services that exist are listed: clients probe every catalog entry they use
    (the image and network built-ins join when they are built).

    ``compute_url`` is the compute API's root when it runs elsewhere (split deployments).
    """
    base = base_url.rstrip("/")
    compute = (compute_url or f"{base}/compute").rstrip("/")
    return {
        ("identity", "keystone"): f"{base}/identity",
        ("compute", "nova"): f"{compute}/v2.1",
        ("placement", "placement"): f"{base}/placement",
    }


async def sync_schema(db: Database) -> None:
    """Create or upgrade the identity tables."""
    m.register()
    await migrate.sync(db, m.SCHEMA)


async def _role(session: AsyncSession, name: str) -> m.Role:
    row = await store.role_by_name(session, name)
    if row is None:
        row = await store.add(session, m.Role(id=store.new_id(), name=name))
    return row


async def _project(session: AsyncSession, name: str) -> m.Project:
    row = await store.project_by_name(session, name, DEFAULT_DOMAIN_ID)
    if row is None:
        row = await store.add(
            session,
            m.Project(
                id=store.new_id(),
                name=name,
                domain_id=DEFAULT_DOMAIN_ID,
                description=f"Bootstrap project {name}",
            ),
        )
    return row


async def _user(
    session: AsyncSession, name: str, password: str, project: m.Project
) -> tuple[m.User, str | None]:
    row = await store.user_by_name(session, name, DEFAULT_DOMAIN_ID)
    if row is None:
        password = password or secrets.token_urlsafe(18)
        row = await store.add(
            session,
            m.User(
                id=store.new_id(),
                name=name,
                domain_id=DEFAULT_DOMAIN_ID,
                password_hash=await passwords.hash_password_async(password),
                default_project_id=project.id,
            ),
        )
        return row, password
    if not password:
        return row, None
    if not await passwords.verify_password(row.password_hash, password):
        row.password_hash = await passwords.hash_password_async(password)
        await revocation.revoke_user(session, row.id)
    row.enabled = True
    return row, password


async def _grant(session: AsyncSession, user: m.User, kind: str, target: str, role: m.Role) -> None:
    key = (user.id, kind, target, role.id)
    if await session.get(m.Assignment, key) is None:
        session.add(
            m.Assignment(user_id=user.id, target_type=kind, target_id=target, role_id=role.id)
        )
        await session.flush()


async def _catalog(
    session: AsyncSession, base_url: str, region: str, compute_url: str | None
) -> None:
    if await store.find(session, m.Region, region) is None:
        await store.add(session, m.Region(id=region))
    for (kind, name), url in catalog_urls(base_url, compute_url).items():
        found = await store.list_rows(session, m.Service, type=kind)
        service = found[0] if found else None
        if service is None:
            service = await store.add(session, m.Service(id=store.new_id(), type=kind, name=name))
        endpoints = await store.list_rows(
            session, m.Endpoint, service_id=service.id, region_id=region
        )
        for interface in INTERFACES:
            match = [e for e in endpoints if e.interface == interface]
            if match:
                match[0].url = url
            else:
                session.add(
                    m.Endpoint(
                        id=store.new_id(),
                        service_id=service.id,
                        interface=interface,
                        region_id=region,
                        url=url,
                    )
                )
        await session.flush()
    await _drop_unserved(session, base_url, region, set(catalog_urls(base_url, compute_url)))


#: Services an earlier version's bootstrap listed before they existed.
_NOT_SERVED = {("image", "glance"), ("network", "neutron")}


async def _drop_unserved(
    session: AsyncSession, base_url: str, region: str, served: set[tuple[str, str]]
) -> None:
    """Remove this bootstrap's endpoints of services it does not serve (clients probe them)."""
    for kind, name in _NOT_SERVED - served:
        for service in await store.list_rows(session, m.Service, type=kind, name=name):
            endpoints = await store.list_rows(
                session, m.Endpoint, service_id=service.id, region_id=region
            )
            for endpoint in endpoints:
                if endpoint.url.startswith(base_url.rstrip("/") + "/"):
                    await store.remove(session, endpoint)


async def _provision(
    session: AsyncSession,
    *,
    base_url: str,
    region: str,
    admin_password: str,
    demo_password: str,
    service_password: str,
    compute_url: str | None,
) -> BootstrapResult:
    if await store.find(session, m.Domain, DEFAULT_DOMAIN_ID) is None:
        await store.add(
            session,
            m.Domain(id=DEFAULT_DOMAIN_ID, name="Default", description="The default domain"),
        )
    chain = [await _role(session, name) for name in ROLE_CHAIN]
    for prior, implied in itertools.pairwise(chain):
        if await session.get(m.ImpliedRole, (prior.id, implied.id)) is None:
            session.add(m.ImpliedRole(prior_role_id=prior.id, implied_role_id=implied.id))
    admin_role, member_role = chain[0], chain[2]
    service_role = await _role(session, "service")
    projects = {name: await _project(session, name) for name in ("admin", "demo", "service")}
    admin, admin_pw = await _user(session, "admin", admin_password, projects["admin"])
    demo, demo_pw = await _user(session, "demo", demo_password, projects["demo"])
    nova, nova_pw = await _user(session, "nova", service_password, projects["service"])
    await _grant(session, admin, roles.PROJECT, projects["admin"].id, admin_role)
    await _grant(session, admin, roles.SYSTEM, roles.SYSTEM_ALL, admin_role)
    await _grant(session, demo, roles.PROJECT, projects["demo"].id, member_role)
    await _grant(session, nova, roles.PROJECT, projects["service"].id, admin_role)
    await _grant(session, nova, roles.PROJECT, projects["service"].id, service_role)
    await _catalog(session, base_url, region, compute_url)
    return BootstrapResult(
        admin_user_id=admin.id,
        admin_project_id=projects["admin"].id,
        demo_user_id=demo.id,
        demo_project_id=projects["demo"].id,
        service_user_id=nova.id,
        service_project_id=projects["service"].id,
        admin_password=admin_pw,
        demo_password=demo_pw,
        service_password=nova_pw,
    )


async def bootstrap(
    db: Database,
    *,
    base_url: str,
    region: str,
    admin_password: str,
    demo_password: str,
    service_password: str,
    compute_url: str | None = None,
) -> BootstrapResult:
    """Migrate the schema and provision domain, roles, projects, users and catalog.

    The catalog points at ``base_url`` for every service, except compute at
    ``compute_url`` when given.
    """
    await sync_schema(db)
    async with db.writer() as session:
        return await _provision(
            session,
            base_url=base_url,
            region=region,
            admin_password=admin_password,
            demo_password=demo_password,
            service_password=service_password,
            compute_url=compute_url,
        )
