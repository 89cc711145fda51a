"""The `preflight` helper commands as real subprocesses: info, scan -> sanitize -> scan, gpus."""

import json
import os
import subprocess
import sys

import pyarrow.parquet as pq

from preflight.data.shard_writer import write_shard
from workspaces import run_checklist

SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYzQ8Hs9xKpL"


def _preflight(ws, *args):
    env = dict(os.environ, PREFLIGHT_CACHE_DIR=str(ws.root / "cache"))
    env.pop("NANOCHAT_BASE_DIR", None)
    proc = subprocess.run([sys.executable, "-m", "preflight", *args, f"--base-dir={ws.base}",
                           f"--nanochat-dir={ws.checkout}"], cwd=ws.root, env=env,
                          capture_output=True, text=True, timeout=300)
    return proc.returncode, proc.stdout + proc.stderr


def test_info_reports_the_dataset(workspace):
    code, out = _preflight(workspace, "info", "--gpus=2")
    assert code == 0, out
    docs = sum(pq.ParquetFile(p).metadata.num_rows for p in workspace.shards())
    assert f"documents:  {docs:,}" in out and "validation shard_00003.parquet" in out


def test_info_fails_on_one_shard(workspace):
    for p in workspace.shards()[1:]:
        p.unlink()
    code, out = _preflight(workspace, "info")
    assert code == 1 and "train split is empty" in out and "Traceback" not in out


def test_scan_sanitize_scan(workspace):
    path = workspace.shards()[1]
    docs = pq.read_table(path).column("text").to_pylist()
    docs[3] += f'\nexport AWS_SECRET_ACCESS_KEY="{SECRET}"\n'
    write_shard(path, docs, row_group_size=64)
    code, out = _preflight(workspace, "scan", f"--reports-dir={workspace.root / 'rep'}")
    assert code == 1 and "aws-secret-access-key" in out and SECRET not in out
    finding = json.loads((workspace.root / "rep" / "findings.jsonl").read_text().splitlines()[0])
    assert (finding["shard"], finding["row"]) == ("shard_00001.parquet", 3)
    assert docs[3].encode()[finding["start"]:finding["end"]].decode() == SECRET
    code, out = _preflight(workspace, "sanitize", "--dry-run")
    assert code == 0 and pq.read_table(path).column("text").to_pylist()[3] == docs[3]
    code, out = _preflight(workspace, "sanitize")
    assert code == 0, out
    after = pq.read_table(path).column("text").to_pylist()
    assert SECRET not in after[3] and after[:3] == docs[:3] and after[4:] == docs[4:]
    code, out = _preflight(workspace, "scan", f"--reports-dir={workspace.root / 'rep'}")
    assert code == 0 and "no secrets found" in out
    assert run_checklist(workspace).code == 0


def test_gpus_lists_the_table():
    proc = subprocess.run([sys.executable, "-m", "preflight", "gpus"], capture_output=True,
                          text=True, timeout=120)
    assert proc.returncode == 0 and "H100-80GB" in proc.stdout


def test_sanitize_with_a_base_dir_that_is_a_file(workspace):
    base_file = workspace.root / "not-a-folder"
    base_file.write_text("")
    env = dict(os.environ, PREFLIGHT_CACHE_DIR=str(workspace.root / "cache"))
    proc = subprocess.run([sys.executable, "-m", "preflight", "sanitize", f"--base-dir={base_file}",
                           f"--nanochat-dir={workspace.checkout}"], cwd=workspace.root, env=env,
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert f"the base dir {base_file} is a file, not a folder" in proc.stderr


def test_a_bad_rule_file_is_one_line_though_the_rules_compile_in_a_thread(workspace):
    """`preflight scan` compiles its rules in a thread while it imports the rest: a rule file
    that does not compile still ends in one line naming it, not in the thread's traceback."""
    bad = workspace.root / "bad.toml"
    bad.write_text('[[rules]]\nid = "broken"\nregex = "token(["\n')
    code, out = _preflight(workspace, "scan", "--rules", str(bad))
    lines = out.strip().splitlines()
    assert code == 2 and len(lines) == 1 and str(bad) in lines[0], out
    assert "Traceback" not in out and "Exception in thread" not in out
