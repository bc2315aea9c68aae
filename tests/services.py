"""Access to the real backing services that integration tests need.

Under CI (``CI=true``) a missing service fails the test; elsewhere it is skipped
with a one-line reason. Each database fixture creates a fresh, uniquely named
database and drops it afterwards.
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import uuid
from collections.abc import Callable, Iterator

import pytest

PG_HOST, PG_PORT = "127.0.0.1", 5432
MARIADB_HOST, MARIADB_PORT = "127.0.0.1", 3306
RABBIT_HOST, RABBIT_PORT = "127.0.0.1", 5672
RABBIT_URL = f"rabbit://guest:guest@{RABBIT_HOST}:{RABBIT_PORT}/"


def in_ci() -> bool:
    """True when running under CI, where nothing may be skipped for lack of a service."""
    return os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def _reachable(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1.0):
            return True
    except OSError:
        return False


def require(name: str, host: str, port: int) -> None:
    """Skip (or, in CI, fail) the current test unless ``host:port`` accepts connections."""
    if _reachable(host, port):
        return
    reason = f"{name} is not reachable at {host}:{port}"
    if in_ci():
        pytest.fail(f"{reason} (CI=true: services may not be skipped)")
    pytest.skip(reason)


def _new_db_name() -> str:
    return f"novalite_test_{uuid.uuid4().hex[:12]}"


def _run(cmd: list[str]) -> None:
    subprocess.run(cmd, check=True, capture_output=True, timeout=60)


@contextlib.contextmanager
def _databases(client: list[str], create: str, drop: str, url: str) -> Iterator[Callable[[], str]]:
    """Yield a function making fresh databases with ``client``; drop them all afterwards."""
    made: list[str] = []

    def make() -> str:
        name = _new_db_name()
        _run([*client, create.format(name=name)])
        made.append(name)
        return url.format(name=name)

    try:
        yield make
    finally:
        for name in made:
            _run([*client, drop.format(name=name)])


def throwaway_postgresql() -> contextlib.AbstractContextManager[Callable[[], str]]:
    """Make fresh PostgreSQL databases (nova-style URLs); every one is dropped on exit."""
    return _databases(
        ["psql", "-h", PG_HOST, "-p", str(PG_PORT), "-U", "postgres", "-q", "-c"],
        'CREATE DATABASE "{name}"',
        'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)',
        f"postgresql://postgres@{PG_HOST}:{PG_PORT}/{{name}}",
    )


def throwaway_mariadb() -> contextlib.AbstractContextManager[Callable[[], str]]:
    """Make fresh MariaDB databases (nova-style URLs); every one is dropped on exit."""
    return _databases(
        ["mariadb", "-h", MARIADB_HOST, "-P", str(MARIADB_PORT), "-uroot", "-e"],
        "CREATE DATABASE `{name}` CHARACTER SET utf8mb4",
        "DROP DATABASE IF EXISTS `{name}`",
        f"mysql+pymysql://root@{MARIADB_HOST}:{MARIADB_PORT}/{{name}}?charset=utf8mb4",
    )


@contextlib.contextmanager
def throwaway_vhost() -> Iterator[str]:
    """A fresh RabbitMQ virtual host's URL; the vhost is deleted on exit."""
    vhost = f"novalite_test_{uuid.uuid4().hex[:12]}"
    _run(["rabbitmqctl", "-q", "add_vhost", vhost])
    _run(["rabbitmqctl", "-q", "set_permissions", "-p", vhost, "guest", ".*", ".*", ".*"])
    try:
        yield f"rabbit://guest:guest@{RABBIT_HOST}:{RABBIT_PORT}/{vhost}"
    finally:
        _run(["rabbitmqctl", "-q", "delete_vhost", vhost])


@pytest.fixture
def postgresql_factory() -> Iterator[Callable[[], str]]:
    """A function that creates a fresh PostgreSQL database and returns its nova-style URL.

    Every database it made is dropped after the test.
    """
    require("PostgreSQL", PG_HOST, PG_PORT)
    with throwaway_postgresql() as make:
        yield make


@pytest.fixture
def mariadb_factory() -> Iterator[Callable[[], str]]:
    """A function that creates a fresh MariaDB database and returns its nova-style URL.

    Every database it made is dropped after the test.
    """
    require("MariaDB", MARIADB_HOST, MARIADB_PORT)
    with throwaway_mariadb() as make:
        yield make


@pytest.fixture
def postgresql_url(postgresql_factory: Callable[[], str]) -> str:
    """A nova-style URL to a fresh, empty PostgreSQL database."""
    return postgresql_factory()


@pytest.fixture
def mariadb_url(mariadb_factory: Callable[[], str]) -> str:
    """A nova-style URL to a fresh, empty MariaDB database."""
    return mariadb_factory()


@pytest.fixture
def sqlite_url(tmp_path: object) -> str:
    """A nova-style URL to a new SQLite file in the test's temporary directory."""
    return f"sqlite:///{tmp_path}/novalite.sqlite"


@pytest.fixture(params=["sqlite", "postgresql", "mariadb"])
def any_db_url(request: pytest.FixtureRequest) -> str:
    """Each supported database in turn (a fresh, empty one)."""
    url: str = request.getfixturevalue(f"{request.param}_url")
    return url


@pytest.fixture
def rabbit_url() -> str:
    """The URL of the real RabbitMQ broker."""
    require("RabbitMQ", RABBIT_HOST, RABBIT_PORT)
    return RABBIT_URL


@pytest.fixture
def rabbit_vhost_url() -> Iterator[str]:
    """The URL of a fresh RabbitMQ virtual host of this test's own, deleted afterwards."""
    require("RabbitMQ", RABBIT_HOST, RABBIT_PORT)
    with throwaway_vhost() as url:
        yield url
