"""The run watch: nanochat's output of every version (recorded real runs), plateau and slowdown
warnings, the status line, the journal and its HTML report, and --stop-on-plateau stopping a real
process only right after a complete checkpoint."""

import math
import os
import shutil
import statistics
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings, strategies as st

from preflight.launch.nanolog import OutOfMemory, PeakMemory, Saved, Step, Val, parse_line
from preflight.launch.run import run_logged
from preflight.launch.runreport import read_journal, write_run_report
from preflight.launch.watch import Watch, WatchPlan, checkpoint_complete

LOGS = Path(__file__).parent / "data" / "nanochat_logs"
STANDIN = Path(__file__).parent / "standin_base_train.py"
ERAS = ["head", "feb", "v0_late", "iac_head", "head_sigterm"]


def _lines(name):
    return (LOGS / f"{name}.log").read_text(encoding="utf-8").splitlines()


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now

# ----------------------------------------------------------------------------------------------
# Reading nanochat's output.

@pytest.mark.parametrize("era", ERAS)
def test_every_step_val_and_save_line_of_real_runs_is_read(era):
    lines = _lines(era)
    events = [parse_line(line) for line in lines]
    steps = [e for e in events if isinstance(e, Step)]
    vals = [e for e in events if isinstance(e, Val)]
    saves = [e for e in events if isinstance(e, Saved)]
    # independently: the fields by splitting the text
    raw_steps = [line for line in lines if line.startswith("step ")]
    assert len(steps) == len(raw_steps) > 0
    for event, line in zip(steps, raw_steps):
        fields = dict(part.split(": ", 1) for part in line.split(" | ")[1:] if ": " in part)
        assert event.step == int(line[5:10]) and event.total == int(line[11:16])
        assert event.loss == float(fields["loss"])
        assert event.dt_ms == float(fields["dt"].removesuffix("ms"))
        assert event.tok_per_sec == int(fields["tok/sec"].replace(",", ""))
    raw_vals = [line for line in lines if "Validation bpb" in line]
    assert [(v.step, v.bpb) for v in vals] == [(int(line[5:10]), float(line.rsplit(" ", 1)[1]))
                                              for line in raw_vals]
    assert len(saves) == sum("Saved" in line for line in lines)
    assert all(s.step == int(s.path.stem.split("_")[1]) for s in saves)
    peak = [e for e in events if isinstance(e, PeakMemory)]
    assert len(peak) == sum(line.startswith("Peak memory usage") for line in lines)


def _era_line(era, step, total, loss, dt, tok, mfu):
    """A step line as each nanochat version's print statement writes it."""
    head = f"step {step:05d}/{total:05d} ({100 * step / total:.2f}%) | loss: {loss:.6f} |"
    if era == "v0":
        return (f"{head} grad norm: 1.5287 | lrm: 1.00 | dt: {dt * 1000:.2f}ms | tok/sec: {tok:,} | "
                f"mfu: {mfu:.2f} | total time: 0.02m")
    if era == "feb":
        return (f"{head} lrm: 0.50 | dt: {dt * 1000:.2f}ms | tok/sec: {tok:,} | mfu: {mfu:.2f} | "
                f"epoch: 1 | total time: 0.02m | eta: 1.1m")
    return (f"{head} lrm: 0.33 | dt: {dt * 1000:.2f}ms | tok/sec: {tok:,} | bf16_mfu: {mfu:.2f} | "
            f"epoch: 2 pq: 13 rg: 4 | total time: 12.03m | eta: 91.3m")


@settings(max_examples=150, deadline=None)
@given(era=st.sampled_from(["v0", "feb", "head"]), total=st.integers(1, 99_999),
       data=st.data(), loss=st.floats(0, 20), dt=st.floats(0.0001, 100),
       tok=st.integers(0, 10**9), mfu=st.floats(0, 100))
def test_step_lines_of_every_version(era, total, data, loss, dt, tok, mfu):
    step = data.draw(st.integers(0, total - 1))
    event = parse_line(_era_line(era, step, total, loss, dt, tok, mfu))
    assert event == Step(step, total, float(f"{loss:.6f}"), float(f"{dt * 1000:.2f}"), tok,
                         float(f"{mfu:.2f}"))


