"""Find the configuration files, merge them, and load a :class:`Config`."""

from __future__ import annotations

import difflib
from collections.abc import Mapping, Sequence
from pathlib import Path

from novalite.conf.config import TOLERATED_SECTIONS, Config
from novalite.conf.inifile import read_ini
from novalite.conf.resolver import RawConfig, RawValue, Schema
from novalite.conf.validation import validate_sections
from novalite.errors import ConfigError

DEFAULT_CONFIG_FILES: tuple[Path, ...] = (Path("/etc/novalite/novalite.conf"),)
"""Read when no configuration file is given (and only if they exist)."""

OVERRIDE_SOURCE = "(override)"

Overrides = Mapping[str, Mapping[str, object]]
"""Section -> option -> value, applied over the files (values as in a file, or typed)."""


def load(
    config_files: Sequence[str | Path] = (),
    config_dirs: Sequence[str | Path] = (),
    *,
    default_files: Sequence[str | Path] = DEFAULT_CONFIG_FILES,
    overrides: Overrides | None = None,
) -> Config:
    """Load and validate the configuration.

    ``config_files`` are read in order, a later file's value winning; then every
    ``*.conf`` of each of ``config_dirs``, in name order. Without ``config_files``,
    those of ``default_files`` that exist are read instead. ``overrides`` win over
    every file. Options set nowhere take their default. Any problem raises
    :class:`~novalite.errors.ConfigError` with a one-line message naming the file,
    the section and the option.
    """
    merger = _Merger(Config.section_types())
    for path in config_file_list(config_files, config_dirs, default_files):
        merger.add(read_ini(path), str(path))
    if overrides:
        merger.add(overrides, OVERRIDE_SOURCE)
    sections = validate_sections(merger.schema, merger.raw)
    return Config.from_sections(sections, tuple(merger.ignored))


def config_file_list(
    config_files: Sequence[str | Path],
    config_dirs: Sequence[str | Path],
    default_files: Sequence[str | Path] = DEFAULT_CONFIG_FILES,
) -> list[Path]:
    """The files :func:`load` reads, in the order it reads them."""
    for given in (config_files, config_dirs, default_files):
        if isinstance(given, str):
            raise TypeError(f"expected a sequence of paths, got the string {given!r}")
    if config_files:
        files = [Path(path) for path in config_files]
    else:
        files = [Path(path) for path in default_files if Path(path).is_file()]
    for directory in map(Path, config_dirs):
        if not directory.is_dir():
            raise ConfigError(f"{directory}: no such configuration directory")
        files.extend(sorted(path for path in directory.glob("*.conf") if path.is_file()))
    return files


def section_name(name: str) -> str:
    """Section names are case-insensitive except ``DEFAULT``, as in oslo.config."""
    return name if name == "DEFAULT" else name.lower()


class _Merger:
    """Merges the options of successive sources, checking section and option names."""

    def __init__(self, schema: Schema) -> None:
        self.schema = schema
        self.raw: RawConfig = {}
        self.ignored: list[str] = []

    def add(self, data: Overrides, source: str) -> None:
        for written, options in data.items():
            name = section_name(written)
            if name not in self.schema:
                if name not in TOLERATED_SECTIONS:
                    hint = _suggest(name, list(self.schema), "[{}]")
                    raise ConfigError(f"{source}: [{written}]: unknown section{hint}")
                if name not in self.ignored:
                    self.ignored.append(name)
                continue
            fields = self.schema[name].model_fields
            merged = self.raw.setdefault(name, {})
            for option, value in options.items():
                if option not in fields:
                    raise ConfigError(
                        f"{source}: [{name}] {option}: unknown option{self._hint(name, option)}"
                    )
                merged[option] = RawValue(value, source)

    def _hint(self, section: str, option: str) -> str:
        hint = _suggest(option, list(self.schema[section].model_fields), "{}")
        if hint:
            return hint
        homes = [name for name, kind in self.schema.items() if option in kind.model_fields]
        return f" (did you mean [{homes[0]}] {option}?)" if homes else ""


def _suggest(name: str, candidates: list[str], form: str) -> str:
    lowered = {candidate.lower(): candidate for candidate in candidates}
    close = difflib.get_close_matches(name.lower(), list(lowered), n=1, cutoff=0.8)
    return f" (did you mean {form.format(lowered[close[0]])}?)" if close else ""
