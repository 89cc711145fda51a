"""Running the checklist from Python: `preflight check`, and launch.py before it launches."""

from pathlib import Path

import pytest

CHECKS_DIR = Path(__file__).resolve().parent.parent / "checks"
CHECKLIST_INI = CHECKS_DIR / "checklist.ini"


def run_checklist(args) -> int:
    """`pytest checks -x` with the checklist's own ini, from any folder; returns pytest's exit code.

    The root is the folder holding the `preflight` package, so checks are named
    `preflight/checks/test_…::…` wherever the package is installed.
    """
    return int(pytest.main([str(CHECKS_DIR), "-x", "-c", str(CHECKLIST_INI),
                            f"--rootdir={CHECKS_DIR.parent.parent}",
                            "-p", "preflight.checklist.plugin", *args]))
