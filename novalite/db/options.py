"""Options of one database connection, named after oslo.db's ``[database]`` options.

The configuration layer maps ``[database]`` / ``[api_database]`` onto
:class:`DatabaseOptions`; nothing here reads configuration itself.
"""

from __future__ import annotations

import dataclasses


@dataclasses.dataclass(frozen=True, kw_only=True)
class DatabaseOptions:
    """How to pool, time out, log and retry for one database URL.

    The first group of fields carries oslo.db's option names and meaning; the
    defaults of the ``db_*retry*`` fields are novalite's own (short, bounded
    backoff for deadlocks and dropped connections rather than oslo's minutes).
    """

    #: Connections kept open in the pool (0: no limit; None: SQLAlchemy's default).
    max_pool_size: int | None = 5
    #: Connections allowed beyond ``max_pool_size`` under load.
    max_overflow: int | None = 50
    #: Seconds to wait for a free pooled connection (None: SQLAlchemy's default, 30).
    pool_timeout: float | None = None
    #: Seconds after which a pooled connection is replaced (-1: never).
    connection_recycle_time: int = 3600
    #: SQL logging verbosity, 0-100: >= 50 logs statements, >= 100 also result rows.
    connection_debug: int = 0
    #: MySQL ``sql_mode`` set on every new connection (None or "": the server's).
    mysql_sql_mode: str | None = "TRADITIONAL"
    #: SQLite: ``synchronous=FULL`` when True, ``OFF`` when False.
    sqlite_synchronous: bool = True
    #: Retries of a whole transaction after a deadlock or a dropped connection.
    db_max_retries: int = 5
    #: Seconds before the first retry.
    db_retry_interval: float = 0.1
    #: Double the interval after each retry.
    db_inc_retry_interval: bool = True
    #: Upper bound of the interval between retries, in seconds.
    db_max_retry_interval: float = 2.0

    # -- novalite's own --------------------------------------------------------------------
    #: Seconds allowed to open one connection (TCP connect plus handshake).
    connect_timeout: float = 10.0
    #: SQLite: seconds a writer waits for the database lock before giving up.
    sqlite_busy_timeout: float = 5.0
    #: Test pooled connections with a cheap ping before use (drops dead ones).
    pool_pre_ping: bool = True
