"""Session fixtures for the hardware checks: GPU facts, the run's settings and the hardware plan.

Registered as a plugin by the checklist. Builds on the checklist's `settings`, `sizing` and
`summary` fixtures. Launch flags, when the checklist knows the launch command, come from a fixture
named `launch_flags` (a dict of base_train flags); without it base_train's defaults apply.
"""

import warnings

import pytest

from ..params import count_params, model_shape
from ..warnings import HardwareWarning
from .gpus import parse_target
from .plan import HardwarePlan, plan_hardware, planned_ranks
from .probe import probe, target_facts
from .runargs import resolve_run_args


@pytest.fixture(scope="session")
def gpu_facts(settings):
    """The planning target (`--target-gpu`, `--gpus`) when given, else what this machine has."""
    if settings.target_gpu:
        try:
            spec = parse_target(settings.target_gpu)
        except ValueError as exc:
            pytest.fail(f"--target-gpu: {exc}", pytrace=False)
        return target_facts(spec, settings.gpus)
    return probe()


@pytest.fixture(scope="session")
def gpu_ranks(settings, gpu_facts) -> int:
    """The ranks the run is planned for: --gpus, else the GPUs found, else nanochat's speedrun 8."""
    return planned_ranks(settings, gpu_facts)[0]


def _launch_flags(request) -> dict:
    try:
        return dict(request.getfixturevalue("launch_flags") or {})
    except pytest.FixtureLookupError:
        return {}


@pytest.fixture(scope="session")
def hardware_run(request, settings, sizing):
    """Device batch, total batch, horizon and saves as base_train will resolve them."""
    checkout, shape = settings.checkout, sizing.params.shape

    def reference():
        ref = model_shape(checkout, 12, sizing.vocab_size, shape.sequence_len,
                          window_pattern=shape.window_pattern)
        return count_params(checkout, ref, settings.cache_dir)
    try:
        return resolve_run_args(checkout, sizing.params, _launch_flags(request), reference)
    except ValueError as exc:
        pytest.fail(f"launch flags: {exc}", pytrace=False)


@pytest.fixture(scope="session")
def hardware_plan(settings, sizing, gpu_facts, hardware_run, summary) -> HardwarePlan:
    """Every hardware finding; fills the summary's Hardware row and its facts."""
    plan = plan_hardware(settings, sizing.params, gpu_facts, hardware_run)
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
