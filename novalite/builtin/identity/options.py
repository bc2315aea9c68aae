"""Options of the built-in identity service (the lead maps ``[builtin_identity]`` onto them)."""

from __future__ import annotations

import dataclasses
import pathlib


@dataclasses.dataclass(frozen=True, slots=True)
class IdentityOptions:
    """What the identity service needs to know besides its database."""

    #: Directory of the Fernet keys (keystone's ``[fernet_tokens] key_repository``).
    key_repository: pathlib.Path
    #: Keys kept when rotating (keystone's ``[fernet_tokens] max_active_keys``).
    max_active_keys: int = 3
    #: Seconds a token is valid (keystone's ``[token] expiration``).
    expiration: int = 3600
    #: Seconds after expiry during which ``allow_expired`` still validates a token.
    allow_expired_window: int = 172800
    #: Largest request body accepted, in bytes (keystone's ``max_request_body_size``).
    max_request_body_size: int = 114688
