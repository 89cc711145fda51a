"""Benchmark of Step 2, the secret scan: MB/s of text end to end, against its floor and detect-secrets.

Generates --mb MB (default 500) of IaC-like text with planted secrets, writes it as nanochat
shards (text column, 1024-row groups, zstd level 3), then measures, in one run:
  floor        pyarrow merely reading the text column of every shard
  1 process    read + scan + verify, the way the data pass calls scan_array per row group
  all cores    the same, one process per shard
  detect-secrets   its line-based plugins with default filters, on a slice of the same text
and prints MB/s, the ratios, and recall / false positives on the planted secrets.

The text comes from preflight.iac_corpus (the demo corpus, the realistic mix) or, with
--corpus dense, from tests/secrets/iac_text.py (every document crowded with what is costly to
rule out: certificates, CA bundles, SSH keys, digests, addresses). CPU seconds are reported
next to wall seconds because this machine is shared.

    python bench/bench_secrets.py [--mb 500] [--corpus demo|dense] [--workers N] [--ds-mb 0.5]
"""

import argparse
import os
import random
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests" / "secrets")]

from iac_text import clean_documents, plant  # noqa: E402
from preflight.secrets import ScannerConfig, build_scanner  # noqa: E402

SHARD_MB = 100
ROW_GROUP = 1024


# ----------------------------------------------------------------------------------------------
# the corpus

def _documents(corpus, seed):
    if corpus == "demo":
        from preflight.demo.iac_corpus import iter_documents
        yield from iter_documents(seed)
    else:
        while True:
            yield from clean_documents(2000, seed)
            seed += 1


def write_corpus(folder, mb, corpus, seed=0):
    """Write shards of about SHARD_MB MB until `mb` MB of text; return (paths, truth, MB)."""
    rng, docs_iter = random.Random(seed), _documents(corpus, seed)
    paths, truth, total = [], [], 0
    while total < mb * 1e6:
        docs, size = [], 0
        while size < min(SHARD_MB, mb) * 1e6 or len(docs) % ROW_GROUP:
            doc = next(docs_iter)
            docs.append(doc)
            size += len(doc.encode())
        name = f"shard_{len(paths):05d}.parquet"
        truth += [(name, *t) for t in plant(docs, rng)]
        size = sum(len(d.encode()) for d in docs)
        pq.write_table(pa.table({"text": docs}), folder / name, row_group_size=ROW_GROUP,
                       compression="zstd", compression_level=3, use_dictionary=False,
                       write_statistics=False)
        paths.append(folder / name)
        total += size
    return paths, truth, total / 1e6


# ----------------------------------------------------------------------------------------------
# the measurements

def read_shard(path):
    """The floor: read every row group's text, touch nothing."""
    pf = pq.ParquetFile(path)
    return sum(pf.read_row_group(i, columns=["text"]).column(0).nbytes
               for i in range(pf.num_row_groups))


def scan_shard(path, engine="auto"):
    """Read and scan one shard as the data pass does; return its findings."""
    scanner = build_scanner(ScannerConfig(engine=engine))
    pf = pq.ParquetFile(path)
    found, offset = [], 0
    for i in range(pf.num_row_groups):
        text = pf.read_row_group(i, columns=["text"]).column(0)
        found += scanner.scan_array(text, path.name, offset)
        offset += len(text)
    return found


def warm_up(engine):
    """Compile the scanner in a worker before the clock starts (once per process)."""
    build_scanner(ScannerConfig(engine=engine))


def timed(fn, *args):
    wall, cpu = time.perf_counter(), time.process_time()
    result = fn(*args)
    return result, time.perf_counter() - wall, time.process_time() - cpu


def detect_secrets_rate(paths, mb):
    """MB/s of detect-secrets' line-based plugins on the first `mb` MB of the text."""
    from detect_secrets.core.scan import _process_line_based_plugins
    from detect_secrets.settings import default_settings
    docs, size = [], 0
    for doc in pq.read_table(paths[0]).column("text").to_pylist():
        docs.append(doc)
        size += len(doc.encode())
        if size >= mb * 1e6:
            break
    start = time.process_time()
    with default_settings():  # keep the context open: leaving it silently drops all plugins
        found = sum(len(list(_process_line_based_plugins(list(enumerate(d.splitlines(), 1)),
                                                         filename="main.yaml")))
                    for d in docs)
    return size / 1e6 / (time.process_time() - start), found


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--mb", type=float, default=500, help="MB of text to generate (default 500)")
    ap.add_argument("--corpus", choices=("demo", "dense"), default="demo")
    ap.add_argument("--workers", type=int, default=os.cpu_count())
    ap.add_argument("--ds-mb", type=float, default=0.5, help="MB of text given to detect-secrets")
    ap.add_argument("--engine", choices=("auto", "hyperscan", "pyarrow"), default="auto")
    args = ap.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="bench_secrets_") as tmp:
        (paths, truth, mb), gen_s, _ = timed(write_corpus, Path(tmp), args.mb, args.corpus)
        print(f"corpus: {args.corpus}, {mb:.0f} MB of text in {len(paths)} shards "
              f"({gen_s:.0f} s to generate), {len(truth)} planted secrets, engine "
              f"{build_scanner(ScannerConfig(engine=args.engine)).engine}")

        _, floor_wall, floor_cpu = timed(lambda: [read_shard(p) for p in paths])
        found, one_wall, one_cpu = timed(lambda: [f for p in paths for f in scan_shard(p, args.engine)])
        with ProcessPoolExecutor(args.workers) as pool:
            list(pool.map(warm_up, [args.engine] * args.workers))
            _, all_wall, _ = timed(lambda: list(pool.map(scan_shard, paths,
                                                          [args.engine] * len(paths))))
        ds_rate, ds_found = detect_secrets_rate(paths, args.ds_mb)

    planted = {(s, r, rule, a, b) for s, r, rule, a, b in truth}
    got = {(f.shard, f.row, f.rule, f.start, f.end) for f in found}
    recall = len(planted & got) / max(1, len(planted))
    extra = len(got - planted)
    one_rate, one_cpu_rate = mb / one_wall, mb / one_cpu
    rows = [
        ("pyarrow read only (floor)", mb / floor_wall, mb / floor_cpu),
        ("read + scan, 1 process", one_rate, one_cpu_rate),
        (f"read + scan, {args.workers} processes", mb / all_wall, None),
        (f"detect-secrets ({args.ds_mb} MB slice)", None, ds_rate),
    ]
    print(f"{'':36} {'MB/s wall':>10} {'MB/s cpu':>10}")
    for name, wall, cpu in rows:
        print(f"{name:36} {wall or float('nan'):10.1f} {cpu or float('nan'):10.2f}")
    print(f"scan vs floor (1 process, cpu): {one_cpu_rate / (mb / floor_cpu):.3f} of the read "
          f"speed, i.e. the scan costs {floor_cpu and one_cpu / floor_cpu:.1f}x the read")
    print(f"speed-up with {args.workers} processes: {(mb / all_wall) / one_rate:.2f}x")
    print(f"vs detect-secrets (cpu): {one_cpu_rate / ds_rate:.0f}x faster "
          f"(detect-secrets reported {ds_found} items on its slice)")
    print(f"recall on planted secrets: {recall:.4f} ({len(planted & got)}/{len(planted)}); "
          f"findings that are not planted secrets: {extra}")


if __name__ == "__main__":
    main()
