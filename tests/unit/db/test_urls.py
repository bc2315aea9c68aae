"""Nova-style database URLs become async-driver URLs; passwords never show."""

from __future__ import annotations

import pytest

from novalite.db import urls
from novalite.errors import DBURLInvalid


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("sqlite:////var/lib/nova/nova.sqlite", "sqlite+aiosqlite:////var/lib/nova/nova.sqlite"),
        ("sqlite:///relative.db", "sqlite+aiosqlite:///relative.db"),
        ("sqlite://", "sqlite+aiosqlite://"),
        ("sqlite+pysqlite:///x.db", "sqlite+aiosqlite:///x.db"),
        ("postgresql://nova:pw@db:5432/nova", "postgresql+asyncpg://nova:pw@db:5432/nova"),
        ("postgresql+psycopg2://nova:pw@db/nova", "postgresql+asyncpg://nova:pw@db/nova"),
        ("postgres://nova@db/nova", "postgresql+asyncpg://nova@db/nova"),
        ("postgresql+asyncpg://nova@db/nova", "postgresql+asyncpg://nova@db/nova"),
        (
            "mysql+pymysql://nova:pw@db:3306/nova?charset=utf8mb4",
            "mysql+aiomysql://nova:pw@db:3306/nova?charset=utf8mb4",
        ),
        (
            "mysql://nova@db/nova?charset=utf8&read_timeout=5",
            "mysql+aiomysql://nova@db/nova?charset=utf8&read_timeout=5",
        ),
        ("mariadb+pymysql://nova@db/nova", "mariadb+aiomysql://nova@db/nova"),
        ("mysql+aiomysql://nova@db/nova", "mysql+aiomysql://nova@db/nova"),
    ],
)
def test_to_async_url(given: str, expected: str) -> None:
    assert urls.to_async_url(given).render_as_string(hide_password=False) == expected


@pytest.mark.parametrize(
    "given", ["oracle://scott:tiger@db/orcl", "postgresql+fancy://scott:tiger@db/x", "nonsense"]
)
def test_unsupported_urls_are_refused_without_password(given: str) -> None:
    with pytest.raises(DBURLInvalid) as excinfo:
        urls.to_async_url(given)
    assert "tiger" not in str(excinfo.value)


def test_mask_url() -> None:
    url = "mysql+pymysql://nova:s3cr3t@db:3306/nova?charset=utf8mb4"
    assert urls.mask_url(url) == "mysql+pymysql://nova:***@db:3306/nova?charset=utf8mb4"
    assert urls.mask_url(urls.to_async_url(url)) == (
        "mysql+aiomysql://nova:***@db:3306/nova?charset=utf8mb4"
    )
    assert urls.mask_url("sqlite:////tmp/x.db") == "sqlite:////tmp/x.db"


def test_mask_text() -> None:
    url = "postgresql://nova:p%40ss@db/nova"  # the password is "p@ss"
    text = "cannot reach postgresql://nova:p%40ss@db/nova (auth p@ss rejected)"
    masked = urls.mask_text(text, url)
    assert "p@ss" not in masked and "p%40ss" not in masked
    assert masked.startswith("cannot reach postgresql://nova:***@db/nova")
