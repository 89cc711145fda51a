"""`preflight dedup` killed with SIGKILL at random moments leaves every shard readable, either old
or new; a second run finishes the work, and the checklist's duplicate rows are then clean."""

import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from planted import planted_corpus, write_dataset
from preflight.data.dedup_rewrite import run_dedup
from preflight.data.doc_hashes import MinHashConfig
from preflight.util.atomic_write import stale_temps

ROOT = Path(__file__).resolve().parents[2]
SHARDS = 5


def _texts(path):
    return pq.read_table(path).column("text").to_pylist()


@pytest.fixture(scope="module")
def dataset(tmp_path_factory):
    base = tmp_path_factory.mktemp("dedup-kill")
    train, val = planted_corpus(seed=31, n_unique=2400, exact_rate=0.3, near_rate=0.05,
                                val_docs=400, overlap_rate=0.1)
    random.Random(31).shuffle(train)  # copies in every shard
    src = base / "src"
    write_dataset(src, train, val, shards=SHARDS, row_group_size=64)
    expected = base / "expected"
    shutil.copytree(src, expected)
    assert run_dedup(expected, near=True, config=MinHashConfig(), audit_log=base / "x.jsonl",
                     out=lambda _: None) == 0
    return src, expected


def _start(data_dir, tmp_path):
    env = dict(os.environ, PYTHONPATH=str(ROOT), PREFLIGHT_CACHE_DIR=str(tmp_path / "cache"))
    return subprocess.Popen([sys.executable, "-m", "preflight", "dedup", "--near", "--gpus", "1",
                             "--data-dir", str(data_dir), "--audit-log", str(tmp_path / "a.jsonl")],
                            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)


def _kill_when(proc, ready, delay, timeout=120):
    deadline = time.monotonic() + timeout
    while not ready() and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.0005)
    time.sleep(delay)
    if proc.poll() is None:
        proc.send_signal(signal.SIGKILL)
    proc.wait()


@pytest.mark.parametrize("moment", ["tmp-file-open", "first-backup", "second-shard-done"])
def test_sigkill_leaves_old_or_new_shards_and_a_rerun_finishes(dataset, moment, tmp_path):
    src, expected = dataset
    work = tmp_path / "data"
    shutil.copytree(src, work)
    backups = work / ".preflight-backup"
    ready = {
        "tmp-file-open": lambda: bool(stale_temps(work)),
        "first-backup": lambda: any(backups.glob("*/*.parquet")),
        "second-shard-done": lambda: len(list(backups.glob("*/*.parquet"))) >= 2,
    }[moment]
    _kill_when(_start(work, tmp_path), ready, delay=random.uniform(0, 0.02))

    states = []
    for k in range(SHARDS):
        name = f"shard_{k:05d}.parquet"
        now = _texts(work / name)  # readable, whatever the moment of the kill
        assert now in (_texts(src / name), _texts(expected / name)), name
        states.append("new" if now == _texts(expected / name) else "old")
    assert "old" in states, "the kill came too late to test anything"

    rerun = _start(work, tmp_path)
    output, _ = rerun.communicate(timeout=180)
    assert rerun.returncode == 0, output.decode()
    for k in range(SHARDS):
        name = f"shard_{k:05d}.parquet"
        assert _texts(work / name) == _texts(expected / name)
    assert not stale_temps(work)