def test_nan_loss_and_oom_and_progress_bars():
    nan_line = _era_line("head", 5, 10, 1.0, 0.1, 10, 0.0).replace("loss: 1.000000", "loss: nan")
    assert math.isnan(parse_line(nan_line).loss)
    assert isinstance(parse_line("torch.OutOfMemoryError: CUDA out of memory. Tried to allocate"),
                      OutOfMemory)
    assert parse_line("downloading 10%\rdownloading 100%\rStep 00010 | Validation bpb: 1.5") == Val(10, 1.5)
    assert parse_line("random text | loss: 3") is None

# ----------------------------------------------------------------------------------------------
# Warnings on real recorded output.

def _watch(tmp_path, clock=None, **plan):
    said = []
    watch = Watch(WatchPlan(**plan), tmp_path / "run.jsonl", say=said.append, clock=clock or Clock())
    return watch, said


def _feed(watch, era):
    for line in _lines(era):
        assert watch.line(line) is False


def _non_improvements(vals):
    """Longest run of evaluations in a row that did not beat the best so far."""
    best, run, longest = math.inf, 0, 0
    for v in vals:
        run = 0 if v < best else run + 1
        best = min(best, v)
        longest = max(longest, run)
    return longest


@pytest.mark.parametrize("era", ["head", "feb", "v0_late"])
@pytest.mark.parametrize("n", [2, 3])
def test_plateau_warning_on_real_runs(tmp_path, era, n):
    vals = [float(line.rsplit(" ", 1)[1]) for line in _lines(era) if "Validation bpb" in line]
    watch, said = _watch(tmp_path, plateau_evals=n)
    _feed(watch, era)
    warned = [s for s in said if "has not improved" in s]
    assert bool(warned) == (_non_improvements(vals) >= n), (vals, said)


def test_real_head_run_plateaus_at_step_30_for_two_evaluations(tmp_path):
    """head.log: best 3.136030 at step 10, then 3.328228 (20) and 3.225090 (30)."""
    watch, said = _watch(tmp_path, plateau_evals=2)
    _feed(watch, "head")
    assert [s for s in said if "has not improved" in s] == [
        "[watch] WARNING: step 30: val bpb has not improved for 2 evaluations (best 3.136030 at "
        "step 10); consider stopping the run"]


@pytest.mark.parametrize("era", ["head", "feb", "v0_late"])
@pytest.mark.parametrize("factor", [0.5, 1.0, 2.0])
def test_slowdown_against_the_expected_speed(tmp_path, era, factor):
    timed = [e for e in map(parse_line, _lines(era)) if isinstance(e, Step) and e.step > 10]
    expected = factor * statistics.median(e.tok_per_sec for e in timed)
    # independently: the first 10-step window whose median speed is over 20% below expectation
    first_slow = next((timed[i].step for i in range(9, len(timed))
                       if statistics.median(e.tok_per_sec for e in timed[i - 9:i + 1])
                       < 0.8 * expected), None)
    watch, said = _watch(tmp_path, tok_per_sec=expected, tok_per_sec_source="the probe")
    _feed(watch, era)
    warned = [s for s in said if "below the probe" in s]
    if first_slow is None:
        assert warned == []
    else:
        assert warned[0].startswith(f"[watch] WARNING: step {first_slow}: ")
    assert (first_slow is not None) == (factor == 2.0) or era == "v0_late"


def test_slowdown_against_the_runs_own_first_steps(tmp_path):
    clock = Clock()
    watch, said = _watch(tmp_path, clock)
    lines = [_era_line("head", i, 100, 3.0, 0.1 if i < 40 else 0.13, 10_000 if i < 40 else 7_700, 0)
             for i in range(100)]
    for line in lines:
        watch.line(line)
    assert [s for s in said if "slow" in s or "below" in s] == [
        "[watch] WARNING: step 45: 7.7k tok/s, 23% below the run's first steps's 10.0k (a slow or "
        "throttled GPU, or a data stall?)"]


