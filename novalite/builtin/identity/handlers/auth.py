"""``/v3/auth/*``: issuing, validating and revoking tokens; the caller's catalog and scopes."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from novalite.builtin.identity import authenticate, catalog, revocation, roles, store, views
from novalite.builtin.identity import models as m
from novalite.builtin.identity.errors import TokenNotFound, Unauthorized, ValidationError
from novalite.builtin.identity.provider import TokenInvalid, ValidatedToken
from novalite.builtin.identity.web import (
    IdentityService,
    authorize,
    caller_token,
    flag,
    json_response,
    no_content,
    read_json,
    validate,
)


async def _token_body(svc: IdentityService, valid: ValidatedToken, nocatalog: bool) -> Any:
    entries = None
    if valid.payload.scope is not None and not nocatalog:
        async with svc.db.reader() as session:
            entries = await catalog.token_catalog(
                session, valid.project.id if valid.project else None
            )
    return {"token": views.token(valid, entries)}


async def issue_token(svc: IdentityService, request: Request) -> Response:
    """``POST /v3/auth/tokens``."""
    body = await read_json(svc, request)
    validate(body, authenticate.AUTH_SCHEMA)
    auth = body["auth"]
    async with svc.db.reader() as session:
        who = await authenticate.identify(session, svc.provider, auth["identity"])
        scope = await authenticate.resolve_scope(session, who, auth.get("scope"))
        token_id, payload = svc.provider.issue(
            who.user.id,
            who.methods,
            scope,
            parent_audit_id=who.parent_audit_id,
            expires_at=who.expires_at,
            app_cred_id=who.app_cred.id if who.app_cred else None,
        )
        try:
            valid = await svc.provider.resolve(session, token_id, payload)
        except TokenInvalid:
            raise Unauthorized() from None
    body = await _token_body(svc, valid, flag(request, "nocatalog"))
    return json_response(body, 201, {"X-Subject-Token": token_id})


async def _subject(svc: IdentityService, request: Request, action: str) -> ValidatedToken:
    caller = await caller_token(svc, request)
    subject_id = request.headers.get("x-subject-token")
    if not subject_id:
        raise ValidationError(attribute="X-Subject-Token", target="request headers")
    try:
        async with svc.db.reader() as session:
            subject = await svc.provider.validate(
                session, subject_id, allow_expired=flag(request, "allow_expired")
            )
    except TokenInvalid:
        # As keystone: building the policy target validates the subject first (404).
        raise TokenNotFound(id=subject_id[:8] + "...") from None
    target = {"token": {"user_id": subject.user.id}}
    await authorize(svc, request, action, target, caller=caller)
    return subject


async def validate_token(svc: IdentityService, request: Request) -> Response:
    """``GET /v3/auth/tokens``: the subject token's body, or 404."""
    subject = await _subject(svc, request, "identity:validate_token")
    body = await _token_body(svc, subject, flag(request, "nocatalog"))
    return json_response(body, 200, {"X-Subject-Token": subject.token_id})


async def check_token(svc: IdentityService, request: Request) -> Response:
    """``HEAD /v3/auth/tokens``: 200 or 404."""
    subject = await _subject(svc, request, "identity:check_token")
    return Response(status_code=200, headers={"X-Subject-Token": subject.token_id})


async def revoke_token(svc: IdentityService, request: Request) -> Response:
    """``DELETE /v3/auth/tokens``: revoke the subject token (and tokens re-scoped from it)."""
    subject = await _subject(svc, request, "identity:revoke_token")
    async with svc.db.writer() as session:
        await revocation.revoke_audit_id(session, subject.payload.audit_ids[0])
    return no_content()


async def tokens(svc: IdentityService, request: Request) -> Response:
    """Dispatch ``/v3/auth/tokens`` by method (HEAD and GET share one route in Starlette)."""
    if request.method == "POST":
        return await issue_token(svc, request)
    if request.method == "HEAD":
        return await check_token(svc, request)
    if request.method == "DELETE":
        return await revoke_token(svc, request)
    return await validate_token(svc, request)


async def auth_catalog(svc: IdentityService, request: Request) -> Response:
    """``GET /v3/auth/catalog``: the caller token's catalog."""
    valid = await caller_token(svc, request)
    if valid.payload.scope is None:
        raise Unauthorized("The service catalog is empty for an unscoped token.")
    body = await _token_body(svc, valid, False)
    return json_response(
        {"catalog": body["token"]["catalog"], "links": views.collection_links(request)}
    )


async def auth_projects(svc: IdentityService, request: Request) -> Response:
    """``GET /v3/auth/projects``: projects the caller may scope to."""
    valid = await caller_token(svc, request)
    async with svc.db.reader() as session:
        rows = await roles.assignments(session, user_id=valid.user.id, target_type=roles.PROJECT)
        projects = []
        for project_id in sorted({row.target_id for row in rows}):
            project = await store.find(session, m.Project, project_id)
            if project is not None and project.enabled:
                projects.append(views.project(request, project))
    return json_response({"projects": projects, "links": views.collection_links(request)})


async def auth_domains(svc: IdentityService, request: Request) -> Response:
    """``GET /v3/auth/domains``: domains the caller may scope to."""
    valid = await caller_token(svc, request)
    async with svc.db.reader() as session:
        rows = await roles.assignments(session, user_id=valid.user.id, target_type=roles.DOMAIN)
        domains = []
        for domain_id in sorted({row.target_id for row in rows}):
            domain = await store.find(session, m.Domain, domain_id)
            if domain is not None and domain.enabled:
                domains.append(views.domain(request, domain))
    return json_response({"domains": domains, "links": views.collection_links(request)})


async def auth_system(svc: IdentityService, request: Request) -> Response:
    """``GET /v3/auth/system``: ``[{"all": true}]`` if the caller has a system role."""
    valid = await caller_token(svc, request)
    async with svc.db.reader() as session:
        rows = await roles.assignments(session, user_id=valid.user.id, target_type=roles.SYSTEM)
    system = [{"all": True}] if rows else []
    return json_response({"system": system, "links": views.collection_links(request)})
