"""Step 2 end to end, as real subprocesses on a real workspace: secrets planted at known shard
and row positions in several row groups and shards; the checklist and `preflight scan` report
exactly those, cold and warm alike; a damaged or edited cache never makes dirty data green;
sanitize then a rerun is green; the baseline review round trip.

Expected findings come from where the secrets were planted, never from the scanner.
"""

import json
import os
import random
import subprocess
import sys

import pyarrow.parquet as pq
import pytest

from preflight.data.shard_writer import write_shard
from preflight.secrets.rules import builtin_rules
from workspaces import ROW_GROUP, run_checklist

BY_ID = {r.id: r for r in builtin_rules()}
# (shard index, row, rule whose sample is planted): first, middle and last row groups of train
# shards, a row group's first and last rows, and the validation shard
PLANTS = [(0, 3, "aws-access-key-id"), (0, 2 * ROW_GROUP + 5, "private-key"),
          (1, ROW_GROUP, "slack-webhook"), (1, 4 * ROW_GROUP - 1, "cli-password"),
          (2, 3 * ROW_GROUP + 7, "datadog-api-key"), (3, 10, "k8s-secret-data")]


def _plant(ws, plants, seed=0):
    """Append one sample of each rule to the given rows; return the expected findings as
    {(shard name, row, rule, start, end)}."""
    rng = random.Random(seed)
    expected, shards = set(), ws.shards()
    for index, row, rule_id in plants:
        path = shards[index]
        docs = pq.read_table(path).column("text").to_pylist()
        sample = rng.choice(BY_ID[rule_id].samples(rng))
        offset = len(docs[row].encode()) + 1
        docs[row] += "\n" + sample.doc
        write_shard(path, docs, row_group_size=ROW_GROUP)
        expected |= {(path.name, row, rid, offset + a, offset + b) for a, b, rid in sample.spans(rule_id)}
    return expected


def _findings(ws, name="reports"):
    lines = (ws.root / name / "findings.jsonl").read_text().splitlines()
    return {(f["shard"], f["row"], f["rule"], f["start"], f["end"]) for f in map(json.loads, lines)}


def _preflight(ws, *args, cache="cache"):
    env = dict(os.environ, PREFLIGHT_CACHE_DIR=str(ws.root / cache))
    env.pop("NANOCHAT_BASE_DIR", None)
    proc = subprocess.run([sys.executable, "-m", "preflight", *args, f"--base-dir={ws.base}",
                           f"--nanochat-dir={ws.checkout}"], cwd=ws.root, env=env,
                          capture_output=True, text=True, timeout=300)
    return proc.returncode, proc.stdout + proc.stderr


@pytest.fixture
def dirty(workspace):
    return workspace, _plant(workspace, PLANTS)


def test_checklist_reports_every_planted_secret_cold_and_warm_alike(dirty):
    ws, expected = dirty
    assert len({(s, r) for s, r, *_ in expected}) == len(PLANTS)
    cold = run_checklist(ws)
    assert cold.first_failure() == "test_20_secrets::test_no_secrets_in_data", cold.output
    assert _findings(ws) == expected and cold.summary["facts"]["dataset"]["cached_shards"] == 0
    cold_lines = (ws.root / "reports" / "findings.jsonl").read_text()
    warm = run_checklist(ws)
    assert warm.summary["facts"]["dataset"]["cached_shards"] == len(ws.shards())
    assert warm.first_failure() == cold.first_failure()
    assert (ws.root / "reports" / "findings.jsonl").read_text() == cold_lines


def test_preflight_scan_reports_them_too_cold_and_warm(dirty):
    ws, expected = dirty
    for _ in ("cold", "warm"):
        code, out = _preflight(ws, "scan", f"--reports-dir={ws.root / 'scan'}")
        assert code == 1 and f"{len(expected)} secret finding(s)" in out, out
        assert _findings(ws, "scan") == expected


