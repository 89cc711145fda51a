"""launch.py as a real subprocess: starts the chosen script only on green, passes Ctrl+C through,
returns the script's exit code."""

import os
import shutil
import signal
import subprocess
import sys
import time

import pytest

from workspaces import ROOT, Workspace

STUB = """#!/usr/bin/env bash
echo started > "{marker}"
echo "hello from the run"
trap 'echo interrupted >> "{marker}"; exit 42' INT
{body}
"""


def _launch(ws, *args, cwd=None, plugins=None, **kwargs):
    """launch.py on `ws`; `plugins`: a folder of pytest plugins (-p NAME) to put on the path."""
    env = dict(os.environ, PREFLIGHT_CACHE_DIR=str(ws.root / "cache"))
    env.pop("NANOCHAT_BASE_DIR", None)
    if plugins:
        env["PYTHONPATH"] = os.pathsep.join(p for p in (env.get("PYTHONPATH"), str(plugins)) if p)
    cmd = [sys.executable, str(ROOT / "launch.py"), f"--base-dir={ws.base}",
           f"--nanochat-dir={ws.checkout}", "--gpus=2", f"--reports-dir={ws.root / 'reports'}", "-q", *args]
    return subprocess.Popen(cmd, cwd=cwd or ws.root, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, text=True, **kwargs)


def _stub(ws, body="exit 3"):
    marker = ws.root / "ran"
    script = ws.checkout / "runs" / "speedrun.sh"
    script.parent.mkdir(exist_ok=True)
    script.write_text(STUB.format(marker=marker, body=body))
    return marker


def test_green_run_launches_the_script_and_returns_its_code(workspace):
    marker = _stub(workspace)
    proc = _launch(workspace, "--yes")
    out, _ = proc.communicate(timeout=300)
    assert proc.returncode == 3, out
    assert marker.read_text().strip() == "started"
    assert "upstream speedrun" in out and "Watch the validation loss" in out
    logs = list((workspace.root / "reports").glob("launch-*.log"))
    assert len(logs) == 1 and "hello from the run" in logs[0].read_text()
    assert "hello from the run" in out


def test_red_run_never_launches(workspace):
    marker = _stub(workspace, body="exit 0")
    shutil.rmtree(workspace.tokenizer)
    proc = _launch(workspace, "--yes")
    out, _ = proc.communicate(timeout=300)
    assert proc.returncode == 1, out
    assert not marker.exists()
    assert "Not launching" in out


def test_no_tests_collected_never_launches(workspace):
    marker = _stub(workspace, body="exit 0")
    proc = _launch(workspace, "--yes", "-k", "no_such_check")
    out, _ = proc.communicate(timeout=300)
    assert proc.returncode == 5 and not marker.exists(), out


def test_dry_run_shows_the_command_and_runs_nothing(workspace):
    marker = _stub(workspace, body="exit 0")
    proc = _launch(workspace, "--dry-run")
    out, _ = proc.communicate(timeout=300)
    assert proc.returncode == 0, out
    assert "Dry run" in out and "runs/speedrun.sh" in out and not marker.exists()


def test_no_confirmation_no_launch(workspace):
    marker = _stub(workspace, body="exit 0")
    proc = _launch(workspace)
    out, _ = proc.communicate(timeout=300)
    assert proc.returncode == 1 and "Not launched" in out and not marker.exists(), out


def test_ctrl_c_is_forwarded_and_waited_for(workspace):
    marker = _stub(workspace, body="while true; do sleep 0.1; done")
    proc = _launch(workspace, "--yes")
    deadline = time.monotonic() + 240
    while not marker.exists() and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.2)
    assert marker.exists(), proc.communicate()[0]
    proc.send_signal(signal.SIGINT)
    out, _ = proc.communicate(timeout=60)
    assert proc.returncode == 42, out
    assert "interrupted" in marker.read_text()


