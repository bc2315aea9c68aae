"""Helpers of the identity functional tests: the running service and its credentials."""

from __future__ import annotations

import dataclasses
import pathlib

import httpx

from novalite.builtin.identity import (
    BootstrapResult,
    IdentityOptions,
)
from novalite.db.engine import Database

ADMIN_PASSWORD = "admin-secret-pw"
DEMO_PASSWORD = "demo-secret-pw"
SERVICE_PASSWORD = "nova-secret-pw"


@dataclasses.dataclass
class IdentityServer:
    """What a test needs to talk to the running service."""

    url: str  # the identity endpoint, e.g. http://127.0.0.1:PORT/identity
    db: Database
    options: IdentityOptions
    result: BootstrapResult
    clouds_yaml: pathlib.Path

    def password_auth(
        self, user: str, password: str, project: str | None = None, **scope: object
    ) -> dict[str, object]:
        """A password auth body (project-scoped by name in Default when ``project``)."""
        body: dict[str, object] = {
            "identity": {
                "methods": ["password"],
                "password": {
                    "user": {"name": user, "domain": {"id": "default"}, "password": password}
                },
            }
        }
        if project is not None:
            body["scope"] = {"project": {"name": project, "domain": {"id": "default"}}}
        elif scope:
            body["scope"] = scope
        return {"auth": body}

    async def token(
        self,
        client: httpx.AsyncClient,
        user: str = "admin",
        password: str = ADMIN_PASSWORD,
        project: str | None = "admin",
    ) -> str:
        """A token id for ``user``."""
        resp = await client.post(
            f"{self.url}/v3/auth/tokens", json=self.password_auth(user, password, project)
        )
        assert resp.status_code == 201, resp.text
        return resp.headers["X-Subject-Token"]
