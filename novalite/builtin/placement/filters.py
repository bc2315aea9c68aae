"""Parsing the ``member_of``, ``required`` and ``resources`` query filters of provider lists."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from novalite.api_common.microversion import Version
from novalite.builtin.placement.db import resource_classes, traits
from novalite.builtin.placement.db.providers import AggregateFilter, TraitFilter
from novalite.builtin.placement.errors import BadRequest
from novalite.builtin.placement.util import is_uuid

_MEMBER_OF_HELP = (
    "Invalid query string parameters: Expected 'member_of' parameter to contain "
    "valid UUID(s). Got: {}"
)
_REQUIRED_HELP = (
    "Invalid query string parameters: Expected 'required' parameter value of the form: "
    "{form}HW_CPU_X86_VMX,CUSTOM_MAGIC. Got: {value}"
)


def member_of(values: list[str], version: Version) -> AggregateFilter:
    """``member_of`` values (repeated from 1.24, ``!``/``!in:`` from 1.32) as a filter."""
    if len(values) > 1 and version < (1, 24):
        raise BadRequest("Multiple member_of parameters are not supported")
    any_of: list[frozenset[str]] = []
    forbidden: set[str] = set()
    for raw in values:
        negative = raw.startswith("!")
        if negative and version < (1, 32):
            raise BadRequest(_MEMBER_OF_HELP.format(raw))
        value = raw[1:] if negative else raw
        uuids = value[3:].split(",") if value.startswith("in:") else [value]
        if not all(is_uuid(uuid) for uuid in uuids):
            raise BadRequest(_MEMBER_OF_HELP.format(value))
        if any(uuid.startswith("!") for uuid in uuids):
            raise BadRequest(_MEMBER_OF_HELP.format(value))
        if negative:
            forbidden.update(uuids)
        else:
            any_of.append(frozenset(uuids))
    return AggregateFilter(tuple(any_of), frozenset(forbidden))


async def required(session: AsyncSession, values: list[str], version: Version) -> TraitFilter:
    """``required`` values (``!T`` from 1.22, ``in:A,B`` from 1.39) as a filter of trait ids."""
    groups: list[set[str]] = []
    forbidden: set[str] = set()
    for value in values:
        if value.startswith("in:") and version >= (1, 39):
            names = value[3:].split(",")
            if not all(names) or any(name.startswith("!") for name in names):
                raise BadRequest(_REQUIRED_HELP.format(form="in:", value=value))
            groups.append(set(names))
            continue
        for name in value.split(","):
            if name.startswith("!") and version >= (1, 22):
                forbidden.add(name[1:])
            elif not name or name.startswith("!") or ":" in name:
                raise BadRequest(_REQUIRED_HELP.format(form="", value=value))
            else:
                groups.append({name})
    wanted = set(forbidden).union(*groups)
    ids = await traits.require_ids(session, wanted)
    return TraitFilter(
        tuple(frozenset(ids[name] for name in group) for group in groups),
        frozenset(ids[name] for name in forbidden),
    )


async def resources(session: AsyncSession, value: str) -> dict[int, int]:
    """``RC:amount,...`` as ``{class id: amount}``."""
    result: dict[str, int] = {}
    for item in value.split(","):
        name, sep, amount = item.partition(":")
        if not sep or not amount.strip().isdigit() or not name:
            raise BadRequest(
                "Badly formed resources parameter. Expected resources query string parameter "
                f"in form: ?resources=VCPU:2,MEMORY_MB:1024. Got: {value}."
            )
        if name in result:
            raise BadRequest(f"Invalid query string parameters: resource class {name} given twice")
        result[name] = int(amount)
    ids = await resource_classes.ids_of(session, list(result))
    for name in result:
        if name not in ids:
            raise BadRequest(
                f"Invalid resource class in resources parameter: No such resource class {name}."
            )
    return {ids[name]: amount for name, amount in result.items()}
