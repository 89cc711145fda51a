"""The time and cost model: validated leave-one-out on nanochat's six leaderboard records, the
README's table kept true, the committed constants equal to their fit, and the Time row."""

import os
import re
from pathlib import Path

import pytest

from preflight.checkout import load_checkout
from preflight.hardware import speed
from preflight.hardware.calibration import LOG_D26, MEASURED, RECORDS
from preflight.hardware.speed import NoEstimate, estimate, leave_one_out, validation_table
from preflight.sizing.horizon import horizon_from_call
from workspaces import ROOT, run_checklist

# NVIDIA H100 SXM datasheet, dense (the "with sparsity" figures halved)
H100_PEAK = {"bf16": 989.4e12, "fp8": 1978.9e12}


def _independent_loo() -> dict:
    """Each record's prediction error, computed here from the raw measurements alone."""
    def achieved(m):  # FLOP/s per GPU over the peak
        return m.tokens_per_second * m.flops_per_token / 8 / H100_PEAK[m.precision]

    errors = {}
    for m in RECORDS:
        others = [achieved(p) for p in MEASURED if p is not m and p.precision == m.precision]
        u = sum(others) / len(others)
        seconds = (m.iterations - 11) * m.total_batch_size * m.flops_per_token / (8 * H100_PEAK[m.precision] * u)
        errors[m.label] = seconds / m.seconds - 1
    return errors


def test_every_record_is_predicted_within_15_percent_leave_one_out():
    expected = _independent_loo()
    rows = leave_one_out()
    assert [r.record.label for r in rows] == [f"leaderboard run {i}" for i in range(1, 7)]
    for r in rows:
        assert r.error == pytest.approx(expected[r.record.label], abs=1e-9)
        assert abs(r.error) <= 0.15, (r.record.label, r.error)
    assert max(abs(r.error) for r in rows) < 0.03  # what the README claims


def test_measured_seconds_are_the_leaderboards():
    hours = {1: 3.04, 2: 2.91, 3: 2.76, 4: 2.02, 5: 1.80, 6: 1.65}  # README table
    for m in RECORDS:
        assert round(m.seconds / 3600, 2) == hours[int(m.label.rsplit(" ", 1)[1])]
    assert [m.tokens_per_second for m in LOG_D26] == [630_000, 740_000]


def test_committed_constants_are_the_fit():
    fitted = speed.fit(MEASURED)
    assert speed.UTILISATION.keys() == fitted.keys()
    for (gpu, precision), u in speed.UTILISATION.items():
        points = [m for m in MEASURED if (m.gpu, m.precision) == (gpu, precision)]
        mean = sum(m.tokens_per_second * m.flops_per_token / 8 / H100_PEAK[precision]
                   for m in points) / len(points)
        assert u == pytest.approx(mean, abs=5e-5)


def test_the_readme_carries_the_table():
    readme = (ROOT / "README.md").read_text()
    for line in validation_table():
        assert line in readme, line


def test_estimate_is_flops_over_peak_times_utilisation():
    e = estimate(10**12, 5 * 10**9, "H100-80GB", 8, "fp8", price=3.0)
    rate = 8 * 1978.9e12 * speed.UTILISATION[("H100-80GB", "fp8")] / 5e9
    assert e.seconds == pytest.approx(1e12 / rate)
    assert e.gpu_hours == pytest.approx(e.seconds * 8 / 3600)
    assert e.cost == pytest.approx(e.gpu_hours * 3.0)
    assert not e.borrowed


def test_another_gpu_borrows_the_h100_constant_and_says_so():
    e = estimate(10**12, 5 * 10**9, "A100-80GB", 4, "bf16")
    assert e.borrowed == "H100-80GB" and "none measured on A100-80GB" in e.basis()
    assert e.seconds == pytest.approx(1e12 * 5e9 / (4 * 312e12 * speed.UTILISATION[("H100-80GB", "bf16")]))


@pytest.mark.parametrize("gpu, precision, match", [
    ("A100-80GB", "fp8", "no dense fp8 peak"),
    ("T4", "bf16", "no dense bf16 peak"),
    ("custom 80GB sm90", "bf16", "no dense bf16 peak"),
])
def test_no_estimate_without_a_peak(gpu, precision, match):
    with pytest.raises(NoEstimate, match=match):
        estimate(10**9, 10**9, gpu, 8, precision)


