"""Read an option's declaration back: type name, choices, bounds, default, secrecy.

The sample generator, the error messages and the masking all describe options
from their pydantic fields; this module is the one place that knows how the
declarations in :mod:`novalite.conf.types` and :func:`novalite.conf.section.opt`
are spelt.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from types import NoneType, UnionType
from typing import Annotated, Any, Literal, Union, get_args, get_origin

import annotated_types as at
from pydantic import SecretStr
from pydantic.fields import FieldInfo

from novalite.conf.types import Kind

SAMPLE_KEY = "sample"

_PLAIN_KINDS: dict[object, str] = {
    bool: "boolean",
    int: "integer",
    float: "number",
    str: "string",
    Path: "path",
    SecretStr: "secret",
}


@dataclass(frozen=True)
class OptionInfo:
    """What the declaration of one option says about it."""

    name: str
    help: str
    kind: str
    choices: tuple[str, ...] = ()
    minimum: float | None = None
    maximum: float | None = None
    nullable: bool = False
    is_list: bool = False
    sample_default: str | None = None

    @property
    def secret(self) -> bool:
        """Whether the value must never be shown."""
        return self.kind == "secret"

    @property
    def url(self) -> bool:
        """Whether the value is a URL whose password must be masked when shown."""
        return self.kind == "URL"

    @property
    def path(self) -> bool:
        """Whether a leading ``~`` in the value is expanded."""
        return self.kind == "path"


def accepts_none(annotation: Any) -> bool:
    """Whether a field annotation admits ``None`` (``X | None``)."""
    if get_origin(annotation) in (Union, UnionType):
        return NoneType in get_args(annotation)
    return annotation is None or annotation is NoneType


def option_info(name: str, field: FieldInfo) -> OptionInfo:
    """Describe the option declared by ``field``."""
    annotation, metadata = _strip_optional(field.annotation)
    metadata = [*field.metadata, *metadata]
    is_list = False
    if get_origin(annotation) is tuple:
        is_list = True
        annotation, item_metadata = _unwrap_annotated(get_args(annotation)[0])
        metadata = [*metadata, *item_metadata]
    kinds = [m.name for m in metadata if isinstance(m, Kind) and m.name != "list"]
    choices: tuple[str, ...] = ()
    if get_origin(annotation) is Literal:
        choices = tuple(str(choice) for choice in get_args(annotation))
        kind = "choice"
    else:
        kind = kinds[0] if kinds else _PLAIN_KINDS.get(annotation, "string")
    extra = field.json_schema_extra
    sample = extra.get(SAMPLE_KEY) if isinstance(extra, dict) else None
    return OptionInfo(
        name=name,
        help=field.description or "",
        kind=kind,
        choices=choices,
        minimum=next((_number(m.ge) for m in metadata if isinstance(m, at.Ge)), None),
        maximum=next((_number(m.le) for m in metadata if isinstance(m, at.Le)), None),
        nullable=accepts_none(field.annotation),
        is_list=is_list,
        sample_default=sample if isinstance(sample, str) else None,
    )


def _strip_optional(annotation: Any) -> tuple[Any, list[Any]]:
    if get_origin(annotation) in (Union, UnionType):
        members = [arg for arg in get_args(annotation) if arg is not NoneType]
        if len(members) == 1:
            annotation = members[0]
    return _unwrap_annotated(annotation)


def _unwrap_annotated(annotation: Any) -> tuple[Any, list[Any]]:
    if get_origin(annotation) is Annotated:
        base, *metadata = get_args(annotation)
        inner, inner_metadata = _unwrap_annotated(base)
        return inner, [*metadata, *inner_metadata]
    return annotation, []


def _number(bound: object) -> float:
    assert isinstance(bound, int | float)
    return float(bound)
