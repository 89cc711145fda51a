"""Benchmark: the checklist's data pass, cold and warm, against pyarrow merely reading the text.

    python bench/bench_checklist.py            # 500 MB of synthetic IaC text (default)
    python bench/bench_checklist.py --mb 50    # a quicker look
    python bench/bench_checklist.py --base-dir ~/.cache/nanochat --nanochat-dir ~/nanochat   # yours

Builds a dataset in nanochat's layout in a temporary folder (or --dir, reused when present), then in
one run measures:
  floor  pyarrow reading every `text` column of every shard (one process), as nanochat would;
  stats  the pass without the secret scan (stats, samples, duplicate fingerprints), empty cache;
  cold   the checklist's Step 1-2 pass (the same and the secret scan) with an empty cache;
  warm   the same pass again (cache hits);
  full   `pytest checks` end to end (every step, also after a failure), cold and warm, with the
         time of each step (from junit.xml: setup, call and teardown of its checks, so a session
         fixture counts where it is first used) and the fixed overhead: the cold checklist minus
         the cold pass (measured alone just before it), which no checklist can skip.
and prints the times and their ratios to the floor (machines here are noisy: compare ratios, and
use --repeat N on a shared machine: each cold measurement is then the fastest of N).
"""

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from collections import defaultdict
from pathlib import Path

import pyarrow.parquet as pq

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from preflight.config import build_settings  # noqa: E402
from preflight.data.datapass import pass_for_settings, run_pass  # noqa: E402
from preflight.secrets.scanner import scanner_config  # noqa: E402
from preflight.demo.workspace import CHECKOUT_FILES  # noqa: E402
from preflight.demo.iac_corpus import iter_documents  # noqa: E402
from preflight.data.shard_writer import write_shard  # noqa: E402
from preflight.data.shards import list_shards  # noqa: E402

SHARD_MB = 50
STEPS = {"test_00": "0 Nanochat", "test_10": "1 Data (the pass)", "test_20": "2 Secrets",
         "test_30": "3 Tokenizer", "test_40": "4 Sizing", "test_50": "5 Hardware",
         "test_60": "6 Launch lint"}


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