def test_fp32_has_no_estimate():
    with pytest.raises(NoEstimate, match="fp32"):
        speed.precision_of(False, "float32")
    assert speed.precision_of(True) == "fp8" and speed.precision_of(False, "float16") == "bf16"

# ----------------------------------------------------------------------------------------------
# Local: the records' iterations, batch and FLOPs as our estimator computes them from each
# record's own checkout (NANOCHAT_CHECKOUTS/lb_<commit>) and flags.

NC = Path(os.environ.get("NANOCHAT_CHECKOUTS", "/nonexistent"))


@pytest.mark.parametrize("record", RECORDS, ids=lambda m: m.commit)
def test_records_recomputed_from_their_own_checkouts(record, tmp_path):
    root = NC / f"lb_{record.commit}"
    if not (root / "nanochat" / "gpt.py").is_file():
        pytest.skip(f"no checkout at {root} (set NANOCHAT_CHECKOUTS to a folder with lb_<commit> "
                    "worktrees of karpathy/nanochat)")
    h = horizon_from_call(list(record.args), load_checkout(root), 32768, None,
                          cache_dir=tmp_path / "cache")
    assert "meta-device" in h.param_source
    assert (h.iterations, h.total_batch_size, h.flops_per_token) == \
        (record.iterations, record.total_batch_size, record.flops_per_token)
    assert (h.flags.get("fp8") is True) == (record.precision == "fp8")

# ----------------------------------------------------------------------------------------------
# The Time row of a real checklist run.

def _time_row(run):
    return next(r for r in run.summary["table"] if r["row"] == "Time")


def test_time_row_of_a_checklist_run(workspace):
    run = run_checklist(workspace, "--target-gpu=H100", "--gpu-hour-price=2.5")
    assert run.code == 0, run.output[-3000:]
    facts = run.summary["facts"]
    time, horizon = facts["time"], facts["horizon"]
    seconds = horizon["tokens"] * horizon["flops_per_token"] / \
        (2 * 989.4e12 * speed.UTILISATION[("H100-80GB", "bf16")])
    assert time["base"]["seconds"] == pytest.approx(seconds)
    assert time["base"]["gpu_hours"] == pytest.approx(seconds * 2 / 3600)
    assert time["base"]["cost"] == pytest.approx(seconds * 2 / 3600 * 2.5)
    row = _time_row(run)
    assert row["status"] == "ok" and "base training" in row["value"] and "$2.50/GPU-h" in row["details"]
    assert re.search(r"on 2x H100-80GB, 49\.6% of the dense bf16 peak", row["details"])


def test_whole_launch_total_sums_its_base_trainings(workspace):
    script = workspace.checkout / "runs" / "speedrun.sh"
    script.parent.mkdir(exist_ok=True)
    script.write_text("#!/usr/bin/env bash\nset -euo pipefail\n"
                      "torchrun --standalone --nproc_per_node=2 -m scripts.base_train -- --depth=4 "
                      "--num-iterations=300 --save-every=100\n"
                      "torchrun --standalone --nproc_per_node=2 -m scripts.base_train -- --depth=6 "
                      "--num-iterations=200 --fp8 --save-every=100\n"
                      "torchrun --standalone --nproc_per_node=2 -m scripts.chat_sft -- --run=x\n")
    (workspace.checkout / "scripts" / "chat_sft.py").write_text(
        "import argparse\np = argparse.ArgumentParser()\np.add_argument('--run')\np.parse_args()\n")
    run = run_checklist(workspace, "--target-gpu=H100")
    assert run.code == 0, run.output[-3000:]
    time = run.summary["facts"]["time"]
    from preflight.checkout import load_checkout as load
    second = horizon_from_call(["--depth=6", "--num-iterations=200", "--fp8"],
                               load(workspace.checkout), run.summary["facts"]["sizing"]["vocab_size"],
                               None)
    u = speed.UTILISATION
    first_s = time["base"]["seconds"]
    second_s = second.tokens * second.flops_per_token / (2 * 1978.9e12 * u[("H100-80GB", "fp8")])
    assert [s["estimate"] is not None for s in time["stages"]] == [True, True, False]
    assert time["stages"][1]["estimate"]["seconds"] == pytest.approx(second_s)
    assert time["total"]["seconds"] == pytest.approx(first_s + second_s)
    assert time["not_estimated"] == ["line 5 scripts.chat_sft"]
    assert "not estimated: line 5 scripts.chat_sft" in _time_row(run)["details"]
