"""novalite-manage bootstrap and identity fernet_rotate on a fresh state directory."""

import stat
from pathlib import Path

import pytest
import yaml

from tests.processes import run, write_config

#: Runs novalite-manage processes: in `make test`, not `make test-fast`.
pytestmark = pytest.mark.slow


def test_bootstrap_is_idempotent_and_writes_private_clouds_yaml(tmp_path: Path) -> None:
    config = write_config(tmp_path / "n.conf", {"DEFAULT": {"state_path": tmp_path / "data"}})
    args = ["--config-file", str(config), "identity"]
    bootstrap = ["--config-file", str(config), "bootstrap", "--base-url", "http://127.0.0.1:9"]
    first = run("novalite-manage", *bootstrap)
    assert first.returncode == 0, first.stderr
    clouds_path = tmp_path / "data" / "clouds.yaml"
    clouds = yaml.safe_load(clouds_path.read_text())["clouds"]
    assert set(clouds) == {"novalite", "novalite-admin"}
    assert clouds["novalite"]["auth"]["auth_url"] == "http://127.0.0.1:9/identity"
    assert stat.S_IMODE(clouds_path.stat().st_mode) == 0o600
    second = run("novalite-manage", *bootstrap)
    assert second.returncode == 0, second.stderr
    assert yaml.safe_load(clouds_path.read_text())["clouds"] == clouds

    keys = tmp_path / "data" / "fernet-keys"
    before = sorted(p.name for p in keys.iterdir())
    assert run("novalite-manage", *args, "fernet_rotate").returncode == 0
    after = sorted(p.name for p in keys.iterdir())
    assert max(map(int, after)) == max(map(int, before)) + 1
