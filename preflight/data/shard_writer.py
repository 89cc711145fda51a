"""Write documents as nanochat pretraining shards, byte-for-byte in the layout nanochat downloads.

nanochat's repackager (`dev/repackage_data_reference.py`) writes `shard_00000.parquet`, ... with one
string column `text`, row groups of 1024 documents, zstd level 3, no dictionary and no column
statistics, and cuts a shard only at a whole row group. The demo workspace and the tests build their
data folders with this module so that the checks read exactly what a real download looks like.
"""

from pathlib import Path
from typing import Sequence

import pyarrow as pa
import pyarrow.parquet as pq

from preflight.util.atomic_write import atomic_path

ROW_GROUP_SIZE = 1024
ZSTD_LEVEL = 3  # Parquet does not record the level; nanochat writes its shards at 3
_CODECS = {"UNCOMPRESSED": "none", "SNAPPY": "snappy", "GZIP": "gzip", "BROTLI": "brotli",
           "LZ4": "lz4", "LZ4_RAW": "lz4", "ZSTD": "zstd"}


def shard_filename(index: int) -> str:
    """nanochat's shard name for an index: `shard_00042.parquet`."""
    return f"shard_{index:05d}.parquet"


def write_shard(path: Path, docs: Sequence[str], row_group_size: int = ROW_GROUP_SIZE,
                compression: str = "zstd") -> Path:
    """Write one shard atomically (temp file, fsync, rename); returns its path.

    compression is a parquet codec name ("zstd", "snappy", "none", ...); zstd gets nanochat's level 3.
    """
    if row_group_size < 1:
        raise ValueError(f"row_group_size must be >= 1, got {row_group_size}")
    path = Path(path)
    table = pa.table({"text": pa.array(docs, type=pa.string())})
    level = ZSTD_LEVEL if compression.lower() == "zstd" else None
    with atomic_path(path) as tmp:
        pq.write_table(table, tmp, row_group_size=row_group_size, compression=compression,
                       compression_level=level, use_dictionary=False, write_statistics=False)
    return path


def split_for_shards(n_docs: int, n_shards: int, row_group_size: int = ROW_GROUP_SIZE) -> list:
    """Document counts per shard, in order, summing to n_docs.

    Like nanochat, shards are cut at whole row groups, so only the last row group of the last shard
    may be short. With fewer row groups than shards, documents are spread evenly instead (each shard
    is then one short row group, or empty when there are fewer documents than shards).
    """
    if n_shards < 1:
        raise ValueError(f"n_shards must be >= 1, got {n_shards}")
    if row_group_size < 1:
        raise ValueError(f"row_group_size must be >= 1, got {row_group_size}")
    n_groups = -(-n_docs // row_group_size)
    if n_groups < n_shards:
        base, extra = divmod(n_docs, n_shards)
        return [base + (i < extra) for i in range(n_shards)]
    base, extra = divmod(n_groups, n_shards)
    counts = [(base + (i < extra)) * row_group_size for i in range(n_shards)]
    counts[-1] -= sum(counts) - n_docs
    return counts


def write_shards(docs: Sequence[str], data_dir: Path, n_shards: int, row_group_size: int = ROW_GROUP_SIZE,
                 compression: str = "zstd") -> list:
    """Write docs, in order, into shard_00000.parquet ... shard_{n_shards-1}; returns the paths.

    data_dir is created if needed. The last shard is the one nanochat uses for validation.
    """
    data_dir = Path(data_dir)
    data_dir.mkdir(parents=True, exist_ok=True)
    paths, start = [], 0
    for index, count in enumerate(split_for_shards(len(docs), n_shards, row_group_size)):
        paths.append(write_shard(data_dir / shard_filename(index), docs[start:start + count],
                                 row_group_size=row_group_size, compression=compression))
        start += count
    return paths


def writer_options(pf):
    """ParquetWriter options that reproduce the source file's codecs, dictionaries, stats."""
    md = pf.metadata
    compression, levels, dictionary, stats = {}, {}, [], []
    if md.num_row_groups:
        rg = md.row_group(0)
        for j in range(md.num_columns):
            col = rg.column(j)
            name = col.path_in_schema
            compression[name] = _CODECS.get(col.compression, "none")
            if compression[name] == "zstd":
                levels[name] = ZSTD_LEVEL
            if any("DICTIONARY" in enc for enc in col.encodings):
                dictionary.append(name)
            if col.is_stats_set:
                stats.append(name)
    return {"compression": compression or "none", "compression_level": levels or None,
            "use_dictionary": dictionary or False, "write_statistics": stats or False,
            "version": md.format_version}
