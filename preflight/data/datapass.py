"""The single streaming pass over the shards: health, statistics, samples, the secret scan and the
fingerprints duplicate detection joins across shards.

Every shard is read once per run, row group by row group (each page of the `text` column is decoded,
so a corrupt page is caught, not only a bad footer). Shards are processed in parallel processes and
the result of each is cached by file identity, so an unchanged dataset is not read again. No
document in which the scan finds a secret is sampled, so none is cached (or printed).
"""

import hashlib
import os
import select
import shutil
import threading
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field, fields
from pathlib import Path

from preflight.data.workers import PARALLEL_MIN_BYTES, PARALLEL_MIN_BYTES_NO_SCAN, worker_context
from preflight.util.cache import JsonCache, cache_key, file_identity
from preflight.util.format import human_bytes, one_line
from preflight.util.safe_repr import Documents

PASS_VERSION = 4
CACHE_FOLDER = "datapass"  # under the cache root; "shards" held plain-text samples before it
# Document length histogram: bin i counts documents with 2**(i-1) <= bytes < 2**i (bin 0: empty).
LENGTH_BINS = 32
NULL_ROWS_KEPT = 10  # rows named in the message about null documents


@dataclass(repr=False)
class ShardFacts:
    """What one pass learned about one shard."""
    name: str
    size: int = 0              # bytes on disk
    rows: int = 0
    row_groups: int = 0
    text_bytes: int = 0        # UTF-8 bytes of all documents
    empty_docs: int = 0        # empty or null documents
    null_docs: int = 0         # null documents: nanochat's loader hands None to the tokenizer
    null_rows: list = field(default_factory=list)  # the first NULL_ROWS_KEPT of them
    length_hist: list = field(default_factory=lambda: [0] * LENGTH_BINS)
    sample: list = field(default_factory=list)     # documents for tokenizer checks
    findings: list = field(default_factory=list)   # secret findings as dicts
    error: str = None          # one line naming the shard (and row group / rows) at fault
    error_kind: str = None     # "open" | "schema" | "decode"
    dedup: dict = None         # duplicate fingerprints (preflight.data.dedup.Fingerprinter)

    def __repr__(self):  # never the sample's text (pytest prints fixture values at -vv / -l)
        what = self.error or (f"{self.rows:,} documents, {self.row_groups} row groups, "
                              f"{human_bytes(self.text_bytes)} text, {len(self.findings)} secret "
                              f"findings, {len(self.sample)} sampled documents")
        return f"ShardFacts({self.name}: {what})"


@dataclass(repr=False)
class DataPass:
    """All shards of a dataset, in nanochat's order: the last one is the validation shard."""
    shards: list
    cached: int = 0  # how many shards came whole from the cache
    key: str = ""    # identifies the content read (every shard's identity and the pass options)

    def __repr__(self):  # a summary: the shards' samples hold documents, and so secrets
        return (f"DataPass({len(self.shards)} shards, {self.total('rows'):,} documents, "
                f"{human_bytes(self.total('text_bytes'))} text, "
                f"{sum(len(s.findings) for s in self.shards)} secret findings, "
                f"{self.cached} shards from the cache)")

    @property
    def train(self) -> list:
        return self.shards[:-1]

    @property
    def val(self) -> list:
        """The validation split: the last shard (as a list, like `train`)."""
        return self.shards[-1:]

    def total(self, attr: str, shards=None) -> int:
        return sum(getattr(s, attr) for s in (self.shards if shards is None else shards))

    @property
    def errors(self) -> list:
        return [s for s in self.shards if s.error]

    @property
    def findings(self) -> list:
        """Secret findings of every shard, as SecretFinding objects."""
        from preflight.secrets import SecretFinding
        return [SecretFinding.from_dict(f) for s in self.shards for f in s.findings]

    def length_hist(self) -> list:
        return [sum(col) for col in zip(*(s.length_hist for s in self.shards))] or [0] * LENGTH_BINS

    def sample(self, split: str) -> Documents:
        shards = self.train if split == "train" else self.val
        return Documents(d for s in shards for d in s.sample)

# ----------------------------------------------------------------------------------------------
# Reading one shard (runs in a worker process)


def _is_text(arrow_type) -> bool:
    """A string column, plain or dictionary-encoded (nanochat's to_pylist reads both)."""
    import pyarrow as pa
    if pa.types.is_dictionary(arrow_type):
        arrow_type = arrow_type.value_type
    return pa.types.is_string(arrow_type) or pa.types.is_large_string(arrow_type)


