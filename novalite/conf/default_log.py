"""``[DEFAULT]`` logging options, named as oslo.log names them."""

from __future__ import annotations

from novalite.conf.section import Section, opt
from novalite.conf.types import Bool, ExpandedPath, StrList


class LogOptions(Section):
    """Where and how the services log."""

    debug: Bool = opt(False, "Log at DEBUG level instead of INFO.")
    log_file: ExpandedPath | None = opt(
        None,
        "File to log to, relative to log_dir if that is set. Unset: log to standard error.",
    )
    log_dir: ExpandedPath | None = opt(
        None,
        "Directory of log_file when log_file is a relative path.",
    )
    use_json: Bool = opt(False, "Write every log record as one JSON object per line.")
    use_stderr: Bool = opt(
        False,
        "Also log to standard error when logging to a file.",
    )
    use_syslog: Bool = opt(False, "Also log to the local syslog.")
    syslog_log_facility: str = opt("LOG_USER", "Syslog facility of the log records.")
    log_date_format: str = opt(
        "%Y-%m-%d %H:%M:%S",
        "strftime format of the time in text log lines.",
    )
    default_log_levels: StrList = opt(
        (
            "aio_pika=WARN",
            "aiormq=WARN",
            "sqlalchemy=WARN",
            "alembic=WARN",
            "httpx=WARN",
            "httpcore=WARN",
            "uvicorn.access=WARN",
            "asyncio=WARN",
        ),
        "Log levels of third-party loggers, as logger=LEVEL pairs. novalite lists the "
        "libraries it uses (nova: its own list).",
    )
