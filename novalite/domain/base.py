"""Versioned domain objects.

A domain object is a dataclass that knows its name and ``major.minor`` version,
records which fields changed since it was loaded, and converts to and from a
JSON primitive that names the object and its version. Repositories persist
them; RPC messages carry their primitives. Nothing here does I/O.
"""

from __future__ import annotations

import dataclasses
import datetime
import enum
import types
import typing
import uuid
from collections.abc import Callable
from typing import Any, ClassVar, Self, TypeVar, get_args, get_origin

from novalite.errors import Invalid

_OBJECTS: dict[str, type[DomainObject]] = {}

NAME_KEY = "novalite_object.name"
VERSION_KEY = "novalite_object.version"
DATA_KEY = "novalite_object.data"
CHANGES_KEY = "novalite_object.changes"

T = TypeVar("T", bound="DomainObject")


class IncompatibleObjectVersion(Invalid):
    code = "novalite.object.incompatible_version"
    msg_fmt = "Object {name} version {version} is not compatible with {supported}."


class UnknownObject(Invalid):
    code = "novalite.object.unknown"
    msg_fmt = "Unknown object type {name}."


def parse_version(version: str) -> tuple[int, int]:
    """Split ``"major.minor"`` into integers."""
    major, _, minor = version.partition(".")
    return int(major), int(minor or 0)


@dataclasses.dataclass(kw_only=True, eq=False)
class DomainObject:
    """Base of every domain object.

    Subclasses are ``@dataclasses.dataclass(kw_only=True, eq=False)`` classes
    with a ``VERSION``; bump the minor version when adding a field and the
    major version for any change an older reader could not ignore.
    """

    VERSION: ClassVar[str] = "1.0"
    OBJ_NAME: ClassVar[str] = ""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        name = cls.__dict__.get("OBJ_NAME") or cls.__name__
        cls.OBJ_NAME = name
        _OBJECTS[name] = cls

    def __post_init__(self) -> None:
        object.__setattr__(self, "_changed", set())

    def __setattr__(self, name: str, value: Any) -> None:
        super().__setattr__(name, value)
        changed: set[str] | None = self.__dict__.get("_changed")
        if changed is not None and name in self.field_names():
            changed.add(name)

    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        return self.as_dict() == other.as_dict()

    __hash__ = None  # type: ignore[assignment]

    @classmethod
    def field_names(cls) -> frozenset[str]:
        """Names of the object's data fields."""
        cached: frozenset[str] | None = cls.__dict__.get("_field_names")
        if cached is None:
            cached = frozenset(f.name for f in dataclasses.fields(cls))
            type.__setattr__(cls, "_field_names", cached)
        return cached

    @classmethod
    def from_fields(cls, values: dict[str, Any]) -> Self:
        """``cls(**values)`` with no recorded change, built without ``__init__``.

        ``values`` must already be of the fields' types; fields left out get their
        defaults. For building many objects from rows or messages: the per-field change
        tracking of ``__init__`` costs more than the rest. A required field missing from
        ``values`` raises the same TypeError as ``cls(**values)``.
        """
        defaults, required = _field_defaults(cls)
        if not required <= values.keys():
            cls(**values)  # raises the TypeError naming what is missing
        obj = object.__new__(cls)
        state = obj.__dict__
        for name in defaults.keys() - values.keys():
            default, factory = defaults[name]
            state[name] = factory() if factory is not None else default
        state.update(values)
        state["_changed"] = set()
        return obj

    def changes(self) -> dict[str, Any]:
        """Fields set since the object was built or :meth:`reset_changes` was called."""
        changed: set[str] = self.__dict__["_changed"]
        return {name: getattr(self, name) for name in sorted(changed)}

    def reset_changes(self, fields: typing.Iterable[str] | None = None) -> None:
        """Forget recorded changes (all, or the given fields)."""
        changed: set[str] = self.__dict__["_changed"]
        if fields is None:
            changed.clear()
        else:
            changed.difference_update(fields)

    @classmethod
    def coerce_fields(cls, values: typing.Mapping[str, Any]) -> dict[str, Any]:
        """``values`` of this class's fields turned back from primitives to the fields' types.

        For partial updates that crossed the bus as plain dicts (datetimes as strings...);
        keys that are not fields are kept as they are.
        """
        coercers = _field_coercers(cls)
        return {
            name: _coerce_field(coercers[name], value) if name in coercers else value
            for name, value in values.items()
        }

    def as_dict(self) -> dict[str, Any]:
        """The fields as a plain (shallow) dict."""
        return {name: getattr(self, name) for name in self.field_names()}

    def to_primitive(self) -> dict[str, Any]:
        """Return a JSON-compatible form naming this object and its version."""
        state = self.__dict__
        return {
            NAME_KEY: self.OBJ_NAME,
            VERSION_KEY: self.VERSION,
            DATA_KEY: {name: to_primitive(state[name]) for name in self.field_names()},
            CHANGES_KEY: sorted(state["_changed"]),
        }

    @classmethod
    def from_primitive(cls, primitive: dict[str, Any]) -> Self:
        """Rebuild an object of this class from :meth:`to_primitive` output.

        Fields that a newer minor version added, and that this version does not
        know, are ignored; a different major version is refused.
        """
        obj = from_primitive(primitive)
        if not isinstance(obj, cls):
            raise IncompatibleObjectVersion(
                name=primitive.get(NAME_KEY),
                version=primitive.get(VERSION_KEY),
                supported=f"{cls.OBJ_NAME} {cls.VERSION}",
            )
        return obj

    @classmethod
    def _build(cls, data: dict[str, Any], changes: typing.Iterable[str]) -> Self:
        coercers = _field_coercers(cls)
        values: dict[str, Any] = {}
        for name, value in data.items():
            coercer = coercers.get(name)
            if coercer is not None:  # else a field of a newer minor version
                values[name] = _coerce_field(coercer, value)
        obj = cls.from_fields(values)
        obj.__dict__["_changed"].update(c for c in changes if c in coercers)
        return obj


