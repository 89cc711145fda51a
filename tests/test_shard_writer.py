"""preflight.data.shard_writer: shards in nanochat's exact parquet layout, written atomically."""

import os

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import given, settings, strategies as st

from preflight.data import shard_writer as SW
from preflight.demo.iac_corpus import generate_documents

texts = st.lists(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=200), max_size=120)


def _read_back(path):
    pf = pq.ParquetFile(path)
    rows = []
    for rg in range(pf.num_row_groups):  # the way nanochat's loader reads: row group by row group
        rows += pf.read_row_group(rg).column("text").to_pylist()
    return pf, rows


@settings(max_examples=50, deadline=None)
@given(docs=texts, row_group_size=st.integers(1, 40))
def test_read_back_equals_written_in_row_groups_as_asked(tmp_path_factory, docs, row_group_size):
    path = SW.write_shard(tmp_path_factory.mktemp("s") / "shard_00000.parquet", docs, row_group_size)
    pf, rows = _read_back(path)
    assert rows == docs
    sizes = [pf.metadata.row_group(i).num_rows for i in range(pf.num_row_groups)]
    full, rest = divmod(len(docs), row_group_size)
    # pyarrow writes an empty table as one empty row group
    assert sizes == ([row_group_size] * full + ([rest] if rest else []) if docs else [0])
    assert pf.schema_arrow == pa.schema([pa.field("text", pa.string())])


def test_writer_settings_match_nanochats_repackager(tmp_path):
    path = SW.write_shard(tmp_path / "shard_00000.parquet", generate_documents(2100))
    md = pq.ParquetFile(path).metadata
    assert [md.row_group(i).num_rows for i in range(md.num_row_groups)] == [1024, 1024, 52]
    for i in range(md.num_row_groups):
        column = md.row_group(i).column(0)
        assert column.compression == "ZSTD"
        assert not column.has_dictionary_page and not any("DICTIONARY" in e for e in column.encodings)
        assert not column.is_stats_set


def test_zstd_level_is_3(tmp_path):
    docs = generate_documents(300)
    ours = SW.write_shard(tmp_path / "ours.parquet", docs)
    for level, name in ((3, "l3.parquet"), (1, "l1.parquet")):
        pq.write_table(pa.table({"text": docs}), tmp_path / name, row_group_size=1024, compression="zstd",
                       compression_level=level, use_dictionary=False, write_statistics=False)
    assert ours.read_bytes() == (tmp_path / "l3.parquet").read_bytes() != (tmp_path / "l1.parquet").read_bytes()


@pytest.mark.parametrize("codec", ["snappy", "none", "gzip"])
def test_other_codecs(tmp_path, codec):
    path = SW.write_shard(tmp_path / "s.parquet", ["a", "b"], compression=codec)
    assert pq.ParquetFile(path).metadata.row_group(0).column(0).compression == codec.upper().replace("NONE", "UNCOMPRESSED")


def test_nulls_can_be_written_for_faulty_fixtures(tmp_path):
    _, rows = _read_back(SW.write_shard(tmp_path / "s.parquet", ["a", None, "c"]))
    assert rows == ["a", None, "c"]


@settings(max_examples=80, deadline=None)
@given(n_docs=st.integers(0, 5000), n_shards=st.integers(1, 12), row_group_size=st.integers(1, 300))
def test_split_cuts_at_whole_row_groups(n_docs, n_shards, row_group_size):
    counts = SW.split_for_shards(n_docs, n_shards, row_group_size)
    assert len(counts) == n_shards and sum(counts) == n_docs and min(counts) >= 0
    if -(-n_docs // row_group_size) >= n_shards:  # at least one (possibly short) row group per shard
        assert all(c % row_group_size == 0 and c > 0 for c in counts[:-1]) and counts[-1] > 0
        assert counts[-1] <= max(counts[:-1], default=counts[-1])
    else:
        assert max(counts) - min(counts) <= 1


def test_write_shards_layout(tmp_path):
    docs = generate_documents(1000, seed=4)
    paths = SW.write_shards(docs, tmp_path / "base_data_climbmix", 4, row_group_size=64)
    assert [p.name for p in paths] == [f"shard_0000{i}.parquet" for i in range(4)]
    assert sorted(os.listdir(tmp_path / "base_data_climbmix")) == [p.name for p in paths]
    back = []
    for path in paths:
        pf, rows = _read_back(path)
        back += rows
        assert all(pf.metadata.row_group(i).num_rows == 64 for i in range(pf.num_row_groups - 1))
    assert back == docs
    assert [pq.ParquetFile(p).num_row_groups for p in paths] == [4, 4, 4, 4]


def test_more_shards_than_documents_gives_empty_shards(tmp_path):
    paths = SW.write_shards(["only", "two"], tmp_path, 3)
    assert [_read_back(p)[1] for p in paths] == [["only"], ["two"], []]
    assert pq.ParquetFile(paths[2]).metadata.num_rows == 0


def test_bad_arguments(tmp_path):
    with pytest.raises(ValueError):
        SW.write_shards(["a"], tmp_path, 0)
    with pytest.raises(ValueError):
        SW.write_shard(tmp_path / "s.parquet", ["a"], row_group_size=0)


def test_crash_mid_write_keeps_the_original_and_leaves_no_temp(tmp_path, monkeypatch):
    path = SW.write_shard(tmp_path / "shard_00000.parquet", ["original"])
    before = path.read_bytes()
    real_write = pq.write_table

    def write_then_die(table, where, **kwargs):
        real_write(table.slice(0, 1), where, **kwargs)  # a partial file is on disk under the temp name
        assert str(where).endswith(".tmp") and os.path.basename(where).startswith(".")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(SW.pq, "write_table", write_then_die)
    with pytest.raises(OSError):
        SW.write_shard(path, ["new"] * 10)
    assert path.read_bytes() == before
    assert os.listdir(tmp_path) == ["shard_00000.parquet"]


def test_shard_filename():
    assert SW.shard_filename(0) == "shard_00000.parquet" and SW.shard_filename(6542) == "shard_06542.parquet"
