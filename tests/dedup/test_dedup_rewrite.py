"""`preflight dedup` on real parquet shards: dry run, in place, what stays, the audit log, the
rank check, the folder lock, and a second run that changes nothing."""

import json

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from planted import planted_corpus, reference_normalise, write_dataset
from preflight.data.dedup_rewrite import DedupError, rewrite_shard, run_dedup, verify_shard
from preflight.data.doc_hashes import MinHashConfig, exact_hashes
from preflight.util.atomic_write import stale_temps
from preflight.util.lock import folder_lock

CONFIG = MinHashConfig()


def run(data_dir, tmp_path, **kw):
    lines = []
    kw.setdefault("audit_log", tmp_path / "audit.jsonl")
    kw.setdefault("config", CONFIG)
    code = run_dedup(data_dir, out=lines.append, **kw)
    return code, "\n".join(lines)


def texts(path):
    return pq.read_table(path).column("text").to_pylist()


@pytest.fixture
def dataset(tmp_path):
    train, val = planted_corpus(seed=21, n_unique=300, exact_rate=0.15, near_rate=0.1,
                                val_docs=80, overlap_rate=0.1)
    return write_dataset(tmp_path / "data", train, val, shards=3, row_group_size=16), train, val


def test_dry_run_changes_nothing(dataset, tmp_path):
    shards, _, _ = dataset
    before = {p: p.read_bytes() for p in shards}
    code, out = run(shards[0].parent, tmp_path, dry_run=True)
    assert code == 0 and "nothing was changed (dry run)" in out and "documents go" in out
    assert {p: p.read_bytes() for p in shards} == before
    assert not (tmp_path / "audit.jsonl").exists()


def test_exact_dedup_keeps_first_occurrences_schema_codecs_and_row_group_size(dataset, tmp_path):
    shards, train, val = dataset
    old = {p.name: pq.ParquetFile(p) for p in shards}
    code, out = run(shards[0].parent, tmp_path, ranks=2)
    assert code == 0, out
    seen, expected_train = set(), []
    for doc in train:
        if reference_normalise(doc) not in seen or not reference_normalise(doc):
            expected_train.append(doc)
        seen.add(reference_normalise(doc))
    expected_val, val_seen = [], set()
    for doc in val:
        key = reference_normalise(doc)
        if not key or (key not in seen and key not in val_seen):
            expected_val.append(doc)
        val_seen.add(key)
    assert texts(shards[0]) + texts(shards[1]) == expected_train
    assert texts(shards[2]) == expected_val
    for p in shards:
        new = pq.ParquetFile(p)
        assert new.schema_arrow.equals(old[p.name].schema_arrow, check_metadata=True)
        assert new.metadata.row_group(0).column(0).compression == "ZSTD"
        sizes = [new.metadata.row_group(i).num_rows for i in range(new.num_row_groups)]
        assert all(n == 16 for n in sizes[:-1]) and 0 < sizes[-1] <= 16
    records = [json.loads(line) for line in (tmp_path / "audit.jsonl").read_text().splitlines()]
    gone = len(train) + len(val) - len(expected_train) - len(expected_val)
    assert len(records) == gone and all(r["reason"] == "exact copy" for r in records)
    assert {r["split"] for r in records} == {"train", "validation"}
    assert "text" not in json.dumps(records) and all(len(r["hash"]) == 16 for r in records)
    [backup] = (shards[0].parent / ".preflight-backup").iterdir()
    assert texts(backup / shards[2].name) == val
    assert not stale_temps(shards[0].parent)
    # idempotent: the second run finds nothing and writes nothing
    after = {p: p.read_bytes() for p in shards}
    code, out = run(shards[0].parent, tmp_path, ranks=2)
    assert code == 0 and "nothing to remove" in out
    assert {p: p.read_bytes() for p in shards} == after


