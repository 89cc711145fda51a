"""Running the checklist from Python: `preflight check`, and launch.py before it launches."""

import os
import subprocess
import sys
import tempfile
import uuid
from pathlib import Path

import pytest

CHECKS_DIR = Path(__file__).resolve().parent.parent / "checks"
CHECKLIST_INI = CHECKS_DIR / "checklist.ini"
ROOT = CHECKS_DIR.parent.parent  # checks are named preflight/checks/test_…::… from here
RUN_ID = "PREFLIGHT_RUN_ID"  # the summary.json of a run says which run wrote it


def _base_args() -> list:
    return [str(CHECKS_DIR), "-c", str(CHECKLIST_INI), f"--rootdir={ROOT}",
            "-p", "preflight.checklist.plugin"]


def run_checklist(args) -> int:
    """`pytest checks -x` with the checklist's own ini, from any folder; returns pytest's exit code.

    The root is the folder holding the `preflight` package, so checks are named
    `preflight/checks/test_…::…` wherever the package is installed.
    """
    return int(pytest.main([*_base_args(), "-x", *args]))


def run_checklist_once(args) -> tuple:
    """(exit code, run id): the checklist as run_checklist, its summary.json tagged with a new
    run id, so a caller never reads the summary of another run."""
    run_id = uuid.uuid4().hex
    previous = os.environ.get(RUN_ID)
    os.environ[RUN_ID] = run_id
    try:
        return run_checklist(args), run_id
    finally:
        if previous is None:
            os.environ.pop(RUN_ID, None)
        else:
            os.environ[RUN_ID] = previous


class CollectionError(RuntimeError):
    """The checklist's own checks could not be listed; the message says why, in one line."""


def checklist_ids() -> list:
    """Every check of the checklist, listed by a clean collection in another process: no option
    of the user's, no PYTEST_ADDOPTS, no plugin but ours. A complete run has run all of them."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTEST_ADDOPTS", "PYTEST_PLUGINS")}
    env["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = "1"
    with tempfile.TemporaryDirectory(prefix="preflight-collect-") as scratch:
        proc = subprocess.run(
            [sys.executable, "-m", "pytest", *_base_args(), "--collect-only", "-q",
             "-p", "no:cacheprovider", f"--reports-dir={scratch}", f"--base-dir={scratch}",
             f"--nanochat-dir={scratch}", "--gpus=1"],
            cwd=scratch, env=env, capture_output=True, text=True, timeout=300)
    listing = proc.stdout.split("\n\n", 1)[0]  # the ids, one a line, before pytest's count
    ids = [line for line in listing.splitlines() if "::" in line and not line[:1].isspace()]
    if proc.returncode != 0 or not ids:
        last = (proc.stdout + proc.stderr).strip().splitlines()[-1:] or ["no output"]
        raise CollectionError(f"listing the checklist's checks failed (exit code "
                              f"{proc.returncode}): {last[0]}")
    return ids
