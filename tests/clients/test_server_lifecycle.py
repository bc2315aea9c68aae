"""The server lifecycle against the all-in-one, with openstacksdk and the openstack CLI."""

from __future__ import annotations

import pytest

from tests.clients.conftest import Cloud
from tests.lifecycle import run_lifecycle, unique

pytestmark = pytest.mark.slow


def test_server_lifecycle(cloud: Cloud) -> None:
    run_lifecycle(cloud, prefix=unique("aio"))
