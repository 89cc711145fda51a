"""The single data pass: facts equal a direct computation on the same real parquet files; the cache
serves unchanged files and re-reads changed ones; listing follows nanochat's rule."""

import json
import os

from dataclasses import asdict

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from preflight.config import build_settings
from preflight.data import verdicts
from preflight.data.datapass import (CACHE_FOLDER, LENGTH_BINS, PASS_VERSION, forget_shard,
                                     read_shard, run_pass, shard_group, still_opens)
from preflight.data.shard_writer import write_shard
from preflight.data.shards import index_gaps, leftover_tmp_files, list_shards, validation_by_number
from preflight.secrets import ScannerConfig
from preflight.util.cache import JsonCache, cache_key, file_identity

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
    cache, scan = tmp_path / "cache", ScannerConfig()
    first = run_pass(paths[:2], sample_bytes=[3000, 3000], cache_dir=cache, workers=1,
                     scan_config=scan)
    entries = JsonCache(cache)
    for entry in cache.rglob("*.json"):  # mark the cached statistics: a re-read would lose it
        data = entries.get(entry.stem, entry.parent.name)
        if isinstance(data, dict):
            entries.put(entry.stem, dict(data, empty_docs=-7), entry.parent.name)
    second = run_pass(paths, sample_bytes=[1500, 1500, 3000], cache_dir=cache, workers=1,
                      scan_config=scan)
    assert [s.empty_docs for s in second.shards] == [-7, -7, 0]
    assert [s.rows for s in second.shards[:2]] == [s.rows for s in first.shards]
    assert sum(len(d) for d in second.shards[0].sample) < sum(len(d) for d in first.shards[0].sample)
    assert second.cached == 0 and run_pass(paths, sample_bytes=[1500, 1500, 3000],
                                           cache_dir=cache, workers=1, scan_config=scan).cached == 3


def test_a_broken_symlink_is_a_shard_error(tmp_path):
    (tmp_path / "shard_00000.parquet").symlink_to(tmp_path / "gone.parquet")
    dp = run_pass([tmp_path / "shard_00000.parquet"], cache_dir=tmp_path / "cache")
    assert dp.shards[0].error_kind == "open" and dp.shards[0].error.startswith("shard_00000.parquet: ")


# ----------------------------------------------------------------------------------------------
# nulls, dictionary-encoded text, names nanochat orders differently

def test_null_documents_are_counted_and_named(tmp_path):
    path = tmp_path / "shard_00000.parquet"
    docs = [None if i in (3, 40, 41) else f"doc {i}" for i in range(60)]
    pq.write_table(pa.table({"text": pa.array(docs, pa.string())}), path, row_group_size=16)
    facts = read_shard(path)
    assert (facts.null_docs, facts.null_rows) == (3, [3, 40, 41])
    finding = verdicts.no_null_documents(run_pass([path]))
    assert finding.status == "fail"
    assert "shard_00000.parquet: 3 null document(s), row(s) 3, 40, 41" in finding.message
    assert "TypeError" in finding.message


def test_dictionary_encoded_text_is_read_like_plain_text(tmp_path):
    docs = [f"resource {i % 7}" if i % 5 else "" for i in range(100)] + [None]
    plain, encoded = tmp_path / "plain.parquet", tmp_path / "dict.parquet"
    pq.write_table(pa.table({"text": pa.array(docs, pa.string())}), plain, row_group_size=30)
    pq.write_table(pa.table({"text": pa.array(docs, pa.string()).dictionary_encode()}), encoded,
                   row_group_size=30)
    assert pa.types.is_dictionary(pq.ParquetFile(encoded).schema_arrow.field("text").type)
    a, b = read_shard(plain, sample_bytes=500), read_shard(encoded, sample_bytes=500)
    assert b.error is None, b.error
    assert (b.rows, b.text_bytes, b.empty_docs, b.null_docs, b.length_hist, b.sample) == \
        (a.rows, a.text_bytes, a.empty_docs, a.null_docs, a.length_hist, a.sample)
    assert b.text_bytes == sum(len(d.encode()) for d in docs if d)


def test_unpadded_names_warn_and_name_nanochats_validation_shard(tmp_path):
    for i in range(11):
        write_shard(tmp_path / f"shard_{i}.parquet", [f"doc {i}"])
    shards = list_shards(tmp_path)
    nanochat = sorted(f for f in os.listdir(tmp_path) if f.endswith(".parquet"))  # its own rule
    assert shards[-1].name == nanochat[-1] == "shard_9.parquet"
    assert validation_by_number(shards).name == "shard_10.parquet"
    settings = build_settings(base_dir=tmp_path, nanochat_dir=tmp_path, gpus=1)
    warned = [f.message for f in verdicts.hygiene(settings, shards, run_pass(shards))]
    assert any("validation shard is shard_9.parquet, not shard_10.parquet" in m for m in warned)
    padded = [tmp_path / n for n in ("shard_00009.parquet", "shard_00010.parquet")]
    assert validation_by_number(padded) is None


# ----------------------------------------------------------------------------------------------
# what the cache trusts

