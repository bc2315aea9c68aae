"""Response bodies, shaped as keystone renders them."""

from __future__ import annotations

import datetime
from typing import Any

from starlette.requests import Request

from novalite.builtin.identity import models as m
from novalite.builtin.identity.provider import ValidatedToken


def base_url(request: Request) -> str:
    """The externally reachable URL of the service root (scheme, Host and mount prefix).

    The prefix is the ASGI ``root_path`` (``/identity`` when mounted there).
    """
    root = request.url.replace(path="", query="", fragment="")
    return f"{str(root).rstrip('/')}{request.scope.get('root_path', '')}".rstrip("/")


def v3_url(request: Request) -> str:
    """The externally reachable ``.../v3`` URL (no trailing slash)."""
    return base_url(request) + "/v3"


def iso_z(when: datetime.datetime) -> str:
    """``2015-11-07T02:58:43.578887Z``: UTC with microseconds, as token times are written."""
    return when.astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def iso(when: datetime.datetime | None) -> str | None:
    """``2016-11-06T15:32:17.000000`` (no zone), as keystone writes entity timestamps."""
    if when is None:
        return None
    return when.astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")


def links(request: Request, path: str) -> dict[str, str]:
    """An entity's ``links`` object."""
    return {"self": f"{v3_url(request)}/{path}"}


def collection_links(request: Request) -> dict[str, Any]:
    """A collection's ``links`` object."""
    url = str(request.url)
    return {"self": url, "previous": None, "next": None}


def domain(request: Request, row: m.Domain) -> dict[str, Any]:
    """A domain."""
    return {
        "id": row.id,
        "name": row.name,
        "description": row.description,
        "enabled": row.enabled,
        "tags": [],
        "options": {},
        "links": links(request, f"domains/{row.id}"),
    }


def project(request: Request, row: m.Project) -> dict[str, Any]:
    """A project."""
    return {
        "id": row.id,
        "name": row.name,
        "domain_id": row.domain_id,
        "description": row.description,
        "enabled": row.enabled,
        "is_domain": False,
        "parent_id": row.domain_id,
        "tags": [],
        "options": {},
        "links": links(request, f"projects/{row.id}"),
    }


def user(request: Request, row: m.User) -> dict[str, Any]:
    """A user (never its password)."""
    body: dict[str, Any] = {
        "id": row.id,
        "name": row.name,
        "domain_id": row.domain_id,
        "enabled": row.enabled,
        "password_expires_at": None,
        "options": {},
        "links": links(request, f"users/{row.id}"),
    }
    if row.default_project_id:
        body["default_project_id"] = row.default_project_id
    if row.description:
        body["description"] = row.description
    if row.email:
        body["email"] = row.email
    return body


def role(request: Request, row: m.Role) -> dict[str, Any]:
    """A role."""
    return {
        "id": row.id,
        "name": row.name,
        "domain_id": None,
        "description": row.description,
        "options": {},
        "links": links(request, f"roles/{row.id}"),
    }


def role_ref(request: Request, row: m.Role) -> dict[str, Any]:
    """A role as implied-role documents show it."""
    return {"id": row.id, "name": row.name, "links": links(request, f"roles/{row.id}")}


def service(request: Request, row: m.Service) -> dict[str, Any]:
    """A catalog service."""
    return {
        "id": row.id,
        "type": row.type,
        "name": row.name,
        "description": row.description,
        "enabled": row.enabled,
        "links": links(request, f"services/{row.id}"),
    }


def endpoint(request: Request, row: m.Endpoint) -> dict[str, Any]:
    """A catalog endpoint."""
    return {
        "id": row.id,
        "service_id": row.service_id,
        "interface": row.interface,
        "region": row.region_id,
        "region_id": row.region_id,
        "url": row.url,
        "enabled": row.enabled,
        "links": links(request, f"endpoints/{row.id}"),
    }


def region(request: Request, row: m.Region) -> dict[str, Any]:
    """A region."""
    return {
        "id": row.id,
        "description": row.description,
        "parent_region_id": row.parent_region_id,
        "links": links(request, f"regions/{row.id}"),
    }


def app_cred(
    request: Request, row: m.ApplicationCredential, role_rows: list[m.Role]
) -> dict[str, Any]:
    """An application credential (its secret only when just created, added by the caller)."""
    return {
        "id": row.id,
        "name": row.name,
        "description": row.description,
        "project_id": row.project_id,
        "user_id": row.user_id,
        "expires_at": iso(row.expires_at),
        "unrestricted": row.unrestricted,
        "system": None,
        "access_rules": [],
        "roles": [{"id": r.id, "name": r.name, "domain_id": None} for r in role_rows],
        "links": links(request, f"users/{row.user_id}/application_credentials/{row.id}"),
    }


def _domain_ref(row: m.Domain | None) -> dict[str, Any]:
    return {"id": row.id, "name": row.name} if row else {}


def token(valid: ValidatedToken, catalog: list[dict[str, Any]] | None) -> dict[str, Any]:
    """The ``token`` object of an issue or validate response."""
    payload = valid.payload
    body: dict[str, Any] = {
        "methods": list(payload.methods),
        "user": {
            "id": valid.user.id,
            "name": valid.user.name,
            "domain": _domain_ref(valid.user_domain),
            "password_expires_at": None,
        },
        "audit_ids": list(payload.audit_ids),
        "expires_at": iso_z(payload.expires_at),
        "issued_at": iso_z(payload.issued_at),
    }
    if payload.scope is None:
        return body
    if valid.project is not None:
        body["project"] = {
            "id": valid.project.id,
            "name": valid.project.name,
            "domain": _domain_ref(valid.domain),
        }
        body["is_domain"] = False
    elif valid.system:
        body["system"] = {"all": True}
    else:
        body["domain"] = _domain_ref(valid.domain)
    body["roles"] = [{"id": r.id, "name": r.name} for r in valid.roles]
    if valid.app_cred is not None:
        body["application_credential"] = {
            "id": valid.app_cred.id,
            "name": valid.app_cred.name,
            "restricted": not valid.app_cred.unrestricted,
        }
    if catalog is not None:
        body["catalog"] = catalog
    return body
