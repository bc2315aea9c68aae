"""Every kind of configuration error: one line naming file, section and option."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from novalite.conf.resolver import RawConfig, RawValue
from novalite.conf.section import Section, opt
from novalite.conf.validation import validate_sections
from novalite.errors import ConfigError
from tests.unit.conf.util import WriteConf, error_of, load_only


def test_value_that_is_not_a_number(write_conf: WriteConf) -> None:
    path = write_conf("[DEFAULT]\ncpu_allocation_ratio = abc\n")

    assert error_of(path) == f"{path}: [DEFAULT] cpu_allocation_ratio: 'abc' is not a number"


def test_value_that_is_not_an_integer(write_conf: WriteConf) -> None:
    path = write_conf("[DEFAULT]\nreserved_host_memory_mb = 1.5\n")

    assert error_of(path) == (f"{path}: [DEFAULT] reserved_host_memory_mb: '1.5' is not an integer")


def test_unknown_option_with_suggestion(write_conf: WriteConf) -> None:
    path = write_conf("[DEFAULT]\ncpu_alocation_ratio = 2.0\n")

    assert error_of(path) == (
        f"{path}: [DEFAULT] cpu_alocation_ratio: unknown option "
        "(did you mean cpu_allocation_ratio?)"
    )


def test_unknown_option_that_belongs_to_another_section(write_conf: WriteConf) -> None:
    path = write_conf("[DEFAULT]\nvirt_type = kvm\n")

    assert error_of(path) == (
        f"{path}: [DEFAULT] virt_type: unknown option (did you mean [libvirt] virt_type?)"
    )


def test_option_names_are_case_sensitive(write_conf: WriteConf) -> None:
    path = write_conf("[DEFAULT]\nHost = x\n")

    assert error_of(path) == f"{path}: [DEFAULT] Host: unknown option (did you mean host?)"


def test_unknown_section(write_conf: WriteConf) -> None:
    path = write_conf("[libvirtt]\nvirt_type = kvm\n")

    assert error_of(path) == f"{path}: [libvirtt]: unknown section (did you mean [libvirt]?)"


def test_lowercase_default_is_an_unknown_section(write_conf: WriteConf) -> None:
    path = write_conf("[default]\nhost = x\n")

    assert error_of(path) == f"{path}: [default]: unknown section (did you mean [DEFAULT]?)"


def test_value_not_among_the_choices(write_conf: WriteConf) -> None:
    path = write_conf("[libvirt]\nvirt_type = xen\n")

    assert error_of(path) == (
        f"{path}: [libvirt] virt_type: 'xen' is not one of kvm, qemu, lxc, parallels, auto"
    )


def test_list_item_not_among_the_choices(write_conf: WriteConf) -> None:
    path = write_conf("[DEFAULT]\nenabled_apis = osapi_compute,ec2\n")

    assert error_of(path) == (
        f"{path}: [DEFAULT] enabled_apis: 'ec2' is not one of osapi_compute, metadata"
    )


def test_value_out_of_range(write_conf: WriteConf) -> None:
    high = write_conf("[DEFAULT]\nosapi_compute_listen_port = 70000\n", "high.conf")
    low = write_conf("[scheduler]\nmax_attempts = 0\n", "low.conf")

    assert error_of(high) == (
        f"{high}: [DEFAULT] osapi_compute_listen_port: '70000' is greater than the maximum 65535"
    )
    assert error_of(low) == f"{low}: [scheduler] max_attempts: '0' is less than the minimum 1"


def test_bad_boolean(write_conf: WriteConf) -> None:
    path = write_conf("[DEFAULT]\ndebug = maybe\n")

    assert error_of(path) == (
        f"{path}: [DEFAULT] debug: 'maybe' is not a boolean (true/false, yes/no, on/off, 1/0)"
    )


def test_bad_ip_address_and_url(write_conf: WriteConf) -> None:
    ip = write_conf("[DEFAULT]\nmy_ip = 10.0.0.300\n", "ip.conf")
    url = write_conf("[DEFAULT]\ntransport_url = localhost\n", "url.conf")

    assert error_of(ip) == f"{ip}: [DEFAULT] my_ip: '10.0.0.300' is not an IP address"
    assert error_of(url) == (
        f"{url}: [DEFAULT] transport_url: 'localhost' is not a URL of the form scheme://..."
    )


def test_error_names_the_file_the_bad_value_came_from(write_conf: WriteConf) -> None:
    good = write_conf("[DEFAULT]\ndebug = true\n", "good.conf")
    bad = write_conf("[DEFAULT]\nreport_interval = soon\n", "bad.conf")

    assert error_of(good, bad).startswith(f"{bad}: [DEFAULT] report_interval: ")


def test_cross_option_check_names_the_file_that_set_either(write_conf: WriteConf) -> None:
    path = write_conf("[DEFAULT]\nreport_interval = 60\n")

    assert error_of(path) == (
        f"{path}: [DEFAULT] service_down_time: 60 must be greater than report_interval (60)"
    )


def test_reference_to_an_unknown_option(write_conf: WriteConf) -> None:
    path = write_conf("[database]\nconnection = sqlite:///$stat_path/nova.sqlite\n")

    assert (
        error_of(path) == f"{path}: [database] connection: $stat_path refers to an unknown option"
    )


def test_braced_reference_to_an_unknown_section(write_conf: WriteConf) -> None:
    path = write_conf("[DEFAULT]\nhost = ${nope.host}\n")

    assert error_of(path) == f"{path}: [DEFAULT] host: ${{nope.host}} refers to an unknown option"


def test_reference_loop(write_conf: WriteConf) -> None:
    path = write_conf("[DEFAULT]\nhost = $control_exchange\ncontrol_exchange = x$host\n")

    assert error_of(path) == (
        f"{path}: [DEFAULT] host: reference loop "
        "[DEFAULT] host -> [DEFAULT] control_exchange -> [DEFAULT] host"
    )


def test_lone_dollar(write_conf: WriteConf) -> None:
    path = write_conf("[DEFAULT]\nhost = cost$\n")

    message = error_of(path)

    assert message.startswith(f"{path}: [DEFAULT] host: the value has a '$' at position 4")


def test_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "absent.conf"

    assert error_of(path) == f"{path}: no such configuration file"


def test_missing_config_dir(tmp_path: Path) -> None:
    directory = tmp_path / "absent.d"

    assert error_of(dirs=(directory,)) == f"{directory}: no such configuration directory"


def test_directory_given_as_file(tmp_path: Path) -> None:
    assert error_of(tmp_path) == f"{tmp_path}: is a directory, not a configuration file"


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads any file")
def test_unreadable_file(write_conf: WriteConf) -> None:
    path = write_conf("[DEFAULT]\n")
    path.chmod(0)

    assert error_of(path) == f"{path}: cannot read the file: permission denied"


def test_unreadable_file_even_for_root(
    write_conf: WriteConf, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write_conf("[DEFAULT]\n")

    def refuse(self: Path, encoding: str | None = None) -> str:
        raise PermissionError(13, "Permission denied", str(self))

    monkeypatch.setattr(Path, "read_text", refuse)

    assert error_of(path) == f"{path}: cannot read the file: permission denied"


def test_file_that_is_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "latin1.conf"
    path.write_bytes(b"[DEFAULT]\nhost = caf\xe9\n")

    assert error_of(path) == f"{path}: not valid UTF-8 (byte 20)"


def test_file_without_section_header(write_conf: WriteConf) -> None:
    path = write_conf("# comment\nhost = x\n")

    assert error_of(path) == f"{path}: line 2: 'host = x' comes before any [section] header"


def test_line_that_is_not_an_option(write_conf: WriteConf) -> None:
    path = write_conf("[DEFAULT]\nhost = x\njust words\n")

    assert error_of(path) == (
        f"{path}: line 3: 'just words' is neither a [section] header nor an option = value line"
    )


def test_secret_values_never_appear_in_errors() -> None:
    with pytest.raises(ConfigError) as caught:
        load_only(overrides={"keystone_authtoken": {"password": 1234567}})

    assert str(caught.value).startswith("(override): [keystone_authtoken] password: <secret> ")
    assert "1234567" not in str(caught.value)


def test_url_password_is_masked_in_errors(write_conf: WriteConf) -> None:
    path = write_conf("[database]\nconnection = user:hunter2@db/nova\n")

    assert error_of(path) == (
        f"{path}: [database] connection: 'user:***@db/nova' is not a URL of the form scheme://..."
    )


class _BrokenDefaults(Section):
    """A section whose default is invalid, as a later change could make one."""

    workers: int = opt("many", "Workers.")
    size: int = opt(1, "Size.", ge=0)


def test_bad_default_is_reported_as_default() -> None:
    with pytest.raises(ConfigError) as caught:
        validate_sections({"broken": _BrokenDefaults}, {})

    assert str(caught.value) == "(default): [broken] workers: 'many' is not an integer"


def test_error_names_where_the_bad_value_came_from() -> None:
    raw: RawConfig = {
        "broken": {"workers": RawValue("2", "(override)"), "size": RawValue("-1", "x")}
    }

    with pytest.raises(ConfigError) as caught:
        validate_sections({"broken": _BrokenDefaults}, raw)

    assert str(caught.value) == "x: [broken] size: '-1' is less than the minimum 0"
