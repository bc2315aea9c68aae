"""Parsing of nova-style ``transport_url`` values.

Two schemes are understood:

* ``inproc://`` or ``inproc:///name``: an in-process bus (``name`` defaults to
  ``default``); separate names are separate buses in one process.
* ``rabbit://user:pass@host:port[,user:pass@host2:port2...]/vhost``: RabbitMQ,
  as in oslo.messaging. A host without credentials inherits those of the host
  before it; the port defaults to 5672 and the virtual host to ``/``.

Passwords never appear in :meth:`TransportURL.masked`, in ``repr`` or in the
errors raised here.
"""

from __future__ import annotations

import dataclasses
import re
from urllib.parse import unquote, urlsplit

from novalite.errors import TransportURLInvalid

INPROC = "inproc"
RABBIT = "rabbit"
DEFAULT_RABBIT_PORT = 5672
DEFAULT_INPROC_BUS = "default"

_PASSWORD_RE = re.compile(r"(?P<user>[/,][^/,:@]*):(?P<password>[^@]*?)@")


def mask_password(url: str) -> str:
    """Return ``url`` with every ``user:password@`` password replaced by ``****``."""
    return _PASSWORD_RE.sub(lambda m: f"{m.group('user')}:****@", url)


@dataclasses.dataclass(frozen=True, slots=True)
class TransportHost:
    """One broker address of a transport URL."""

    hostname: str
    port: int
    username: str | None = None
    password: str | None = dataclasses.field(default=None, repr=False)

    def masked(self) -> str:
        """``user:****@host:port`` (or ``host:port``) for logs and errors."""
        creds = ""
        if self.username is not None:
            creds = f"{self.username}:****@" if self.password else f"{self.username}@"
        host = f"[{self.hostname}]" if ":" in self.hostname else self.hostname
        return f"{creds}{host}:{self.port}"


@dataclasses.dataclass(frozen=True, slots=True)
class TransportURL:
    """A parsed transport URL: its scheme, broker hosts and virtual host (or bus name)."""

    scheme: str
    hosts: tuple[TransportHost, ...] = ()
    virtual_host: str = "/"

    @classmethod
    def parse(cls, url: str) -> TransportURL:
        """Parse ``url``; raise :class:`TransportURLInvalid` (password masked) if it is wrong."""
        masked = mask_password(url)
        if not isinstance(url, str) or "://" not in url:
            raise TransportURLInvalid(url=masked, reason="expected scheme://...")
        scheme, _, rest = url.partition("://")
        netloc, slash, tail = rest.partition("/")
        path, _, query = tail.partition("?")
        if "?" in netloc:
            netloc, _, query = netloc.partition("?")
        if query or "#" in url:
            raise TransportURLInvalid(url=masked, reason="query options are not supported")
        if scheme == INPROC:
            if netloc:
                raise TransportURLInvalid(
                    url=masked, reason="inproc takes no host; name a bus as inproc:///name"
                )
            return cls(scheme=INPROC, virtual_host=unquote(path) or DEFAULT_INPROC_BUS)
        if scheme == RABBIT:
            hosts = _parse_hosts(netloc, masked)
            vhost = unquote(path) if slash and path else "/"
            return cls(scheme=RABBIT, hosts=hosts, virtual_host=vhost)
        raise TransportURLInvalid(
            url=masked, reason=f"unknown scheme {scheme!r} (use {INPROC} or {RABBIT})"
        )

    @property
    def bus_name(self) -> str:
        """The name of an inproc bus (the virtual host of the URL)."""
        return self.virtual_host

    def masked(self) -> str:
        """The URL with passwords replaced by ``****``: safe to log and to show."""
        if self.scheme == INPROC:
            name = "" if self.virtual_host == DEFAULT_INPROC_BUS else self.virtual_host
            return f"{INPROC}:///{name}" if name else f"{INPROC}://"
        hosts = ",".join(h.masked() for h in self.hosts)
        vhost = "" if self.virtual_host == "/" else self.virtual_host
        return f"{self.scheme}://{hosts}/{vhost}"

    def __str__(self) -> str:
        return self.masked()


def _parse_hosts(netloc: str, masked: str) -> tuple[TransportHost, ...]:
    if not netloc:
        raise TransportURLInvalid(url=masked, reason="no broker host given")
    hosts: list[TransportHost] = []
    username: str | None = None
    password: str | None = None
    for part in netloc.split(","):
        creds, at, hostport = part.rpartition("@")
        if at:
            user, colon, secret = creds.partition(":")
            username = unquote(user) or None
            password = unquote(secret) if colon else None
        if not hostport:
            raise TransportURLInvalid(url=masked, reason="empty host in the host list")
        try:
            split = urlsplit(f"//{hostport}")
            hostname, port = split.hostname, split.port
        except ValueError as exc:
            raise TransportURLInvalid(url=masked, reason=f"bad host {hostport!r}: {exc}") from None
        if not hostname:
            raise TransportURLInvalid(url=masked, reason=f"bad host {hostport!r}")
        hosts.append(
            TransportHost(
                hostname=hostname,
                port=port or DEFAULT_RABBIT_PORT,
                username=username,
                password=password,
            )
        )
    return tuple(hosts)
