"""Step 5's fixtures: GPU facts, the run's settings and the hardware plan.

Builds on the checklist's `settings`, `sizing`, `horizon`
and `summary` fixtures: the launch's base-training call sets the batch, horizon and saves; without
one, base_train's own defaults at the sized depth apply.
"""

from dataclasses import replace

import pytest

from preflight.sizing.horizon import horizon_from_call
from preflight.sizing.params import count_params, model_shape
from preflight.hardware.gpus import parse_target
from preflight.hardware.plan import HardwarePlan, plan_hardware
from preflight.hardware.probe import probe, target_facts
from preflight.checklist.fixtures import terminal_say
from preflight.hardware.probe_run import ProbeSkip, probe_launch, probe_verdict
from preflight.hardware.runargs import run_args
from preflight.hardware.timeplan import plan_time
from preflight.launch.candidates import launch_environ
from preflight.launch.lint import calls_of


@pytest.fixture(scope="session")
def gpu_facts(settings):
    """The planning target (`--target-gpu`, `--gpus`) when given, else what this machine has."""
    if not settings.target_gpu:
        return probe()
    try:
        return target_facts(parse_target(settings.target_gpu), settings.gpus)
    except ValueError as exc:
        problem = f"--target-gpu: {exc}"
    pytest.fail(problem, pytrace=False)


@pytest.fixture(scope="session")
def hardware_run(settings, sizing, horizon):
    """Device batch, total batch, horizon and saves, as base_train will resolve them for the
    launch's base-training call (the checklist's `horizon`), else base_train's defaults."""
    h, why_not = horizon
    if h is not None:
        return run_args(h)
    default = [f"{settings.checkout.flag('depth')}={sizing.depth}"]
    run = run_args(horizon_from_call(default, settings.checkout, sizing.vocab_size, None,
                                     cache_dir=settings.cache_dir / "params"))
    note = f"{why_not}: base_train defaults at depth {sizing.depth} planned"
    return replace(run, notes=run.notes + (note,))


@pytest.fixture(scope="session")
def hardware_params(settings, sizing, hardware_run):
    """Parameter tensors of the model the launch trains (the sized one unless the call differs)."""
    run, checkout = hardware_run, settings.checkout
    shape = model_shape(checkout, run.depth, sizing.vocab_size, run.max_seq_len, **run.shape_args)
    if shape == sizing.params.shape:
        return sizing.params
    return count_params(checkout, shape, cache_dir=settings.cache_dir / "params")


@pytest.fixture(scope="session")
def hardware_plan(settings, gpu_facts, hardware_params, hardware_run, summary) -> HardwarePlan:
    """Every hardware finding; fills the summary's Hardware row and its facts."""
    plan = plan_hardware(settings, hardware_params, gpu_facts, hardware_run)
    summary.row("Hardware", plan.row_value(), plan.row_details(), plan.status)
    summary.facts["hardware"] = plan.as_dict()
    return plan


@pytest.fixture(scope="session")
def probe_result(pytestconfig, settings, hardware_plan, horizon, base_train_call, summary):
    """--probe: (ProbeResult, None), or (None, why it did not run)."""
    if not settings.probe:
        return None, "not requested (--probe runs the launch's training for a few steps here)"
    say = terminal_say(pytestconfig)

    def progress(step):
        if step.step % 5 == 0 or step.step == step.total - 1:
            say(f"[preflight] probe: step {step.step}/{step.total}, dt {step.dt_ms:.0f} ms")

    say(f"[preflight] probe: running the launch's base training for {settings.probe_steps} steps")
    try:
        result = probe_launch(settings, hardware_plan, horizon[0], base_train_call, progress)
    except ProbeSkip as exc:
        summary.facts["probe"] = dict(skipped=str(exc))
        return None, str(exc)
    summary.facts["probe"] = result.as_dict()
    return result, None


@pytest.fixture(scope="session")
def time_plan(settings, sizing, horizon, hardware_plan, launch_plan, probe_result, summary):
    """The Time row: base training's wall time, GPU-hours and cost (measured by the probe when
    it ran), and the launch's total."""
    h, why_not = horizon
    calls = calls_of(launch_plan[0], settings.checkout, launch_environ(settings))
    plan = plan_time(settings, hardware_plan, h, calls, sizing.vocab_size, why_not,
                     probe=probe_result[0])
    summary.row("Time", plan.row_value(), plan.row_details(h) if h else plan.why_not, "ok")
    summary.facts["time"] = plan.as_dict()
    return plan


@pytest.fixture(scope="session")
def probe_check(probe_result, hardware_plan, time_plan, summary):
    """The probe's Finding (its step time against the Time row's prediction); what it measured
    also goes into the Hardware row."""
    finding = probe_verdict(probe_result, hardware_plan, time_plan.predicted)
    row = summary.rows.get("Hardware")
    if row is not None and probe_result[0] is not None and finding.status != "fail":
        summary.row("Hardware", row.value, f"{row.details}; {finding.message}", finding.status)
    return finding
