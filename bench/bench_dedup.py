"""Benchmark: what duplicate detection adds to the data pass, on real IaC text, per process.

    python bench/bench_dedup.py                      # $PREFLIGHT_IAC_DATA (or --shards/--unique)
    python bench/bench_dedup.py --accuracy 4000      # also: near-duplicate share vs exact Jaccard

Pinned to one CPU and timed in CPU seconds of this process (the best of 3), so every number is per
process whatever else the machine runs. It measures in one run:
  floor    pyarrow reading every `text` column of the shards (what any pass costs at least);
  pass     Step 1's pass over each shard (`read_shard`: decode, statistics), without and with the
           secret scan (the checklist's pass), each without and with the exact-duplicate hashes,
           plus the cross-shard join (exact copies and validation in training);
  near     the same pass with MinHash fingerprints (word 5-gram shingles, 112 permutations):
           MB/s of the added work, and the join (LSH bands, verification);
  library  rensa against datasketch on the same pre-hashed shingles (the pick);
and prints times, MB/s and ratios to the floor. --accuracy N compares, on N random documents of
unique.parquet and several seeds, the near-duplicate share the plan reports with the share found by
exact Jaccard similarity on the same word 5-grams (tests/dedup/planted.py, brute force).
"""

import argparse
import os
import random
import sys
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from preflight.data.datapass import read_shard  # noqa: E402
from preflight.data.dedup import DedupConfig, Fingerprints, NEAR, EXACT, plan  # noqa: E402
from preflight.data.doc_hashes import MinHashConfig, word_shingles  # noqa: E402
from preflight.data.shards import list_shards  # noqa: E402
from preflight.secrets import ScannerConfig  # noqa: E402

DATA = Path(os.environ.get("PREFLIGHT_IAC_DATA", "iac_real"))  # build_real_corpus.py's output


def best(fn, repeat=3):
    """The least CPU time of this process over `repeat` runs: on a shared machine, wall time
    measures the neighbours too."""
    times, result = [], None
    for _ in range(repeat):
        start = time.process_time()
        result = fn()
        times.append(time.process_time() - start)
    return min(times), result


def text_bytes(shards):
    return sum(pc.sum(pc.binary_length(pq.read_table(p, columns=["text"]).column(0))).as_py() or 0
               for p in shards)


def floor(shards):
    for p in shards:
        pf = pq.ParquetFile(p)
        for rg in range(pf.num_row_groups):
            pf.read_row_group(rg, columns=["text"]).column(0).combine_chunks().validate(full=True)


def passes(shards, scan, dedup):
    return [read_shard(p, scan, 0, dedup_config=dedup) for p in shards]


def join(facts, config):
    return plan([Fingerprints.from_dict(f.dedup, config) for f in facts], config, 0.75)


def line(name, seconds, mb, floor_s):
    print(f"  {name:<44} {seconds:7.3f} s  {mb / seconds:8.0f} MB/s  {seconds / floor_s:6.2f}x floor")


def library_race(unique: Path, mb: float):
    """rensa vs datasketch: MinHash of the same pre-hashed shingles, per document."""
    import rensa
    from datasketch import MinHash
    table = pq.read_table(unique, columns=["text"]).column("text").combine_chunks()
    lengths = pc.binary_length(table).to_numpy()
    take = int(np.searchsorted(np.cumsum(lengths), mb * 1e6)) + 1
    sub = table.slice(0, take)
    size = int(lengths[:take].sum()) / 1e6
    shingles, rows = word_shingles(sub)
    t_r, _ = best(lambda: rensa.RMinHash.digest_matrix_from_flat_token_hashes(shingles, rows, 112, 1))
    per_doc = [shingles[rows[i]:rows[i + 1]] for i in range(len(rows) - 1)]

    def sketch():
        for hv in per_doc:
            m = MinHash(num_perm=112, hashfunc=int, scheme="affine64")
            m.update_batch(hv.tolist())
    t_d, _ = best(sketch, repeat=1)
    print(f"  MinHash of the shingles of {size:.1f} MB ({len(per_doc):,} documents, 112 perms):")
    print(f"    rensa RMinHash digest matrix           {size / t_r:8.0f} MB/s")
    print(f"    datasketch MinHash.update_batch        {size / t_d:8.0f} MB/s  "
          f"(rensa {t_d / t_r:.0f}x faster)")


