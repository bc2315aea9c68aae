"""``[builtin_identity]`` and ``[builtin_placement]``: the built-in companion services.

These are novalite's own sections: the built-ins stand in for Keystone and
Placement, which have their own configuration files upstream. Option names
follow keystone.conf and placement.conf where those have the option.
"""

from __future__ import annotations

from novalite.conf.section import Section, opt
from novalite.conf.types import Bool, Port, Seconds


class BuiltinIdentitySection(Section):
    """The built-in identity service (Keystone v3 subset)."""

    enabled: Bool = opt(
        True,
        "Serve the built-in identity service (under /identity in the all-in-one). Disable it "
        "when a real Keystone is used.",
    )
    connection: str = opt(
        "sqlite:///$state_path/identity.sqlite",
        "Database of the identity service (users, projects, roles, catalog).",
    )
    key_repository: str = opt(
        "$state_path/fernet-keys",
        "Directory of the Fernet keys that encrypt tokens (keystone's "
        "[fernet_tokens] key_repository).",
    )
    max_active_keys: int = opt(
        3,
        "Fernet keys kept when rotating: the primary, the staged one and older ones that "
        "still validate tokens (keystone's [fernet_tokens] max_active_keys).",
        ge=2,
    )
    expiration: Seconds = opt(
        3600,
        "Seconds a token is valid (keystone's [token] expiration).",
        ge=60,
    )
    allow_expired_window: Seconds = opt(
        172800,
        "Seconds after expiry during which a service may still validate a token with "
        "allow_expired (keystone's [token] allow_expired_window).",
        ge=0,
    )
    region: str = opt("RegionOne", "Region of the endpoints the bootstrap registers.")
    listen: str = opt(
        "127.0.0.1",
        "Address `novalite builtins` serves identity and placement on (the all-in-one serves "
        "them on the compute API's listener).",
    )
    listen_port: Port = opt(5000, "Port of `novalite builtins`; 0 picks a free port.")
    compute_endpoint: str = opt(
        "",
        "Root URL of the compute API registered in the catalog by `novalite builtins` (for "
        "example http://127.0.0.1:8774). Empty: the builtins' own URL under /compute, as in "
        "the all-in-one.",
    )
    admin_password: str = opt(
        "",
        "Password of the bootstrap 'admin' user. Empty: a random one, written to clouds.yaml.",
    )
    demo_password: str = opt(
        "",
        "Password of the bootstrap 'demo' user. Empty: a random one, written to clouds.yaml.",
    )


class BuiltinPlacementSection(Section):
    """The built-in placement service."""

    enabled: Bool = opt(
        True,
        "Serve the built-in placement service (under /placement in the all-in-one). Disable "
        "it when a real Placement is used.",
    )
    connection: str = opt(
        "sqlite:///$state_path/placement.sqlite",
        "Database of the placement service (placement's [placement_database] connection).",
    )
    randomize_allocation_candidates: Bool = opt(
        False,
        "Return allocation candidates in random order (before the limit is applied) instead "
        "of a stable one (placement's [placement] option).",
    )
    max_allocation_candidates: int = opt(
        -1,
        "Most allocation candidates considered per request before the limit; -1: no bound "
        "(placement's [placement] option).",
        ge=-1,
    )
