"""`preflight dedup`: rewrite the shards without their duplicates.

Exact copies go (and near copies with `near`), the first occurrence stays, and the validation shard
loses every document training holds (`dedup.plan` decides, the same rule the checklist reports).
The guarantees are the sanitizer's: the folder lock (a concurrent sanitize or dedup is refused), a
dry run, each changed shard written to a temporary file beside it, synced, verified (the kept rows,
in order, nothing else; the schema; row groups of the original's size) and renamed over the
original, whose hard link (or copy) stays in a backup folder; a JSON-lines audit log written before
each rename (shard, row, reason, the row it copies; never text). A kill at any moment leaves every
shard fully old or fully new, and a second run finishes the work (a first run that completed finds
nothing to do). Before writing anything it checks that every planned rank still gets a row group
of train and of validation data, and refuses when not.
"""

import math
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from preflight.data.datapass import CACHE_FOLDER, forget_shard, run_pass
from preflight.data.dedup import EXACT, NEAR, DedupConfig, Fingerprints, plan
from preflight.data.doc_hashes import exact_hashes
from preflight.data.shard_writer import writer_options
from preflight.data.shards import list_shards
from preflight.util.atomic_write import append_jsonl, atomic_path, keep_original, stale_temps
from preflight.util.lock import FolderLocked, folder_lock


class DedupError(RuntimeError):
    """A shard could not be rewritten; the message names it. The original is untouched."""


def row_group_size(pf) -> int:
    """The rows per row group a shard was written with (its largest row group)."""
    return max((pf.metadata.row_group(i).num_rows for i in range(pf.num_row_groups)), default=1)


def rewrite_shard(src: Path, dst: Path, keep: np.ndarray, rows_per_group: int) -> None:
    """Write the rows of `src` where `keep` is set to `dst`: same schema and codecs, row groups of
    `rows_per_group` rows (the last one shorter)."""
    pf = pq.ParquetFile(src)
    with pq.ParquetWriter(dst, pf.schema_arrow, **writer_options(pf)) as writer:
        pending, offset = None, 0
        for i in range(pf.num_row_groups):
            table = pf.read_row_group(i)
            part = table.filter(pa.array(keep[offset:offset + table.num_rows]))
            offset += table.num_rows
            pending = part if pending is None else pa.concat_tables([pending, part])
            while pending.num_rows >= rows_per_group:
                writer.write_table(pending.slice(0, rows_per_group), row_group_size=rows_per_group)
                pending = pending.slice(rows_per_group)
        if pending is not None and pending.num_rows:
            writer.write_table(pending, row_group_size=rows_per_group)


def verify_shard(src: Path, dst: Path, expected: np.ndarray, rows_per_group: int) -> None:
    """Raise DedupError unless `dst` holds exactly the `expected` exact hashes, in order, with the
    schema of `src` and full row groups (but the last)."""
    a, b = pq.ParquetFile(src), pq.ParquetFile(dst)
    if not b.schema_arrow.equals(a.schema_arrow, check_metadata=True):
        raise DedupError(f"{src.name}: the rewritten shard has a different schema")
    sizes = [b.metadata.row_group(i).num_rows for i in range(b.num_row_groups)]
    if any(n != rows_per_group for n in sizes[:-1]) or sum(sizes) != len(expected):
        raise DedupError(f"{src.name}: the rewritten shard has {sum(sizes)} rows in row groups of "
                         f"{sizes[:3]}…, expected {len(expected)} in groups of {rows_per_group}")
    got = [exact_hashes(b.read_row_group(i, columns=["text"]).column(0).combine_chunks())
           for i in range(b.num_row_groups)]
    if not np.array_equal(np.concatenate(got) if got else np.zeros(0, np.uint64), expected):
        raise DedupError(f"{src.name}: the rewritten shard does not hold the kept documents")


def _audit_records(p, removed, names, shard: int) -> list:
    out = []
    for i in np.flatnonzero(removed & (p.shard == shard)).tolist():
        j = int(p.match[i])
        out.append({"shard": names[shard], "row": int(p.row[i]),
                    "split": "validation" if shard == len(names) - 1 else "train",
                    "reason": "exact copy" if p.reason[i] == EXACT else "near copy",
                    "copy_of": {"shard": names[int(p.shard[j])], "row": int(p.row[j])},
                    "similarity": round(float(p.similarity[i]), 3),
                    "hash": f"{int(p.exact[i]):016x}"})
    return out


