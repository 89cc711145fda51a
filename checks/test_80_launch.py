"""Phase 4, Step 7: what launch.py will run."""

import pytest

pytestmark = pytest.mark.summary_row("Launch")


def test_launch_plan(launch_plan, summary):
    first = launch_plan[0]
    summary.facts["launch"] = [dict(description=c.description, command=c.command,
                                    script=str(c.path) if c.path else None) for c in launch_plan]
    summary.row("Launch", first.description, first.command)
    assert first.path is None or first.path.is_file(), f"launch script {first.path} does not exist"
