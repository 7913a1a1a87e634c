"""The apps' floors (issue 15): accounts at the bottom, then schedule, journal, reports, archive, and the
project package on top. import-linter checks the contract in pyproject.toml ([tool.importlinter]), which
ignores no import. A second contract orders the journal's parts: the mark log at the base, the rollback and
the diary on top (docs/architecture.md)."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def lint_imports(*args) -> subprocess.CompletedProcess:
    tool = Path(sys.executable).with_name("lint-imports")
    return subprocess.run(
        [str(tool), "--no-cache", *args], cwd=ROOT, capture_output=True, text=True, timeout=300, check=False
    )


def test_no_app_imports_a_floor_above_it():
    result = lint_imports()
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert "2 kept, 0 broken" in result.stdout  # the apps' floors and the journal's parts


def test_the_contract_refuses_an_upward_import(tmp_path):
    # The same contract over a copy of two floors in which the lower one imports the upper one.
    for package, body in {"lower": "from upper import thing\n", "upper": "thing = 1\n"}.items():
        (tmp_path / package).mkdir()
        (tmp_path / package / "__init__.py").write_text(body)
    config = tmp_path / "contract.toml"
    config.write_text(
        '[tool.importlinter]\nroot_packages = ["lower", "upper"]\n\n'
        '[[tool.importlinter.contracts]]\nname = "floors"\ntype = "layers"\nlayers = ["upper", "lower"]\n'
    )
    tool = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run(
        [str(tool), "--no-cache", "--config", str(config)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env={"PYTHONPATH": str(tmp_path), "PATH": "/usr/bin:/bin"},
    )
    assert result.returncode == 1 and "lower is not allowed to import upper" in result.stdout, result.stdout
