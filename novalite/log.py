"""Structured logging: one line per record, with the request id, and no secrets.

The current request id lives in a context variable, so every record logged
while serving a request (or an RPC message) carries it without passing it
around. Passwords inside URLs and token-like values are masked before a record
is written.
"""

from __future__ import annotations

import contextlib
import contextvars
import datetime
import logging
import re
import sys
from collections.abc import Iterator
from pathlib import Path

import orjson

_REQUEST_ID: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "novalite_request_id", default=None
)

#: ``scheme://authority`` (up to the path); the authority may list several hosts.
_URL_AUTHORITY = re.compile(r"[a-z][a-z0-9+.-]*://[^\s/]*", re.I)
#: ``user:password@`` inside an authority (each host of ``h1,h2`` forms has its own).
_USERINFO = re.compile(r"(?P<user>[^:/@,\s]*):[^@/,\s]*@")
_SECRET_VALUE = re.compile(
    r"(?P<key>['\"]?(?:password|passwd|secret|token|x-auth-token|x-subject-token)['\"]?"
    r"\s*[:=]\s*)(?P<quote>['\"]?)[^'\"\s,}]+",
    re.I,
)


def mask_url(url: str) -> str:
    """Replace the password of every ``user:password@host`` in ``url`` with ``***``.

    Handles the multi-host form of transport URLs (``rabbit://u1:p1@h1,u2:p2@h2/``).
    """
    return _USERINFO.sub(r"\g<user>:***@", url)


def mask_secrets(text: str) -> str:
    """Mask passwords in URLs and values of password/secret/token keys."""
    text = _URL_AUTHORITY.sub(lambda m: mask_url(m.group(0)), text)
    return _SECRET_VALUE.sub(r"\g<key>\g<quote>***", text)


def current_request_id() -> str | None:
    """The request id being served by this task, if any."""
    return _REQUEST_ID.get()


@contextlib.contextmanager
def request_id_scope(request_id: str | None) -> Iterator[None]:
    """Attach ``request_id`` to every record logged inside the block."""
    token = _REQUEST_ID.set(request_id)
    try:
        yield
    finally:
        _REQUEST_ID.reset(token)


class _ContextFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = _REQUEST_ID.get() or "-"
        return True


class TextFormatter(logging.Formatter):
    """``time level logger [request_id] message`` with secrets masked."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        return mask_secrets(super().format(record))


class JsonFormatter(logging.Formatter):
    """One JSON object per line, with secrets masked."""

    def format(self, record: logging.LogRecord) -> str:
        data: dict[str, object] = {
            "time": datetime.datetime.fromtimestamp(record.created, datetime.UTC).isoformat(),
            "level": record.levelname,
            "logger": record.name,
            "request_id": getattr(record, "request_id", None),
            "message": mask_secrets(record.getMessage()),
            "process": record.process,
        }
        if record.exc_info:
            data["exception"] = mask_secrets(self.formatException(record.exc_info))
        return orjson.dumps(data).decode()


def setup(
    *,
    debug: bool = False,
    use_json: bool = False,
    log_file: str | Path | None = None,
) -> None:
    """Configure the root logger once for a service process."""
    handler: logging.Handler
    if log_file:
        Path(log_file).parent.mkdir(parents=True, exist_ok=True)
        handler = logging.FileHandler(log_file)
    else:
        handler = logging.StreamHandler(sys.stderr)
    handler.addFilter(_ContextFilter())
    handler.setFormatter(JsonFormatter() if use_json else TextFormatter())
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(logging.DEBUG if debug else logging.INFO)
    for noisy in (
        "aiormq",
        "aio_pika",
        "sqlalchemy.engine",
        "alembic",
        "httpx",
        "asyncio",
        "uvicorn.error",
    ):
        logging.getLogger(noisy).setLevel(logging.WARNING)
