"""Hide secrets when configuration values are shown (repr, logs, error messages)."""

from __future__ import annotations

import re

from pydantic import SecretStr

from novalite.conf.schema import OptionInfo
from novalite.conf.types import format_value

MASK = "***"

_USERINFO = re.compile(r"(?P<user>[^:/@,]*):[^@/,]*@")


def mask_url(url: str) -> str:
    """Replace the password of every ``user:password@host`` in ``url`` with ``***``.

    Handles the multi-host form of transport URLs
    (``rabbit://u1:p1@h1:5672,u2:p2@h2:5672/``) and malformed URLs alike.
    """
    return _USERINFO.sub(rf"\g<user>:{MASK}@", url)


def masked(value: object, info: OptionInfo) -> object:
    """The value of an option as it may be shown: secrets as ``***``, URL passwords masked.

    Unset secrets stay ``None`` and empty ones ``""``: that they are unset is no secret.
    """
    if isinstance(value, SecretStr):
        return MASK if value.get_secret_value() else ""
    if info.secret and value:
        return MASK
    if info.url and isinstance(value, str):
        return mask_url(value)
    return value


def masked_repr_value(value: object, info: OptionInfo) -> object:
    """Like :func:`masked`, but keeps ``SecretStr`` (whose repr is already masked)."""
    if isinstance(value, SecretStr):
        return value
    return masked(value, info)


def shown_input(value: object, info: OptionInfo) -> str:
    """Quote a raw input value for an error message, masked if the option is secret."""
    if info.secret:
        return "<secret>"
    text = format_value(value) if not isinstance(value, str) else value
    if info.url:
        text = mask_url(text)
    return repr(text)
