"""Identity options: the keystoneauth credentials block and ``[keystone_authtoken]``."""

from __future__ import annotations

from novalite.conf.section import Section, opt
from novalite.conf.types import Bool, Seconds, Secret, StrList


class KeystoneAuthOptions(Section):
    """Credentials a service uses to get a token, named as keystoneauth names them."""

    auth_type: str | None = opt(
        None,
        "Authentication plugin: password (the usual), v3applicationcredential, token or "
        "none. Unset: no authentication.",
    )
    auth_url: str | None = opt(None, "URL of the identity service (Keystone v3).")
    username: str | None = opt(None, "User to authenticate as.")
    password: Secret | None = opt(None, "Password of the user.")
    project_name: str | None = opt(None, "Project to scope the token to.")
    user_domain_name: str | None = opt(None, "Domain of the user.")
    project_domain_name: str | None = opt(None, "Domain of the project.")
    region_name: str | None = opt(None, "Region of the endpoint to use in the catalog.")
    insecure: Bool = opt(False, "Do not verify the server's TLS certificate.")
    cafile: str | None = opt(None, "CA bundle to verify the server's TLS certificate with.")
    timeout: Seconds | None = opt(
        None,
        "Seconds to wait for an HTTP response. Unset: no timeout.",
        ge=0,
    )


class KeystoneAuthtokenSection(KeystoneAuthOptions):
    """Validation of the tokens the API receives (keystonemiddleware's options)."""

    www_authenticate_uri: str | None = opt(
        None,
        "Identity endpoint sent to clients in the WWW-Authenticate header of a 401, "
        "where they get their tokens.",
    )
    memcached_servers: StrList = opt(
        (),
        "memcached servers (host:port) caching validated tokens. Empty: an in-process cache.",
    )
    token_cache_time: Seconds = opt(
        300,
        "Seconds a validated token is cached; -1 disables the cache.",
        ge=-1,
    )
    service_token_roles: StrList = opt(
        ("service",),
        "A service token must carry at least one of these roles to be accepted as one.",
    )
    service_token_roles_required: Bool = opt(
        False,
        "Reject service tokens without one of service_token_roles (instead of only logging it).",
    )
