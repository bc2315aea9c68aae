"""Helpers for the configuration tests: write INI files, load without /etc."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.unit.conf.util import WriteConf


@pytest.fixture(autouse=True)
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A private HOME, so that ~ expands to a known directory."""
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    return home


@pytest.fixture
def write_conf(tmp_path: Path) -> WriteConf:
    """Write ``text`` to ``tmp_path/name`` and return its path."""

    def write(text: str, name: str = "novalite.conf") -> Path:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        return path

    return write
