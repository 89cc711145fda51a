"""The single streaming pass over the shards: health, statistics, samples, the secret scan and the
fingerprints duplicate detection joins across shards.

Every shard is read once per run, row group by row group (each page of the `text` column is decoded,
so a corrupt page is caught, not only a bad footer). Shards are processed in parallel processes and
the result of each is cached by file identity, so an unchanged dataset is not read again.
"""

import os
import sys
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import asdict, dataclass, field
from multiprocessing import get_context
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from preflight.util.cache import JsonCache, cache_key, file_identity
from preflight.util.format import one_line

PASS_VERSION = 3
# Document length histogram: bin i counts documents with 2**(i-1) <= bytes < 2**i (bin 0: empty).
LENGTH_BINS = 32
# Shards on disk below these sizes are read in this process: measured on 2 cores, one process
# reads text at over 1 GB/s but scans it for secrets at about 300 MB/s.
PARALLEL_MIN_BYTES = 16 << 20
PARALLEL_MIN_BYTES_NO_SCAN = 256 << 20


@dataclass
class ShardFacts:
    """What one pass learned about one shard."""
    name: str
    size: int = 0              # bytes on disk
    rows: int = 0
    row_groups: int = 0
    text_bytes: int = 0        # UTF-8 bytes of all documents
    empty_docs: int = 0        # empty or null documents
    length_hist: list = field(default_factory=lambda: [0] * LENGTH_BINS)
    sample: list = field(default_factory=list)     # documents for tokenizer checks
    findings: list = field(default_factory=list)   # secret findings as dicts
    error: str = None          # one line naming the shard (and row group / rows) at fault
    error_kind: str = None     # "open" | "schema" | "decode"
    dedup: dict = None         # duplicate fingerprints (preflight.data.dedup.Fingerprinter)


@dataclass
class DataPass:
    """All shards of a dataset, in nanochat's order: the last one is the validation shard."""
    shards: list
    cached: int = 0  # how many shards came whole from the cache
    key: str = ""    # identifies the content read (every shard's identity and the pass options)

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

    def sample(self, split: str) -> list:
        return [d for s in (self.train if split == "train" else self.val) for d in s.sample]

# ----------------------------------------------------------------------------------------------
# Reading one shard (runs in a worker process)


def read_shard(path: Path, scan_config=None, sample_bytes: int = 0,
               dedup_config=None) -> ShardFacts:
    """One streaming pass over one shard; problems end up in .error, never raised."""
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
    if not (pa.types.is_string(text_type) or pa.types.is_large_string(text_type)):
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
            arr = pf.read_row_group(rg, columns=["text"]).column(0).combine_chunks()
            arr.validate(full=True)  # invalid UTF-8 in a page that decompressed fine
        except Exception as exc:
            facts.error = (f"{path.name}: row group {rg} (rows {first}-"
                           f"{first + pf.metadata.row_group(rg).num_rows - 1}) cannot be decoded "
                           f"({one_line(exc)})")
            facts.error_kind = "decode"
            return facts
        lengths = pc.fill_null(pc.binary_length(arr), 0).to_numpy(zero_copy_only=False)
        facts.rows += len(arr)
        facts.text_bytes += int(lengths.sum())
        facts.empty_docs += int((lengths == 0).sum())
        bins = np.minimum(np.ceil(np.log2(lengths + 1)).astype(np.int64), LENGTH_BINS - 1)
        for i, n in enumerate(np.bincount(bins, minlength=LENGTH_BINS)):
            facts.length_hist[i] += int(n)
        if per_group_sample > 0:
            facts.sample.extend(_take_sample(arr, lengths, per_group_sample))
        if scanner is not None:
            facts.findings.extend(f.to_dict() for f in scanner.scan_array(arr, shard=path.name,
                                                                         row_offset=first))
        if fingerprints is not None:
            fingerprints.add(arr)
    if fingerprints is not None:
        facts.dedup = fingerprints.to_dict()
    return facts


def _take_sample(arr, lengths, budget: float) -> list:
    """Leading non-empty documents of a row group, up to `budget` bytes (at least one)."""
    picked, used = [], 0
    for i in np.flatnonzero(lengths):
        if picked and used + lengths[i] > budget:
            break
        picked.append(arr[int(i)].as_py())
        used += int(lengths[i])
    return picked

# ----------------------------------------------------------------------------------------------
# The whole dataset

