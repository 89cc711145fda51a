"""A sanitizer killed with SIGKILL leaves every shard readable, either old or new; a rerun ends it."""

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from iac_text import planted_documents
from preflight.secrets.sanitize import run_sanitize
from preflight.util.atomic_write import stale_temps

ROOT = Path(__file__).resolve().parents[2]
SHARDS = 4


def _texts(path):
    return pq.read_table(path).column("text").to_pylist()


@pytest.fixture(scope="module")
def dataset(tmp_path_factory):
    base = tmp_path_factory.mktemp("kill")
    src = base / "src"
    src.mkdir()
    docs, _ = planted_documents(SHARDS * 700, seed=9, rate=0.2)
    for k in range(SHARDS):
        pq.write_table(pa.table({"text": docs[k * 700:(k + 1) * 700]}),
                       src / f"shard_{k:05d}.parquet", row_group_size=128, compression="zstd")
    expected = base / "expected"
    shutil.copytree(src, expected)
    return base, src, expected


def _start(data_dir, audit):
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    return subprocess.Popen([sys.executable, "-m", "preflight", "sanitize", "--data-dir", str(data_dir),
                             "--audit-log", str(audit)], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)


def _kill_when(proc, ready, timeout=60):
    deadline = time.monotonic() + timeout
    while not ready() and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.0005)
    if proc.poll() is None:
        proc.send_signal(signal.SIGKILL)
    proc.wait()


@pytest.mark.parametrize("moment", ["tmp-file-open", "first-backup", "second-shard-done"])
def test_sigkill_leaves_old_or_new_shards_and_a_rerun_finishes(dataset, scanner, moment, tmp_path):
    base, src, expected = dataset
    if not any(expected.glob(".preflight-backup")):
        assert run_sanitize(expected, scanner, audit_log=base / "expected.jsonl",
                            out=lambda _: None) == 0
    work = tmp_path / "data"
    shutil.copytree(src, work)
    backups = work / ".preflight-backup"
    ready = {
        "tmp-file-open": lambda: bool(stale_temps(work)),
        "first-backup": lambda: any(backups.glob("*/*.parquet")),
        "second-shard-done": lambda: len(list(backups.glob("*/*.parquet"))) >= 2,
    }[moment]
    _kill_when(_start(work, tmp_path / "audit.jsonl"), ready)

    states = []
    for k in range(SHARDS):
        name = f"shard_{k:05d}.parquet"
        now = _texts(work / name)  # readable, whatever the moment of the kill
        assert now in (_texts(src / name), _texts(expected / name)), name
        states.append("new" if now == _texts(expected / name) else "old")
    assert "old" in states, "the kill came too late to test anything"

    rerun = _start(work, tmp_path / "audit.jsonl")
    output, _ = rerun.communicate(timeout=120)
    assert rerun.returncode == 0, output.decode()
    for k in range(SHARDS):
        name = f"shard_{k:05d}.parquet"
        assert _texts(work / name) == _texts(expected / name)
    assert not stale_temps(work)
