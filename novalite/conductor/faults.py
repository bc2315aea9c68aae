"""Faults recorded from exceptions, as nova records them for servers in ERROR."""

from __future__ import annotations

import traceback

from novalite.domain.instance import InstanceFault
from novalite.errors import NovaliteError

#: nova records the conductor's failures (NoValidHost, MaxRetriesExceeded...) with 500.
FAULT_CODE = 500


def fault_message(exc: BaseException) -> str:
    """The user-facing summary of ``exc``."""
    if isinstance(exc, NovaliteError):
        return exc.message
    return str(exc) or type(exc).__name__


def fault_details(exc: BaseException) -> str | None:
    """What only admins see: a NovaliteError's ``details``, else the traceback."""
    if isinstance(exc, NovaliteError):
        details = exc.kwargs.get("details")
        return str(details) if details else None
    return "".join(traceback.format_exception(exc)).strip() or None


def fault_from_exception(
    instance_uuid: str, exc: BaseException, host: str | None = None
) -> InstanceFault:
    """An :class:`InstanceFault` describing ``exc`` for ``instance_uuid``."""
    return InstanceFault(
        instance_uuid=instance_uuid,
        code=FAULT_CODE,
        message=fault_message(exc),
        details=fault_details(exc),
        host=host,
    )


def event_traceback(exc: BaseException) -> str:
    """What an action event that failed with ``exc`` keeps as its ``traceback``."""
    return "".join(traceback.format_exception(exc)).strip()
