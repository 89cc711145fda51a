"""The sanitizer on real parquet shards: dry run, in place, output folder, audit, baseline; what
reaches the disk before each rename, what verify refuses, another program writing meanwhile."""

import dataclasses
import hashlib
import json
import os
import random

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from iac_text import clean_documents, planted_documents
from preflight.secrets import sanitize
from preflight.secrets.sanitize import (SanitizeError, open_scanned, rewrite_shard, run_sanitize,
                                        scan_shard, verify_shard)
from preflight.util.atomic_write import stale_temps

TOKEN = "ghp_aB3dE5fG7hI9jK1lM3nO5pQ7rS9tU1vW3xY5"


def write_shard(path, docs, row_group_size=64, compression="zstd", **kw):
    table = pa.table({"text": pa.array(docs, pa.string()), "id": list(range(len(docs)))})
    pq.write_table(table, path, row_group_size=row_group_size, compression=compression,
                   use_dictionary=False, write_statistics=False, **kw)


PLANTED = {}  # data folder -> {(shard, row, rule, start, end)}: where the secrets were put


@pytest.fixture
def data_dir(tmp_path):
    d = tmp_path / "base_data"
    d.mkdir()
    docs, truth = planted_documents(300, seed=5, rate=0.3)
    docs[7] = None
    write_shard(d / "shard_00000.parquet", docs[:150])
    write_shard(d / "shard_00001.parquet", clean_documents(80, seed=6), compression="snappy")
    write_shard(d / "shard_00002.parquet", docs[150:], row_group_size=50)  # the val shard
    PLANTED[d] = {("shard_00000.parquet", i, rule, a, b) if i < 150 else
                  ("shard_00002.parquet", i - 150, rule, a, b)
                  for i, rule, a, b in truth if i != 7}
    return d


def planted_rows(data_dir, shard):
    return {row for name, row, *_ in PLANTED[data_dir] if name == shard}


def independent_fingerprint(rule, secret):
    """The documented fingerprint (truncated SHA-256 of rule and value), computed here."""
    return hashlib.sha256(b"preflight-secrets\0" + rule.encode() + b"\0" + secret).hexdigest()[:24]


def run(data_dir, scanner, tmp_path, **kw):
    lines = []
    kw.setdefault("audit_log", tmp_path / "audit.jsonl")
    code = run_sanitize(data_dir, scanner, out=lines.append, **kw)
    return code, "\n".join(lines)


def texts(path):
    return pq.read_table(path).column("text").to_pylist()


def test_dry_run_reports_and_changes_nothing(data_dir, scanner, tmp_path):
    before = {p.name: p.read_bytes() for p in data_dir.iterdir()}
    code, out = run(data_dir, scanner, tmp_path, dry_run=True)
    assert code == 0 and "nothing was changed" in out
    assert "shard_00001.parquet: clean" in out and "shard_00000.parquet: " in out
    assert {p.name: p.read_bytes() for p in data_dir.iterdir()} == before
    assert not (tmp_path / "audit.jsonl").exists()


def test_in_place_keeps_everything_but_the_secrets(data_dir, scanner, tmp_path):
    old = {p.name: pq.ParquetFile(p) for p in data_dir.glob("*.parquet")}
    old_texts = {name: texts(data_dir / name) for name in old}
    clean_bytes = (data_dir / "shard_00001.parquet").read_bytes()
    code, out = run(data_dir, scanner, tmp_path)
    assert code == 0, out
    for name, pf in old.items():
        new = pq.ParquetFile(data_dir / name)
        assert new.schema_arrow == pf.schema_arrow
        assert [new.metadata.row_group(i).num_rows for i in range(new.num_row_groups)] == \
            [pf.metadata.row_group(i).num_rows for i in range(pf.num_row_groups)]
        assert new.metadata.row_group(0).column(0).compression == \
            pf.metadata.row_group(0).column(0).compression
        assert pq.read_table(data_dir / name).column("id") == pf.read().column("id")
        after = texts(data_dir / name)
        changed = [i for i, (a, b) in enumerate(zip(old_texts[name], after)) if a != b]
        assert set(changed) == planted_rows(data_dir, name)
        for _, row, _, start, end in [t for t in PLANTED[data_dir] if t[0] == name]:
            assert old_texts[name][row].encode()[start:end] not in after[row].encode()
        assert scanner.scan_array(pa.array(after), name) == []
    assert (data_dir / "shard_00001.parquet").read_bytes() == clean_bytes
    [backup] = (data_dir / ".preflight-backup").iterdir()
    assert sorted(p.name for p in backup.iterdir()) == ["shard_00000.parquet", "shard_00002.parquet"]
    assert texts(backup / "shard_00000.parquet") == old_texts["shard_00000.parquet"]
    assert not stale_temps(data_dir)