def test_a_partial_checklist_never_launches(workspace):
    marker = _stub(workspace, body="exit 0")
    proc = _launch(workspace, "--yes", "-k", "dataset")
    out, _ = proc.communicate(timeout=300)
    assert proc.returncode == 1 and "only part of the checklist ran" in out and not marker.exists()


@pytest.fixture(scope="module")
def shared_workspace(green_template, tmp_path_factory):
    """One workspace (and its warm cache) for the launches that leave checks out."""
    root = tmp_path_factory.mktemp("partial") / "ws"
    shutil.copytree(green_template.root, root)
    return Workspace(root)


# Every way pytest offers to run less than the whole checklist; the run itself stays green.
LEAVE_OUT = {
    "ignore": ["--ignore=preflight/checks/test_20_secrets.py"],
    "ignore-glob": ["--ignore-glob=*secrets*"],
    "deselect": ["--deselect=preflight/checks/test_20_secrets.py::test_no_secrets_in_data"],
    "keyword": ["-k", "not secrets"],
    "marker": ["-m", "not parametrize"],
    "python-files": ["-o", "python_files=test_1*.py test_3*.py test_4*.py test_6*.py"],
    "no-plugin": ["-p", "no:preflight-recorder"],
}


@pytest.mark.parametrize("how", LEAVE_OUT.values(), ids=LEAVE_OUT.keys())
def test_a_checklist_with_checks_left_out_never_launches(shared_workspace, how):
    ws = shared_workspace
    marker = _stub(ws, body="exit 0")
    marker.unlink(missing_ok=True)
    proc = _launch(ws, "--yes", *how, cwd=ROOT)
    out, _ = proc.communicate(timeout=300)
    assert proc.returncode == 1 and not marker.exists(), out
    assert "Not launching: only part of the checklist ran" in out, out


# A plugin of the user's environment that skips the secret scan, saying why or not.
SKIPPER = """import pytest

def pytest_collection_modifyitems(items):
    for item in items:
        if item.name == "test_no_secrets_in_data":
            item.add_marker(pytest.mark.skip(reason={reason!r}))
"""


@pytest.mark.parametrize("reason, launches", [("", False), ("scanned by the data team", True)])
def test_a_check_skipped_without_a_reason_never_launches(shared_workspace, tmp_path, reason,
                                                         launches):
    ws = shared_workspace
    (tmp_path / "skipper.py").write_text(SKIPPER.format(reason=reason))
    marker = _stub(ws, body="exit 0")
    marker.unlink(missing_ok=True)
    proc = _launch(ws, "--yes", "-p", "skipper", cwd=ROOT, plugins=tmp_path)
    out, _ = proc.communicate(timeout=300)
    assert (proc.returncode == 0) == marker.exists() == launches, out
    assert ("Not launching: only part of the checklist ran" in out) != launches, out


def test_the_whole_checklist_from_the_same_folder_launches(shared_workspace):
    """The control for the test above: the same launch, nothing left out, does start the run."""
    marker = _stub(shared_workspace, body="exit 0")
    marker.unlink(missing_ok=True)
    proc = _launch(shared_workspace, "--yes", cwd=ROOT)
    out, _ = proc.communicate(timeout=300)
    assert proc.returncode == 0 and marker.exists(), out


def test_a_chosen_script_that_does_not_exist_is_one_line(workspace):
    proc = _launch(workspace, "--yes", "--script", "runs/nope.sh")
    out, _ = proc.communicate(timeout=300)
    assert proc.returncode == 1 and "Traceback" not in out, out
    launch_row = next(line for line in out.splitlines() if line.startswith("Launch "))
    assert launch_row.endswith("[FAIL]"), launch_row
    reason = [line for line in out.splitlines() if line.startswith("Not launching")]
    assert len(reason) == 1 and f"--script runs/nope.sh: {workspace.checkout / 'runs/nope.sh'} " \
        "does not exist" in reason[0], out