def test_status_line_progress_eta_and_cost(tmp_path):
    clock = Clock()
    watch, said = _watch(tmp_path, clock, iterations=1000, ranks=8, price=3.0, cost=400.0,
                         status_every=300)
    for i in range(30):
        watch.line(_era_line("head", i, 1000, 3.0, 0.5, 16_000, 0.0))
    assert said == []  # not due yet
    watch.line("Step 00020 | Validation bpb: 1.234500")
    clock.now += 600  # ten minutes later
    watch.line(_era_line("head", 30, 1000, 3.0, 0.5, 16_000, 0.0))
    # 970 steps left at 0.5 s = 485 s; 600 s x 8 GPUs x $3/h = $4.00
    assert said == ["[watch] step 30/1,000 (3%) · 10m00s elapsed · ETA 8m05s · 16.0k tok/s · "
                    "val bpb best 1.2345 at step 20 · $4.00 so far of ~$400.00 estimated"]


def test_nan_loss_warns(tmp_path):
    watch, said = _watch(tmp_path)
    watch.line(_era_line("feb", 3, 10, 1.0, 0.1, 10, 0.0).replace("loss: 1.000000", "loss: nan"))
    assert said == ["[watch] WARNING: step 3: the loss is nan; the run has diverged"]

# ----------------------------------------------------------------------------------------------
# The journal and its report.

def test_journal_and_report_of_a_real_run(tmp_path):
    watch, _ = _watch(tmp_path, plateau_evals=2)
    _feed(watch, "feb")
    watch.end(0)
    records, bad = read_journal(watch.journal)
    assert bad == 0 and records[0]["event"] == "start" and records[-1]["event"] == "end"
    assert sum(r["event"] == "step" for r in records) == 100
    assert sum(r["event"] == "val" for r in records) == 11
    with open(watch.journal, "a") as f:
        f.write('{"t": 1, "event": "st')  # the launcher killed mid-write
    out = write_run_report(watch.journal)
    page = out.read_text()
    assert page.count("<svg") == 2 and "1 line(s) of the journal are not records" in page
    loss_points = page.split("<polyline points=\"")[1].split("\"")[0].split()
    assert len(loss_points) == 100
    assert "ended with exit code 0" in page


def test_run_report_command(tmp_path):
    watch, _ = _watch(tmp_path)
    _feed(watch, "v0_late")
    out = subprocess.run([sys.executable, "-m", "preflight", "run-report", str(watch.journal),
                          "--out", str(tmp_path / "r.html")], capture_output=True, text=True)
    assert out.returncode == 0 and (tmp_path / "r.html").read_text().count("<svg") == 2
    missing = subprocess.run([sys.executable, "-m", "preflight", "run-report",
                              str(tmp_path / "nope.jsonl")], capture_output=True, text=True)
    assert missing.returncode == 2 and missing.stderr.count("\n") == 1

# ----------------------------------------------------------------------------------------------
# Checkpoints: what counts as written.

def test_real_checkpoint_layouts(tmp_path):
    folder = tmp_path / "d4"
    folder.mkdir()
    (folder / "model_000040.pt").write_bytes(b"x")
    assert "meta_000040.json does not load" in checkpoint_complete(folder, 40, 1)
    (folder / "meta_000040.json").write_text('{"step": 40, "model_config": {"model_dtype": ')
    assert "does not load" in checkpoint_complete(folder, 40, 1)  # holynakamoto's crash
    (folder / "meta_000040.json").write_text('{"step": 40}')
    assert checkpoint_complete(folder, 40, 2) == "optim_000040_rank0.pt, optim_000040_rank1.pt missing"
    (folder / "optim_000040_rank0.pt").write_bytes(b"x")
    assert checkpoint_complete(folder, 40, 1) == ""
    assert checkpoint_complete(folder, 40, 2) == "optim_000040_rank1.pt missing"
    (folder / "optim_000040.pt").write_bytes(b"x")  # 2025 nanochat: one file, no rank
    assert checkpoint_complete(folder, 40, 2) == ""


