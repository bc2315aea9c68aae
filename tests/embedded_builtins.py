"""The built-in identity and placement in the test's process, reached over ``httpx.ASGITransport``.

One ASGI app serves ``/identity`` and ``/placement``; placement sits behind
:class:`AuthMiddleware`, which validates tokens at identity through :class:`IdentityClient`
over the same in-process transport, as a deployment does over the network.
"""

from __future__ import annotations

import contextlib
import pathlib
import shutil
from collections.abc import AsyncIterator

import httpx
from starlette.middleware import Middleware

from novalite.api_common.app import mount_services
from novalite.api_common.auth import AuthMiddleware
from novalite.api_common.token_cache import CachingTokenValidator
from novalite.api_common.tokens import TokenInfo
from novalite.builtin import identity as identity_pkg
from novalite.builtin.placement import app as placement_app
from novalite.builtin.placement.options import PlacementOptions
from novalite.clients.identity import IdentityClient, PasswordAuth, PasswordCredentials
from novalite.clients.placement import PlacementClient
from novalite.clients.session import EndpointFilter, ServiceSession
from novalite.db.engine import Database

BASE = "http://cloud.test"
PASSWORDS = {"admin": "admin-pw", "demo": "demo-pw", "nova": "nova-pw"}


def password_auth(
    http: httpx.AsyncClient, user: str = "nova", project: str = "service"
) -> PasswordAuth:
    """A token of ``user`` in ``project`` from the embedded identity."""
    credentials = PasswordCredentials(
        auth_url=f"{BASE}/identity",
        username=user,
        password=PASSWORDS[user],
        project_name=project,
    )
    return PasswordAuth(credentials, client=http)


def placement_client(http: httpx.AsyncClient) -> PlacementClient:
    """The placement client of nova's service user."""
    session = ServiceSession(password_auth(http), EndpointFilter("placement"), client=http)
    return PlacementClient(session)


async def bootstrap_identity(path: pathlib.Path) -> None:
    """Bootstrap an identity database at ``path`` (slow: password hashing)."""
    db = Database(f"sqlite:///{path}")
    try:
        await identity_pkg.bootstrap(
            db,
            base_url=BASE,
            region="RegionOne",
            admin_password=PASSWORDS["admin"],
            demo_password=PASSWORDS["demo"],
            service_password=PASSWORDS["nova"],
        )
    finally:
        await db.dispose()


class _LazyValidator:
    """Validates at identity through the client the app is served by (set once it exists)."""

    def __init__(self) -> None:
        self.http: httpx.AsyncClient | None = None
        self._inner: CachingTokenValidator | None = None

    async def validate(self, token: str, *, allow_expired: bool = False) -> TokenInfo:
        if self._inner is None:
            assert self.http is not None
            self._inner = CachingTokenValidator(IdentityClient(password_auth(self.http)))
        return await self._inner.validate(token, allow_expired=allow_expired)


@contextlib.asynccontextmanager
async def embedded_builtins(
    tmp_path: pathlib.Path,
    *,
    identity_template: pathlib.Path | None = None,
    http_timeout: float = 30.0,
) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client answered by identity + placement over fresh databases in ``tmp_path``.

    ``identity_template`` is an already bootstrapped identity database to copy (saves the
    password hashing of a bootstrap per test).
    """
    identity_path = tmp_path / "identity.sqlite"
    if identity_template is not None:
        shutil.copyfile(identity_template, identity_path)
    else:
        await bootstrap_identity(identity_path)
    identity_db = Database(f"sqlite:///{identity_path}")
    placement_db = Database(f"sqlite:///{tmp_path}/placement.sqlite")
    await placement_app.prepare_placement_db(placement_db)
    validator = _LazyValidator()
    app = mount_services(
        {
            "/identity": identity_pkg.create_identity_app(
                identity_pkg.IdentityOptions(key_repository=tmp_path / "keys"), identity_db
            ),
            "/placement": placement_app.create_placement_app(
                PlacementOptions(),
                placement_db,
                middleware=[
                    Middleware(
                        AuthMiddleware,
                        validator=validator,
                        www_authenticate_uri=f"{BASE}/identity",
                    )
                ],
            ),
        }
    )
    try:
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url=BASE, timeout=http_timeout
        ) as http:
            validator.http = http
            yield http
    finally:
        await identity_db.dispose()
        await placement_db.dispose()
