"""The instance list query: filters, nova's sort keys, and markers as keyset conditions.

Ordering treats ``NULL`` as smaller than any value on every backend (what SQLite
and MySQL do; PostgreSQL is told ``NULLS FIRST``/``NULLS LAST``), and always ends
with ``uuid`` so that the order is total even across cells, where ids collide.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from sqlalchemy import ColumnElement, Select, String, and_, exists, false, func, not_, or_

from novalite.db.repositories._common import column_names
from novalite.db.repositories._instance_rows import (
    TAGS,
    I,
    T,
    base_select,
    in_or_null,
    sort_value,
)
from novalite.domain.instance import Instance
from novalite.errors import Invalid

if TYPE_CHECKING:
    from novalite.db.repositories.instances import InstanceQuery

#: nova's default sort keys, appended when missing (``process_sort_params``).
DEFAULT_SORT_KEYS = ("created_at", "id")
_DIRECTIONS = frozenset({"asc", "desc"})
_REGEX_SPECIALS = frozenset(".^$*+?{}[]\\|()")
_NOT_SORTABLE = frozenset({"user_data", "key_data", "launched_on"})

#: Fields nova filters with a regular expression searched in the value (the API's
#: ``format: regex`` filters that are columns of an instance; ``name`` is display_name).
REGEX_FIELDS = frozenset(
    {
        "access_ip_v4", "access_ip_v6", "config_drive", "created_at", "display_description",
        "display_name", "hostname", "key_name", "launched_at", "locked_by", "power_state",
        "progress", "terminated_at",
    }
)  # fmt: skip
#: Those stored as text: a literal pattern is also a ``LIKE`` in SQL (the regex decides).
_TEXT_FIELDS = frozenset(f for f in REGEX_FIELDS if isinstance(T.c[f].type, String))


def sort_params(keys: list[str], dirs: list[str]) -> list[tuple[str, str]]:
    """The full ordering: the given keys, nova's defaults, then ``uuid``; Invalid on bad input."""
    if len(dirs) > len(keys):
        raise Invalid(reason="Sort direction size exceeds sort key size")
    default_dir = dirs[0] if dirs else "desc"
    pairs = list(zip(keys, [*dirs, *[default_dir] * (len(keys) - len(dirs))], strict=True))
    for key, direction in pairs:
        if key not in column_names(I) or key in _NOT_SORTABLE:
            raise Invalid(reason=f"Invalid sort key {key}")
        if direction not in _DIRECTIONS:
            raise Invalid(reason=f"Invalid sort direction {direction}")
    seen = {key for key, _ in pairs}
    for key in (*DEFAULT_SORT_KEYS, "uuid"):
        if key not in seen:
            pairs.append((key, pairs[-1][1] if key == "uuid" and pairs else default_dir))
            seen.add(key)
    return pairs


def regex_matchers(filters: Mapping[str, str]) -> dict[str, re.Pattern[str]]:
    """The compiled regular-expression filters (field -> pattern); Invalid for a bad one."""
    compiled: dict[str, re.Pattern[str]] = {}
    for field, pattern in filters.items():
        if field not in REGEX_FIELDS:
            raise Invalid(reason=f"instances cannot be filtered on {field!r}")
        try:
            compiled[field] = re.compile(pattern)
        except re.error as exc:
            raise Invalid(reason=f"invalid {field} filter {pattern!r}: {exc}") from None
    return compiled


