"""The sample file documents every option and loads back to the defaults."""

from __future__ import annotations

import re

from novalite.conf import Config, sample
from novalite.conf.schema import option_info
from tests.unit.conf.util import WriteConf, load_only

OPTION_LINE = re.compile(r"^#(?P<name>[a-z_][a-z0-9_]*) =(?P<value>.*)$")


def _options_in(text: str) -> dict[str, list[str]]:
    """Section -> option names, as the sample lists them."""
    found: dict[str, list[str]] = {}
    section = ""
    for line in text.splitlines():
        if line.startswith("["):
            section = line.strip("[]")
            found[section] = []
        elif match := OPTION_LINE.match(line):
            found[section].append(match["name"])
    return found


def test_every_section_and_option_is_in_the_sample() -> None:
    expected = {
        name: list(section.model_fields) for name, section in Config.section_types().items()
    }

    assert _options_in(sample()) == expected


def test_every_option_and_section_is_documented() -> None:
    for name, section in Config.section_types().items():
        assert section.__doc__, name
        for option, field in section.model_fields.items():
            assert option_info(option, field).help, f"[{name}] {option}"


def test_sample_shows_types_choices_ranges_and_dynamic_defaults() -> None:
    text = sample()

    assert "# Type: one of kvm, qemu, lxc, parallels, auto\n#virt_type = auto\n" in text
    assert "# Type: port; from 0 to 65535\n#osapi_compute_listen_port = 8774\n" in text
    assert "# Type: seconds; minimum 1\n#report_interval = 10\n" in text
    assert "#host = <hostname>\n" in text
    assert "#my_ip = <host_ipv4>\n" in text
    assert "#connection = sqlite:///$state_path/nova.sqlite\n" in text
    assert "#password =\n" in text
    assert "#metadata_proxy_shared_secret =\n" in text
    assert all(len(line) <= 79 for line in text.splitlines() if line.startswith("# "))


def test_uncommented_sample_loads_to_the_defaults(write_conf: WriteConf) -> None:
    lines = []
    dynamic = []
    for line in sample().splitlines():
        match = OPTION_LINE.match(line)
        if match and re.fullmatch(r" <.*>", match["value"]):
            dynamic.append(match["name"])
        lines.append(line[1:] if match and match["name"] not in dynamic else line)
    path = write_conf("\n".join(lines))

    loaded = load_only(path)

    assert sorted(dynamic) == ["host", "my_ip"]
    assert loaded == load_only()
    assert loaded.DEFAULT.debug is False
    assert len([line for line in lines if OPTION_LINE.match(line)]) == 2


def test_uncommented_sample_with_changed_values_loads(write_conf: WriteConf) -> None:
    text = sample().replace("#virt_type = auto", "virt_type = qemu")
    text = text.replace("#report_interval = 10", "report_interval = 5")

    config = load_only(write_conf(text))

    assert config.libvirt.virt_type == "qemu"
    assert config.DEFAULT.report_interval == 5