def is_object_primitive(value: Any) -> bool:
    """True if ``value`` looks like a serialised domain object."""
    return isinstance(value, dict) and NAME_KEY in value and DATA_KEY in value


#: Types that are their own primitive (checked first: most field values are of them).
_PLAIN_TYPES = frozenset({str, int, float, bool, type(None)})


def to_primitive(value: Any) -> Any:
    """Turn domain objects, datetimes, UUIDs and enums (nested in lists/dicts) into JSON types."""
    if type(value) in _PLAIN_TYPES:
        return value
    if isinstance(value, DomainObject):
        return value.to_primitive()
    if isinstance(value, datetime.datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=datetime.UTC)
        return value.isoformat()
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, dict):
        return {str(k): to_primitive(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [to_primitive(v) for v in value]
    return value


def from_primitive(value: Any) -> Any:
    """Inverse of :func:`to_primitive` for domain objects (recursively); other values pass."""
    if type(value) in _PLAIN_TYPES:
        return value
    if is_object_primitive(value):
        name = value[NAME_KEY]
        cls = _OBJECTS.get(name)
        if cls is None:
            raise UnknownObject(name=name)
        version = str(value.get(VERSION_KEY, "1.0"))
        if parse_version(version)[0] != parse_version(cls.VERSION)[0]:
            raise IncompatibleObjectVersion(name=name, version=version, supported=f"{cls.VERSION}")
        return cls._build(value[DATA_KEY], value.get(CHANGES_KEY, ()))
    if isinstance(value, dict):
        return {k: from_primitive(v) for k, v in value.items()}
    if isinstance(value, list):
        return [from_primitive(v) for v in value]
    return value


def object_class(name: str) -> type[DomainObject]:
    """Return the registered domain object class called ``name``."""
    try:
        return _OBJECTS[name]
    except KeyError:
        raise UnknownObject(name=name) from None


def _field_types(cls: type[DomainObject]) -> dict[str, Any]:
    cached: dict[str, Any] | None = cls.__dict__.get("_field_types")
    if cached is None:
        hints = typing.get_type_hints(cls)
        cached = {name: hints[name] for name in cls.field_names()}
        type.__setattr__(cls, "_field_types", cached)
    return cached


_Default = tuple[Any, Callable[[], Any] | None]


def _field_defaults(cls: type[DomainObject]) -> tuple[dict[str, _Default], frozenset[str]]:
    """Per field of ``cls`` with a default, (default, factory); and the required fields."""
    cached: tuple[dict[str, _Default], frozenset[str]] | None = cls.__dict__.get("_field_defaults")
    if cached is None:
        defaults: dict[str, _Default] = {}
        required: set[str] = set()
        for field in dataclasses.fields(cls):
            if field.default_factory is not dataclasses.MISSING:
                defaults[field.name] = (None, field.default_factory)
            elif field.default is not dataclasses.MISSING:
                defaults[field.name] = (field.default, None)
            else:
                required.add(field.name)
        cached = (defaults, frozenset(required))
        type.__setattr__(cls, "_field_defaults", cached)
    return cached


def _coerce_field(coercer: Callable[[Any], Any], value: Any) -> Any:
    return value if value is None or coercer is _unchanged else coercer(value)


def _field_coercers(cls: type[DomainObject]) -> dict[str, Callable[[Any], Any]]:
    """Per field of ``cls``, the function turning a primitive back into the field's type."""
    cached: dict[str, Callable[[Any], Any]] | None = cls.__dict__.get("_field_coercers")
    if cached is None:
        cached = {name: _coercer(hint) for name, hint in _field_types(cls).items()}
        type.__setattr__(cls, "_field_coercers", cached)
    return cached


_COERCERS: dict[Any, Callable[[Any], Any]] = {}


def _coercer(hint: Any) -> Callable[[Any], Any]:
    """The coercion function of ``hint``, worked out once per hint (typing is slow to ask)."""
    try:
        return _COERCERS[hint]
    except KeyError:
        coercer = _COERCERS[hint] = _make_coercer(hint)
        return coercer
    except TypeError:  # an unhashable annotation
        return _make_coercer(hint)


def _unchanged(value: Any) -> Any:
    return value


def _make_coercer(hint: Any) -> Callable[[Any], Any]:
    origin = get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        members = [arg for arg in get_args(hint) if arg is not type(None)]
        return _coercer(members[0]) if members else _unchanged
    if origin in (list, tuple, set, frozenset):
        args = get_args(hint)
        item = _coercer(args[0] if args else Any)
        collection: Callable[[Any], Any] = origin

        def sequence(value: Any) -> Any:
            if not isinstance(value, list):
                return value
            items = value if item is _unchanged else [None if v is None else item(v) for v in value]
            return items if collection is list else collection(items)

        return sequence
    if origin is dict:
        args = get_args(hint)
        member = _coercer(args[1] if len(args) == 2 else Any)

        def mapping(value: Any) -> Any:
            if not isinstance(value, dict) or member is _unchanged:
                return value
            return {k: None if v is None else member(v) for k, v in value.items()}

        return mapping
    if isinstance(hint, type):
        return _type_coercer(hint)
    return _unchanged


def _type_coercer(hint: type) -> Callable[[Any], Any]:
    if issubclass(hint, DomainObject):
        return lambda value: from_primitive(value) if is_object_primitive(value) else value
    if issubclass(hint, datetime.datetime):
        return lambda value: (
            datetime.datetime.fromisoformat(value) if isinstance(value, str) else value
        )
    if issubclass(hint, enum.Enum):
        return lambda value: value if isinstance(value, hint) else hint(value)
    if hint is uuid.UUID:
        return lambda value: uuid.UUID(value) if isinstance(value, str) else value
    return _unchanged
