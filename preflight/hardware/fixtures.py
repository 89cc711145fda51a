"""Session fixtures for the hardware checks: GPU facts, the run's settings and the hardware plan.

Registered as a plugin by the checklist. Builds on the checklist's `settings`, `sizing` and
`summary` fixtures. The base-training call of the launch, when the checklist provides it as a
fixture named `base_train_call` (a launch_calls Call or its argument list), sets the batch, horizon
and saves; without it base_train's own defaults at the sized depth apply.
"""

import warnings
from dataclasses import replace

import pytest

from ..horizon import HorizonError, horizon_from_call
from ..params import count_params, model_shape
from ..warnings import HardwareWarning
from .gpus import parse_target
from .plan import HardwarePlan, plan_hardware
from .probe import probe, target_facts
from .runargs import run_args


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


def _base_train_args(request):
    """The arguments of the launch's base-training call, when the checklist provides them."""
    try:
        call = request.getfixturevalue("base_train_call")
    except pytest.FixtureLookupError:
        return None
    return None if call is None else list(getattr(call, "args", call))


@pytest.fixture(scope="session")
def hardware_run(request, settings, sizing):
    """Device batch, total batch, horizon and saves, as base_train will resolve them."""
    checkout = settings.checkout
    default = [f"{checkout.flag('depth')}={sizing.depth}"]
    args = _base_train_args(request) or default
    cache = settings.cache_dir / "params"
    try:
        horizon = horizon_from_call(args, checkout, sizing.vocab_size, None, cache_dir=cache)
    except HorizonError as exc:
        note = f"launch call not usable ({exc}): base_train defaults at depth {sizing.depth} planned"
    else:
        return run_args(horizon)
    run = run_args(horizon_from_call(default, checkout, sizing.vocab_size, None, cache_dir=cache))
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


def settle(plan: HardwarePlan, key: str):
    """The finding for one check: skips it with its reason, or issues its warning; returns it."""
    finding = plan.findings[key]
    if finding.status == "skip":
        pytest.skip(finding.message)
    if finding.status == "warn":
        warnings.warn(finding.message, HardwareWarning, stacklevel=2)
    return finding
