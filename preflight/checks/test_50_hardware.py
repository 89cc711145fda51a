"""Step 5, Hardware: GPUs, precision, memory per rank, batch, vocabulary split and disk.

Without a GPU and without --target-gpu the GPU checks skip with the reason; the batch, vocabulary
and disk checks still run for the planned ranks (--gpus, default: the GPUs found, else 8).
"""

import pytest

from preflight.checklist.settle import settle
from preflight.checklist.warnings import HardwareWarning

pytestmark = pytest.mark.summary_row("Hardware")


CHECKS = {  # the plan's finding -> the check's name
    "gpus": "enough-gpus", "same_model": "gpus-same-model", "idle": "gpus-idle",
    "driver": "driver-supports-torch", "precision": "precision-supported",
    "fp8": "fp8-supported", "batch": "batch-divides", "memory": "memory-fits",
    "vocab": "vocab-divides-by-ranks", "disk": "disk-space-for-checkpoints",
    "writable": "checkpoint-dir-writable",
}


@pytest.mark.parametrize("key", list(CHECKS), ids=list(CHECKS.values()))
def test_hardware(hardware_plan, key):
    settle(hardware_plan.findings[key], HardwareWarning)


def test_probe_run(probe_check):
    settle(probe_check, HardwareWarning)


@pytest.mark.summary_row("Time")
def test_time_and_cost(time_plan):
    settle(time_plan.finding(), HardwareWarning)