def read_shard(path: Path, scan_config=None, sample_bytes: int = 0, skip_rows=(),
               dedup_config=None) -> ShardFacts:
    """One streaming pass over one shard; problems end up in .error, never raised.

    No document in which the scan finds a secret (or whose row is in `skip_rows`: findings
    known from the cache) enters the sample, so none is ever cached or printed."""
    import numpy as np  # here, not at the top: a caller whose workers read the data never
    import pyarrow as pa  # needs them (the workers' server has imported them already)
    import pyarrow.parquet as pq

    from preflight.util.arrow_text import null_mask, text_lengths
    path = Path(path)
    facts = ShardFacts(name=path.name, size=path.stat().st_size)
    try:
        pf = pq.ParquetFile(path)
    except Exception as exc:  # pyarrow raises several types for a bad footer or a non-parquet file
        facts.error, facts.error_kind = f"{path.name}: not a readable parquet file ({one_line(exc)})", "open"
        return facts
    schema = pf.schema_arrow
    if "text" not in schema.names:
        facts.error = f"{path.name}: no `text` column (columns: {', '.join(schema.names) or 'none'})"
        facts.error_kind = "schema"
        return facts
    text_type = schema.field("text").type
    if not _is_text(text_type):
        facts.error = f"{path.name}: the `text` column is {text_type}, not a string"
        facts.error_kind = "schema"
        return facts
    scanner = None
    if scan_config is not None:
        from preflight.secrets import build_scanner
        scanner = build_scanner(scan_config)
    fingerprints = None
    if dedup_config is not None:
        from preflight.data.dedup import Fingerprinter
        fingerprints = Fingerprinter(dedup_config)
    facts.row_groups = pf.num_row_groups
    per_group_sample = sample_bytes / max(pf.num_row_groups, 1)
    for rg in range(pf.num_row_groups):
        first = facts.rows
        try:
            column = pf.read_row_group(rg, columns=["text"]).column(0)
            if pa.types.is_dictionary(column.type):
                column = column.cast(column.type.value_type)
            arr = column.combine_chunks()
            arr.validate(full=True)  # invalid UTF-8 in a page that decompressed fine
        except Exception as exc:
            facts.error = (f"{path.name}: row group {rg} (rows {first}-"
                           f"{first + pf.metadata.row_group(rg).num_rows - 1}) cannot be decoded "
                           f"({one_line(exc)})")
            facts.error_kind = "decode"
            return facts
        lengths = text_lengths(arr)
        facts.rows += len(arr)
        facts.text_bytes += int(lengths.sum())
        facts.empty_docs += int((lengths == 0).sum())
        if arr.null_count:
            facts.null_docs += arr.null_count
            nulls = np.flatnonzero(null_mask(arr))
            room = NULL_ROWS_KEPT - len(facts.null_rows)
            facts.null_rows += [first + int(i) for i in nulls[:room]]
        bins = np.minimum(np.ceil(np.log2(lengths + 1)).astype(np.int64), LENGTH_BINS - 1)
        for i, n in enumerate(np.bincount(bins, minlength=LENGTH_BINS)):
            facts.length_hist[i] += int(n)
        if scanner is not None:
            facts.findings.extend(f.to_dict() for f in scanner.scan_array(arr, shard=path.name,
                                                                         row_offset=first))
        if per_group_sample > 0:
            flagged = {f["row"] for f in facts.findings}.union(skip_rows)
            facts.sample.extend(_take_sample(arr, lengths, per_group_sample, first, flagged))
        if fingerprints is not None:
            fingerprints.add(arr)
    if fingerprints is not None:
        facts.dedup = fingerprints.to_dict()
    return facts


def _take_sample(arr, lengths, budget: float, first: int, flagged) -> list:
    """Leading non-empty documents of a row group (its first row is `first`), up to `budget`
    bytes (at least one), leaving out the rows in `flagged` (a secret was found there)."""
    import numpy as np
    picked, used = [], 0
    for i in np.flatnonzero(lengths):
        if first + int(i) in flagged:
            continue
        if picked and used + lengths[i] > budget:
            break
        picked.append(arr[int(i)].as_py())
        used += int(lengths[i])
    return picked

# ----------------------------------------------------------------------------------------------
# Worker processes end with the main process

