"""Parsing and masking of transport URLs."""

from __future__ import annotations

import pytest

from novalite.errors import TransportURLInvalid
from novalite.rpc.url import TransportHost, TransportURL, mask_password


def test_inproc_default_and_named_buses() -> None:
    assert TransportURL.parse("inproc://").bus_name == "default"
    named = TransportURL.parse("inproc:///cell1")
    assert (named.scheme, named.bus_name) == ("inproc", "cell1")
    assert named.masked() == "inproc:///cell1"
    assert TransportURL.parse("inproc://").masked() == "inproc://"


def test_rabbit_single_host() -> None:
    url = TransportURL.parse("rabbit://guest:s3cret@10.0.0.1:5673/")
    assert url.hosts == (TransportHost("10.0.0.1", 5673, "guest", "s3cret"),)
    assert url.virtual_host == "/"
    assert url.masked() == "rabbit://guest:****@10.0.0.1:5673/"
    assert "s3cret" not in repr(url)
    assert "s3cret" not in str(url)


def test_rabbit_several_hosts_vhost_and_defaults() -> None:
    url = TransportURL.parse("rabbit://u:p%40ss@h1,other:pw@h2:5673/nova%2Fcell")
    assert [(h.hostname, h.port, h.username, h.password) for h in url.hosts] == [
        ("h1", 5672, "u", "p@ss"),
        ("h2", 5673, "other", "pw"),
    ]
    assert url.virtual_host == "nova/cell"


def test_hosts_without_credentials_inherit_the_previous_ones() -> None:
    url = TransportURL.parse("rabbit://u:p@h1:5672,h2:5672/")
    assert url.hosts[1].username == "u"
    assert url.hosts[1].password == "p"


def test_ipv6_host() -> None:
    url = TransportURL.parse("rabbit://u:p@[::1]:5672/")
    assert url.hosts[0].hostname == "::1"
    assert url.masked() == "rabbit://u:****@[::1]:5672/"


def test_urls_are_hashable_and_compare_by_value() -> None:
    assert TransportURL.parse("rabbit://u:p@h/") == TransportURL.parse("rabbit://u:p@h:5672/")
    assert len({TransportURL.parse("inproc://"), TransportURL.parse("inproc:///default")}) == 1


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("", "scheme"),
        ("127.0.0.1:5672", "scheme"),
        ("kafka://h/", "unknown scheme"),
        ("rabbit://", "no broker host"),
        ("rabbit:///vhost", "no broker host"),
        ("rabbit://u:topsecret@h1:notaport/", "bad host"),
        ("rabbit://u:topsecret@h1:99999/", "bad host"),
        ("rabbit://u:topsecret@h1,/", "empty host"),
        ("rabbit://u:topsecret@h1/?ssl=1", "query options"),
        ("inproc://somehost", "inproc takes no host"),
    ],
)
def test_bad_urls_are_refused_without_showing_the_password(url: str, reason: str) -> None:
    with pytest.raises(TransportURLInvalid, match=reason) as info:
        TransportURL.parse(url)
    assert "topsecret" not in str(info.value)


def test_mask_password() -> None:
    assert mask_password("rabbit://a:x@h1,b:y/z@h2/v") == "rabbit://a:****@h1,b:****@h2/v"
    assert mask_password("rabbit://h1:5672/") == "rabbit://h1:5672/"
