"""A service that cannot start says why in one line and exits non-zero, without a traceback."""

from pathlib import Path

import pytest

from tests.processes import run, write_config

#: Each test starts a service process (about 2.5 s): in `make test`, not `make test-fast`.
pytestmark = pytest.mark.slow


def _single_error_line(stderr: str, prog: str) -> str:
    lines = [line for line in stderr.splitlines() if line.startswith(f"{prog}: error:")]
    assert len(lines) == 1, stderr
    assert "Traceback" not in stderr
    return lines[0]


def test_bad_value_names_file_section_and_option(tmp_path: Path) -> None:
    config = write_config(tmp_path / "bad.conf", {"DEFAULT": {"cpu_allocation_ratio": "abc"}})
    result = run("novalite", "conductor", "--config-file", str(config))
    assert result.returncode == 2
    line = _single_error_line(result.stderr, "novalite conductor")
    assert str(config) in line
    assert "[DEFAULT] cpu_allocation_ratio" in line


def test_unknown_option_is_refused(tmp_path: Path) -> None:
    config = write_config(tmp_path / "bad.conf", {"libvirt": {"virt_typo": "qemu"}})
    result = run("novalite", "compute", "--config-file", str(config))
    assert result.returncode == 2
    assert "[libvirt] virt_typo" in _single_error_line(result.stderr, "novalite compute")


def test_missing_config_file(tmp_path: Path) -> None:
    result = run("novalite-manage", "--config-file", str(tmp_path / "nope.conf"), "db", "sync")
    assert result.returncode == 2
    _single_error_line(result.stderr, "novalite-manage db sync")


def test_unreachable_database_fails_fast_without_password(tmp_path: Path) -> None:
    config = write_config(
        tmp_path / "db.conf",
        {
            "DEFAULT": {"transport_url": "inproc://"},
            "database": {
                "connection": "postgresql://nova:s3cretpw@127.0.0.1:1/nova",
                "max_retries": 1,
            },
        },
    )
    result = run("novalite", "conductor", "--config-file", str(config), timeout=60)
    assert result.returncode == 1
    line = _single_error_line(result.stderr, "novalite conductor")
    assert "127.0.0.1:1" in line
    assert "s3cretpw" not in result.stderr


def test_unreachable_broker_fails_fast_without_password(tmp_path: Path) -> None:
    config = write_config(
        tmp_path / "mq.conf",
        {
            "DEFAULT": {
                "transport_url": "rabbit://guest:s3cretpw@127.0.0.1:1/",
                "rpc_response_timeout": 3,
                "compute_driver": "fake.FakeDriver",
            },
        },
    )
    result = run("novalite", "compute", "--config-file", str(config), timeout=60)
    assert result.returncode == 1
    line = _single_error_line(result.stderr, "novalite compute")
    assert "127.0.0.1:1" in line
    assert "s3cretpw" not in result.stderr


def test_libvirt_driver_not_yet_available_says_how_to_choose_fake(tmp_path: Path) -> None:
    config = write_config(tmp_path / "c.conf", {"DEFAULT": {"transport_url": "inproc://"}})
    result = run("novalite", "compute", "--config-file", str(config), timeout=60)
    assert result.returncode == 1
    assert "compute_driver = fake.FakeDriver" in _single_error_line(
        result.stderr, "novalite compute"
    )


def test_api_without_service_credentials_says_which_options(tmp_path: Path) -> None:
    config = write_config(
        tmp_path / "api.conf",
        {"DEFAULT": {"transport_url": "inproc://", "state_path": tmp_path}},
    )
    result = run("novalite", "api", "--config-file", str(config), timeout=60)
    assert result.returncode == 1
    line = _single_error_line(result.stderr, "novalite api")
    assert "[keystone_authtoken] needs auth_url, username and password" in line
