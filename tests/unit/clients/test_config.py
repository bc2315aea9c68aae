"""Client objects built from configuration sections."""

from __future__ import annotations

import pytest

from novalite.api_common.token_cache import CachingTokenValidator
from novalite.clients.config import password_credentials, service_session, token_validator
from novalite.conf.auth import KeystoneAuthtokenSection
from novalite.conf.clients import PlacementSection
from novalite.errors import ConfigError


async def test_placement_section() -> None:
    section = PlacementSection(
        auth_url="http://k/identity",
        username="nova",
        password="pw",
        project_name="service",
        region_name="RegionOne",
        valid_interfaces=["public"],
    )
    session = service_session(section, "placement", section.service_type)
    assert session.endpoint_filter.interfaces == ("public",)
    assert session.endpoint_filter.region_name == "RegionOne"
    creds = password_credentials(section, "placement")
    assert creds.password == "pw"
    assert creds.user_domain_name == "Default"
    await session.aclose()


def test_missing_options_and_unsupported_plugin() -> None:
    with pytest.raises(ConfigError, match=r"\[placement\] needs"):
        password_credentials(PlacementSection(auth_url="http://k"), "placement")
    with pytest.raises(ConfigError, match="auth_type"):
        password_credentials(PlacementSection(auth_type="token"), "placement")


def test_token_validator() -> None:
    section = KeystoneAuthtokenSection(
        auth_url="http://k/identity", username="nova", password="pw", token_cache_time=-1
    )
    validator = token_validator(section)
    assert isinstance(validator, CachingTokenValidator)
    assert not validator.enabled