def _exit_with(parent: int) -> None:
    """Worker initializer: end this worker when the main process ends, however it ends (kill -9
    included). Workers are children of the forkserver, which waits for them: nothing else would."""
    try:
        fd = os.pidfd_open(parent)
    except ProcessLookupError:
        os._exit(1)
    except (AttributeError, OSError):  # no pidfd (not Linux 5.3+): poll instead
        fd = None
    threading.Thread(target=_exit_when_gone, args=(parent, fd), daemon=True).start()


def _exit_when_gone(parent: int, fd) -> None:
    if fd is not None:
        select.select([fd], [], [])  # readable once the process has ended
    else:
        while _alive(parent):
            time.sleep(0.5)
    os._exit(1)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass
    return True


def _kill_workers(pool) -> None:
    """Stop now (an interrupt, an error): cancel what has not started, kill what has."""
    workers = list((getattr(pool, "_processes", None) or {}).values())  # public only from 3.14
    pool.shutdown(wait=False, cancel_futures=True)
    for worker in workers:
        worker.kill()

# ----------------------------------------------------------------------------------------------
# The cache: per shard, statistics and findings apart from the sample

def shard_group(resolved: str) -> str:
    """The cache group holding every entry about the shard at the resolved path `resolved`."""
    return hashlib.sha256(resolved.encode()).hexdigest()[:32]


def forget_shard(cache_root: Path, path: Path) -> None:
    """Drop everything the cache under `cache_root` knows about the shard at `path` (a rewriter
    calls this for each shard it replaces)."""
    JsonCache(Path(cache_root) / CACHE_FOLDER).drop(shard_group(str(Path(path).resolve())))


def still_opens(path: Path, size: int) -> bool:
    """A cached shard can still be opened and ends in a parquet footer: the cheap part of the read
    that the cache saves (its identity already says the content is unchanged)."""
    try:
        with open(path, "rb") as f:
            head = f.read(4)
            f.seek(-8, os.SEEK_END)
            tail = f.read(8)
    except OSError:
        return False
    return head == b"PAR1" and tail[4:] == b"PAR1" and int.from_bytes(tail[:4], "little") < size


def _facts_entry(facts):
    """The cache entry of a shard's facts: every field but the sample (already JSON-ready: a
    shallow copy, far cheaper than dataclasses.asdict's deep one with many findings)."""
    return {f.name: getattr(facts, f.name) for f in fields(facts) if f.name != "sample"}


def _cached_facts(entry):
    """ShardFacts from a cache entry of the right shape, else None."""
    try:
        return ShardFacts(**entry) if isinstance(entry, dict) and "sample" not in entry else None
    except TypeError:
        return None


def _cached_sample(entry):
    ok = isinstance(entry, list) and all(isinstance(d, str) for d in entry)
    return entry if ok else None

# ----------------------------------------------------------------------------------------------
# The whole dataset