def run_pass(shards: list, *, scan_config=None, sample_bytes=0, cache_dir: Path = None,
             workers: int = None, progress=None, dedup=None) -> DataPass:
    """Facts for every shard, from the cache where the file is unchanged, else read in parallel.

    `sample_bytes`: the sample budget of every shard, or a list with one budget per shard.
    Statistics and findings are cached apart from the samples, whose budget changes with the
    number of shards: adding a shard re-reads the others' samples, never re-scans them.
    `progress(done, total, name)` is called after each shard.
    `dedup`: a DedupConfig for every shard, or a list with one per shard (None: no fingerprints).
    """
    cache = JsonCache(cache_dir) if cache_dir else _NoCache()
    scan_key = scan_config.key() if scan_config is not None else None
    budgets = sample_bytes if isinstance(sample_bytes, list) else [sample_bytes] * len(shards)
    dedups = dedup if isinstance(dedup, list) else [dedup] * len(shards)
    results, todo, keys = {}, [], []
    for path, budget, dedup_config in zip(shards, budgets, dedups):
        try:
            identity = file_identity(path)
        except OSError as exc:  # a broken symlink, a file removed while listing
            results[path] = ShardFacts(path.name, error=f"{path.name}: {exc.strerror or exc}",
                                       error_kind="open")
            continue
        facts_key = cache_key(PASS_VERSION, identity, scan_key,
                              *([dedup_config.key()] if dedup_config else []))
        sample_key = cache_key(PASS_VERSION, identity, "sample", int(budget))
        keys += [facts_key, sample_key]
        facts, sample = cache.get(facts_key), cache.get(sample_key)
        if facts is not None and sample is not None:
            results[path] = ShardFacts(**facts, sample=sample)
        else:  # read it all, or only the sample when the statistics and findings are cached
            todo.append((path, facts_key, sample_key, budget, facts, dedup_config))
    done = len(results)
    if progress and done:
        progress(done, len(shards), "cache")

    def finish(job, read):
        nonlocal done
        path, facts_key, sample_key, _, cached, _ = job
        facts = read if cached is None else ShardFacts(**cached, sample=read.sample)
        results[path] = facts
        if facts.error is None:
            if cached is None:
                cache.put(facts_key, {k: v for k, v in asdict(facts).items() if k != "sample"})
            cache.put(sample_key, facts.sample)
        done += 1
        if progress:
            progress(done, len(shards), path.name)

    # (job, scan config, dedup config): nothing but the sample to read when the facts are cached
    jobs = [(job, *((scan_config, job[5]) if job[4] is None else (None, None))) for job in todo]
    if workers is None:  # worker processes cost ~0.4 s to start: only worth it for real work
        scanning = any(scan is not None or getattr(dedup_config, "near", None)
                       for _, scan, dedup_config in jobs)
        threshold = PARALLEL_MIN_BYTES if scanning else PARALLEL_MIN_BYTES_NO_SCAN
        big = sum(job[0].stat().st_size for job, _, _ in jobs) > threshold
        workers = (os.cpu_count() or 1) if big else 1
    workers = min(workers, len(jobs))
    if workers <= 1:
        for job, scan, dedup_config in jobs:
            finish(job, read_shard(job[0], scan, job[3], dedup_config))
    else:
        ctx = get_context("forkserver" if sys.platform.startswith("linux") else "spawn")
        with ProcessPoolExecutor(max_workers=workers, mp_context=ctx) as pool:
            futures = {pool.submit(read_shard, job[0], scan, job[3], dedup_config): job
                       for job, scan, dedup_config in jobs}
            for future in as_completed(futures):
                finish(futures[future], future.result())
    return DataPass(shards=[results[p] for p in shards], cached=len(shards) - len(todo),
                    key=cache_key(*keys))


class _NoCache:
    """Stands in for JsonCache when none is wanted."""

    def get(self, key):
        return None

    def put(self, key, value):
        pass


def scanner_config(settings):
    """The secret scanner's configuration from the checklist settings."""
    from preflight.secrets import DEFAULT_ALLOWED_IPS, ScannerConfig
    options = {}
    if settings.secrets_allow_ips:
        options["allow_ips"] = DEFAULT_ALLOWED_IPS + tuple(settings.secrets_allow_ips)
    if settings["secrets_b64_min_len"]:
        options["b64_min_len"] = int(settings["secrets_b64_min_len"])
    if settings["secrets_b64_min_entropy"]:
        options["b64_min_entropy"] = settings["secrets_b64_min_entropy"]
    return ScannerConfig(rule_files=tuple(settings.secrets_rules), **options)


def pass_for_settings(settings, shards: list, *, scan: bool = True, progress=None) -> DataPass:
    """The pass the checklist runs: samples for Step 3 (the whole budget for the val shard,
    the budget split across train shards), the secret scan, the shared cache."""
    budget = settings["compression_sample_mb"] * (1 << 20)
    budgets = [budget / max(len(shards) - 1, 1)] * (len(shards) - 1) + [budget]
    config = scanner_config(settings) if scan else None
    if config is not None:
        from preflight.secrets import build_scanner
        build_scanner(config)  # a bad custom rule file fails here, once, in one line
    from preflight.data.duplicates import dedup_configs
    return run_pass(shards, scan_config=config,
                    sample_bytes=budgets, cache_dir=settings.cache_dir / "shards",
                    progress=progress, dedup=dedup_configs(settings, shards))
