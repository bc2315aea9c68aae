"""Parsing of option values: booleans, lists, choices, ranges, empty values."""

from __future__ import annotations

import pytest

from novalite.conf.types import format_value, parse_bool, split_list
from novalite.errors import ConfigError
from tests.unit.conf.util import WriteConf, load_only


@pytest.mark.parametrize("word", ["true", "True", "YES", "on", "1", " yes "])
def test_true_spellings(word: str) -> None:
    assert parse_bool(word) is True


@pytest.mark.parametrize("word", ["false", "FALSE", "no", "Off", "0"])
def test_false_spellings(word: str) -> None:
    assert parse_bool(word) is False


@pytest.mark.parametrize("word", ["", "y", "t", "2", "enabled"])
def test_other_words_are_not_booleans(word: str) -> None:
    with pytest.raises(ValueError, match="is not a boolean"):
        parse_bool(word)


def test_bool_option_from_file(write_conf: WriteConf) -> None:
    path = write_conf("[DEFAULT]\ndebug = On\nperiodic_enable = no\n")

    config = load_only(path)

    assert config.DEFAULT.debug is True
    assert config.DEFAULT.periodic_enable is False


@pytest.mark.parametrize(
    ("text", "items"),
    [
        ("a,b", ("a", "b")),
        (" a , b ,", ("a", "b")),
        ("", ()),
        ("single", ("single",)),
        ("\na\nb, c", ("a", "b", "c")),
    ],
)
def test_split_list(text: str, items: tuple[str, ...]) -> None:
    assert split_list(text) == items


def test_list_options_from_file(write_conf: WriteConf) -> None:
    path = write_conf(
        "[filter_scheduler]\nenabled_filters = ComputeFilter, ImagePropertiesFilter\n"
        "isolated_hosts =\n"
        "[keystone_authtoken]\nmemcached_servers =\n  m1:11211\n  m2:11211\n"
        "[DEFAULT]\nenabled_apis = metadata\n"
    )

    config = load_only(path)

    assert config.filter_scheduler.enabled_filters == ("ComputeFilter", "ImagePropertiesFilter")
    assert config.filter_scheduler.isolated_hosts == ()
    assert config.keystone_authtoken.memcached_servers == ("m1:11211", "m2:11211")
    assert config.DEFAULT.enabled_apis == ("metadata",)


def test_choices(write_conf: WriteConf) -> None:
    path = write_conf("[libvirt]\nvirt_type = lxc\ncpu_mode = host-passthrough\n")

    config = load_only(path)

    assert (config.libvirt.virt_type, config.libvirt.cpu_mode) == ("lxc", "host-passthrough")


def test_numbers_and_durations(write_conf: WriteConf) -> None:
    path = write_conf(
        "[DEFAULT]\ncpu_allocation_ratio = 16\nrpc_response_timeout = 2.5\n"
        "osapi_compute_listen_port = 0\n"
        "[oslo_messaging_rabbit]\nrabbit_retry_interval = 0.25\n"
    )

    config = load_only(path)

    assert config.DEFAULT.cpu_allocation_ratio == 16.0
    assert config.DEFAULT.rpc_response_timeout == 2.5
    assert config.DEFAULT.osapi_compute_listen_port == 0
    assert config.oslo_messaging_rabbit.rabbit_retry_interval == 0.25


def test_range_bounds_are_inclusive(write_conf: WriteConf) -> None:
    path = write_conf("[DEFAULT]\nmetadata_listen_port = 65535\n[database]\nmax_retries = -1\n")

    config = load_only(path)

    assert config.DEFAULT.metadata_listen_port == 65535
    assert config.database.max_retries == -1


def test_non_finite_numbers_are_refused(write_conf: WriteConf) -> None:
    path = write_conf("[DEFAULT]\ninitial_cpu_allocation_ratio = inf\n")

    with pytest.raises(ConfigError, match="is not a finite number"):
        load_only(path)


def test_empty_value_unsets_an_optional_option(write_conf: WriteConf) -> None:
    path = write_conf(
        "[DEFAULT]\ncpu_allocation_ratio =\nlog_file =\n[libvirt]\ncpu_mode =\nconnection_uri =\n"
    )

    config = load_only(path)

    assert config.DEFAULT.cpu_allocation_ratio is None
    assert config.DEFAULT.log_file is None
    assert config.libvirt.cpu_mode is None
    assert config.libvirt.connection_uri == ""


def test_empty_value_of_a_required_number_is_an_error(write_conf: WriteConf) -> None:
    path = write_conf("[DEFAULT]\nreport_interval =\n")

    with pytest.raises(ConfigError, match=r"\[DEFAULT\] report_interval: '' is not a number"):
        load_only(path)


def test_effective_allocation_ratios(write_conf: WriteConf) -> None:
    path = write_conf(
        "[DEFAULT]\ncpu_allocation_ratio = 2.0\ninitial_cpu_allocation_ratio = 8\n"
        "initial_ram_allocation_ratio = 1.5\ndisk_allocation_ratio = 0\n"
    )

    default = load_only(path).DEFAULT

    assert default.effective_cpu_allocation_ratio == 2.0
    assert default.effective_ram_allocation_ratio == 1.5
    assert default.effective_disk_allocation_ratio == 0.0
    assert load_only().DEFAULT.effective_cpu_allocation_ratio == 4.0


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (True, "true"),
        (False, "false"),
        (None, ""),
        (60.0, "60"),
        (0.25, "0.25"),
        (("a", "b"), "a,b"),
        (8774, "8774"),
    ],
)
def test_format_value(value: object, text: str) -> None:
    assert format_value(value) == text