def step_times(junit: Path) -> dict:
    """Seconds per checklist step from pytest's junit.xml (setup + call + teardown per check)."""
    times = defaultdict(float)
    for case in ET.parse(junit).iter("testcase"):
        module = case.get("classname", "").rsplit(".", 1)[-1]
        times[STEPS.get(module[:7], module)] += float(case.get("time", 0))
    return dict(times)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--mb", type=int, default=500, help="MB of text to generate (default 500)")
    ap.add_argument("--dir", type=Path, help="workspace folder (kept and reused)")
    ap.add_argument("--base-dir", type=Path, help="an existing nanochat base dir (data and "
                                                  "tokenizer) instead of generated text")
    ap.add_argument("--nanochat-dir", type=Path, help="the checkout to check against (default: "
                                                      "the demo's stand-in)")
    ap.add_argument("--repeat", type=int, default=1, help="cold measurements to take the fastest "
                                                          "of (default 1)")
    args = ap.parse_args()
    folder = args.dir or Path(tempfile.mkdtemp(prefix="preflight-bench-"))
    if args.base_dir:
        base, checkout = args.base_dir, args.nanochat_dir or folder / "nanochat"
        for rel, text in CHECKOUT_FILES.items():  # the stand-in, when no checkout is given
            (folder / "nanochat" / rel).parent.mkdir(parents=True, exist_ok=True)
            (folder / "nanochat" / rel).write_text(text)
    else:
        print(f"building {args.mb} MB of IaC text in {folder} ...", flush=True)
        base = build(folder, args.mb)
        checkout = args.nanochat_dir or folder / "nanochat"
    cache = folder / "cache"
    shutil.rmtree(cache, ignore_errors=True)
    settings = build_settings(base_dir=base, nanochat_dir=checkout, cache_dir=cache)
    shards = list_shards(settings.data_dir)

    floor = min(timed(lambda: [pq.read_table(p, columns=["text"]) for p in shards])[0]
                for _ in range(args.repeat))
    mb = sum(p.stat().st_size for p in shards) / 1e6
    stats, _ = timed(lambda: pass_for_settings(settings, shards, scan=False))
    colds = []
    for _ in range(args.repeat):
        shutil.rmtree(cache, ignore_errors=True)
        colds.append(timed(lambda: pass_for_settings(settings, shards)))
    cold, dp = min(colds, key=lambda c: c[0])
    warm, _ = timed(lambda: pass_for_settings(settings, shards))
    shutil.rmtree(cache, ignore_errors=True)
    one = shards[:2]
    single, _ = timed(lambda: run_pass(one, scan_config=scanner_config(settings), workers=1))
    single_mb = sum(s.text_bytes for s in dp.shards[:2]) / 1e6
    text_mb = dp.total("text_bytes") / 1e6
    print(f"\n{len(shards)} shards, {text_mb:.0f} MB of text ({mb:.0f} MB on disk), "
          f"{os.cpu_count()} cores; checkout {checkout}")
    print(f"floor (pyarrow reads every text column): {floor:6.2f} s  {text_mb / floor:7.1f} MB/s")
    print(f"cold pass, no secret scan:               {stats:6.2f} s  {text_mb / stats:7.1f} MB/s  "
          f"ratio to floor {stats / floor:.2f}x")
    print(f"cold pass (+ secret scan):                {cold:6.2f} s  {text_mb / cold:7.1f} MB/s  "
          f"ratio to floor {cold / floor:.2f}x")
    print(f"one process, 2 shards, stats + scan:      {single:6.2f} s  {single_mb / single:7.1f} MB/s "
          f"of text")
    print(f"warm pass (cache):                        {warm:6.3f} s  ratio to floor {warm / floor:.3f}x")

    env = dict(os.environ, PREFLIGHT_CACHE_DIR=str(folder / "cache-full"))
    reports = folder / "reports"
    cmd = [sys.executable, "-m", "pytest", str(ROOT / "checks"), "-q", "-p", "no:randomly",
           f"--rootdir={ROOT}", "-c", str(ROOT / "pytest.ini"), f"--base-dir={base}",
           f"--nanochat-dir={checkout}", f"--reports-dir={reports}",
           f"--html={reports / 'report.html'}", f"--junitxml={reports / 'junit.xml'}",
           "-o", "min_text_mb=1"]

    def full_run():
        t, proc = timed(lambda: subprocess.run(cmd, env=env, capture_output=True, text=True))
        steps = step_times(reports / "junit.xml")
        steps["start, collection, reports"] = t - sum(steps.values())
        return t, steps, proc.returncode

    runs, overheads = {}, []
    for label in ("cold", "warm"):
        tries = []
        for _ in range(args.repeat if label == "cold" else 1):
            if label == "cold":  # the pass alone just before, so each pair sees the same load
                shutil.rmtree(cache, ignore_errors=True)
                alone, _ = timed(lambda: pass_for_settings(settings, shards))
                shutil.rmtree(folder / "cache-full", ignore_errors=True)
            tries.append(full_run())
            if label == "cold":
                overheads.append(tries[-1][0] - alone)
        t, steps, code = min(tries, key=lambda r: r[0])
        runs[label] = t, steps
        status = "all green" if code == 0 else f"exit {code}: some checks fail"
        print(f"full checklist {label} ({status}): {t:6.2f} s  ratio to floor {t / floor:.2f}x, "
              f"to the cold pass {t / cold:.2f}x")
    print(f"fixed overhead, cold (full checklist - the cold pass measured just before it): "
          f"median {statistics.median(overheads):.2f} s of "
          f"{', '.join(f'{o:.2f}' for o in overheads)}")
    print("\nper step (s)                    cold    warm")
    for step in dict.fromkeys([*runs["cold"][1], *runs["warm"][1]]):
        print(f"  {step:28s} {runs['cold'][1].get(step, 0):7.2f} {runs['warm'][1].get(step, 0):7.2f}")
    bare, _ = timed(lambda: subprocess.run([sys.executable, "-c", "import pytest, pyarrow, numpy"]))
    print(f"(a bare `python -c 'import pytest, pyarrow, numpy'` takes {bare:.2f} s here)")


if __name__ == "__main__":
    main()
