"""Finding and merging configuration files; the command-line helpers."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from novalite import conf
from tests.unit.conf.util import WriteConf, load_only


def test_defaults_without_any_file(home: Path) -> None:
    config = load_only()

    assert config.DEFAULT.transport_url == "inproc://"
    assert config.DEFAULT.control_exchange == "nova"
    assert config.DEFAULT.rpc_response_timeout == 60
    assert config.DEFAULT.osapi_compute_listen == "127.0.0.1"
    assert config.DEFAULT.osapi_compute_listen_port == 8774
    assert config.DEFAULT.enabled_apis == ("osapi_compute", "metadata")
    assert config.DEFAULT.instance_name_template == "instance-%08x"
    assert config.libvirt.virt_type == "auto"
    assert config.oslo_messaging_rabbit.amqp_durable_queues is True
    assert config.filter_scheduler.enabled_filters[0] == "ComputeFilter"
    assert config.state_path == home / ".local/share/novalite"
    assert config.database.connection == f"sqlite:///{home}/.local/share/novalite/nova.sqlite"
    assert config.api_database.connection == (
        f"sqlite:///{home}/.local/share/novalite/nova_api.sqlite"
    )


def test_host_defaults_are_computed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("socket.gethostname", lambda: "compute-7")

    config = load_only()

    assert config.DEFAULT.host == "compute-7"
    assert config.DEFAULT.my_ip  # an address, whatever the name resolves to


def test_later_file_wins_option_by_option(write_conf: WriteConf) -> None:
    first = write_conf("[DEFAULT]\nhost = one\ndebug = true\n", "first.conf")
    second = write_conf("[DEFAULT]\nhost = two\n", "second.conf")

    config = load_only(first, second)

    assert config.DEFAULT.host == "two"
    assert config.DEFAULT.debug is True


def test_config_dir_files_come_after_config_files_in_name_order(
    write_conf: WriteConf, tmp_path: Path
) -> None:
    main = write_conf("[DEFAULT]\nhost = main\nreport_interval = 5\n", "main.conf")
    write_conf("[DEFAULT]\nhost = from-b\n", "conf.d/20-b.conf")
    write_conf("[DEFAULT]\nhost = from-a\nreport_interval = 7\n", "conf.d/10-a.conf")
    write_conf("[DEFAULT]\nhost = not-a-conf-file\n", "conf.d/99-z.conf.orig")

    config = load_only(main, dirs=(tmp_path / "conf.d",))

    assert config.DEFAULT.host == "from-b"
    assert config.DEFAULT.report_interval == 7


def test_config_file_list_order(write_conf: WriteConf, tmp_path: Path) -> None:
    one = write_conf("[DEFAULT]\n", "one.conf")
    two = write_conf("[DEFAULT]\n", "two.conf")
    in_dir = write_conf("[DEFAULT]\n", "d/x.conf")

    files = conf.config_file_list([two, one], [tmp_path / "d"], default_files=())

    assert files == [two, one, in_dir]


def test_default_file_is_read_only_without_config_files(write_conf: WriteConf) -> None:
    default = write_conf("[DEFAULT]\nhost = from-default-file\n", "etc.conf")
    given = write_conf("[DEFAULT]\ndebug = true\n", "given.conf")

    from_default = conf.load(default_files=[default])
    from_given = conf.load([given], default_files=[default])

    assert from_default.DEFAULT.host == "from-default-file"
    assert from_given.DEFAULT.host != "from-default-file"
    assert from_given.DEFAULT.debug is True


def test_missing_default_file_means_embedded_defaults(tmp_path: Path) -> None:
    config = conf.load(default_files=[tmp_path / "absent.conf"])

    assert config.DEFAULT.debug is False


def test_overrides_win_over_files(write_conf: WriteConf) -> None:
    path = write_conf("[DEFAULT]\nhost = file\n")

    config = load_only(path, overrides={"DEFAULT": {"host": "override", "debug": True}})

    assert config.DEFAULT.host == "override"
    assert config.DEFAULT.debug is True


def test_section_names_are_case_insensitive_but_default(write_conf: WriteConf) -> None:
    path = write_conf("[LibVirt]\nvirt_type = qemu\n[DEFAULT]\nhost = h\n")

    config = load_only(path)

    assert config.libvirt.virt_type == "qemu"
    assert config.DEFAULT.host == "h"


def test_the_same_section_twice_is_merged(write_conf: WriteConf) -> None:
    path = write_conf("[DEFAULT]\nhost = a\n[libvirt]\nvirt_type = kvm\n[DEFAULT]\ndebug = on\n")

    config = load_only(path)

    assert (config.DEFAULT.host, config.DEFAULT.debug) == ("a", True)


def test_no_interpolation_of_percent_signs(write_conf: WriteConf) -> None:
    path = write_conf("[DEFAULT]\ninstance_name_template = vm-%(uuid)s\n")

    assert load_only(path).DEFAULT.instance_name_template == "vm-%(uuid)s"


def test_tolerated_foreign_sections_are_ignored_and_reported(write_conf: WriteConf) -> None:
    path = write_conf("[vnc]\nenabled = true\n[oslo_concurrency]\nlock_path = /x\n[wsgi]\n")

    config = load_only(path)

    assert config.ignored_sections == ("vnc", "oslo_concurrency", "wsgi")
    assert load_only().ignored_sections == ()


def test_config_is_frozen() -> None:
    config = load_only()

    with pytest.raises(ValueError, match="frozen"):
        config.DEFAULT.host = "other"  # type: ignore[misc]


def test_cli_args_are_repeatable(write_conf: WriteConf, tmp_path: Path) -> None:
    first = write_conf("[DEFAULT]\nhost = first\n", "first.conf")
    second = write_conf("[DEFAULT]\nhost = second\ndebug = yes\n", "second.conf")
    write_conf("[DEFAULT]\nhost = from-dir\n", "d/a.conf")
    parser = argparse.ArgumentParser()
    conf.add_cli_args(parser)

    only_files = parser.parse_args(["--config-file", str(first), "--config-file", str(second)])
    with_dir = parser.parse_args(["--config-file", str(first), "--config-dir", str(tmp_path / "d")])

    assert only_files.config_file == [str(first), str(second)]
    config = conf.load_from_args(only_files)
    assert (config.DEFAULT.host, config.DEFAULT.debug) == ("second", True)
    assert conf.load_from_args(with_dir).DEFAULT.host == "from-dir"


def test_a_single_string_is_not_taken_for_a_list_of_files() -> None:
    with pytest.raises(TypeError, match="sequence of paths"):
        conf.load("/etc/novalite/novalite.conf", default_files=())
