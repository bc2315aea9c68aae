"""RPC API versions: ``major.minor`` strings and the compatibility rule between them.

An endpoint serving ``X.Y`` accepts every message ``X.y`` with ``y <= Y``: a
minor bump only adds (methods, optional arguments); a major bump breaks, and is
never accepted across.
"""

from __future__ import annotations

import functools

from novalite.errors import Invalid


@functools.lru_cache(maxsize=256)
def parse_version(version: str) -> tuple[int, int]:
    """Split ``"major.minor"`` into two integers; raise :class:`Invalid` for anything else."""
    major, dot, minor = str(version).partition(".")
    if not (dot and major.isdigit() and minor.isdigit()):
        raise Invalid(reason=f"RPC version {version!r} is not of the form major.minor")
    return int(major), int(minor)


def is_compatible(served: str, requested: str) -> bool:
    """True if an endpoint serving ``served`` can handle a message sent as ``requested``."""
    served_major, served_minor = parse_version(served)
    major, minor = parse_version(requested)
    return major == served_major and minor <= served_minor
