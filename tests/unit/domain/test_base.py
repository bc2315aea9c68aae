import dataclasses
import datetime

import pytest

from novalite.domain import base
from novalite.domain.service import Service


@dataclasses.dataclass(kw_only=True, eq=False)
class Widget(base.DomainObject):
    VERSION = "1.2"

    id: int | None = None
    name: str
    tags: list[str] = dataclasses.field(default_factory=list)
    seen: datetime.datetime | None = None
    child: Service | None = None


def test_new_object_has_no_changes_and_tracks_assignments() -> None:
    w = Widget(name="a")
    assert w.changes() == {}
    w.name = "b"
    w.tags = ["x"]
    assert w.changes() == {"name": "b", "tags": ["x"]}
    w.reset_changes(["name"])
    assert w.changes() == {"tags": ["x"]}


def test_from_fields_matches_init_without_changes() -> None:
    now = datetime.datetime(2026, 1, 2, tzinfo=datetime.UTC)
    fast = Widget.from_fields({"name": "a", "seen": now})
    slow = Widget(name="a", seen=now)
    assert fast == slow
    assert fast.changes() == {}
    fast.name = "b"
    assert fast.changes() == {"name": "b"}
    assert fast.tags is not Widget.from_fields({"name": "a"}).tags


def test_from_fields_without_a_required_field_is_refused_like_init() -> None:
    with pytest.raises(TypeError, match="name"):
        Widget.from_fields({"id": 1})


def test_primitive_round_trip_keeps_types_and_changes() -> None:
    now = datetime.datetime(2026, 1, 2, 3, 4, 5, tzinfo=datetime.UTC)
    w = Widget(name="a", seen=now, child=Service(host="h", binary="nova-compute"))
    w.name = "b"
    prim = w.to_primitive()
    assert prim[base.NAME_KEY] == "Widget"
    assert prim[base.VERSION_KEY] == "1.2"
    assert prim[base.DATA_KEY]["seen"] == "2026-01-02T03:04:05+00:00"
    back = Widget.from_primitive(prim)
    assert back == w
    assert back.seen == now
    assert isinstance(back.child, Service)
    assert back.changes() == {"name": "b"}


def test_newer_minor_fields_are_ignored() -> None:
    prim = Widget(name="a").to_primitive()
    prim[base.VERSION_KEY] = "1.9"
    prim[base.DATA_KEY]["added_later"] = 1
    assert Widget.from_primitive(prim).name == "a"


def test_other_major_is_refused() -> None:
    prim = Widget(name="a").to_primitive()
    prim[base.VERSION_KEY] = "2.0"
    with pytest.raises(base.IncompatibleObjectVersion):
        Widget.from_primitive(prim)


def test_unknown_object_is_refused() -> None:
    prim = Widget(name="a").to_primitive()
    prim[base.NAME_KEY] = "NoSuchThing"
    with pytest.raises(base.UnknownObject):
        base.from_primitive(prim)


def test_nested_containers() -> None:
    value = {"items": [Service(host="h", binary="b")], "n": 1}
    back = base.from_primitive(base.to_primitive(value))
    assert isinstance(back["items"][0], Service)
    assert back["n"] == 1


def test_service_is_up() -> None:
    now = datetime.datetime(2026, 1, 1, 12, 0, 0, tzinfo=datetime.UTC)
    svc = Service(host="h", binary="b", last_seen_up=now - datetime.timedelta(seconds=30))
    assert svc.is_up(60, now=now)
    assert not svc.is_up(20, now=now)
    svc.forced_down = True
    assert not svc.is_up(60, now=now)
    assert not Service(host="h", binary="b").is_up(60, now=now)


def test_coerce_fields_turns_bus_primitives_back_into_field_types() -> None:
    when = datetime.datetime(2026, 11, 24, 4, 0, tzinfo=datetime.UTC)
    updates = base.to_primitive({"last_seen_up": when, "disabled": True, "unknown": "kept"})
    coerced = Service.coerce_fields(updates)
    assert coerced == {"last_seen_up": when, "disabled": True, "unknown": "kept"}
