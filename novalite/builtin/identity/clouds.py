"""``clouds.yaml`` for the bootstrap users, so ``openstack --os-cloud novalite`` works."""

from __future__ import annotations

import os
import pathlib
from typing import Any

import yaml


def _cloud(auth_url: str, region: str, user: str, password: str, project: str) -> dict[str, Any]:
    return {
        "auth": {
            "auth_url": auth_url,
            "username": user,
            "password": password,
            "project_name": project,
            "user_domain_name": "Default",
            "project_domain_name": "Default",
        },
        "region_name": region,
        "interface": "public",
        "identity_api_version": 3,
    }


def write_clouds_yaml(
    path: pathlib.Path | str,
    auth_url: str,
    region: str,
    admin_password: str,
    demo_password: str,
) -> None:
    """Write clouds ``novalite`` (demo) and ``novalite-admin`` (admin) to ``path``, mode 0600."""
    clouds = {
        "clouds": {
            "novalite": _cloud(auth_url, region, "demo", demo_password, "demo"),
            "novalite-admin": _cloud(auth_url, region, "admin", admin_password, "admin"),
        }
    }
    target = pathlib.Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as stream:
        yaml.safe_dump(clouds, stream, default_flow_style=False, sort_keys=False)
    os.replace(tmp, target)
