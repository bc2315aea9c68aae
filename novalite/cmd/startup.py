"""Failing at start-up: one clear line and a non-zero exit, never a traceback."""

from __future__ import annotations

import sys

from novalite.errors import NovaliteError
from novalite.log import mask_secrets

#: Errors that mean "this service cannot start here": reported in one line.
STARTUP_ERRORS: tuple[type[BaseException], ...] = (NovaliteError, OSError)


def fail(prog: str, exc: BaseException, exit_code: int = 1) -> int:
    """Print ``prog: error: <one line>`` on stderr and return ``exit_code``."""
    message = " ".join(str(exc).split()) or type(exc).__name__
    print(f"{prog}: error: {mask_secrets(message)}", file=sys.stderr, flush=True)
    return exit_code
