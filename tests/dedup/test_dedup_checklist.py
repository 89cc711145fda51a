"""Through the real checklist: validation documents copied from training fail Step 1 with the
Duplicates row saying so; `preflight dedup` removes them; the checklist is then green. A warm run
reads no shard for the duplicate report."""

import os
import subprocess
import sys

import pyarrow.parquet as pq

from preflight.config import build_settings
from preflight.data.datapass import pass_for_settings
from preflight.data.duplicates import duplicates_for_settings
from preflight.data.shard_writer import write_shard
from workspaces import ROOT, ROW_GROUP, run_checklist


def _plant_overlap(ws, copies: int) -> None:
    shards = ws.shards()
    train = pq.read_table(shards[0]).column("text").to_pylist()
    val = pq.read_table(shards[-1]).column("text").to_pylist()
    val[:copies] = train[:copies]
    write_shard(shards[-1], val, row_group_size=ROW_GROUP)


def test_overlap_fails_the_checklist_and_dedup_makes_it_green(workspace):
    _plant_overlap(workspace, copies=12)  # 12 of 256: 4.7% > 1%
    run = run_checklist(workspace)
    assert run.code == 1 and run.first_failure() == "test_10_data::test_validation_not_in_training"
    row = {r["row"]: r for r in run.summary["table"]}["Duplicates"]
    assert row["status"] == "fail" and "12 of 256 validation documents" in row["details"]
    assert run.summary["facts"]["duplicates"]["val_in_train"] == 12

    env = dict(os.environ, PYTHONPATH=str(ROOT), PREFLIGHT_CACHE_DIR=str(workspace.root / "cache"))
    dedup = subprocess.run([sys.executable, "-m", "preflight", "dedup", "--base-dir",
                            str(workspace.base), "--nanochat-dir", str(workspace.checkout),
                            "--gpus", "2", "--reports-dir", str(workspace.root / "reports")],
                           cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert dedup.returncode == 0, dedup.stdout + dedup.stderr
    assert "removed 12 of 1,024 documents" in dedup.stdout

    again = run_checklist(workspace)
    assert again.code == 0, again.output[-3000:]
    row = {r["row"]: r for r in again.summary["table"]}["Duplicates"]
    assert row["status"] == "ok" and "val in train 0.0%" in row["value"]


def test_a_warm_run_reads_no_shard(workspace, tmp_path, monkeypatch):
    _plant_overlap(workspace, copies=5)
    settings = build_settings(base_dir=workspace.base, nanochat_dir=workspace.checkout,
                              cache_dir=tmp_path / "cache", reports_dir=tmp_path / "reports")
    shards = workspace.shards()
    cold = duplicates_for_settings(settings, shards, pass_for_settings(settings, shards))
    assert cold["val_in_train"] == 5 and cold["top"]

    def no_reading(*args, **kwargs):
        raise AssertionError("a shard was read")
    monkeypatch.setattr(pq, "ParquetFile", no_reading)
    warm_pass = pass_for_settings(settings, shards)
    assert warm_pass.cached == len(shards)
    assert duplicates_for_settings(settings, shards, warm_pass) == cold


def test_overlap_under_the_threshold_passes(workspace):
    _plant_overlap(workspace, copies=2)  # 2 of 256: 0.8% <= 1%
    run = run_checklist(workspace)
    assert run.code == 0, run.output[-3000:]
    row = {r["row"]: r for r in run.summary["table"]}["Duplicates"]
    assert "val in train 0.8%" in row["value"]
