"""The identity service's ASGI application."""

from __future__ import annotations

import pathlib

from starlette.routing import BaseRoute, Route
from starlette.types import ASGIApp

from novalite.api_common.app import create_app
from novalite.api_common.policy import Enforcer
from novalite.builtin.identity import fernet_keys, policies
from novalite.builtin.identity.handlers import (
    app_creds,
    assignments,
    auth,
    catalog_resources,
    discovery,
    identity_resources,
    implied_roles,
    password_change,
)
from novalite.builtin.identity.options import IdentityOptions
from novalite.builtin.identity.provider import TokenProvider
from novalite.builtin.identity.roles import DOMAIN, PROJECT, SYSTEM
from novalite.builtin.identity.web import IdentityService, render_error, route
from novalite.db.engine import Database


def build_routes(svc: IdentityService) -> list[BaseRoute]:
    """Every route of the service."""
    routes: list[BaseRoute] = [
        Route("/", discovery.versions, methods=["GET"]),
        Route("/v3", discovery.version, methods=["GET"]),
        Route("/v3/", discovery.version, methods=["GET"]),
        route(svc, "/v3/auth/tokens", auth.tokens, ["GET", "HEAD", "POST", "DELETE"]),
        route(svc, "/v3/auth/catalog", auth.auth_catalog, ["GET"]),
        route(svc, "/v3/auth/projects", auth.auth_projects, ["GET"]),
        route(svc, "/v3/auth/domains", auth.auth_domains, ["GET"]),
        route(svc, "/v3/auth/system", auth.auth_system, ["GET"]),
        route(svc, "/v3/role_assignments", assignments.list_role_assignments, ["GET"]),
        route(svc, "/v3/users/{user_id}/projects", assignments.list_user_projects, ["GET"]),
        *implied_roles.routes(svc),
        *app_creds.routes(svc),
        *password_change.routes(svc),
    ]
    for target in (PROJECT, DOMAIN, SYSTEM):
        routes.extend(assignments.grant_routes(svc, target))
    for resource in (
        identity_resources.DOMAINS,
        identity_resources.PROJECTS,
        identity_resources.USERS,
    ):
        routes.extend(resource.routes(svc))
    for catalog_resource in (
        catalog_resources.ROLES,
        catalog_resources.SERVICES,
        catalog_resources.ENDPOINTS,
        catalog_resources.REGIONS,
    ):
        routes.extend(catalog_resource.routes(svc))
    return routes


def create_identity_app(
    options: IdentityOptions,
    db: Database,
    *,
    policy_file: pathlib.Path | None = None,
    enforcer: Enforcer | None = None,
) -> ASGIApp:
    """The identity service over ``db`` (already synced and bootstrapped).

    Creates the Fernet key repository if it has no keys. The service validates
    tokens in-process: it is their issuer.
    """
    fernet_keys.setup_keys(options.key_repository)
    if enforcer is None:
        enforcer = Enforcer(policies.RULES, policy_file=policy_file)
    svc = IdentityService(
        db=db, provider=TokenProvider(options), enforcer=enforcer, options=options
    )
    return create_app(build_routes(svc), render_error=render_error)