def test_audit_log_records_every_replacement_without_secrets(data_dir, scanner, tmp_path):
    original = {p.name: texts(p) for p in data_dir.glob("*.parquet")}
    run(data_dir, scanner, tmp_path)
    records = [json.loads(x) for x in (tmp_path / "audit.jsonl").read_text().splitlines()]
    planted = PLANTED[data_dir]
    assert {(r["shard"], r["row"], r["rule"], r["start"], r["end"]) for r in records} == planted
    log = (tmp_path / "audit.jsonl").read_text()
    for shard, row, rule, start, end in planted:
        secret = original[shard][row].encode()[start:end]
        assert secret.decode() not in log
        [record] = [r for r in records if (r["shard"], r["row"], r["start"]) == (shard, row, start)]
        assert record["fingerprint"] == independent_fingerprint(rule, secret)


def test_second_run_changes_nothing(data_dir, scanner, tmp_path):
    run(data_dir, scanner, tmp_path)
    first = {p.name: p.read_bytes() for p in data_dir.glob("*.parquet")}
    code, out = run(data_dir, scanner, tmp_path)
    assert code == 0 and "replaced 0 secret(s)" in out
    assert {p.name: p.read_bytes() for p in data_dir.glob("*.parquet")} == first


def test_output_dir_gets_every_shard_and_the_source_is_untouched(data_dir, scanner, tmp_path):
    before = {p.name: p.read_bytes() for p in data_dir.glob("*.parquet")}
    out_dir = tmp_path / "clean"
    code, _ = run(data_dir, scanner, tmp_path, output_dir=out_dir)
    assert code == 0
    assert sorted(p.name for p in out_dir.glob("*.parquet")) == sorted(before)
    assert (out_dir / "shard_00001.parquet").read_bytes() == before["shard_00001.parquet"]
    assert {p.name: p.read_bytes() for p in data_dir.iterdir()} == before  # not even a lock file
    assert not (data_dir / ".preflight-backup").exists()
    for p in out_dir.glob("*.parquet"):
        assert scanner.scan_array(pa.array(texts(p)), p.name) == []


def test_no_backup_and_baseline(data_dir, scanner, tmp_path):
    docs = texts(data_dir / "shard_00000.parquet")
    [keep] = [f for f in scanner.scan_array(pa.array(docs), "x")][:1]
    code, _ = run(data_dir, scanner, tmp_path, no_backup=True,
                  reviewed=frozenset({keep.fingerprint}))
    assert code == 0 and not (data_dir / ".preflight-backup").exists()
    after = texts(data_dir / "shard_00000.parquet")
    assert after[keep.row].encode()[keep.start:keep.end] == \
        docs[keep.row].encode()[keep.start:keep.end]