def rank_problem(train_groups: list, val_groups: int, val_docs: int, ranks: int, val_name: str):
    """Why the deduplicated shards would starve a rank (None when every rank is fed)."""
    if val_docs == 0:
        return (f"{val_name} (validation) would hold no documents at all: every one is also in "
                f"training. Add validation documents that training does not hold first")
    if ranks > 1 and max(train_groups, default=0) < ranks:
        return (f"no train shard would keep more than {max(train_groups, default=0)} row group(s) "
                f"for {ranks} ranks: ranks {max(train_groups, default=0)}..{ranks - 1} would get no "
                f"data and the run hangs. Plan fewer GPUs (--gpus)")
    if ranks > 1 and val_groups < ranks:
        return (f"{val_name} (validation) would keep {val_groups} row group(s) for {ranks} ranks: "
                f"ranks {val_groups}..{ranks - 1} would get no validation data and the first "
                f"evaluation hangs. Plan fewer GPUs (--gpus) or add validation documents")
    return None


def run_dedup(data_dir, *, near=False, config=None, jaccard=0.75, ranks=1, dry_run=False,
              backup_dir=None, no_backup=False, audit_log=Path("reports/dedup-audit.jsonl"),
              cache_root=None, out=print) -> int:
    """Deduplicate the shards of data_dir in place (see the module doc); return the exit code."""
    data_dir = Path(data_dir)
    if not data_dir.is_dir():
        out(f"error: {data_dir}: no such data directory")
        return 2
    try:
        if dry_run:
            return _dedup(data_dir, near, config, jaccard, ranks, True, None, audit_log, cache_root, out)
        with folder_lock(data_dir, "preflight dedup"):
            for stale in stale_temps(data_dir):  # left by a killed run
                stale.unlink(missing_ok=True)
            backup = None if no_backup else Path(
                backup_dir or data_dir / ".preflight-backup" / time.strftime("dedup-%Y%m%d-%H%M%S"))
            return _dedup(data_dir, near, config, jaccard, ranks, False, backup, Path(audit_log),
                          cache_root, out)
    except FolderLocked as exc:
        out(f"error: {exc}")
        return 2
    except (DedupError, OSError, pa.ArrowException) as exc:
        out(f"error: {exc}")
        return 2


def _dedup(data_dir, near, config, jaccard, ranks, dry_run, backup, audit_log, cache_root, out):
    shards = list_shards(data_dir)
    if len(shards) < 2:
        out(f"error: {data_dir}: {len(shards)} shard(s); deduplicating needs train shards and the "
            f"validation shard (the last)")
        return 2
    cache_dir = Path(cache_root) / CACHE_FOLDER if cache_root else None
    dp = run_pass(shards, cache_dir=cache_dir, dedup=DedupConfig(config if near else None))
    if dp.errors:
        out(f"error: {dp.errors[0].error}")
        return 2
    p = plan([Fingerprints.from_dict(s.dedup, config) for s in dp.shards],
             config if near else None, jaccard)
    removed = p.removed(near)
    names = [s.name for s in shards]
    groups, sizes = [], []
    for k, path in enumerate(shards):
        size = row_group_size(pq.ParquetFile(path))
        kept = int(((p.shard == k) & ~removed).sum())
        sizes.append(size)
        groups.append(math.ceil(kept / size))
        gone = removed & (p.shard == k)
        if gone.any():
            out(f"{path.name}: {int(gone.sum()):,} of {int((p.shard == k).sum()):,} documents go "
                f"({int((gone & (p.reason == EXACT)).sum()):,} exact copies, "
                f"{int((gone & (p.reason == NEAR)).sum()):,} near copies)"
                + ("; it would be empty" if kept == 0 else ""))
        else:
            out(f"{path.name}: no duplicates")
    val_kept = int((p.is_val & ~removed).sum())
    problem = rank_problem(groups[:-1], groups[-1], val_kept, ranks, names[-1])
    total = int(removed.sum())
    if problem:
        out(f"refused: {problem}; nothing was changed")
        return 2
    if dry_run:
        out(f"would remove {total:,} of {len(removed):,} documents; nothing was changed (dry run)")
        return 0
    if not total:
        out(f"nothing to remove: the {len(removed):,} documents hold no duplicates")
        return 0
    for k, path in enumerate(shards):
        gone = removed & (p.shard == k)
        if not gone.any():
            continue
        keep = ~gone[p.shard == k]
        with atomic_path(path) as tmp:
            rewrite_shard(path, tmp, keep, sizes[k])
            verify_shard(path, tmp, p.exact[(p.shard == k) & ~removed], sizes[k])
            append_jsonl(audit_log, _audit_records(p, removed, names, k))
            if backup is not None:
                keep_original(path, backup)
        if cache_root:
            forget_shard(cache_root, path)
    out(f"removed {total:,} of {len(removed):,} documents; shards in {data_dir}"
        + (f", originals in {backup}" if backup is not None else "") + f"; audit log {audit_log}")
    return 0
