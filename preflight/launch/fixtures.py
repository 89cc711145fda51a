"""Step 6's fixtures: what launch.py would run, and its base-training call."""

import pytest

from preflight.launch.candidates import launch_candidates, launch_environ
from preflight.launch.lint import base_train_of, calls_of, offered


@pytest.fixture(scope="session")
def launch_plan(settings, sizing, summary):
    """What launch.py would run: the checkout's scripts, or a command generated from the sizing
    (never offered beside them when it fails its own lint)."""
    plan, withheld = offered(launch_candidates(settings, sizing), settings, sizing.vocab_size)
    chosen = plan[0]
    if chosen.path is not None and not chosen.path.is_file():
        problem = (f"--script {settings.script}: {chosen.path} does not exist (scripts are looked "
                   f"for in the checkout {settings.checkout.root})")
        summary.row("Launch", chosen.description, problem, "fail")
        pytest.fail(problem, pytrace=False)
    summary.facts["launch"] = [dict(description=c.description, command=c.command,
                                    script=str(c.path) if c.path else None) for c in plan]
    summary.facts["launch_withheld"] = [dict(description=c.description, command=c.command,
                                             reason=why) for c, why in withheld]
    summary.row("Launch", chosen.description, chosen.command)
    return plan


@pytest.fixture(scope="session")
def base_train_call(settings, launch_plan):
    """The scripts.base_train call of what launch.py would run first (None when it has none)."""
    return base_train_of(calls_of(launch_plan[0], settings.checkout, launch_environ(settings)))