def accuracy(unique: Path, n: int, seeds: int):
    sys.path.insert(0, str(ROOT / "tests" / "dedup"))
    from planted import brute_force
    from preflight.data.dedup import DedupConfig as Config, Fingerprinter
    config = MinHashConfig()
    table = pq.read_table(unique, columns=["text"]).column("text")
    print(f"  near-duplicate share on {n:,} random real documents: plan (LSH 14x8, b-bit "
          f"verification) vs exact Jaccard >= 0.75")
    errors = []
    for seed in range(seeds):
        idx = sorted(random.Random(seed).sample(range(len(table)), n))
        docs = table.take(pa.array(idx)).to_pylist()
        fp = Fingerprinter(Config(config))
        fp.add(pa.array(docs, pa.large_string()))
        p = plan([Fingerprints.from_dict(fp.to_dict(), config),
                  Fingerprints(np.zeros(0, np.uint64), np.zeros((0, 112), np.uint8))], config, 0.75)
        want = brute_force(docs, [], 0.75)
        got = int(((p.reason == EXACT) | (p.reason == NEAR)).sum())
        share, truth = got / want.train_docs, want.near_copies / want.train_docs
        errors.append(share - truth)
        print(f"    seed {seed}: plan {share:6.2%}  exact Jaccard {truth:6.2%}  "
              f"error {share - truth:+.2%}")
    print(f"    largest error {max(abs(e) for e in errors):.2%} (stated: 1 point)")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--shards", type=Path, default=DATA / "shards", help="a folder of shards")
    ap.add_argument("--unique", type=Path, default=DATA / "unique.parquet",
                    help="real documents without exact copies (library race, accuracy)")
    ap.add_argument("--accuracy", type=int, default=0, metavar="N",
                    help="also compare with exact Jaccard on N random documents")
    ap.add_argument("--seeds", type=int, default=3)
    args = ap.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})
    os.environ.setdefault("RAYON_NUM_THREADS", "1")
    shards = list_shards(args.shards)
    if not shards:
        sys.exit(f"no shards in {args.shards} (set PREFLIGHT_IAC_DATA or --shards)")
    mb = text_bytes(shards) / 1e6
    near = MinHashConfig()
    scan = ScannerConfig()
    print(f"{len(shards)} shards, {mb:.0f} MB of text, one process on one CPU")
    t_floor, _ = best(lambda: floor(shards))
    line("floor: pyarrow reads the text", t_floor, mb, t_floor)
    t_pass, _ = best(lambda: passes(shards, None, None))
    t_exact, facts = best(lambda: passes(shards, None, DedupConfig()))
    t_join, p = best(lambda: join(facts, None))
    line("Step 1 pass", t_pass, mb, t_floor)
    line("  + exact hashes", t_exact, mb, t_floor)
    line("  + join (exact copies, validation in training)", t_join, mb, t_floor)
    t_scan, _ = best(lambda: passes(shards, scan, None))
    t_scan_exact, _ = best(lambda: passes(shards, scan, DedupConfig()))
    line("checklist pass (with the secret scan)", t_scan, mb, t_floor)
    line("  + exact hashes", t_scan_exact, mb, t_floor)
    added = t_exact - t_pass + t_join
    print(f"  exact duplicates + overlap add {added:.3f} s: {added / t_scan:.1%} of the checklist "
          f"pass, {added / t_pass:.1%} of Step 1's pass alone; {mb / added:.0f} MB/s")
    t_near, facts = best(lambda: passes(shards, None, DedupConfig(near)))
    t_near_join, p = best(lambda: join(facts, near))
    line("Step 1 pass + exact + MinHash fingerprints", t_near, mb, t_floor)
    line("  + join (bands, verification, greedy)", t_near_join, mb, t_floor)
    print(f"  near-duplicate estimation: {mb / (t_near - t_exact + t_near_join):.0f} MB/s per "
          f"process (fingerprints and join, over what the exact pass already does)")
    val = p.is_val
    train = ~val & (p.exact != 0)
    print(f"  found: {(p.reason[train] == EXACT).mean():.1%} of train exact copies, "
          f"{((p.reason[train] == EXACT) | (p.reason[train] == NEAR)).mean():.1%} with near "
          f"copies; validation in training {np.isin(p.exact[val], p.exact[~val]).mean():.1%}")
    if args.unique.exists():
        library_race(args.unique, 20)
        if args.accuracy:
            accuracy(args.unique, args.accuracy, args.seeds)


if __name__ == "__main__":
    main()
