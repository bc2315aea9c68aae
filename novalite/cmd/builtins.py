"""The built-in companions in the all-in-one: identity and placement, and who may call them.

The all-in-one serves every HTTP service on one listener. Its identity service
is bootstrapped on every start (idempotent) with the listener's real URL in
the catalog; the passwords it needs are kept in ``<state_path>/credentials.yaml``
(mode 0600) unless the configuration names them.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import logging
import os
import secrets
from collections.abc import Sequence
from pathlib import Path

import httpx
import yaml
from starlette.middleware import Middleware
from starlette.types import ASGIApp

from novalite.api_common.app import DeferredApp, HttpServer, mount_services
from novalite.api_common.token_cache import CachingTokenValidator
from novalite.api_common.tokens import TokenValidator
from novalite.builtin.identity import (
    IdentityOptions,
    bootstrap,
    create_identity_app,
    sync_schema,
    write_clouds_yaml,
)
from novalite.builtin.placement.app import create_placement_app, prepare_placement_db
from novalite.builtin.placement.options import PlacementOptions
from novalite.clients.identity import IdentityClient, PasswordAuth, PasswordCredentials
from novalite.cmd import services, wiring
from novalite.conf import Config
from novalite.db.engine import Database

LOG = logging.getLogger(__name__)

SERVICE_USER = "nova"
SERVICE_PROJECT = "service"


@dataclasses.dataclass(frozen=True)
class Credentials:
    """Passwords of the bootstrap users."""

    admin: str = dataclasses.field(repr=False)
    demo: str = dataclasses.field(repr=False)
    service: str = dataclasses.field(repr=False)


def load_credentials(conf: Config) -> Credentials:
    """The bootstrap passwords: from the configuration, else kept from an earlier start, else new.

    New ones are written to ``<state_path>/credentials.yaml`` (mode 0600).
    """
    path = conf.state_path / "credentials.yaml"
    stored: dict[str, str] = {}
    if path.exists():
        stored = yaml.safe_load(path.read_text()) or {}
    section = conf.builtin_identity
    values = {
        "admin": section.admin_password or stored.get("admin") or secrets.token_urlsafe(18),
        "demo": section.demo_password or stored.get("demo") or secrets.token_urlsafe(18),
        "service": stored.get("service") or secrets.token_urlsafe(24),
    }
    if values != stored:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as stream:
            yaml.safe_dump(values, stream)
    return Credentials(**values)


async def open_identity(conf: Config, stack: contextlib.AsyncExitStack) -> tuple[ASGIApp, Database]:
    """The identity application over its (migrated) database."""
    section = conf.builtin_identity
    db = Database(section.connection)
    stack.push_async_callback(db.dispose)
    await sync_schema(db)
    options = IdentityOptions(
        key_repository=Path(section.key_repository),
        max_active_keys=section.max_active_keys,
        expiration=int(section.expiration),
        allow_expired_window=int(section.allow_expired_window),
    )
    return create_identity_app(options, db, policy_file=services.policy_file(conf)), db


async def bootstrap_identity(
    conf: Config,
    db: Database,
    base_url: str,
    credentials: Credentials,
    *,
    compute_url: str | None = None,
) -> Path:
    """Provision users, roles and catalog for ``base_url``; write clouds.yaml; return its path."""
    region = conf.builtin_identity.region
    await bootstrap(
        db,
        base_url=base_url,
        region=region,
        admin_password=credentials.admin,
        demo_password=credentials.demo,
        service_password=credentials.service,
        compute_url=compute_url,
    )
    clouds = (conf.state_path / "clouds.yaml").resolve()
    write_clouds_yaml(clouds, f"{base_url}/identity", region, credentials.admin, credentials.demo)
    return clouds


def service_validator(
    conf: Config,
    identity_url: str,
    credentials: Credentials,
    client: httpx.AsyncClient | None = None,
) -> TokenValidator:
    """A cached token validator logged in as the bootstrap's service user."""
    auth = PasswordAuth(_service_credentials(identity_url, credentials), client=client)
    return CachingTokenValidator(
        IdentityClient(auth), cache_time=float(conf.keystone_authtoken.token_cache_time)
    )


async def open_placement(
    conf: Config, stack: contextlib.AsyncExitStack, middleware: Sequence[Middleware]
) -> ASGIApp:
    """The placement application over its prepared database."""
    section = conf.builtin_placement
    db = Database(section.connection, wiring.database_options(conf.database))
    stack.push_async_callback(db.dispose)
    await prepare_placement_db(db)
    options = PlacementOptions(
        randomize_allocation_candidates=section.randomize_allocation_candidates,
        max_allocation_candidates=section.max_allocation_candidates,
        policy_file=services.policy_file(conf),
        enforce_scope=conf.oslo_policy.enforce_scope,
        enforce_new_defaults=conf.oslo_policy.enforce_new_defaults,
    )
    return create_placement_app(options, db, middleware=middleware)


@dataclasses.dataclass(frozen=True)
class Builtins:
    """The built-in identity and placement applications, ready to mount.

    ``validator`` validates users' tokens as the bootstrap's service user;
    ``service_credentials`` are that user's (for the services' own clients).
    """

    apps: dict[str, ASGIApp]
    identity_url: str
    validator: TokenValidator
    service_credentials: PasswordCredentials = dataclasses.field(repr=False)


def _service_credentials(identity_url: str, credentials: Credentials) -> PasswordCredentials:
    return PasswordCredentials(
        auth_url=identity_url,
        username=SERVICE_USER,
        password=credentials.service,
        project_name=SERVICE_PROJECT,
    )


async def open_builtins(
    conf: Config,
    stack: contextlib.AsyncExitStack,
    base_url: str,
    client: httpx.AsyncClient,
    *,
    compute_url: str | None = None,
) -> Builtins:
    """Identity (bootstrapped for ``base_url``, every start) and placement behind its tokens.

    ``client`` reaches the listener that will serve them (in process): tokens are
    validated through it.
    """
    identity_url = f"{base_url}/identity"
    credentials = load_credentials(conf)
    identity_app, identity_db = await open_identity(conf, stack)
    clouds = await bootstrap_identity(
        conf, identity_db, base_url, credentials, compute_url=compute_url
    )
    LOG.info("clouds.yaml for the admin and demo users: %s", clouds)
    validator = service_validator(conf, identity_url, credentials, client)
    middleware = services.auth_middleware(
        conf, ("/",), validator=validator, www_authenticate_uri=identity_url
    )
    placement_app = await open_placement(conf, stack, middleware)
    return Builtins(
        apps={"/identity": identity_app, "/placement": placement_app},
        identity_url=identity_url,
        validator=validator,
        service_credentials=_service_credentials(identity_url, credentials),
    )


async def run_builtins(conf: Config, args: argparse.Namespace) -> None:
    """``novalite builtins``: identity and placement for split deployments, one listener."""
    section = conf.builtin_identity
    state_path = conf.state_path.resolve()
    state_path.mkdir(parents=True, exist_ok=True)
    deferred = DeferredApp()
    server = HttpServer(
        "built-in identity and placement", deferred, section.listen, section.listen_port
    )
    host = section.listen if ":" not in section.listen else f"[{section.listen}]"
    base_url = f"http://{host}:{server.bind()}"
    async with contextlib.AsyncExitStack() as stack:
        client = wiring.in_process_client(deferred, stack)
        found = await open_builtins(
            conf, stack, base_url, client, compute_url=section.compute_endpoint or None
        )
        deferred.target = mount_services(found.apps)
        LOG.info("identity at %s, placement at %s/placement", found.identity_url, base_url)
        await services.serve("novalite builtins", conf, [server])