def _damage_cache(folder, how):
    files = [p for p in folder.rglob("*") if p.is_file()]
    assert files, "the first run left no cache to damage"
    changed = 0
    for path in files:
        if how == "garbage":
            path.write_bytes(b"\x00not json{" + path.read_bytes()[:7])
        elif how == "truncated":
            path.write_bytes(path.read_bytes()[: max(1, path.stat().st_size // 2)])
        else:  # edited: the entry's JSON with every list of findings emptied, its header kept
            header, _, payload = path.read_bytes().partition(b"\n")
            try:
                data = json.loads(payload)
            except (ValueError, UnicodeDecodeError):
                continue
            edited = json.dumps(_drop_findings(data)).encode()
            if edited != payload:
                path.write_bytes(header + b"\n" + edited)
                changed += 1
    assert how != "edited" or changed, "no cache entry held findings to edit"


def _drop_findings(data):
    if isinstance(data, dict):
        return {k: ([] if k == "findings" else _drop_findings(v)) for k, v in data.items()}
    if isinstance(data, list):
        return [_drop_findings(v) for v in data]
    return data


@pytest.mark.parametrize("how", ["garbage", "truncated", "edited"])
def test_a_damaged_or_edited_cache_never_makes_dirty_data_green(dirty, how):
    ws, expected = dirty
    code, _ = _preflight(ws, "scan", f"--reports-dir={ws.root / 'scan'}")
    assert code == 1
    _damage_cache(ws.root / "cache", how)
    code, out = _preflight(ws, "scan", f"--reports-dir={ws.root / 'scan'}")
    assert code == 1 and _findings(ws, "scan") == expected, out


def test_sanitize_then_the_checklist_is_green_and_only_flagged_documents_changed(dirty):
    ws, expected = dirty
    before = {p.name: pq.read_table(p).column("text").to_pylist() for p in ws.shards()}
    code, out = _preflight(ws, "sanitize")
    assert code == 0, out
    flagged = {(s, r) for s, r, *_ in expected}
    for path in ws.shards():
        after = pq.read_table(path).column("text").to_pylist()
        for row, (old, new) in enumerate(zip(before[path.name], after)):
            assert (old == new) == ((path.name, row) not in flagged), (path.name, row)
    for shard, row, _, start, end in expected:
        secret = before[shard][row].encode()[start:end]
        assert all(secret not in d.encode() for p in ws.shards()
                   for d in pq.read_table(p).column("text").to_pylist())
    run = run_checklist(ws)
    assert run.code == 0, run.output


def test_baseline_round_trip(dirty):
    ws, expected = dirty
    baseline = ws.root / "reviewed.baseline"
    code, out = _preflight(ws, "scan", f"--update-baseline={baseline}")
    assert code == 0 and f"{len(expected)} finding(s) added" in out, out
    text = baseline.read_text()
    for shard, row, rule, start, end in expected:
        assert f"{rule} in {shard} row {row} bytes {start}-{end}" in text
    originals = {p.name: pq.read_table(p).column("text").to_pylist() for p in ws.shards()}
    for shard, row, _, start, end in expected:
        assert originals[shard][row].encode()[start:end].decode() not in text
    code, out = _preflight(ws, "scan", f"--secrets-baseline={baseline}")
    assert code == 0 and f"({len(expected)} suppressed by the baseline)" in out, out
    green = run_checklist(ws, f"--secrets-baseline={baseline}")
    assert green.code == 0, green.output
    assert green.summary["facts"]["secrets"]["baseline_suppressed"] == len(expected)
    # a new secret: red for that one alone, in the scan, the checklist and the sanitizer
    [new] = _plant(ws, [(2, 40, "github-token")], seed=9)
    code, out = _preflight(ws, "scan", f"--secrets-baseline={baseline}",
                           f"--reports-dir={ws.root / 'scan'}")
    assert code == 1 and _findings(ws, "scan") == {new}, out
    red = run_checklist(ws, f"--secrets-baseline={baseline}")
    assert red.first_failure() == "test_20_secrets::test_no_secrets_in_data" and _findings(ws) == {new}
    code, out = _preflight(ws, "sanitize", f"--secrets-baseline={baseline}")
    assert code == 0 and "replaced 1 secret(s)" in out, out
    assert run_checklist(ws, f"--secrets-baseline={baseline}").code == 0
    # extending the file keeps the reviewed lines and adds none twice
    _plant(ws, [(0, 77, "gcp-api-key")], seed=4)
    code, out = _preflight(ws, "scan", f"--update-baseline={baseline}", f"--secrets-baseline={baseline}")
    assert code == 0 and "1 finding(s) added" in out and baseline.read_text().startswith(text)