def test_real_sigterm_run_kept_its_checkpoints_in_the_journal(tmp_path):
    watch, _ = _watch(tmp_path)
    _feed(watch, "head_sigterm")
    saved = [r for r in read_journal(watch.journal)[0] if r["event"] == "saved"]
    assert sorted({r["step"] for r in saved}) == [20, 40]
    assert watch.last_step.step == 45

# ----------------------------------------------------------------------------------------------
# --stop-on-plateau on a real process with real signals.

def _standin_run(tmp_path, stop, iterations=200, step_seconds=0.02, **knobs):
    checkout = tmp_path / "nanochat"
    (checkout / "scripts").mkdir(parents=True)
    shutil.copy(STANDIN, checkout / "scripts" / "base_train.py")
    base = tmp_path / "base"
    env = dict(os.environ, NANOCHAT_BASE_DIR=str(base), STANDIN_STEP_SECONDS=str(step_seconds),
               **{f"STANDIN_{k.upper()}": str(v) for k, v in knobs.items()})
    argv = [sys.executable, "-u", "scripts/base_train.py", "--depth=4", f"--num-iterations={iterations}",
            "--eval-every=10", "--save-every=25", "--device-batch-size=4", "--max-seq-len=64"]
    said = []
    watch = Watch(WatchPlan(iterations=iterations, stop_on_plateau=stop, plateau_evals=3),
                  tmp_path / "reports" / "run.jsonl", say=said.append)
    code = run_logged(argv, checkout, tmp_path / "reports" / "launch.log", env, watch=watch)
    log = (tmp_path / "reports" / "launch.log").read_text()
    printed = [parse_line(line).step for line in log.splitlines()
               if isinstance(parse_line(line), Step)]
    return code, watch, said, printed, base / "base_checkpoints" / "d4"


def test_stop_on_plateau_stops_right_after_the_next_checkpoint(tmp_path, capsys):
    # evaluations at 0, 10, ...: the 5th (step 40) is the first flat one; the 3rd flat one is
    # step 60; the next save is step 75
    code, watch, said, printed, folder = _standin_run(tmp_path, True, plateau_at=5)
    assert code == 143  # nanochat's death by SIGTERM
    assert watch.plateau_at == 60 and watch.stopping == 75
    assert checkpoint_complete(folder, 75, 1) == ""
    assert max(printed) in (75, 76)  # stopped within a step of the save: nothing lost
    assert not (folder / "model_000100.pt").exists()
    stop = [r for r in read_journal(watch.journal)[0] if r["event"] == "stop"]
    assert stop == [dict(t=stop[0]["t"], event="stop", checkpoint_step=75, folder=str(folder))]


def test_without_stop_on_plateau_the_run_goes_on(tmp_path, capsys):
    code, watch, said, printed, folder = _standin_run(tmp_path, False, step_seconds=0.01,
                                                      plateau_at=5)
    assert code == 0 and max(printed) == 199 and watch.stopping is None
    assert any("has not improved for 3 evaluations" in s for s in said)


def test_a_broken_checkpoint_is_not_stopped_on(tmp_path, capsys):
    code, watch, said, printed, folder = _standin_run(tmp_path, True, plateau_at=5,
                                                      broken_meta_at=75)
    assert code == 143 and watch.stopping == 100
    assert any("checkpoint of step 75 is not whole (meta_000075.json does not load" in s
               for s in said)
    assert max(printed) in (100, 101)


def test_slowdown_of_a_real_process(tmp_path, capsys):
    code, watch, said, printed, folder = _standin_run(tmp_path, False, iterations=100,
                                                      step_seconds=0.01, slow_from=40)
    assert code == 0
    assert [s for s in said if "below the run's first steps" in s][0].startswith(
        "[watch] WARNING: step ")


def test_a_second_base_training_in_the_same_launch_starts_afresh(tmp_path):
    """A script may train twice (or resume): the second run is judged on its own evaluations."""
    def warnings(*eras):
        watch, said = _watch(tmp_path / "-".join(eras), plateau_evals=2)
        for era in eras:
            _feed(watch, era)
        return [s for s in said if "WARNING" in s]

    assert warnings("head", "feb") == warnings("head") + warnings("feb")
    assert warnings("feb", "head") == warnings("feb") + warnings("head")