def regex_text(value: Any) -> str | None:
    """A field's value as the regular expression sees it: as MySQL renders the column
    (booleans 1/0, times ``YYYY-MM-DD HH:MM:SS`` in UTC); None (a SQL NULL) matches nothing."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, datetime.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(datetime.UTC)
        text: str = value.strftime("%Y-%m-%d %H:%M:%S")
        return text
    return str(value)


def matches_regexes(instance: Instance, matchers: Mapping[str, re.Pattern[str]]) -> bool:
    """True when every pattern is found in its field of ``instance``."""
    for field, pattern in matchers.items():
        text = regex_text(getattr(instance, field))
        if text is None or not pattern.search(text):
            return False
    return True


def matches_tags(instance: Instance, query: InstanceQuery) -> bool:
    """nova's tag filters: all of ``tags``, one of ``tags_any``, not all of ``not_tags``,
    none of ``not_tags_any``."""
    tags = set(instance.tags)
    if query.tags and not tags.issuperset(query.tags):
        return False
    if query.tags_any and not tags.intersection(query.tags_any):
        return False
    if query.not_tags and tags.issuperset(query.not_tags):
        return False
    return not (query.not_tags_any and tags.intersection(query.not_tags_any))


def conditions(query: InstanceQuery) -> list[ColumnElement[bool]]:
    """The SQL filters of ``query`` (the name regex and flavor id are checked in Python)."""
    clauses: list[ColumnElement[bool]] = []
    deleted = query.deleted
    if deleted is False and (query.changes_since or query.changes_before):
        deleted = None
    if deleted is not None:
        clauses.append(T.c.deleted != 0 if deleted else T.c.deleted == 0)
    for column, value in (
        (T.c.project_id, query.project_id),
        (T.c.user_id, query.user_id),
        (T.c.host, query.host),
        (T.c.node, query.node),
        (T.c.image_ref, query.image_ref),
        (T.c.reservation_id, query.reservation_id),
        (T.c.availability_zone, query.availability_zone),
    ):
        if value is not None:
            clauses.append(column == value)
    if query.uuids is not None:
        clauses.append(T.c.uuid.in_(list(query.uuids)))
    if query.vm_states is not None:
        clauses.append(T.c.vm_state.in_(list(query.vm_states)))
    if query.task_states is not None:
        clauses.append(in_or_null(T.c.task_state, list(query.task_states)))
    if query.locked is True:
        clauses.append(T.c.locked.is_(True))
    elif query.locked is False:
        clauses.append(or_(T.c.locked.is_(False), T.c.locked.is_(None)))
    changed = func.coalesce(T.c.updated_at, T.c.created_at)
    if query.changes_since is not None:
        clauses.append(changed >= query.changes_since)
    if query.changes_before is not None:
        clauses.append(changed <= query.changes_before)
    for field, pattern in query.regex_filters.items():
        if field in _TEXT_FIELDS and not _REGEX_SPECIALS.intersection(pattern):
            literal = pattern.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            clauses.append(T.c[field].like(f"%{literal}%", escape="\\"))
    clauses.extend(_tag_conditions(query))
    return clauses


def _has_tag(tag: str) -> ColumnElement[bool]:
    return exists().where(TAGS.c.resource_id == T.c.uuid, TAGS.c.tag == tag)


def _tag_conditions(query: InstanceQuery) -> list[ColumnElement[bool]]:
    clauses: list[ColumnElement[bool]] = [_has_tag(tag) for tag in query.tags or ()]
    if query.tags_any:
        clauses.append(or_(*(_has_tag(tag) for tag in query.tags_any)))
    if query.not_tags:
        clauses.append(not_(and_(*(_has_tag(tag) for tag in query.not_tags))))
    clauses.extend(not_(_has_tag(tag)) for tag in query.not_tags_any or ())
    return clauses


def list_select(query: InstanceQuery, *, nulls_explicit: bool) -> Select[Any]:
    """The ordered list statement (without limit) for ``query``.

    ``nulls_explicit``: say ``NULLS FIRST/LAST`` (PostgreSQL, where NULL sorts high).
    """
    pairs = sort_params(query.sort_keys, query.sort_dirs)
    stmt = base_select().where(*conditions(query))
    if query.after is not None:
        stmt = stmt.where(_after(pairs, query.after))
    order = []
    for key, direction in pairs:
        column = T.c[key]
        if direction == "asc":
            order.append(column.asc().nulls_first() if nulls_explicit else column.asc())
        else:
            order.append(column.desc().nulls_last() if nulls_explicit else column.desc())
    return stmt.order_by(*order)


def _after(pairs: list[tuple[str, str]], marker: Instance) -> ColumnElement[bool]:
    """Rows strictly after ``marker`` in the order ``pairs`` (NULL below every value)."""
    alternatives: list[ColumnElement[bool]] = []
    equal: list[ColumnElement[bool]] = []
    for key, direction in pairs:
        column = T.c[key]
        value = sort_value(marker, key)
        beyond = _beyond(column, value, direction)
        if beyond is not None:
            alternatives.append(and_(*equal, beyond))
        equal.append(column.is_(None) if value is None else column == value)
    return or_(*alternatives) if alternatives else false()


def _beyond(column: Any, value: Any, direction: str) -> ColumnElement[bool] | None:
    if direction == "asc":
        result: ColumnElement[bool] = column.is_not(None) if value is None else column > value
        return result
    if value is None:
        return None
    return or_(column < value, column.is_(None))


def python_filter(query: InstanceQuery) -> Callable[[Instance], bool] | None:
    """A predicate on instances for what SQL does not filter, or None if SQL did it all."""
    matchers = regex_matchers(query.regex_filters)
    flavor_id = query.flavor_id
    if not matchers and flavor_id is None:
        return None

    def accept(instance: Instance) -> bool:
        if not matches_regexes(instance, matchers):
            return False
        if flavor_id is not None:
            return instance.flavor is not None and instance.flavor.flavorid == flavor_id
        return True

    return accept


class _SortKey:
    """Orders instances as :func:`list_select` does: per-key direction, NULL lowest."""

    __slots__ = ("_descending", "_values")

    def __init__(self, values: tuple[Any, ...], descending: tuple[bool, ...]) -> None:
        self._values = values
        self._descending = descending

    def __lt__(self, other: _SortKey) -> bool:
        for mine, theirs, descending in zip(
            self._values, other._values, self._descending, strict=True
        ):
            if mine == theirs:
                continue
            if mine is None or theirs is None:
                return (mine is None) != descending
            return bool(mine < theirs) != descending
        return False


def sort_key(query: InstanceQuery) -> Callable[[Instance], _SortKey]:
    """A ``key=`` for Python's sort that orders instances as the database does for ``query``.

    For merging the sorted pages of several cells (ids collide between cells; the
    final ``uuid`` keeps the order total).
    """
    pairs = sort_params(query.sort_keys, query.sort_dirs)
    keys = tuple(key for key, _ in pairs)
    descending = tuple(direction == "desc" for _, direction in pairs)

    def key(instance: Instance) -> _SortKey:
        return _SortKey(tuple(sort_value(instance, k) for k in keys), descending)

    return key
