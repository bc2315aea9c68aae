"""Plain options of the placement application (the lead maps configuration onto them)."""

from __future__ import annotations

import dataclasses
import pathlib

from novalite.api_common.microversion import MicroversionSpec, Version

#: Placement's microversions: 1.0 (default when no header) to 1.39.
PLACEMENT_VERSIONS = MicroversionSpec("placement", Version(1, 0), Version(1, 39))


@dataclasses.dataclass(frozen=True)
class PlacementOptions:
    """Behaviour switches of the placement application."""

    #: Shuffle allocation candidates before applying ``limit``.
    randomize_allocation_candidates: bool = False
    #: Upper bound on the candidates computed per request (-1: no bound).
    max_allocation_candidates: int = -1
    #: Largest accepted request body, in bytes.
    max_request_body_size: int = 1024 * 1024
    #: An operator's policy file overriding :mod:`novalite.builtin.placement.policies`.
    policy_file: pathlib.Path | None = None
    #: oslo.policy's ``enforce_scope`` and ``enforce_new_defaults``.
    enforce_scope: bool = True
    enforce_new_defaults: bool = True
