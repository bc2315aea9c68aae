"""``$name`` references between options, and ``~`` in paths."""

from __future__ import annotations

from pathlib import Path

import pytest

from novalite.conf.interpolation import SubstitutionError, substitute
from tests.unit.conf.util import WriteConf, load_only


def test_defaults_refer_to_state_path_from_a_file(write_conf: WriteConf, tmp_path: Path) -> None:
    path = write_conf(f"[DEFAULT]\nstate_path = {tmp_path}/state\n")

    config = load_only(path)

    assert config.database.connection == f"sqlite:///{tmp_path}/state/nova.sqlite"
    assert config.api_database.connection == f"sqlite:///{tmp_path}/state/nova_api.sqlite"
    assert config.DEFAULT.instances_path == tmp_path / "state/instances"


def test_reference_falls_back_to_default_section(write_conf: WriteConf) -> None:
    path = write_conf(
        "[DEFAULT]\nhost = h1\n[database]\nconnection = postgresql://nova:pw@$host/nova_${host}\n"
    )

    assert load_only(path).database.connection == "postgresql://nova:pw@h1/nova_h1"


def test_reference_prefers_the_same_section(write_conf: WriteConf) -> None:
    path = write_conf(
        "[DEFAULT]\ntransport_url = rabbit://default/\n"
        "[oslo_messaging_notifications]\ntransport_url = rabbit://notify/\n"
        "topics = $transport_url\n"
    )

    assert load_only(path).oslo_messaging_notifications.topics == ("rabbit://notify/",)


def test_braced_reference_names_another_section(write_conf: WriteConf) -> None:
    path = write_conf("[libvirt]\nvirt_type = qemu\n[DEFAULT]\nhost = node-${libvirt.virt_type}\n")

    assert load_only(path).DEFAULT.host == "node-qemu"


def test_references_follow_references(write_conf: WriteConf) -> None:
    path = write_conf(
        "[DEFAULT]\nstate_path = /srv/$host\nhost = h2\n"
        "[database]\nconnection = sqlite:///$state_path/cell.db\n"
    )

    assert load_only(path).database.connection == "sqlite:////srv/h2/cell.db"


def test_reference_to_a_typed_default_uses_its_file_spelling(write_conf: WriteConf) -> None:
    path = write_conf("[DEFAULT]\nhost = h-$debug-$rpc_response_timeout-$reserved_host_cpus\n")

    assert load_only(path).DEFAULT.host == "h-false-60-0"


def test_double_dollar_is_a_literal_dollar(write_conf: WriteConf) -> None:
    path = write_conf("[keystone_authtoken]\npassword = pa$$word$$\n")

    password = load_only(path).keystone_authtoken.password

    assert password is not None
    assert password.get_secret_value() == "pa$word$"


def test_tilde_is_expanded_in_paths_and_in_references_to_them(
    write_conf: WriteConf, home: Path
) -> None:
    path = write_conf(
        "[DEFAULT]\nstate_path = ~/nova\nlog_dir = ~/logs\n"
        "[database]\nconnection = sqlite:///$state_path/x.db\n"
    )

    config = load_only(path)

    assert config.state_path == home / "nova"
    assert config.DEFAULT.log_dir == home / "logs"
    assert config.database.connection == f"sqlite:///{home}/nova/x.db"


def test_tilde_is_not_expanded_in_other_strings(write_conf: WriteConf) -> None:
    path = write_conf("[DEFAULT]\nhost = ~me\n")

    assert load_only(path).DEFAULT.host == "~me"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("$a/$b", "A/B"),
        ("${a}x", "Ax"),
        ("$$a", "$a"),
        ("no refs", "no refs"),
        ("${s.a}", "<s.a>"),
    ],
)
def test_substitute(text: str, expected: str) -> None:
    names = {"a": "A", "b": "B", "s.a": "<s.a>"}

    assert substitute(text, names.__getitem__) == expected


@pytest.mark.parametrize("text", ["cost $5", "trailing $", "${unclosed", "${a.b.c}"])
def test_substitute_rejects_a_lone_dollar(text: str) -> None:
    with pytest.raises(SubstitutionError, match=r"write \$\$ for a literal \$"):
        substitute(text, lambda name: "x")