def test_placeholders_keep_the_text_well_formed(tmp_path, scanner):
    d = tmp_path / "d"
    d.mkdir()
    pem = "-----BEGIN RSA PRIVATE KEY-----\n" + "\n".join(
        "".join(random.Random(i).choices("ABCDEFGHabcdefgh0123456789+/", k=64)) for i in range(8)
    ) + "\n-----END RSA PRIVATE KEY-----"
    docs = [f'resource "x" "y" {{\n  token = "{TOKEN}"\n}}\n',
            "ingress:\n  cidr: 52.12.34.56/32\n  upstream: 52.12.34.56:8443\n",
            f"key: |\n{pem}\nnext: 1\n"]
    write_shard(d / "shard_00000.parquet", docs)
    assert run(d, scanner, tmp_path)[0] == 0
    new = texts(d / "shard_00000.parquet")
    assert new[0] == 'resource "x" "y" {\n  token = "REDACTED_GITHUB_TOKEN"\n}\n'
    lines = new[1].splitlines()
    ip = lines[1].split()[1].split("/")[0]
    assert lines[1] == f"  cidr: {ip}/32" and lines[2] == f"  upstream: {ip}:8443"
    assert ip.startswith(("192.0.2.", "198.51.100.", "203.0.113."))
    assert new[2] == "key: |\nREDACTED_PRIVATE_KEY\nnext: 1\n"


def test_bad_input_is_one_line_naming_the_shard(tmp_path, scanner):
    d = tmp_path / "d"
    d.mkdir()
    (d / "shard_00000.parquet").write_bytes(b"not parquet")
    code, out = run(d, scanner, tmp_path)
    assert code == 2 and out.startswith("error: shard_00000.parquet: cannot read")
    write_shard(d / "shard_00000.parquet", ["x"])
    pq.write_table(pa.table({"body": ["x"]}), d / "shard_00001.parquet")
    code, out = run(d, scanner, tmp_path)
    assert code == 2 and "shard_00001.parquet: no 'text' column" in out
    assert run(tmp_path / "missing", scanner, tmp_path)[0] == 2


def test_the_sanitize_command(data_dir, tmp_path, capsys):
    from preflight.cli import main
    baseline = tmp_path / "baseline"
    baseline.write_text("# nothing reviewed yet\n")
    common = ["--data-dir", str(data_dir), "--reports-dir", str(tmp_path / "reports")]
    assert main(["sanitize", *common, "--dry-run", "--baseline", str(baseline),
                 "--allow-ip", "52.0.0.0/8", "--audit-log", str(tmp_path / "a")]) == 0
    assert "nothing was changed" in capsys.readouterr().out
    assert main(["sanitize", *common, "--rules", str(tmp_path / "missing.toml")]) == 2
    assert "missing.toml: cannot read rule file" in capsys.readouterr().err


def test_offsets_are_applied_only_to_the_file_they_were_found_in(data_dir, scanner, tmp_path):
    """Another program replaces the shard between the scan and the rewrite: nothing is written."""
    path = data_dir / "shard_00000.parquet"
    scan = scan_shard(path, scanner)
    assert scan.findings and len(scan.digest) == 64
    with open_scanned(path, scan) as source:  # the very file: its rows come through
        assert source.metadata.num_rows == 150
    replacement = tmp_path / "other.parquet"
    write_shard(replacement, ["  " + (d or "") for d in texts(path)])  # every offset moves by 2
    os.replace(replacement, path)
    with pytest.raises(SanitizeError, match="shard_00000.parquet: changed since it was scanned"):
        with open_scanned(path, scan):
            pass
    rescan = scan_shard(path, scanner)  # the same identity with another content hash
    with pytest.raises(SanitizeError, match="changed since it was scanned"):
        with open_scanned(path, dataclasses.replace(rescan, digest="0" * 64)):
            pass


def test_dictionary_encoded_text_is_sanitized_and_stays_dictionary_encoded(tmp_path, scanner):
    d = tmp_path / "d"
    d.mkdir()
    docs, _ = planted_documents(60, seed=3, rate=0.5)
    table = pa.table({"text": pa.array(docs).dictionary_encode(), "id": list(range(60))})
    pq.write_table(table, d / "shard_00000.parquet", row_group_size=16)
    code, out = run(d, scanner, tmp_path, no_backup=True)
    assert code == 0 and "replaced 0 secret(s)" not in out, out
    after = pq.read_table(d / "shard_00000.parquet")
    assert after.schema == table.schema
    assert scanner.scan_array(after.column("text").cast(pa.string()), "x") == []
    assert after.column("id") == table.column("id")