def run_pass(shards: list, *, scan_config=None, sample_bytes=0, cache_dir: Path = None,
             workers: int = None, progress=None, dedup=None) -> DataPass:
    """Facts for every shard, from the cache where the file is unchanged, else read in parallel.

    `sample_bytes`: the sample budget of every shard, or a list with one budget per shard.
    Statistics and findings are cached apart from the samples, whose budget changes with the
    number of shards: adding a shard re-reads the others' samples, never re-scans them. A sample
    is cached only when it was taken with the scan's findings known (so it holds none of them).
    `progress(done, total, name)` is called after each shard.
    `dedup`: a DedupConfig for every shard, or a list with one per shard (None: no fingerprints).
    """
    cache = JsonCache(cache_dir) if cache_dir else _NoCache()
    scan_key = scan_config.key() if scan_config is not None else None
    budgets = sample_bytes if isinstance(sample_bytes, list) else [sample_bytes] * len(shards)
    dedups = dedup if isinstance(dedup, list) else [dedup] * len(shards)
    results, todo, keys, hits = {}, [], [], 0
    for path, budget, dedup_config in zip(shards, budgets, dedups):
        try:
            identity = file_identity(path)
        except OSError as exc:  # a broken symlink, a file removed while listing
            results[path] = ShardFacts(path.name, error=f"{path.name}: {exc.strerror or exc}",
                                       error_kind="open")
            continue
        group = shard_group(identity[0])
        facts_key = cache_key(PASS_VERSION, identity, scan_key,
                              *([dedup_config.key()] if dedup_config else []))
        sample_key = cache_key(PASS_VERSION, identity, "sample", int(budget))
        keys += [facts_key, sample_key]
        facts = _cached_facts(cache.get(facts_key, group))
        if facts is not None and not still_opens(path, identity[1]):
            facts = None
        sample = _cached_sample(cache.get(sample_key, group)) if facts is not None else None
        if sample is not None:
            facts.sample = sample
            results[path] = facts
            hits += 1
        else:  # read it all, or only the sample when the statistics and findings are cached
            todo.append((path, group, facts_key, sample_key, budget, facts, dedup_config))
    done = len(results)
    if progress and done:
        progress(done, len(shards), "cache")

    def finish(job, read):
        nonlocal done
        path, group, facts_key, sample_key, _, cached, _ = job
        facts = read if cached is None or read.error else cached
        facts.sample = read.sample
        results[path] = facts
        if facts.error is None:
            if cached is None:
                cache.put(facts_key, _facts_entry(facts), group)
            if scan_key is not None or not facts.sample:  # never a document with a finding
                cache.put(sample_key, facts.sample, group)
        done += 1
        if progress:
            progress(done, len(shards), path.name)

    # (job, scan config, dedup config): nothing but the sample to read when the facts are cached
    jobs = [(job, *((scan_config, job[6]) if job[5] is None else (None, None))) for job in todo]
    if workers is None:  # worker processes cost ~0.4 s to start: only worth it for real work
        scanning = any(scan is not None or getattr(dedup_config, "near", None)
                       for _, scan, dedup_config in jobs)
        threshold = PARALLEL_MIN_BYTES if scanning else PARALLEL_MIN_BYTES_NO_SCAN
        big = sum(job[0].stat().st_size for job, _, _ in jobs) > threshold
        workers = (os.cpu_count() or 1) if big else 1
    workers = min(workers, len(jobs))
    if workers <= 1:
        for job, scan, dedup_config in jobs:
            finish(job, read_shard(*_read_args(job, scan, dedup_config)))
    else:
        context = worker_context(any(d is not None for _, _, d in jobs))
        pool = ProcessPoolExecutor(max_workers=workers, mp_context=context,
                                   initializer=_exit_with, initargs=(os.getpid(),))
        try:
            futures = {pool.submit(read_shard, *_read_args(job, scan, dedup_config)): job
                       for job, scan, dedup_config in jobs}
            for future in as_completed(futures):
                finish(futures[future], future.result())
        except BaseException:
            _kill_workers(pool)
            raise
        pool.shutdown()
    return DataPass(shards=[results[p] for p in shards], cached=hits, key=cache_key(*keys))


def _read_args(job, scan_config, dedup_config) -> tuple:
    """read_shard's arguments for a job: a shard whose facts are cached is read for its sample
    only, leaving out the rows where the cached findings are."""
    path, _, _, _, budget, cached, _ = job
    skip = {f["row"] for f in cached.findings} if cached else set()
    return path, scan_config, budget, skip, dedup_config


class _NoCache:
    """Stands in for JsonCache when none is wanted."""

    def get(self, key, group=None):
        return None

    def put(self, key, value, group=None):
        pass


def pass_for_settings(settings, shards: list, *, scan: bool = True, duplicates: bool = True,
                      progress=None) -> DataPass:
    """The pass the checklist runs: samples for Step 3 (the whole budget for the val shard,
    the budget split across train shards), the secret scan, duplicate fingerprints (unless
    `duplicates` is False: `preflight scan`), the shared cache."""
    budget = settings["compression_sample_mb"] * (1 << 20)
    budgets = [budget / max(len(shards) - 1, 1)] * (len(shards) - 1) + [budget]
    config = None
    if scan:
        from preflight.secrets.scanner import build_scanner, scanner_config
        config = scanner_config(settings)
        build_scanner(config)  # a bad custom rule file fails here, once, in one line
    dedup = None
    if duplicates:
        from preflight.data.duplicates import dedup_configs
        dedup = dedup_configs(settings, shards)
    # the cache layout before CACHE_FOLDER kept every sample in plain text, secrets included
    shutil.rmtree(settings.cache_dir / "shards", ignore_errors=True)
    return run_pass(shards, scan_config=config, sample_bytes=budgets,
                    cache_dir=settings.cache_dir / CACHE_FOLDER, progress=progress, dedup=dedup)
