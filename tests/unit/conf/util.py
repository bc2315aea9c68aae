"""Helpers shared by the configuration tests."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path

from novalite import conf

WriteConf = Callable[..., Path]
"""write_conf(text, name="novalite.conf") -> path of the written file."""


def load_only(
    *files: Path,
    dirs: tuple[Path, ...] = (),
    overrides: Mapping[str, Mapping[str, object]] | None = None,
) -> conf.Config:
    """Load the given files and directories, never /etc/novalite/novalite.conf."""
    return conf.load(files, dirs, default_files=(), overrides=overrides)


def error_of(*files: Path, dirs: tuple[Path, ...] = ()) -> str:
    """The message of the ConfigError that loading raises; checks that it is one line."""
    try:
        load_only(*files, dirs=dirs)
    except conf.ConfigError as exc:
        message = str(exc)
    else:
        raise AssertionError("the configuration loaded without error")
    assert "\n" not in message
    assert "Traceback" not in message
    return message
