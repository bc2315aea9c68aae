"""The import-linter contracts (.importlinter) catch the layer violations they exist for.

Each case copies the package, plants one forbidden import, and runs
``lint-imports`` on the copy: it must fail and name the contract.
"""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"


def _lint(tree: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache"],
        cwd=tree,
        env={**os.environ, "PYTHONPATH": str(tree)},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.fixture(scope="module")
def pristine(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tree = tmp_path_factory.mktemp("layers")
    shutil.copytree(ROOT / "novalite", tree / "novalite", ignore=shutil.ignore_patterns("*.pyc"))
    shutil.copy(ROOT / ".importlinter", tree / ".importlinter")
    return tree


def test_the_real_tree_keeps_every_contract(pristine: Path) -> None:
    result = _lint(pristine)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize(
    ("module", "source", "contract"),
    [
        (
            "novalite/compute/bad.py",
            "import novalite.db.engine\n",
            "compute and virt never import db",
        ),
        (
            "novalite/virt/fake/bad.py",
            "from novalite.db.repositories import services\n",
            "compute and virt never import db",
        ),
        (
            "novalite/conductor/bad.py",
            "import novalite.builtin\n",
            "nova parts never import the built-in companions",
        ),
        (
            "novalite/api/bad.py",
            "from novalite.conductor import manager\n",
            "services never import each other",
        ),
        (
            "novalite/domain/bad.py",
            "import novalite.rpc\n",
            "types, errors, context and domain import nothing above them",
        ),
    ],
)
def test_a_planted_violation_breaks_its_contract(
    pristine: Path, tmp_path: Path, module: str, source: str, contract: str
) -> None:
    tree = tmp_path / "tree"
    shutil.copytree(pristine, tree)
    (tree / module).write_text(source)
    result = _lint(tree)
    assert result.returncode != 0
    broken = [line for line in result.stdout.splitlines() if line.endswith("BROKEN")]
    assert any(contract in line for line in broken), result.stdout
