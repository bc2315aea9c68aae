"""``[database]`` (the cell database) and ``[api_database]``, with oslo.db's option names."""

from __future__ import annotations

from novalite.conf.section import Section, opt
from novalite.conf.types import Bool, Seconds, Url


class DatabaseSection(Section):
    """The database of this cell: instances, compute nodes, services, migrations."""

    connection: Url = opt(
        "sqlite:///$state_path/nova.sqlite",
        "SQLAlchemy URL of the database: sqlite:///path, "
        "postgresql://user:password@host/name or mysql+pymysql://user:password@host/name "
        "(novalite picks the asyncio driver).",
    )
    slave_connection: Url | None = opt(
        None,
        "SQLAlchemy URL of a read-only replica used for reads that may lag a little.",
    )
    connection_debug: int = opt(
        0,
        "Verbosity of SQL logging: 0 none, 50 or more the statements, 100 also the results.",
        ge=0,
        le=100,
    )
    mysql_sql_mode: str = opt(
        "TRADITIONAL",
        "SQL mode of MySQL/MariaDB sessions; empty leaves the server's mode.",
    )
    sqlite_synchronous: Bool = opt(True, "Keep SQLite's synchronous writes (safe on power loss).")
    max_pool_size: int = opt(5, "Number of connections kept open in the pool.", ge=0)
    max_overflow: int = opt(
        50,
        "Connections that may be opened beyond max_pool_size under load.",
        ge=0,
    )
    pool_timeout: Seconds | None = opt(
        None,
        "Seconds to wait for a free connection of the pool. Unset: the driver's default.",
        ge=0,
    )
    connection_recycle_time: Seconds = opt(
        3600,
        "Connections older than this many seconds are replaced at their next use.",
        ge=0,
    )
    max_retries: int = opt(
        10,
        "Attempts to open the first connection at start-up; -1 tries forever.",
        ge=-1,
    )
    retry_interval: Seconds = opt(
        10,
        "Seconds between two attempts to open the first connection.",
        ge=0,
    )
    db_max_retries: int = opt(
        20,
        "Attempts of a database operation that failed on a lost connection or a "
        "deadlock; -1 retries forever.",
        ge=-1,
    )
    db_retry_interval: Seconds = opt(
        1,
        "Seconds before the first retry of a failed database operation.",
        ge=0,
    )
    db_inc_retry_interval: Bool = opt(
        True,
        "Double the interval between two retries of a database operation, up to "
        "db_max_retry_interval.",
    )
    db_max_retry_interval: Seconds = opt(
        10,
        "Longest interval between two retries of a database operation.",
        ge=0,
    )


class ApiDatabaseSection(DatabaseSection):
    """The API database: flavors, key pairs, mappings of instances, hosts and cells."""

    connection: Url = opt(
        "sqlite:///$state_path/nova_api.sqlite",
        "SQLAlchemy URL of the API database: sqlite:///path, "
        "postgresql://user:password@host/name or mysql+pymysql://user:password@host/name.",
    )
