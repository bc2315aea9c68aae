"""Secrets never show: not in repr, not in safe_dump, not in URL-valued options."""

from __future__ import annotations

import json

import pytest

from novalite.conf import mask_url
from tests.unit.conf.util import WriteConf, load_only

SECRETS_CONF = """\
[DEFAULT]
transport_url = rabbit://nova:rabbitpw@mq1:5672,nova:rabbitpw2@mq2:5672/vhost
[database]
connection = postgresql://nova:dbpw@db.example/nova
[api_database]
connection = mysql+pymysql://api:apidbpw@db.example/nova_api?charset=utf8
[keystone_authtoken]
password = ks-password
[placement]
password = placement-password
[neutron]
metadata_proxy_shared_secret = proxy-secret
[oslo_messaging_notifications]
transport_url = rabbit://n:notifypw@mq/
"""

SECRET_WORDS = [
    "rabbitpw",
    "rabbitpw2",
    "dbpw",
    "apidbpw",
    "ks-password",
    "placement-password",
    "proxy-secret",
    "notifypw",
]


@pytest.mark.parametrize(
    ("url", "masked"),
    [
        ("rabbit://u:p@h:5672/", "rabbit://u:***@h:5672/"),
        ("rabbit://u1:p1@h1:5672,u2:p2@h2:5672/v", "rabbit://u1:***@h1:5672,u2:***@h2:5672/v"),
        ("rabbit://u@h/", "rabbit://u@h/"),
        ("rabbit://h:5672/", "rabbit://h:5672/"),
        ("sqlite:////var/lib/nova/nova.sqlite", "sqlite:////var/lib/nova/nova.sqlite"),
        ("postgresql://nova:s3:cr3t@db/nova", "postgresql://nova:***@db/nova"),
        ("inproc://", "inproc://"),
    ],
)
def test_mask_url(url: str, masked: str) -> None:
    assert mask_url(url) == masked


def test_values_are_usable_in_code(write_conf: WriteConf) -> None:
    config = load_only(write_conf(SECRETS_CONF))

    assert config.DEFAULT.transport_url.startswith("rabbit://nova:rabbitpw@")
    assert config.database.connection == "postgresql://nova:dbpw@db.example/nova"
    password = config.keystone_authtoken.password
    assert password is not None
    assert password.get_secret_value() == "ks-password"


def test_repr_and_str_mask_secrets(write_conf: WriteConf) -> None:
    config = load_only(write_conf(SECRETS_CONF))

    for shown in (repr(config), str(config), repr(config.database), str(config.DEFAULT)):
        for word in SECRET_WORDS:
            assert word not in shown
    assert "postgresql://nova:***@db.example/nova" in repr(config.database)


def test_safe_dump_masks_secrets_and_is_json(write_conf: WriteConf) -> None:
    dump = load_only(write_conf(SECRETS_CONF)).safe_dump()

    text = json.dumps(dump)
    for word in SECRET_WORDS:
        assert word not in text
    assert dump["keystone_authtoken"]["password"] == "***"
    assert dump["neutron"]["metadata_proxy_shared_secret"] == "***"
    assert dump["database"]["connection"] == "postgresql://nova:***@db.example/nova"
    assert dump["DEFAULT"]["transport_url"] == (
        "rabbit://nova:***@mq1:5672,nova:***@mq2:5672/vhost"
    )


def test_safe_dump_keeps_everything_else(home: object) -> None:
    dump = load_only().safe_dump()

    assert dump["keystone_authtoken"]["password"] is None
    assert dump["neutron"]["metadata_proxy_shared_secret"] == ""
    assert dump["DEFAULT"]["enabled_apis"] == ["osapi_compute", "metadata"]
    assert dump["DEFAULT"]["state_path"] == f"{home}/.local/share/novalite"
    assert dump["DEFAULT"]["report_interval"] == 10
    assert set(dump) == set(type(load_only()).model_fields)
