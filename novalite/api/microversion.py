"""The compute API's microversions: range, headers and nova's error messages."""

from __future__ import annotations

from starlette.types import Scope

from novalite.api_common.microversion import (
    MicroversionSpec,
    Version,
    request_version,
)
from novalite.errors import (
    ComputeVersionInvalid,
    ComputeVersionNotSupported,
    MicroversionInvalid,
    MicroversionUnacceptable,
)

MIN_VERSION = Version(2, 1)
#: Highest microversion claimed by default: every change up to it that touches flavors and
#: keypairs is implemented. 2.86 (flavor extra spec validation) is not, so 2.85 (docs/api.md).
MAX_VERSION = Version(2, 85)
#: Highest microversion whose flavor/keypair shapes are implemented (2.92 keypairs,
#: 2.102 flavors); serving above :data:`MAX_VERSION` is an explicit choice of the deployer.
IMPLEMENTED_VERSION = Version(2, 104)
LEGACY_HEADER = "X-OpenStack-Nova-API-Version"


def compute_spec(max_version: Version = MAX_VERSION) -> MicroversionSpec:
    """The compute API's microversion negotiation up to ``max_version``."""
    return MicroversionSpec(
        "compute", MIN_VERSION, max_version, default=MIN_VERSION, legacy_headers=(LEGACY_HEADER,)
    )


def compute_version(scope: Scope, max_version: Version = MAX_VERSION) -> Version:
    """The request's microversion, with nova's 400/406 messages when it is bad."""
    try:
        return request_version(scope)
    except MicroversionInvalid as exc:
        raise ComputeVersionInvalid(version=exc.kwargs["version"]) from None
    except MicroversionUnacceptable as exc:
        raise ComputeVersionNotSupported(
            version=exc.kwargs["version"], min=MIN_VERSION, max=max_version
        ) from None