def _secret_shard(path):
    docs = [f"doc {j}" for j in range(40)]
    docs[3] = f'aws_secret_access_key = "{SECRET}"'
    write_shard(path, docs, row_group_size=10)


SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYzQ8Hs9xKpL"


def test_a_shard_corrupted_in_place_with_its_mtime_restored_is_read_again(tmp_path):
    path = tmp_path / "shard_00000.parquet"
    write_shard(path, [f"document number {j} " * 30 for j in range(64)], row_group_size=16)
    cache = tmp_path / "cache"
    assert run_pass([path], cache_dir=cache).shards[0].error is None
    st = path.stat()
    column = pq.ParquetFile(path).metadata.row_group(1).column(0)
    data = bytearray(path.read_bytes())
    start = column.data_page_offset + column.total_compressed_size // 2
    data[start:start + 32] = bytes(32)
    with open(path, "r+b") as f:  # in place: same inode, same size
        f.write(data)
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert (path.stat().st_size, path.stat().st_mtime_ns) == (st.st_size, st.st_mtime_ns)
    warm = run_pass([path], cache_dir=cache)
    assert warm.cached == 0 and warm.shards[0].error_kind == "decode", warm.shards[0]


def test_a_cache_entry_for_this_very_file_is_not_trusted_when_the_file_does_not_open(tmp_path):
    """The identity says unchanged, yet the file is broken (a bad disk): the footer read says no."""
    good, path = tmp_path / "good.parquet", tmp_path / "shard_00000.parquet"
    write_shard(good, ["a document"] * 20)
    path.write_bytes(good.read_bytes()[:-8] + b"\0" * 8)
    cache = JsonCache(tmp_path / "cache")
    facts = {k: v for k, v in asdict(read_shard(good)).items() if k != "sample"}
    identity = file_identity(path)
    group = shard_group(str(path.resolve()))
    cache.put(cache_key(PASS_VERSION, identity, None), dict(facts, name=path.name), group)
    cache.put(cache_key(PASS_VERSION, identity, "sample", 0), [], group)
    assert not still_opens(path, path.stat().st_size) and still_opens(good, good.stat().st_size)
    dp = run_pass([path], cache_dir=tmp_path / "cache")
    assert dp.cached == 0 and dp.shards[0].error_kind == "open"


