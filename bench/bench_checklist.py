"""Benchmark: the checklist's data pass, cold and warm, against pyarrow merely reading the text.

    python bench/bench_checklist.py            # 500 MB of synthetic IaC text (default)
    python bench/bench_checklist.py --mb 50    # a quicker look

Builds a dataset in nanochat's layout in a temporary folder (or --dir, reused when present), then in
one run measures:
  floor  pyarrow reading every `text` column of every shard (one process), as nanochat would;
  stats  Step 1's pass alone (stats and samples, no secret scan), empty cache;
  cold   the checklist's Step 1-2 pass (stats, samples, secret scan) with an empty cache;
  warm   the same pass again (cache hits);
  full   `pytest checks` end to end, cold and warm (process start, torch import, tokenizer, sizing).
and prints the times and their ratios to the floor (machines here are noisy: compare ratios).
"""

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pyarrow.parquet as pq

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from preflight.config import build_settings  # noqa: E402
from preflight.data.datapass import pass_for_settings, run_pass, scanner_config  # noqa: E402
from preflight.demo.workspace import CHECKOUT_FILES  # noqa: E402
from preflight.demo.iac_corpus import iter_documents  # noqa: E402
from preflight.data.shard_writer import write_shard  # noqa: E402

SHARD_MB = 50


def build(folder: Path, mb: int) -> Path:
    # imported here: worker processes re-import this script, and torch would cost each a second
    from preflight.tokenizer.training import train_tokenizer
    base = folder / "base"
    data = base / "base_data_climbmix"
    if (folder / "done").exists():
        return base
    shutil.rmtree(folder, ignore_errors=True)
    for rel, text in CHECKOUT_FILES.items():
        (folder / "nanochat" / rel).parent.mkdir(parents=True, exist_ok=True)
        (folder / "nanochat" / rel).write_text(text)
    data.mkdir(parents=True)
    docs, size, index, first = [], 0, 0, []
    for doc in iter_documents(seed=1):
        docs.append(doc)
        size += len(doc)
        if size >= SHARD_MB * 1e6 or (index + 1) * SHARD_MB >= mb and size >= (mb - index * SHARD_MB) * 1e6:
            keep = len(docs) - len(docs) % 1024 or len(docs)
            write_shard(data / f"shard_{index:05d}.parquet", docs[:keep])
            first = first or docs[:2000]
            index, docs, size = index + 1, [], 0
            if index * SHARD_MB >= mb:
                break
    train_tokenizer(first, 8192, base / "tokenizer")
    (folder / "done").touch()
    return base


def timed(fn):
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--mb", type=int, default=500, help="MB of text to generate (default 500)")
    ap.add_argument("--dir", type=Path, help="workspace folder (kept and reused)")
    args = ap.parse_args()
    folder = args.dir or Path(tempfile.mkdtemp(prefix="preflight-bench-"))
    print(f"building {args.mb} MB of IaC text in {folder} ...", flush=True)
    base = build(folder, args.mb)
    cache = folder / "cache"
    shutil.rmtree(cache, ignore_errors=True)
    settings = build_settings(base_dir=base, nanochat_dir=folder / "nanochat", cache_dir=cache)
    shards = sorted(settings.data_dir.glob("*.parquet"))

    floor, _ = timed(lambda: [pq.read_table(p, columns=["text"]) for p in shards])
    mb = sum(p.stat().st_size for p in shards) / 1e6
    stats, _ = timed(lambda: pass_for_settings(settings, shards, scan=False))
    shutil.rmtree(cache, ignore_errors=True)
    cold, dp = timed(lambda: pass_for_settings(settings, shards))
    warm, _ = timed(lambda: pass_for_settings(settings, shards))
    shutil.rmtree(cache, ignore_errors=True)
    one = shards[:2]
    single, _ = timed(lambda: run_pass(one, scan_config=scanner_config(settings), workers=1))
    single_mb = sum(s.text_bytes for s in dp.shards[:2]) / 1e6
    text_mb = dp.total("text_bytes") / 1e6
    print(f"\n{len(shards)} shards, {text_mb:.0f} MB of text ({mb:.0f} MB on disk), "
          f"{os.cpu_count()} cores")
    print(f"floor (pyarrow reads every text column): {floor:6.2f} s  {text_mb / floor:7.1f} MB/s")
    print(f"cold pass without the secret scan:        {stats:6.2f} s  {text_mb / stats:7.1f} MB/s  "
          f"ratio to floor {stats / floor:.2f}x")
    print(f"cold pass (stats + samples + scan):       {cold:6.2f} s  {text_mb / cold:7.1f} MB/s  "
          f"ratio to floor {cold / floor:.2f}x")
    print(f"one process, 2 shards, stats + scan:      {single:6.2f} s  {single_mb / single:7.1f} MB/s "
          f"of text")
    print(f"warm pass (cache):                        {warm:6.3f} s  ratio to floor {warm / floor:.3f}x")

    env = dict(os.environ, PREFLIGHT_CACHE_DIR=str(folder / "cache-full"))
    shutil.rmtree(folder / "cache-full", ignore_errors=True)
    cmd = [sys.executable, "-m", "pytest", str(ROOT / "checks"), "-x", "-q", "-p", "no:randomly",
           f"--rootdir={ROOT}", "-c", str(ROOT / "pytest.ini"), f"--base-dir={base}",
           f"--nanochat-dir={folder / 'nanochat'}", f"--reports-dir={folder / 'reports'}",
           f"--html={folder / 'reports' / 'report.html'}", f"--junitxml={folder / 'reports' / 'junit.xml'}",
           "-o", "min_text_mb=1"]
    for label in ("cold", "warm"):
        t, proc = timed(lambda: subprocess.run(cmd, env=env, capture_output=True, text=True))
        status = "green" if proc.returncode == 0 else f"exit {proc.returncode}"
        print(f"full checklist {label} ({status}):            {t:6.2f} s  ratio to floor {t / floor:.2f}x")
    bare, _ = timed(lambda: subprocess.run([sys.executable, "-c", "import pytest, pyarrow, numpy"]))
    print(f"(a bare `python -c 'import pytest, pyarrow, numpy'` takes {bare:.2f} s here)")


if __name__ == "__main__":
    main()
