"""Database URLs: nova-style URLs in, async-driver URLs out, passwords never shown.

Operators write the URLs that nova documents (``sqlite:///path``,
``postgresql://user:pw@host/db``, ``mysql+pymysql://user:pw@host/db?charset=utf8mb4``);
novalite runs them on asyncio drivers: aiosqlite, asyncpg and aiomysql.
"""

from __future__ import annotations

import re

from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

from novalite.errors import DBURLInvalid

_MYSQL_SYNC = frozenset({"pymysql", "mysqldb", "mysqlconnector"})
_MYSQL_ASYNC = frozenset({"aiomysql", "asyncmy"})

#: backend -> (async driver chosen, async drivers kept as given, sync drivers replaced)
_BACKENDS: dict[str, tuple[str, frozenset[str], frozenset[str]]] = {
    "sqlite": ("aiosqlite", frozenset({"aiosqlite"}), frozenset({"pysqlite"})),
    "postgresql": ("asyncpg", frozenset({"asyncpg"}), frozenset({"psycopg2", "psycopg", "pg8000"})),
    "mysql": ("aiomysql", _MYSQL_ASYNC, _MYSQL_SYNC),
    "mariadb": ("aiomysql", _MYSQL_ASYNC, _MYSQL_SYNC),
}
_ALIASES = {"postgres": "postgresql"}

#: ``scheme://user:password@`` in free text (driver messages, tracebacks).
_USERINFO_RE = re.compile(r"(?P<head>[a-z][a-z0-9+.-]*://[^:/@\s]*:)(?P<pw>[^@\s]*)(?=@)", re.I)
MASK = "***"


def parse(url: str | URL) -> URL:
    """Parse a database URL, raising :class:`DBURLInvalid` (password masked) when it is not one."""
    if isinstance(url, URL):
        return url
    try:
        return make_url(url)
    except (ArgumentError, ValueError) as exc:
        raise DBURLInvalid(url=mask_text(url), reason=mask_text(str(exc), url)) from None


def to_async_url(url: str | URL) -> URL:
    """Return ``url`` with its driver replaced by the asyncio driver novalite uses.

    Query parameters (``charset`` ...) are kept. An async driver already named in
    the URL is kept as it is. Other backends raise :class:`DBURLInvalid`.
    """
    parsed = parse(url)
    backend = _ALIASES.get(parsed.get_backend_name(), parsed.get_backend_name())
    driver = parsed.get_driver_name() if "+" in parsed.drivername else ""
    if backend not in _BACKENDS:
        raise DBURLInvalid(url=mask_url(parsed), reason=f"unsupported database backend {backend!r}")
    async_driver, async_drivers, sync_drivers = _BACKENDS[backend]
    if driver in async_drivers:
        return parsed.set(drivername=f"{backend}+{driver}")
    if driver and driver not in sync_drivers:
        raise DBURLInvalid(
            url=mask_url(parsed), reason=f"unsupported driver {driver!r} for {backend}"
        )
    return parsed.set(drivername=f"{backend}+{async_driver}")


def mask_url(url: str | URL) -> str:
    """Render ``url`` with its password replaced by ``***`` (safe to log and raise)."""
    if isinstance(url, URL):
        return url.render_as_string(hide_password=True)
    try:
        return make_url(url).render_as_string(hide_password=True)
    except (ArgumentError, ValueError):
        return mask_text(url)


def mask_text(text: str, *urls: str | URL) -> str:
    """Remove passwords from free text.

    Any ``scheme://user:password@`` in ``text`` loses its password, and so does any
    literal occurrence of the password of each URL in ``urls`` (drivers sometimes
    echo connection parameters in their messages).
    """
    masked = _USERINFO_RE.sub(lambda m: m.group("head") + MASK, text)
    for url in urls:
        password = _password_of(url)
        if password:
            masked = masked.replace(password, MASK)
    return masked


def _password_of(url: str | URL) -> str | None:
    if isinstance(url, URL):
        return url.password
    try:
        return make_url(url).password
    except (ArgumentError, ValueError):
        match = _USERINFO_RE.search(url)
        return match.group("pw") if match else None
