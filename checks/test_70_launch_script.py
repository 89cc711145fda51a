"""Phase 4: the run will not crash or hang later.

The base training's horizon (iterations, tokens, passes over this data) comes first, so the summary
shows it even when `-x` stops at the lint; then every stage of what launch.py will run must be able
to start (module, compile, flags, prompts, base dir, data hookup).
"""

import warnings

import pytest

from preflight.script_lint import lint_candidate
from preflight.sizing import human
from preflight.warnings import LaunchWarning, SizingWarning


@pytest.mark.summary_row("Launch")
def test_launch_script_exists(launch_plan):
    first = launch_plan[0]
    assert first.path is None or first.path.is_file(), f"launch script {first.path} does not exist"


@pytest.mark.summary_row("Horizon")
def test_horizon(settings, sizing, horizon):
    h, why_not = horizon
    if h is None:
        warnings.warn(why_not, LaunchWarning)
    elif h.epochs is not None and h.epochs > settings["max_epochs_warn"]:
        warnings.warn(f"this script will make {h.epochs:.1f} passes over your data "
                      f"({human(h.tokens)} tokens over {human(sizing.train_tokens)}): expect "
                      "memorisation; lower --target-param-data-ratio or --num-iterations, or add "
                      "data", SizingWarning)


@pytest.mark.summary_row("Launch")
def test_every_stage_can_start(settings, sizing, launch_plan, summary):
    chosen, *others = launch_plan
    problems = lint_candidate(chosen, settings, sizing.vocab_size)
    summary.facts["launch_lint"] = {chosen.description: [p.__dict__ for p in problems]}
    for problem in problems:
        if problem.severity == "warning":
            warnings.warn(problem.message, LaunchWarning)
    for other in others:
        errors = [p for p in lint_candidate(other, settings, sizing.vocab_size)
                  if p.severity == "error"]
        summary.facts["launch_lint"][other.description] = [p.__dict__ for p in errors]
        if errors:
            warnings.warn(f"launch.py also offers {other.description}, which would stop: "
                          f"{errors[0].message}" + (f" (+{len(errors) - 1} more)"
                                                    if len(errors) > 1 else ""), LaunchWarning)
    errors = [p.message for p in problems if p.severity == "error"]
    assert not errors, f"{chosen.description} would stop:\n" + "\n".join(errors)
