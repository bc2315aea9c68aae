"""Option value types: how a string from an INI file becomes a typed value, and back.

Each alias is an ``Annotated`` type for a pydantic field. The :class:`Kind` marker
in its metadata names the type for the sample file and for error messages. The
validators raise ``ValueError`` with a message that reads after the offending
value (``"is not a boolean"``); the loader puts the value, masked if need be, in
front of it.
"""

from __future__ import annotations

import ipaddress
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, TypeVar

import annotated_types as at
from pydantic import AfterValidator, BeforeValidator, SecretStr

TRUE_WORDS = frozenset({"true", "yes", "on", "1"})
FALSE_WORDS = frozenset({"false", "no", "off", "0"})


@dataclass(frozen=True)
class Kind:
    """Marks an option type with a name (``"boolean"``, ``"seconds"``, ...)."""

    name: str


def parse_bool(value: Any) -> Any:
    """Accept oslo.config's spellings of a boolean, in any case."""
    if isinstance(value, str):
        word = value.strip().lower()
        if word in TRUE_WORDS:
            return True
        if word in FALSE_WORDS:
            return False
        raise ValueError("is not a boolean (true/false, yes/no, on/off, 1/0)")
    if isinstance(value, bool):
        return value
    raise ValueError("is not a boolean")


def split_list(value: Any) -> Any:
    """Split a comma-separated (or multi-line) string into a tuple of stripped items."""
    if isinstance(value, str):
        items = value.replace("\n", ",").split(",")
        return tuple(item.strip() for item in items if item.strip())
    if isinstance(value, list):
        return tuple(value)
    return value


def expand_path(value: Any) -> Any:
    """Expand a leading ``~`` of a path given as a string."""
    if isinstance(value, str | Path):
        return Path(os.path.expanduser(value))
    return value


def _check_ip(value: str) -> str:
    try:
        ipaddress.ip_address(value)
    except ValueError:
        raise ValueError("is not an IP address") from None
    return value


def _check_url(value: str) -> str:
    if "://" not in value:
        raise ValueError("is not a URL of the form scheme://...")
    return value


T = TypeVar("T")

Bool = Annotated[bool, BeforeValidator(parse_bool), Kind("boolean")]
"""true/false, yes/no, on/off or 1/0, in any case."""

Port = Annotated[int, at.Ge(0), at.Le(65535), Kind("port")]
"""A TCP/UDP port number; 0 asks the operating system for a free port where a listener uses it."""

Seconds = Annotated[float, Kind("seconds")]
"""A duration in seconds (fractions allowed)."""

ListOf = Annotated[tuple[T, ...], BeforeValidator(split_list), Kind("list")]
"""A comma-separated list; parametrise with the item type (``ListOf[str]``)."""

StrList = ListOf[str]

ExpandedPath = Annotated[Path, BeforeValidator(expand_path), Kind("path")]
"""A filesystem path; a leading ``~`` is expanded."""

IPAddress = Annotated[str, AfterValidator(_check_ip), Kind("IP address")]

Url = Annotated[str, AfterValidator(_check_url), Kind("URL")]
"""A URL; a password in it is masked whenever the configuration is shown."""

Secret = Annotated[SecretStr, Kind("secret")]
"""A password or key; never shown in the sample, in ``repr`` or in ``safe_dump``."""


def format_value(value: object) -> str:
    """Write a typed value the way it would be written in a configuration file."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, tuple | list):
        return ",".join(format_value(item) for item in value)
    if isinstance(value, SecretStr):
        return value.get_secret_value()
    return str(value)
