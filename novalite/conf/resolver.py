"""Give every option its value before validation: the last file's, or the default,
with ``$references`` substituted and ``~`` expanded in paths.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

from novalite.conf.interpolation import SubstitutionError, substitute
from novalite.conf.schema import option_info
from novalite.conf.section import Section
from novalite.conf.types import format_value
from novalite.errors import ConfigError

DEFAULT_SOURCE = "(default)"

Schema = Mapping[str, type[Section]]
"""Section name -> section class."""


@dataclass(frozen=True)
class RawValue:
    """A value as given, before substitution and validation, and where it was given."""

    value: object
    source: str


RawConfig = dict[str, dict[str, RawValue]]
"""Section name -> option name -> the value that won."""

Key = tuple[str, str]


class Resolver:
    """Resolves option values of one configuration, following references between them."""

    def __init__(self, schema: Schema, raw: RawConfig) -> None:
        self._schema = schema
        self._raw = raw
        self._resolved: dict[Key, object] = {}
        self._in_progress: list[Key] = []

    def source(self, section: str, option: str) -> str:
        """Where the value of an option comes from: a file, or ``(default)``."""
        given = self._raw.get(section, {}).get(option)
        return given.source if given else DEFAULT_SOURCE

    def resolve_all(self) -> dict[str, dict[str, object]]:
        """Section -> option -> value, for the options to validate each section with.

        Options neither given nor referenced, and whose default needs no
        substituting, are left out: the section model fills in their (possibly
        computed) default.
        """
        for section, section_type in self._schema.items():
            given = self._raw.get(section, {})
            for name, field in section_type.model_fields.items():
                if name in given or (isinstance(field.default, str) and "$" in field.default):
                    self.resolve(section, name)
        values: dict[str, dict[str, object]] = {section: {} for section in self._schema}
        for (section, option), value in self._resolved.items():
            values[section][option] = value
        return values

    def resolve(self, section: str, option: str) -> object:
        """The value of one option with references substituted."""
        key = (section, option)
        if key in self._resolved:
            return self._resolved[key]
        if key in self._in_progress:
            cycle = [*self._in_progress[self._in_progress.index(key) :], key]
            loop = " -> ".join(f"[{s}] {o}" for s, o in cycle)
            raise ConfigError(f"{self.source(*key)}: [{section}] {option}: reference loop {loop}")
        self._in_progress.append(key)
        try:
            value = self._substituted(section, option)
        finally:
            self._in_progress.pop()
        self._resolved[key] = value
        return value

    def _substituted(self, section: str, option: str) -> object:
        given = self._raw.get(section, {}).get(option)
        field = self._schema[section].model_fields[option]
        value = given.value if given else field.get_default(call_default_factory=True)
        if not isinstance(value, str):
            return value
        try:
            text = substitute(value, lambda name: self._lookup(section, option, name))
        except SubstitutionError as exc:
            raise ConfigError(
                f"{self.source(section, option)}: [{section}] {option}: the value {exc}"
            ) from None
        if option_info(option, field).path:
            text = os.path.expanduser(text)
        return text

    def _lookup(self, section: str, option: str, name: str) -> str:
        target = self._target(section, name)
        if target is None:
            shown = f"${{{name}}}" if "." in name else f"${name}"
            raise ConfigError(
                f"{self.source(section, option)}: [{section}] {option}: "
                f"{shown} refers to an unknown option"
            )
        return format_value(self.resolve(*target))

    def _target(self, section: str, name: str) -> Key | None:
        if "." in name:
            other, option = name.split(".", 1)
            fields = self._schema[other].model_fields if other in self._schema else {}
            return (other, option) if option in fields else None
        for candidate in (section, "DEFAULT"):
            if candidate in self._schema and name in self._schema[candidate].model_fields:
                return candidate, name
        return None
