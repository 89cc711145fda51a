"""--probe end to end on the CPU: the checklist runs the launch's own base training for a few
steps (our stand-in in CI; real nanochat checkouts locally), measures it, fails the hardware step on
an out-of-memory error with the batch that fits, and skips clearly where it cannot run. There is no
GPU here: the GPU path is the same code with torchrun's --nproc_per_node set to the planned GPUs."""

import os
import shutil
from pathlib import Path

import pytest

from preflight.checkout import load_checkout
from preflight.hardware.probe_run import fixed_call, probe_args
from preflight.readers.argparse_reader import UNKNOWN
from preflight.sizing.horizon import base_train_spec
from workspaces import run_checklist

STANDIN = Path(__file__).parent / "standin_base_train.py"
CPU_RUN = ("python -m scripts.base_train --depth=4 --max-seq-len=64 --device-batch-size=8 "
           "--total-batch-size=512 --num-iterations=500 --eval-every=50 --save-every=100 "
           "--device-type=cpu {extra}\n")


def _prepare(ws, extra="", standin=True):
    if standin:
        shutil.copy(STANDIN, ws.checkout / "scripts" / "base_train.py")
    script = ws.root / "train.sh"
    script.write_text("#!/usr/bin/env bash\nset -euo pipefail\n" + CPU_RUN.format(extra=extra))
    return script


def _check(ws, script, *args, **knobs):
    env = {f"STANDIN_{k.upper()}": str(v) for k, v in knobs.items()}
    return run_checklist(ws, f"--script={script}", "--probe", "--probe-steps=15", *args,
                         env_extra=env)


def _row(run, name):
    return next(r for r in run.summary["table"] if r["row"] == name)


def test_probe_measures_the_step_time_and_refines_the_time_row(workspace):
    script = _prepare(workspace)
    run = _check(workspace, script, "--gpus=1", step_seconds=0.05)
    assert run.code == 0, run.output[-3000:]
    probe = run.summary["facts"]["probe"]
    assert probe["steps"] == 15 and probe["timed_steps"] == 4 and probe["fits"] == 8
    assert probe["step_seconds"] == pytest.approx(0.05)  # the stand-in's sleep, as it prints dt
    assert probe["peak_mib"] == 100 + 10 * 8            # its peak memory line
    assert "--num-iterations=15" in probe["command"] and "--save-every=-1" in probe["command"]
    assert probe["command"][1:3] == ["-m", "scripts.base_train"]  # one CPU process: no torchrun
    time = run.summary["facts"]["time"]
    assert time["base"]["seconds"] == pytest.approx(500 * 0.05)  # 500 iterations x its step
    assert _row(run, "Time")["value"] == "~25 s base training on the CPU (probe-measured)"
    hardware = _row(run, "Hardware")["details"]
    assert "probe ran 15 steps on 1 cpu process(es) at --device-batch-size 8: 0.05 s per step" in hardware
    assert "peak memory per rank 0.2 GiB (estimated " in hardware
    # nothing left behind: no scratch base dir, no checkpoint of the probe
    assert not list(workspace.base.glob(".preflight-probe-*"))
    assert not (workspace.base / "base_checkpoints").exists()


def test_out_of_memory_fails_the_hardware_step_with_the_batch_that_fits(workspace):
    script = _prepare(workspace)
    # peak = 100 + 10 x batch MiB: 8 -> 180 (over 150), 4 -> 140 (fits)
    run = _check(workspace, script, "--gpus=1", memory_mib=150)
    assert run.code == 1 and run.first_failure() == "test_50_hardware::test_probe_run"
    row = _row(run, "Hardware")
    assert row["status"] == "fail"
    assert "probe: out of memory at --device-batch-size 8" in row["details"]
    assert "--device-batch-size 4 ran (15 steps, peak 0.1 GiB); use it: python -m " \
           "scripts.base_train --depth=4 --max-seq-len=64 --total-batch-size=512" in row["details"]
    assert row["details"].count("--device-batch-size=4") == 1
    assert [r["device_batch_size"] for r in run.summary["facts"]["probe"]["runs"]] == [8, 4]


def test_nothing_fits_says_so(workspace):
    script = _prepare(workspace)
    run = _check(workspace, script, "--gpus=1", memory_mib=50)
    row = _row(run, "Hardware")
    assert "device batch sizes 8, 4, 2, 1 all ran out of memory" in row["details"], row


def test_a_crash_fails_with_its_last_line(workspace):
    script = _prepare(workspace)
    run = _check(workspace, script, "--gpus=1", crash_at_last=1)
    assert run.code == 1 and run.first_failure() == "test_50_hardware::test_probe_run"
    assert "TypeError: Object of type dtype is not JSON serializable" in _row(run, "Hardware")["details"]


