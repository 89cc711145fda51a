"""The checklist as a user installs it: the wheel in a fresh virtual environment, outside this
repository, run with `preflight check` (green on a good workspace, red at the right step on a
broken one), `pytest --pyargs preflight.checks` and `preflight launch --dry-run`."""

import os
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET

import pytest

from workspaces import ROOT

IGNORE = shutil.ignore_patterns(".git", "reports", "build", "dist", "*.egg-info", "__pycache__",
                                ".hypothesis", ".pytest_cache", ".whl", ".gl")


def _clean_env(**extra):
    """This machine's environment without what would point Python at the repository's code."""
    env = {k: v for k, v in os.environ.items() if k not in ("NANOCHAT_BASE_DIR", "PYTHONPATH")}
    return {**env, **extra}


@pytest.fixture(scope="module")
def venv(tmp_path_factory):
    """A fresh venv holding the wheel built from a copy of this repository. It sees the machine's
    packages (torch, pyarrow...) but its `preflight` is the wheel's."""
    tmp = tmp_path_factory.mktemp("install")
    src = tmp / "src"
    shutil.copytree(ROOT, src, symlinks=True, ignore=IGNORE)
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
                    "-q", "-w", str(tmp / "dist"), str(src)], check=True, capture_output=True,
                   env=_clean_env())
    wheel, = (tmp / "dist").glob("nanochat_preflight-*.whl")
    env_dir = tmp / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--system-site-packages", str(env_dir)], check=True)
    python = env_dir / "bin" / "python"
    subprocess.run([python, "-m", "pip", "install", "-q", "--no-deps", str(wheel)], check=True,
                   capture_output=True, env=_clean_env())
    where = subprocess.run([python, "-c", "import preflight; print(preflight.__file__)"],
                           capture_output=True, text=True, cwd=tmp, check=True,
                           env=_clean_env()).stdout
    assert where.startswith(str(env_dir)), where
    return env_dir


def _run(venv, cwd, *argv):
    return subprocess.run([str(a) for a in argv], cwd=cwd, capture_output=True, text=True,
                          timeout=300, env=_clean_env(PREFLIGHT_CACHE_DIR=str(cwd / "cache")))


def _first_failure(junit):
    for case in ET.parse(junit).getroot().iter("testcase"):
        if any(child.tag in ("failure", "error") for child in case):
            return f"{case.get('classname').rsplit('.', 1)[-1]}::{case.get('name')}"
    return None


def test_the_wheel_ships_the_checklist(venv, workspace, tmp_path):
    cwd = tmp_path / "elsewhere"
    cwd.mkdir()
    where = ("--base-dir", workspace.base, "--nanochat-dir", workspace.checkout, "--gpus", "2")
    green = _run(venv, cwd, venv / "bin" / "preflight", "check", *where)
    assert green.returncode == 0, green.stdout + green.stderr
    reports = cwd / "reports"  # no clone beside the package: ./reports
    assert {"report.html", "junit.xml", "summary.json", "findings.jsonl"} <= \
        {p.name for p in reports.iterdir()}
    assert _first_failure(reports / "junit.xml") is None

    pyargs = _run(venv, cwd, venv / "bin" / "python", "-m", "pytest", "--pyargs",
                  "preflight.checks", "-x", "-p", "no:cacheprovider", *where,
                  "--reports-dir", cwd / "pyargs-reports")
    assert pyargs.returncode == 0, pyargs.stdout + pyargs.stderr
    assert (cwd / "pyargs-reports" / "summary.json").is_file()

    launch = _run(venv, cwd, venv / "bin" / "preflight", "launch", "--dry-run", *where)
    assert launch.returncode == 0 and "Dry run: nothing was started" in launch.stdout, \
        launch.stdout + launch.stderr

    shutil.rmtree(workspace.tokenizer)
    red = _run(venv, cwd, venv / "bin" / "preflight", "check", *where)
    assert red.returncode == 1, red.stdout + red.stderr
    assert _first_failure(reports / "junit.xml") == "test_30_tokenizer::test_tokenizer_loads"
    assert "Traceback" not in red.stdout + red.stderr
