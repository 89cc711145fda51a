"""The checklist end to end with --target-gpu: the GPU and memory checks run (no skips) and give the
right verdict, and the device batch the memory check advises really passes when the script uses it."""

import re

import pytest

from workspaces import run_checklist

MEMORY = "test_50_hardware::test_hardware[memory-fits]"
GPU_CHECKS = ("enough-gpus", "precision-supported", "fp8-supported", "memory-fits", "batch-divides",
              "vocab-divides-by-ranks")


def _with_script(workspace, device_batch_size):
    script = workspace.checkout / "runs" / "speedrun.sh"
    script.parent.mkdir(exist_ok=True)
    script.write_text("#!/usr/bin/env bash\nset -euo pipefail\n"
                      "torchrun --standalone --nproc_per_node=2 -m scripts.base_train -- "
                      f"--depth=12 --device-batch-size={device_batch_size} --save-every=50\n")


def _hardware(run):
    return {k.split("[")[1].rstrip("]"): v for k, v in run.outcomes.items() if "test_hardware[" in k}


def test_an_h100_plan_runs_every_gpu_check_and_is_green(workspace):
    run = run_checklist(workspace, "--target-gpu", "H100-80GB")
    assert run.code == 0, run.output
    outcomes = _hardware(run)
    assert all(outcomes[name] == "passed" for name in GPU_CHECKS), outcomes
    row = next(r for r in run.summary["table"] if r["row"] == "Hardware")
    assert "H100-80GB (target)" in row["value"] and row["status"] == "ok"


@pytest.mark.parametrize("gpu", ["A30", "T4"])
def test_a_small_gpu_fails_memory_and_the_advised_batch_passes(workspace, gpu):
    _with_script(workspace, 32)
    red = run_checklist(workspace, "--target-gpu", gpu)
    assert red.code == 1 and red.first_failure() == MEMORY, red.output
    message = red.summary["facts"]["hardware"]["findings"]["memory"]["message"]
    advised = int(re.search(r"use --device-batch-size (\d+)", message).group(1))
    assert advised < 32
    _with_script(workspace, advised)
    green = run_checklist(workspace, "--target-gpu", gpu)
    assert _hardware(green)["memory-fits"] == "passed", green.output
    _with_script(workspace, advised * 2)  # the advice is the largest batch that fits
    assert run_checklist(workspace, "--target-gpu", gpu).first_failure() == MEMORY


def test_a_gpu_without_bf16_is_planned_in_fp32_with_a_warning(workspace):
    run = run_checklist(workspace, "--target-gpu", "V100-32GB")
    precision = run.summary["facts"]["hardware"]["findings"]["precision"]
    assert precision["status"] == "warn" and "fp32" in precision["message"]
    assert any(w["category"] == "HardwareWarning" and "fp32" in w["message"]
               for w in run.summary["warnings"])
