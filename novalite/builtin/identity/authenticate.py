"""``POST /v3/auth/tokens``: who the caller is (methods) and what the token is for (scope)."""

from __future__ import annotations

import dataclasses
import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from novalite.builtin.identity import models as m
from novalite.builtin.identity import passwords, roles, store
from novalite.builtin.identity.errors import Unauthorized, ValidationError
from novalite.builtin.identity.provider import TokenInvalid, TokenProvider, utcnow
from novalite.builtin.identity.tokens import Scope

_NAMED: dict[str, Any] = {
    "type": "object",
    "properties": {
        "id": {"type": "string", "maxLength": 255},
        "name": {"type": "string", "maxLength": 255},
        "domain": {
            "type": "object",
            "properties": {
                "id": {"type": "string", "maxLength": 255},
                "name": {"type": "string", "maxLength": 255},
            },
        },
    },
}

AUTH_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "auth": {
            "type": "object",
            "properties": {
                "identity": {
                    "type": "object",
                    "properties": {
                        "methods": {
                            "type": "array",
                            "items": {"type": "string"},
                            "minItems": 1,
                        },
                        "password": {
                            "type": "object",
                            "properties": {
                                "user": {
                                    **_NAMED,
                                    "properties": {
                                        **_NAMED["properties"],
                                        "password": {"type": "string"},
                                    },
                                }
                            },
                            "required": ["user"],
                        },
                        "token": {
                            "type": "object",
                            "properties": {"id": {"type": "string"}},
                            "required": ["id"],
                        },
                        "application_credential": {
                            "type": "object",
                            "properties": {
                                "id": {"type": "string"},
                                "name": {"type": "string"},
                                "secret": {"type": "string"},
                                "user": _NAMED,
                            },
                            "required": ["secret"],
                        },
                    },
                    "required": ["methods"],
                },
                "scope": {
                    "type": ["object", "string"],
                    "properties": {
                        "project": _NAMED,
                        "domain": _NAMED,
                        "system": {"type": "object"},
                    },
                },
            },
            "required": ["identity"],
        }
    },
    "required": ["auth"],
}

_SUPPORTED = ("password", "token", "application_credential")


@dataclasses.dataclass(slots=True)
class Identified:
    """The outcome of the auth methods: the user, and what the new token inherits."""

    user: m.User
    methods: tuple[str, ...]
    parent_audit_id: str | None = None
    expires_at: datetime.datetime | None = None
    app_cred: m.ApplicationCredential | None = None
    parent_scope: Scope = None


async def _domain_of(session: AsyncSession, ref: dict[str, Any] | None) -> m.Domain | None:
    if not ref:
        return None
    if "id" in ref:
        return await store.find(session, m.Domain, ref["id"])
    if "name" in ref:
        return await store.domain_by_name(session, ref["name"])
    return None


async def _named_user(session: AsyncSession, ref: dict[str, Any]) -> m.User | None:
    if "id" in ref:
        return await store.find(session, m.User, ref["id"])
    if "name" not in ref:
        raise ValidationError(attribute="id or name", target="user")
    if not ref.get("domain"):
        raise ValidationError(attribute="domain", target="user")
    domain = await _domain_of(session, ref["domain"])
    if domain is None:
        return None
    return await store.user_by_name(session, ref["name"], domain.id)


async def _password(session: AsyncSession, data: dict[str, Any]) -> m.User:
    ref = data["user"]
    if "password" not in ref:
        raise ValidationError(attribute="password", target="user")
    user = await _named_user(session, ref)
    ok = await passwords.verify_password(user.password_hash if user else None, ref["password"])
    if user is None or not ok or not user.enabled:
        raise Unauthorized()
    return user


