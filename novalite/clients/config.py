"""Build client objects from configuration sections (``[keystone_authtoken]``, ``[placement]``...).

The clients take plain dataclasses; these helpers are the only place that knows the option
names, so services wire them with one call each.
"""

from __future__ import annotations

import httpx

from novalite.api_common.token_cache import CachingTokenValidator
from novalite.clients.identity import IdentityClient, PasswordAuth, PasswordCredentials
from novalite.clients.session import EndpointFilter, ServiceSession
from novalite.conf.auth import KeystoneAuthOptions, KeystoneAuthtokenSection
from novalite.conf.clients import ServiceClientOptions
from novalite.errors import ConfigError


def password_credentials(options: KeystoneAuthOptions, section: str) -> PasswordCredentials:
    """The ``password`` plugin's credentials of a keystoneauth-style section."""
    if (options.auth_type or "password") != "password":
        raise ConfigError(reason=f"[{section}] auth_type {options.auth_type} is not supported")
    if not options.auth_url or not options.username or options.password is None:
        raise ConfigError(reason=f"[{section}] needs auth_url, username and password")
    return PasswordCredentials(
        auth_url=options.auth_url,
        username=options.username,
        password=options.password.get_secret_value(),
        user_domain_name=options.user_domain_name or "Default",
        project_name=options.project_name,
        project_domain_name=options.project_domain_name or "Default",
    )


def http_client(options: KeystoneAuthOptions) -> httpx.AsyncClient:
    """An HTTP client with the section's timeout and TLS settings."""
    verify: bool | str = options.cafile or not options.insecure
    return httpx.AsyncClient(timeout=options.timeout, verify=verify)


def endpoint_filter(options: ServiceClientOptions, service_type: str) -> EndpointFilter:
    """Endpoint selection of a ``[placement]`` / ``[glance]`` / ``[neutron]`` section."""
    return EndpointFilter(
        service_type=service_type,
        interfaces=tuple(options.valid_interfaces),
        region_name=options.region_name,
        service_name=options.service_name,
        endpoint_override=options.endpoint_override,
    )


def service_session(
    options: ServiceClientOptions, section: str, service_type: str
) -> ServiceSession:
    """An authenticated session to one service, with its own token (one HTTP client)."""
    client = http_client(options)
    auth = PasswordAuth(password_credentials(options, section), client=client)
    return ServiceSession(
        auth,
        endpoint_filter(options, service_type),
        client=client,
        connect_retries=options.connect_retries or 0,
    )


def token_validator(
    options: KeystoneAuthtokenSection, *, recheck_interval: float = 10.0, max_size: int = 4096
) -> CachingTokenValidator:
    """The cached HTTP validator of ``[keystone_authtoken]`` for :class:`AuthMiddleware`."""
    auth = PasswordAuth(
        password_credentials(options, "keystone_authtoken"), client=http_client(options)
    )
    return CachingTokenValidator(
        IdentityClient(auth),
        max_size=max_size,
        cache_time=float(options.token_cache_time),
        recheck_interval=recheck_interval,
    )
