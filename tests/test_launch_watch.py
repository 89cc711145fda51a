"""launch.py watching a real run (our stand-in for base_train, nanochat's output format) as real
subprocesses: the journal, the report, --stop-on-plateau after a checkpoint, and its refusal where
nothing is saved."""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from preflight.launch.runreport import read_journal
from preflight.launch.watch import checkpoint_complete
from workspaces import ROOT

STANDIN = Path(__file__).parent / "standin_base_train.py"
SCRIPT = """#!/usr/bin/env bash
set -euo pipefail
python -u -m scripts.base_train --depth=4 --num-iterations=200 --eval-every=10 \\
    --device-batch-size=4 --max-seq-len=64 --total-batch-size=512 {saves}
"""


def _launch(ws, *args, saves="--save-every=25", step_seconds=0.02, **knobs):
    shutil.copy(STANDIN, ws.checkout / "scripts" / "base_train.py")
    script = ws.checkout / "runs" / "speedrun.sh"
    script.parent.mkdir(exist_ok=True)
    script.write_text(SCRIPT.format(saves=saves))
    env = dict(os.environ, PREFLIGHT_CACHE_DIR=str(ws.root / "cache"),
               STANDIN_STEP_SECONDS=str(step_seconds),
               **{f"STANDIN_{k.upper()}": str(v) for k, v in knobs.items()})
    env.pop("NANOCHAT_BASE_DIR", None)
    cmd = [sys.executable, str(ROOT / "launch.py"), f"--base-dir={ws.base}",
           f"--nanochat-dir={ws.checkout}", "--gpus=2", f"--reports-dir={ws.root / 'reports'}",
           "-q", "--yes", *args]
    return subprocess.run(cmd, cwd=ws.root, env=env, capture_output=True, text=True, timeout=300,
                          stdin=subprocess.DEVNULL)


def test_launch_stops_on_a_plateau_after_the_next_checkpoint(workspace):
    proc = _launch(workspace, "--stop-on-plateau", plateau_at=5)
    out = proc.stdout + proc.stderr
    assert proc.returncode == 143, out[-3000:]
    assert "stopped on a plateau right after the checkpoint of step 75" in out
    assert "[watch] WARNING: step 60: val bpb has not improved for 3 evaluations" in out
    folder = workspace.base / "base_checkpoints" / "d4"
    assert checkpoint_complete(folder, 75) == "" and not (folder / "model_000100.pt").exists()
    journal = next((workspace.root / "reports").glob("run-*.jsonl"))
    records, bad = read_journal(journal)
    assert bad == 0 and records[-1]["event"] == "end" and records[-1]["exit_code"] == 143
    start = records[0]["plan"]
    assert start["iterations"] == 200 and start["stop_on_plateau"] and start["processes"] == 1
    assert start["tok_per_sec_source"] == "the estimate"
    facts = json.loads((workspace.root / "reports" / "summary.json").read_text())["facts"]
    assert start["cost"] == facts["time"]["base"]["cost"]
    assert journal.with_suffix(".html").read_text().count("<svg") == 2


def test_stop_on_plateau_is_refused_where_nothing_is_saved(workspace):
    proc = _launch(workspace, "--stop-on-plateau", saves="", plateau_at=5)
    out = proc.stdout + proc.stderr
    assert proc.returncode == 2, out[-3000:]
    assert "Not launching: --stop-on-plateau stops the run only right after a checkpoint" in out
    assert not (workspace.base / "base_checkpoints").exists()  # nothing was started


def test_a_watched_run_without_stop_runs_to_the_end(workspace):
    proc = _launch(workspace, "--status-every=0", step_seconds=0.005, plateau_at=5)
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out[-3000:]
    assert "has not improved for 3 evaluations" in out and "[watch] step " in out
    assert "stopped on a plateau" not in out


def test_the_watch_compares_with_the_probes_speed(workspace):
    proc = _launch(workspace, "--probe", "--probe-steps=15", step_seconds=0.005,
                   saves="--save-every=25 --device-type=cpu")
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out[-3000:]
    facts = json.loads((workspace.root / "reports" / "summary.json").read_text())["facts"]
    journal = next((workspace.root / "reports").glob("run-*.jsonl"))
    start = read_journal(journal)[0][0]["plan"]
    assert start["tok_per_sec_source"] == "the probe"
    assert start["tok_per_sec"] == facts["probe"]["tok_per_sec"] > 0