def test_a_hanging_start_times_out(workspace):
    script = _prepare(workspace)
    run = _check(workspace, script, "--gpus=1", "--probe-timeout=4", step_seconds=30)
    assert run.code == 1
    assert "probe: no training step within 4 s (--probe-timeout)" in _row(run, "Hardware")["details"]


def test_without_a_gpu_the_probe_is_a_clear_skip(workspace):
    script = _prepare(workspace).read_text().replace(" --device-type=cpu", "")
    (workspace.root / "train.sh").write_text(script)
    run = _check(workspace, workspace.root / "train.sh", "--gpus=1")
    assert run.code == 0, run.output[-2000:]
    reason = next(v for k, v in run.summary["skipped"].items() if k.endswith("test_probe_run"))
    assert reason.startswith("probe: no GPU here (") and "--probe runs the training on the GPUs" in reason
    target = _check(workspace, workspace.root / "train.sh", "--gpus=1", "--target-gpu=H100")
    reason = next(v for k, v in target.summary["skipped"].items() if k.endswith("test_probe_run"))
    assert "--target-gpu plans for GPUs that are not here" in reason


def test_probe_arguments_override_last_and_drop_run_time_values(tmp_path):
    from lint_helpers import make_checkout
    checkout = make_checkout(tmp_path / "nanochat")
    spec = base_train_spec(checkout)
    args = probe_args(["--depth=4", f"--run={UNKNOWN}", "--device-batch-size", "16"], checkout,
                      spec, 20, 524288)
    assert args[:3] == ["--depth=4", "--device-batch-size", "16"]
    assert "--num-iterations=20" in args and "--run=dummy" in args and f"--run={UNKNOWN}" not in args
    with pytest.raises(Exception, match="known only at run time"):
        probe_args([f"--depth={UNKNOWN}"], checkout, spec, 20, 524288)
    assert fixed_call(["--depth=4", "--device-batch-size", "16", "--fp8"], checkout, 8) == \
        ["--depth=4", "--fp8", "--device-batch-size=8"]
    assert fixed_call(["--device-batch-size=16"], checkout, 4) == ["--device-batch-size=4"]

# ----------------------------------------------------------------------------------------------
# Local: real nanochat on the CPU (NANOCHAT_CHECKOUTS, and NANOCHAT_PYTHON: a Python that runs
# nanochat's base_train, e.g. the checkout's own environment).

NC = Path(os.environ.get("NANOCHAT_CHECKOUTS", "/nonexistent"))
NANOCHAT_PYTHON = os.environ.get("NANOCHAT_PYTHON", "")


@pytest.mark.parametrize("name", ["head", "feb"])
def test_probe_on_real_nanochat(workspace, name):
    root = NC / name
    if not (root / "scripts" / "base_train.py").is_file() or not Path(NANOCHAT_PYTHON).is_file():
        pytest.skip("set NANOCHAT_CHECKOUTS (head, feb) and NANOCHAT_PYTHON (a Python that runs "
                    "nanochat) to probe real nanochat")
    checkout = load_checkout(root)
    if checkout.data_dir(workspace.base).name != workspace.data.name:  # the February layout
        workspace.data.rename(checkout.data_dir(workspace.base))
    script = workspace.root / "train.sh"
    script.write_text("#!/usr/bin/env bash\nset -euo pipefail\npython -m scripts.base_train "
                      "--depth=4 --head-dim=64 --window-pattern=L --max-seq-len=256 "
                      "--device-batch-size=8 --total-batch-size=2048 --num-iterations=100 "
                      "--eval-every=10 --eval-tokens=8192 --core-metric-every=-1 "
                      "--sample-every=-1 --save-every=40 --device-type=cpu\n")
    env = {"PATH": f"{Path(NANOCHAT_PYTHON).parent}:{os.environ['PATH']}", "OMP_NUM_THREADS": "1",
           "HF_HUB_OFFLINE": "1"}
    run = run_checklist(workspace, f"--nanochat-dir={root}", f"--script={script}", "--probe",
                        "--probe-steps=13", "--gpus=1", env_extra=env)
    assert run.code in (0, 1), run.output[-3000:]
    assert run.outcomes.get("test_50_hardware::test_probe_run") == "passed", run.output[-3000:]
    probe = run.summary["facts"]["probe"]
    assert probe["steps"] == 13 and probe["runs"][0]["code"] == 0 and probe["step_seconds"] > 0
    assert run.summary["facts"]["time"]["base"]["seconds"] == pytest.approx(100 * probe["step_seconds"])
    assert not list(workspace.base.glob(".preflight-probe-*"))
    assert not (workspace.base / "base_checkpoints").exists()
