"""Step 6, Launch-script lint: every stage of what launch.py will run can start (module, compile,
flags, prompts, base dir, data hookup), so the run does not die at minute 40."""

import pytest

from preflight.checklist.settle import settle_all
from preflight.checklist.warnings import LaunchWarning
from preflight.launch.verdicts import stages_can_start

pytestmark = pytest.mark.summary_row("Launch")


def test_every_stage_can_start(settings, sizing, launch_plan, summary):
    facts = summary.facts.setdefault("launch_lint", {})
    settle_all(stages_can_start(settings, sizing.vocab_size, launch_plan, facts), LaunchWarning)
