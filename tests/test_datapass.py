"""The single data pass: facts equal a direct computation on the same real parquet files; the cache
serves unchanged files and re-reads changed ones; listing follows nanochat's rule."""

import json
import os

import pyarrow as pa
import pyarrow.parquet as pq
from hypothesis import HealthCheck, given, settings, strategies as st

from preflight.data.datapass import LENGTH_BINS, read_shard, run_pass
from preflight.data.shard_writer import write_shard
from preflight.data.shards import index_gaps, leftover_tmp_files, list_shards

docs_strategy = st.lists(st.one_of(st.text(max_size=300), st.just("")), min_size=1, max_size=60)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(docs=docs_strategy, row_group=st.integers(1, 16))
def test_facts_equal_direct_computation(tmp_path_factory, docs, row_group):
    path = tmp_path_factory.mktemp("s") / "shard_00000.parquet"
    write_shard(path, docs, row_group_size=row_group)
    facts = read_shard(path, sample_bytes=10_000)
    encoded = [d.encode("utf-8") for d in docs]
    assert facts.error is None
    assert facts.rows == len(docs)
    assert facts.text_bytes == sum(map(len, encoded))
    assert facts.empty_docs == sum(1 for d in docs if not d)
    assert facts.row_groups == pq.ParquetFile(path).num_row_groups
    assert sum(facts.length_hist) == len(docs) and len(facts.length_hist) == LENGTH_BINS
    assert facts.length_hist[0] == facts.empty_docs
    assert all(d in docs and d for d in facts.sample)


def test_nulls_count_as_empty(tmp_path):
    path = tmp_path / "shard_00000.parquet"
    pq.write_table(pa.table({"text": pa.array(["a", None, "bc"])}), path)
    facts = read_shard(path)
    assert (facts.rows, facts.empty_docs, facts.text_bytes) == (3, 1, 3)


def test_cache_serves_unchanged_and_rereads_changed(tmp_path):
    paths = [tmp_path / f"shard_0000{i}.parquet" for i in range(3)]
    for i, p in enumerate(paths):
        write_shard(p, [f"doc {i} {j}" for j in range(50)], row_group_size=10)
    cache = tmp_path / "cache"
    first = run_pass(paths, cache_dir=cache, workers=1)
    assert first.cached == 0
    again = run_pass(paths, cache_dir=cache, workers=2)
    assert again.cached == 3
    assert [s.text_bytes for s in again.shards] == [s.text_bytes for s in first.shards]
    write_shard(paths[1], ["changed"] * 7, row_group_size=10)
    os.utime(paths[1], ns=(1, 1))  # a different mtime even on coarse clocks
    third = run_pass(paths, cache_dir=cache, workers=1)
    assert third.cached == 2 and third.shards[1].rows == 7


def test_parallel_equals_serial(tmp_path):
    paths = []
    for i in range(4):
        paths.append(tmp_path / f"shard_0000{i}.parquet")
        write_shard(paths[-1], [f"x{i}" * j for j in range(100)], row_group_size=16)
    serial = run_pass(paths, workers=1, sample_bytes=500)
    parallel = run_pass(paths, workers=2, sample_bytes=500)
    assert serial.shards == parallel.shards


def test_broken_shards_are_reported_not_raised(tmp_path):
    bad = tmp_path / "shard_00000.parquet"
    bad.write_bytes(b"PAR1 not really")
    facts = read_shard(bad)
    assert facts.error_kind == "open" and facts.error.startswith("shard_00000.parquet: ")


def test_listing_follows_nanochat(tmp_path):
    for name in ("shard_00002.parquet", "shard_00000.parquet", "other.parquet",
                 "shard_00003.parquet.tmp", "notes.txt"):
        (tmp_path / name).write_bytes(b"")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "shard_00001.parquet").write_bytes(b"")
    assert [p.name for p in list_shards(tmp_path)] == ["other.parquet", "shard_00000.parquet",
                                                       "shard_00002.parquet"]
    assert [p.name for p in leftover_tmp_files(tmp_path)] == ["shard_00003.parquet.tmp"]
    assert list_shards(tmp_path / "missing") == []


def test_symlinked_data_dir_is_followed(tmp_path):
    real = tmp_path / "iac_data"
    real.mkdir()
    (real / "shard_00000.parquet").write_bytes(b"")
    (tmp_path / "base_data").symlink_to(real)
    assert [p.name for p in list_shards(tmp_path / "base_data")] == ["shard_00000.parquet"]


def test_index_gaps_ignore_a_pinned_validation_shard(tmp_path):
    names = ["shard_00000.parquet", "shard_00001.parquet", "shard_00003.parquet", "shard_06542.parquet"]
    assert index_gaps([tmp_path / n for n in names]) == [2]
    assert index_gaps([tmp_path / n for n in names[:2] + names[3:]]) == []


def test_a_new_shard_does_not_redo_the_others(tmp_path):
    """The sample budget per shard changes with the shard count; statistics and findings do not."""
    paths = [tmp_path / f"shard_0000{i}.parquet" for i in range(3)]
    for i, p in enumerate(paths):
        write_shard(p, [f"doc {i} {j} " * 20 for j in range(50)], row_group_size=10)
    cache = tmp_path / "cache"
    first = run_pass(paths[:2], sample_bytes=[3000, 3000], cache_dir=cache, workers=1)
    for entry in cache.rglob("*.json"):  # mark the cached statistics: a re-read would lose it
        data = json.loads(entry.read_text())
        if isinstance(data, dict):
            entry.write_text(json.dumps(dict(data, empty_docs=-7)))
    second = run_pass(paths, sample_bytes=[1500, 1500, 3000], cache_dir=cache, workers=1)
    assert [s.empty_docs for s in second.shards] == [-7, -7, 0]
    assert [s.rows for s in second.shards[:2]] == [s.rows for s in first.shards]
    assert sum(len(d) for d in second.shards[0].sample) < sum(len(d) for d in first.shards[0].sample)
    assert second.cached == 0 and run_pass(paths, sample_bytes=[1500, 1500, 3000],
                                           cache_dir=cache, workers=1).cached == 3


def test_a_broken_symlink_is_a_shard_error(tmp_path):
    (tmp_path / "shard_00000.parquet").symlink_to(tmp_path / "gone.parquet")
    dp = run_pass([tmp_path / "shard_00000.parquet"], cache_dir=tmp_path / "cache")
    assert dp.shards[0].error_kind == "open" and dp.shards[0].error.startswith("shard_00000.parquet: ")
