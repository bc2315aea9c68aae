"""Read one INI file the way oslo.config reads nova.conf."""

from __future__ import annotations

import configparser
from pathlib import Path

from novalite.errors import ConfigError

# configparser copies its default section into every other section; oslo.config does
# not, so the default section is given a name no file can spell and [DEFAULT] stays an
# ordinary section.
_NO_DEFAULT_SECTION = "\x00"

IniData = dict[str, dict[str, str]]
"""Section name -> option name -> raw value, as written in the file."""


def read_ini(path: Path) -> IniData:
    """Parse ``path``; any problem raises :class:`ConfigError` naming the file."""
    text = _read_text(path)
    parser = configparser.ConfigParser(
        interpolation=None,
        default_section=_NO_DEFAULT_SECTION,
        strict=False,
        empty_lines_in_values=False,
    )
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    try:
        parser.read_string(text, source=str(path))
    except configparser.MissingSectionHeaderError as exc:
        raise ConfigError(
            f"{path}: line {exc.lineno}: {exc.line.strip()!r} comes before any [section] header"
        ) from None
    except configparser.ParsingError as exc:
        lineno = exc.errors[0][0]
        line = text.splitlines()[lineno - 1].strip()
        raise ConfigError(
            f"{path}: line {lineno}: {line!r} is neither a [section] header "
            "nor an option = value line"
        ) from None
    except configparser.Error as exc:
        raise ConfigError(f"{path}: {exc.message}".replace("\n", " ")) from None
    return {section: dict(parser.items(section, raw=True)) for section in parser.sections()}


def _read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"{path}: no such configuration file") from None
    except IsADirectoryError:
        raise ConfigError(f"{path}: is a directory, not a configuration file") from None
    except PermissionError:
        raise ConfigError(f"{path}: cannot read the file: permission denied") from None
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}: not valid UTF-8 (byte {exc.start})") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read the file: {exc.strerror}") from None