def test_near_dedup_also_removes_near_copies_and_other_columns_follow(tmp_path):
    base = " ".join(f"word{i}" for i in range(400))
    other = " ".join(f"other{i}" for i in range(50))
    parts = [[base, base.replace("word200", "word200x")], ["unrelated " * 50], [base + " v2", other]]
    folder = tmp_path / "data"
    folder.mkdir()
    for k, part in enumerate(parts):
        pq.write_table(pa.table({"text": part, "id": [10 * k + i for i in range(len(part))]}),
                       folder / f"shard_{k:05d}.parquet", row_group_size=4)
    code, out = run(folder, tmp_path, dry_run=True)
    assert code == 0 and "would remove 0 of 5" in out
    code, out = run(folder, tmp_path, near=True, dry_run=True)
    assert code == 0 and "would remove 2 of 5" in out
    code, out = run(folder, tmp_path, near=True)
    assert code == 0 and "near copy" in (tmp_path / "audit.jsonl").read_text()
    t0 = pq.read_table(folder / "shard_00000.parquet")
    assert t0.column("text").to_pylist() == [base] and t0.column("id").to_pylist() == [0]
    t2 = pq.read_table(folder / "shard_00002.parquet")
    assert t2.column("text").to_pylist() == [other] and t2.column("id").to_pylist() == [21]


def test_refuses_when_a_rank_would_lose_its_validation_row_group(tmp_path):
    train, val = planted_corpus(seed=22, n_unique=200, exact_rate=0, near_rate=0, val_docs=48,
                                overlap_rate=0)
    shards = write_dataset(tmp_path / "data", train, val + train[:16], row_group_size=16)
    before = {p: p.read_bytes() for p in shards}
    code, out = run(shards[0].parent, tmp_path, ranks=4)  # 4 validation row groups, then 3
    assert code == 2 and "refused" in out and "validation" in out and "--gpus" in out
    assert {p: p.read_bytes() for p in shards} == before
    code, out = run(shards[0].parent, tmp_path, ranks=3)
    assert code == 0 and pq.ParquetFile(shards[-1]).num_row_groups == 3


def test_refuses_when_validation_would_be_empty(tmp_path):
    folder = tmp_path / "data"
    write_dataset(folder, ["a doc", "b doc"], ["a doc", "b doc\n"], shards=2)
    code, out = run(folder, tmp_path)
    assert code == 2 and "no documents at all" in out


def test_a_second_writer_is_refused(dataset, tmp_path):
    shards, _, _ = dataset
    with folder_lock(shards[0].parent, "preflight sanitize"):
        code, out = run(shards[0].parent, tmp_path)
    assert code == 2 and "being rewritten by another process" in out and "sanitize" in out


def test_unreadable_shard_is_one_line(dataset, tmp_path):
    shards, _, _ = dataset
    shards[1].write_bytes(b"not parquet")
    code, out = run(shards[0].parent, tmp_path)
    assert code == 2 and out.count("\n") == 0 and shards[1].name in out


def test_verify_refuses_any_rewrite_but_the_kept_documents_in_order(dataset, tmp_path):
    """The expected hashes are of the documents this test keeps (every third goes); a rewrite that
    keeps another set, reorders them or cuts other row groups is refused."""
    shards, _, _ = dataset
    src = shards[0]
    docs = texts(src)
    keep = np.array([i % 3 != 0 for i in range(len(docs))])
    kept = [d for d, k in zip(docs, keep) if k]
    expected = exact_hashes(pa.array(kept, pa.string()))
    good = tmp_path / "good.parquet"
    rewrite_shard(src, good, keep, 16)
    assert texts(good) == kept
    verify_shard(src, good, expected, 16)
    bad = {"does not hold the kept documents": (kept[1:] + kept[:1], 16),
           "rows in row groups": (kept, 8)}
    for message, (rows, group) in bad.items():
        dst = tmp_path / "bad.parquet"
        pq.write_table(pa.table({"text": pa.array(rows, pa.string())}), dst, row_group_size=group)
        with pytest.raises(DedupError, match=message):
            verify_shard(src, dst, expected, 16)
    everything = tmp_path / "everything.parquet"
    rewrite_shard(src, everything, np.ones(len(docs), bool), 16)
    with pytest.raises(DedupError, match="rows in row groups"):
        verify_shard(src, everything, expected, 16)