async def _app_cred(
    session: AsyncSession, data: dict[str, Any]
) -> tuple[m.User, m.ApplicationCredential]:
    cred: m.ApplicationCredential | None = None
    if "id" in data:
        cred = await store.find(session, m.ApplicationCredential, data["id"])
    elif "name" in data and data.get("user"):
        user = await _named_user(session, data["user"])
        if user is not None:
            rows = await store.list_rows(
                session, m.ApplicationCredential, user_id=user.id, name=data["name"]
            )
            cred = rows[0] if rows else None
    else:
        raise ValidationError(attribute="id or name and user", target="application_credential")
    ok = await passwords.verify_password(cred.secret_hash if cred else None, data["secret"])
    if cred is None or not ok:
        raise Unauthorized()
    if cred.expires_at is not None and cred.expires_at <= utcnow():
        raise Unauthorized()
    user = await store.find(session, m.User, cred.user_id)
    if user is None or not user.enabled:
        raise Unauthorized()
    return user, cred


async def identify(
    session: AsyncSession, provider: TokenProvider, identity: dict[str, Any]
) -> Identified:
    """Run the requested auth methods; 401 on any failure, one body whatever the reason."""
    methods = tuple(dict.fromkeys(identity["methods"]))
    for method in methods:
        if method not in _SUPPORTED:
            raise Unauthorized(f"Attempted to authenticate with an unsupported method: {method}.")
        if method not in identity:
            raise ValidationError(attribute=method, target="identity")
    if "token" in methods:
        try:
            parent = await provider.validate(session, identity["token"]["id"])
        except TokenInvalid:
            raise Unauthorized() from None
        if parent.payload.app_cred_id:
            raise Unauthorized(
                "A token created using an application credential cannot be re-scoped."
            )
        return Identified(
            user=parent.user,
            methods=tuple(dict.fromkeys(("token", *parent.payload.methods))),
            parent_audit_id=parent.payload.audit_ids[-1],
            expires_at=parent.payload.expires_at,
            parent_scope=parent.payload.scope,
        )
    if "application_credential" in methods:
        user, cred = await _app_cred(session, identity["application_credential"])
        return Identified(user=user, methods=methods, app_cred=cred)
    user = await _password(session, identity["password"])
    return Identified(user=user, methods=methods)


async def resolve_scope(
    session: AsyncSession, who: Identified, scope: dict[str, Any] | str | None
) -> Scope:
    """The scope the token asks for (or the default project); 401 if the user holds no role."""
    if who.app_cred is not None:
        if scope:
            raise Unauthorized("Application credentials cannot request a scope.")
        return (roles.PROJECT, who.app_cred.project_id)
    if scope == "unscoped":
        return None
    wanted: tuple[str, str]
    if not scope:
        project_id = who.user.default_project_id
        if project_id is None:
            return None
        project = await store.find(session, m.Project, project_id)
        if project is None or not project.enabled:
            return None
        if not await roles.direct_role_ids(session, who.user.id, roles.PROJECT, project_id):
            return None
        return (roles.PROJECT, project_id)
    assert isinstance(scope, dict)
    if "project" in scope:
        wanted = (roles.PROJECT, await _project_id(session, scope["project"]))
    elif "domain" in scope:
        domain = await _domain_of(session, scope["domain"])
        if domain is None or not domain.enabled:
            raise Unauthorized()
        wanted = (roles.DOMAIN, domain.id)
    elif "system" in scope:
        if scope["system"] != {"all": True}:
            raise ValidationError(attribute="all", target="system scope")
        wanted = (roles.SYSTEM, roles.SYSTEM_ALL)
    else:
        raise ValidationError(attribute="project, domain or system", target="scope")
    if not await roles.direct_role_ids(session, who.user.id, wanted[0], wanted[1]):
        raise Unauthorized(f"User {who.user.id} has no access to the requested scope.")
    return wanted


async def _project_id(session: AsyncSession, ref: dict[str, Any]) -> str:
    project: m.Project | None = None
    if "id" in ref:
        project = await store.find(session, m.Project, ref["id"])
    elif "name" in ref and ref.get("domain"):
        domain = await _domain_of(session, ref["domain"])
        if domain is not None:
            project = await store.project_by_name(session, ref["name"], domain.id)
    else:
        raise ValidationError(attribute="id or name and domain", target="project")
    if project is None or not project.enabled:
        raise Unauthorized()
    domain_row = await store.find(session, m.Domain, project.domain_id)
    if domain_row is None or not domain_row.enabled:
        raise Unauthorized()
    return project.id