@pytest.mark.skipif(not os.path.isdir("/proc/self/fd"), reason="names open files through /proc")
def test_each_shard_and_the_audit_log_are_on_disk_before_the_rename(data_dir, scanner, tmp_path,
                                                                    monkeypatch):
    """The real fsync and rename run; the test records which file each one was for, in order."""
    events, real_fsync, real_replace = [], os.fsync, os.replace

    def fsync(fd):
        events.append(("fsync", os.readlink(f"/proc/self/fd/{fd}")))
        return real_fsync(fd)

    def replace(src, dst, **kw):
        events.append(("rename", str(src), str(dst)))
        return real_replace(src, dst, **kw)

    monkeypatch.setattr(os, "fsync", fsync)
    monkeypatch.setattr(os, "replace", replace)
    audit = str(tmp_path / "audit.jsonl")
    assert run(data_dir, scanner, tmp_path, audit_log=audit)[0] == 0
    renames = [i for i, e in enumerate(events) if e[0] == "rename" and e[2].endswith(".parquet")]
    assert [os.path.basename(events[i][2]) for i in renames] == ["shard_00000.parquet",
                                                                 "shard_00002.parquet"]
    previous = -1
    for i in renames:
        synced = [e[1] for e in events[previous + 1:i] if e[0] == "fsync"]
        assert events[i][1] in synced, "the new shard was renamed before it was synced"
        assert audit in synced, "the audit record was not synced before the rename"
        assert ("fsync", str(data_dir)) in events[i + 1:], "the rename itself was not synced"
        previous = i


def _write_like(path, docs, ids, row_group_size):
    pq.write_table(pa.table({"text": pa.array(docs, pa.string()), "id": ids}), path,
                   row_group_size=row_group_size)


def test_verify_refuses_any_rewrite_but_the_right_one(data_dir, scanner, tmp_path):
    """A rewrite that touches a row without findings, leaves a secret, moves rows between row
    groups or changes another column is refused; the rewriter's own output passes."""
    path = data_dir / "shard_00000.parquet"
    scan = scan_shard(path, scanner)
    flagged = scan.rows[0]
    original = texts(path)
    with open_scanned(path, scan) as source:
        good = tmp_path / "good.parquet"
        rewrite_shard(source, good, scan, scanner)
        verify_shard(source, good, scan, scanner)
        docs, ids = texts(good), list(range(150))
        unflagged = next(r for r in range(150) if r not in scan.rows and docs[r])
        bad = {
            "rows without findings changed": (
                [d + " " if r == unflagged else d for r, d in enumerate(docs)], ids, 64),
            f"row {flagged} still has a": (
                [original[r] if r == flagged else d for r, d in enumerate(docs)], ids, 64),
            "different row groups": (docs, ids, 50),
            "a column other than 'text' changed": (docs, ids[::-1], 64),
        }
        for message, (new_docs, new_ids, group) in bad.items():
            dst = tmp_path / "bad.parquet"
            _write_like(dst, new_docs, new_ids, group)
            with pytest.raises(SanitizeError, match=message):
                verify_shard(source, dst, scan, scanner)


def test_a_shard_another_program_replaces_during_the_rewrite_is_left_to_it(data_dir, scanner,
                                                                           tmp_path, monkeypatch):
    """Another program renames its own shard over the one being sanitized after the rewrite was
    verified, before the rename: its file stays, and nothing is renamed over it."""
    path, theirs = data_dir / "shard_00000.parquet", tmp_path / "theirs.parquet"
    write_shard(theirs, ["another program's document"] * 10)
    expected = theirs.read_bytes()
    real_verify = sanitize.verify_shard

    def verify_then_replaced(source, dst, scan, *args):
        real_verify(source, dst, scan, *args)
        if scan.name == path.name:
            os.replace(theirs, path)

    monkeypatch.setattr(sanitize, "verify_shard", verify_then_replaced)
    code, out = run(data_dir, scanner, tmp_path)
    assert code == 2 and "error: shard_00000.parquet: changed since it was scanned" in out, out
    assert path.read_bytes() == expected and not stale_temps(data_dir)
