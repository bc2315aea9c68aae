"""Hide secrets when configuration values are shown (repr, logs, error messages)."""

from __future__ import annotations

from pydantic import SecretStr

from novalite.conf.schema import OptionInfo
from novalite.conf.types import format_value
from novalite.log import mask_url

MASK = "***"

__all__ = ["MASK", "mask_url", "masked"]


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
