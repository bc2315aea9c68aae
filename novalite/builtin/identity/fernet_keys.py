"""The Fernet key repository, as ``keystone-manage fernet_setup`` / ``fernet_rotate`` keep it.

Keys live in one directory, one file per key, named by integer: ``0`` is the
*staged* key (the next primary, already accepted for decryption so that every
node knows it before it is used), the highest number is the *primary* (encrypts
new tokens), the others are *secondary* (decrypt only). Files are mode 0600.
"""

from __future__ import annotations

import os
import pathlib

from cryptography.fernet import Fernet, MultiFernet


def _write_key(repo: pathlib.Path, index: int, key: bytes) -> None:
    tmp = repo / f".{index}.tmp"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.write(fd, key)
    finally:
        os.close(fd)
    os.replace(tmp, repo / str(index))


def _indexes(repo: pathlib.Path) -> list[int]:
    return sorted(int(p.name) for p in repo.iterdir() if p.is_file() and p.name.isdigit())


def setup_keys(repo: pathlib.Path) -> None:
    """Create the repository with a staged and a primary key, unless it has keys already."""
    repo.mkdir(mode=0o700, parents=True, exist_ok=True)
    if _indexes(repo):
        return
    _write_key(repo, 0, Fernet.generate_key())
    _write_key(repo, 1, Fernet.generate_key())


def rotate_keys(repo: pathlib.Path, max_active_keys: int) -> None:
    """Promote the staged key to primary, stage a new key, drop the oldest beyond the limit."""
    if max_active_keys < 2:
        raise ValueError("max_active_keys must be at least 2")
    setup_keys(repo)
    indexes = _indexes(repo)
    new_primary = max(indexes) + 1
    os.replace(repo / "0", repo / str(new_primary))
    _write_key(repo, 0, Fernet.generate_key())
    indexes = _indexes(repo)
    secondaries = [i for i in indexes if i not in (0, new_primary)]
    excess = len(indexes) - max_active_keys
    for index in secondaries[: max(excess, 0)]:
        (repo / str(index)).unlink()


def load_keys(repo: pathlib.Path) -> list[bytes]:
    """The keys, primary first, then the others newest first, the staged key last."""
    indexes = _indexes(repo)
    if not indexes:
        raise FileNotFoundError(f"no Fernet keys in {repo}: run setup_keys first")
    ordered = sorted((i for i in indexes if i != 0), reverse=True)
    if 0 in indexes:
        ordered.append(0)
    return [(repo / str(i)).read_bytes().strip() for i in ordered]


def multi_fernet(repo: pathlib.Path) -> MultiFernet:
    """A :class:`MultiFernet` that encrypts with the primary and decrypts with every key."""
    return MultiFernet([Fernet(key) for key in load_keys(repo)])