@pytest.mark.parametrize("edit", ["empty", "findings-cleared", "truncated", "other-key"])
def test_an_edited_cache_entry_is_recomputed_never_trusted(tmp_path, edit):
    path = tmp_path / "shard_00000.parquet"
    _secret_shard(path)
    scan, cache = ScannerConfig(), tmp_path / "cache"
    first = run_pass([path], cache_dir=cache, scan_config=scan, sample_bytes=100)
    assert len(first.shards[0].findings) == 1
    entries = sorted(cache.rglob("*.json"))
    facts_file = next(e for e in entries if b'"findings"' in e.read_bytes())
    header, _, payload = facts_file.read_bytes().partition(b"\n")
    data = json.loads(payload)
    facts_file.write_bytes({
        "empty": b"{}",
        "findings-cleared": header + b"\n" + json.dumps(dict(data, findings=[])).encode(),
        "truncated": header + b"\n" + payload[:len(payload) // 2],
        "other-key": b"0" * 64 + header[64:] + b"\n" + payload,
    }[edit])
    again = run_pass([path], cache_dir=cache, scan_config=scan, sample_bytes=100)
    assert again.cached == 0 and again.shards[0].findings == first.shards[0].findings


def test_a_well_formed_entry_of_another_shape_is_a_miss(tmp_path):
    path = tmp_path / "shard_00000.parquet"
    write_shard(path, ["x"] * 10)
    cache = tmp_path / "cache"
    run_pass([path], cache_dir=cache)
    entries = JsonCache(cache)
    for entry in cache.rglob("*.json"):
        entries.put(entry.stem, {"rows": "many"} if "rows" in entry.read_text() else {"a": 1},
                    entry.parent.name)
    again = run_pass([path], cache_dir=cache)
    assert again.cached == 0 and again.shards[0].rows == 10


def test_no_document_with_a_finding_is_sampled_or_cached(tmp_path):
    secret_shard, clean_shard = tmp_path / "shard_00000.parquet", tmp_path / "shard_00001.parquet"
    _secret_shard(secret_shard)  # the secret is in row 3, among the sampled leading documents
    write_shard(clean_shard, [f"clean doc {j}" for j in range(40)], row_group_size=10)
    scan, cache = ScannerConfig(), tmp_path / "cache"
    cold = run_pass([secret_shard, clean_shard], cache_dir=cache, scan_config=scan,
                    sample_bytes=10_000)
    assert [f["row"] for f in cold.shards[0].findings] == [3]
    assert cold.shards[0].sample == [f"doc {j}" for j in range(40) if j != 3]
    stored = b"".join(p.read_bytes() for p in cache.rglob("*") if p.is_file())
    assert SECRET.encode() not in stored and b"clean doc 7" in stored and b"doc 39" in stored
    warm = run_pass([secret_shard, clean_shard], cache_dir=cache, scan_config=scan,
                    sample_bytes=10_000)
    assert warm.cached == 2 and warm.shards == cold.shards
    bigger = run_pass([secret_shard, clean_shard], cache_dir=cache, scan_config=scan,
                      sample_bytes=20_000)  # a new budget: the sample is read again, not rescanned
    assert bigger.cached == 0 and bigger.shards[0].sample == cold.shards[0].sample
    unscanned = tmp_path / "unscanned"
    run_pass([secret_shard], cache_dir=unscanned, sample_bytes=10_000)
    assert SECRET.encode() not in b"".join(p.read_bytes() for p in unscanned.rglob("*.json"))


def test_cache_files_are_private(tmp_path):
    path = tmp_path / "shard_00000.parquet"
    write_shard(path, ["x"] * 10)
    cache = tmp_path / "home-cache" / "nanochat-preflight" / CACHE_FOLDER
    old = cache / shard_group(str(path.resolve()))
    old.mkdir(parents=True)
    os.chmod(old, 0o755)  # a folder an older version (or a loose umask) left open
    run_pass([path], cache_dir=cache, sample_bytes=5)
    modes = {p: p.stat().st_mode & 0o777 for p in cache.rglob("*")}
    assert len(modes) == 2 and all(m == (0o700 if p.is_dir() else 0o600)
                                   for p, m in modes.items()), modes
    fresh = tmp_path / "fresh" / "nanochat-preflight" / CACHE_FOLDER
    run_pass([path], cache_dir=fresh, sample_bytes=5)
    assert {p.stat().st_mode & 0o777 for p in (fresh, fresh.parent, *fresh.rglob("*"))
            if p.is_dir()} == {0o700}


def test_the_compiled_rules_cache_is_private(tmp_path, monkeypatch):
    pytest.importorskip("hyperscan")
    from preflight.secrets import build_scanner
    monkeypatch.setenv("PREFLIGHT_CACHE_DIR", str(tmp_path / "cache"))
    build_scanner(ScannerConfig(b64_min_len=97, engine="hyperscan"))  # a key no run compiled
    made = list((tmp_path / "cache").rglob("*"))
    assert any(p.suffix == ".db" for p in made)
    assert all(p.stat().st_mode & 0o777 == (0o700 if p.is_dir() else 0o600) for p in made)
    assert (tmp_path / "cache").stat().st_mode & 0o777 == 0o700


def test_forget_shard_drops_only_that_shard(tmp_path):
    paths = [tmp_path / f"shard_0000{i}.parquet" for i in range(2)]
    for p in paths:
        write_shard(p, ["x"] * 10)
    cache = tmp_path / "cache" / CACHE_FOLDER
    run_pass(paths, cache_dir=cache)
    forget_shard(tmp_path / "cache", paths[0])
    assert run_pass(paths, cache_dir=cache).cached == 1


def test_every_rank_needs_a_row_group_of_train_and_of_validation_data(tmp_path):
    """Train shards of 4 and 2 row groups, validation of 3: up to 3 ranks are fed; at 4 the
    validation shard starves rank 3; at 5 the train shards starve rank 4 too (named first)."""
    groups = {"shard_00000.parquet": 4, "shard_00001.parquet": 2, "shard_00002.parquet": 3}
    paths = []
    for name, n in groups.items():
        paths.append(tmp_path / name)
        write_shard(paths[-1], [f"{name} doc {j}" for j in range(10 * n)], row_group_size=10)
    dp = run_pass(paths)
    assert [s.row_groups for s in dp.shards] == list(groups.values())
    assert verdicts.ranks_fed(dp, 3).status == "ok"
    four = verdicts.ranks_fed(dp, 4)
    assert four.status == "fail" and "shard_00002.parquet (validation) has 3 row group(s) for 4 " \
                                    "ranks: ranks 3..3 get no validation data" in four.message
    five = verdicts.ranks_fed(dp, 5)
    assert five.status == "fail" and "more than 4 row group(s), but 5 ranks are planned: ranks " \
                                    "4..4 get no data" in five.message


def test_a_new_scanner_configuration_rescans_a_cached_shard(tmp_path):
    """Facts cached under one scanner configuration never answer for another: an address allowed
    now was a finding before, and is one again when the allowance goes."""
    path = tmp_path / "shard_00000.parquet"
    write_shard(path, ["ingress:\n  cidr: 52.12.34.56/32\n"] + [f"doc {j}" for j in range(9)])
    cache, default = tmp_path / "cache", ScannerConfig()
    allowing = ScannerConfig(allow_ips=default.allow_ips + ("52.12.34.56",))
    cold = run_pass([path], cache_dir=cache, scan_config=default)
    assert [f["row"] for f in cold.shards[0].findings] == [0]
    allowed = run_pass([path], cache_dir=cache, scan_config=allowing)
    assert allowed.cached == 0 and allowed.shards[0].findings == []
    again = run_pass([path], cache_dir=cache, scan_config=default)
    assert again.cached == 1 and [f["row"] for f in again.shards[0].findings] == [0]
