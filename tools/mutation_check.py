#!/usr/bin/env python3
"""Plant plausible bugs one at a time in a copy of the project and see whether the tests catch them.

Each mutation replaces one exact snippet of one file (the snippet must occur exactly once, so a
mutation that no longer applies is reported, never silently skipped) and runs the tests that should
notice. A surviving mutation is a hole in the suite. Not part of CI (it runs the suite many times):

    python tools/mutation_check.py                 # all mutations, a table at the end
    python tools/mutation_check.py -k horizon      # those whose name contains "horizon"
"""

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Mutation:
    name: str
    path: str          # file, relative to the repository root
    old: str           # exact snippet, occurring once
    new: str
    tests: tuple       # pytest arguments selecting the tests that should catch it


MUTATIONS = [
    # filled in below, by area
]


def run_one(m: Mutation, timeout: float) -> tuple:
    """(verdict, seconds, detail) for one mutation, in a fresh copy of the repository."""
    with tempfile.TemporaryDirectory(prefix="mutation-") as tmp:
        copy = Path(tmp) / "repo"
        shutil.copytree(ROOT, copy, symlinks=True, ignore=shutil.ignore_patterns(
            ".git", "reports", "__pycache__", "*.egg-info", "build", ".hypothesis"))
        target = copy / m.path
        text = target.read_text()
        if text.count(m.old) != 1:
            return "does not apply", 0.0, f"snippet found {text.count(m.old)} times in {m.path}"
        target.write_text(text.replace(m.old, m.new))
        env = dict(os.environ, PYTHONPATH=str(copy), PREFLIGHT_CACHE_DIR=str(Path(tmp) / "cache"))
        start = time.monotonic()
        try:
            proc = subprocess.run([sys.executable, "-m", "pytest", "-x", "-q", "-p", "no:cacheprovider",
                                   *m.tests], cwd=copy, env=env, capture_output=True, text=True,
                                  timeout=timeout)
        except subprocess.TimeoutExpired:
            return "caught (timeout)", timeout, ""
        seconds = time.monotonic() - start
        last = (proc.stdout.strip().splitlines() or [""])[-1]
        verdict = {0: "SURVIVED", 1: "caught", 2: "caught (collection error)",
                   5: "no tests ran"}.get(proc.returncode, f"exit {proc.returncode}")
        return verdict, seconds, last


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("-k", default="", help="only mutations whose name contains this")
    ap.add_argument("--timeout", type=float, default=900, help="seconds per mutation")
    args = ap.parse_args(argv)
    chosen = [m for m in MUTATIONS if args.k in m.name]
    rows = []
    for m in chosen:
        verdict, seconds, detail = run_one(m, args.timeout)
        rows.append((m.name, verdict, seconds, detail))
        print(f"{verdict:<16} {seconds:6.0f}s  {m.name}  ({detail})", flush=True)
    survived = [r for r in rows if not r[1].startswith("caught")]
    print(f"\n{len(rows) - len(survived)} of {len(rows)} mutations caught")
    print("| mutation | verdict |\n|---|---|")
    for name, verdict, _, _ in rows:
        print(f"| {name} | {verdict} |")
    return 1 if survived else 0


if __name__ == "__main__":
    sys.exit(main())
