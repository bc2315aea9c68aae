"""The event loop novalite's services run on: uvloop, or asyncio's own on request.

uvloop (libuv) costs the same asyncio code noticeably less CPU per callback, socket
read and thread wake-up; everything novalite uses (asyncio streams, threads,
aio-pika, asyncpg, aiomysql, uvicorn) runs on it unchanged. ``NOVALITE_EVENT_LOOP=asyncio``
in the environment keeps asyncio's own loop (to rule the loop out when debugging).
"""

from __future__ import annotations

import asyncio
import gc
import os
from collections.abc import Coroutine
from typing import Any, TypeVar

import uvloop

T = TypeVar("T")

#: Environment variable choosing the loop: ``uvloop`` (the default) or ``asyncio``.
ENV_VAR = "NOVALITE_EVENT_LOOP"


def run(main: Coroutine[Any, Any, T]) -> T:
    """Run ``main`` to completion on a new event loop (as :func:`asyncio.run` does).

    What the imports built (modules, classes, SQLAlchemy's metadata, JSON schemas) lives
    as long as the process: it is moved out of the garbage collector's sight first, so
    that the collections which requests trigger do not walk it again and again.
    """
    gc.collect()
    gc.freeze()
    if os.environ.get(ENV_VAR, "uvloop") == "asyncio":
        return asyncio.run(main)
    return uvloop.run(main)
