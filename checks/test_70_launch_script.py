"""Phase 4: the run will not crash or hang later.

The base training's horizon (iterations, tokens, passes over this data) comes first, so the summary
shows it even when `-x` stops at the lint; then every stage of what launch.py will run must be able
to start (module, compile, flags, prompts, base dir, data hookup).
"""

import warnings

import pytest

from preflight.argparse_reader import UNKNOWN
from preflight.horizon import HorizonError, horizon_from_call
from preflight.script_lint import base_train_of, calls_of, launch_environ, lint_candidate
from preflight.sizing import human
from preflight.warnings import LaunchWarning, SizingWarning


@pytest.mark.summary_row("Horizon")
def test_horizon(settings, sizing, launch_plan, summary):
    chosen = launch_plan[0]
    call = base_train_of(calls_of(chosen, settings.checkout, launch_environ(settings)))
    if call is None:
        summary.row("Horizon", "no base training", f"{chosen.description} starts no "
                    "scripts.base_train")
        warnings.warn(f"{chosen.description} starts no base training: no horizon to check",
                      LaunchWarning)
        return
    where = f"{chosen.path.name}:{call.line}" if chosen.path else "the generated command"
    try:
        h = horizon_from_call(call, settings.checkout, sizing.vocab_size, sizing.train_tokens,
                              cache_dir=settings.cache_dir / "params")
    except HorizonError as exc:
        summary.row("Horizon", "unknown", f"{where}: {exc}")
        warnings.warn(f"{where}: the training horizon cannot be computed: {exc}", LaunchWarning)
        return
    estimate = summary.rows.get("Est. epochs")
    beside = f"; Chinchilla estimate {estimate.value} epochs" if estimate else ""
    summary.row("Horizon", f"{h.epochs:.1f} passes over your data",
                f"{where}: {h.describe()} over {human(sizing.train_tokens)} train tokens{beside}")
    summary.facts["horizon"] = dict(
        where=where, depth=h.depth, iterations=h.iterations, total_batch_size=h.total_batch_size,
        auto_batch=h.auto_batch, tokens=h.tokens, epochs=h.epochs, basis=h.basis,
        params=h.params, param_source=h.param_source, notes=h.notes,
        flags={k: str(v).replace(UNKNOWN, "$…") for k, v in h.flags.items()})
    if h.epochs > settings["max_epochs_warn"]:
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
