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

# Slurm: the hardware check in the job, --wait's verdict, signals, the partition check
_CLUSTER = "tests/test_slurm_cluster.py"
MUTATIONS += [
    Mutation("slurm: the job ignores a red hardware check", "preflight/launch/slurm.py",
             'if v.get("check_failed")]\n    if red:', 'if v.get("failed")]\n    if red:',
             ("tests/test_slurm.py", "-k", "without_the_planned")),
    Mutation("slurm: --wait on a real cluster returns 0 always", "preflight/launch/cli.py",
             "    return follow(info, saved_in) if args.wait else 0",
             "    if args.wait:\n        follow(info, saved_in)\n    return 0",
             (_CLUSTER, "-k", "green")),
    Mutation("slurm: the launcher ignores the check's verdict", "preflight/launch/slurm_wait.py",
             'red = [v for v in verdicts if v.get("check_failed")]', "red = []",
             (_CLUSTER, "-k", "placeholder")),
    Mutation("slurm: the run keeps the default SIGUSR2 (Slurm's warning kills it)",
             "preflight/launch/slurm.py",
             "signal.signal(signal.SIGUSR2, signal.SIG_IGN)",
             "signal.signal(signal.SIGUSR2, signal.SIG_DFL)",
             (_CLUSTER, "-k", "time_limit")),
    Mutation("slurm: the time-limit warning is not passed on as SIGTERM", "preflight/launch/slurm.py",
             "signum != signal.SIGTERM or not self.under_slurm",
             "signum == signal.SIGTERM and not self.under_slurm",
             (_CLUSTER, "-k", "time_limit")),
    Mutation("slurm: a node starts training once its own check is green", "preflight/launch/slurm.py",
             "        if len(found) == job.num_tasks:\n",
             "        if job.global_rank in found:\n",
             ("tests/test_slurm.py", "-k", "red_node")),
    Mutation("slurm: the node's total memory is compared, not its free memory",
             "preflight/hardware/node_check.py",
             "available = min(g.free if g.free is not None else g.memory for g in used)",
             "available = min(g.memory for g in used)", ("tests/test_node_check.py",)),
    Mutation("slurm: cancelled reads as the time limit", "preflight/launch/slurm_wait.py",
             '"CANCELLED": (EXIT_CANCELLED,', '"CANCELLED": (EXIT_TIME_LIMIT,',
             ("tests/test_slurm_wait.py",)),
    Mutation("slurm: the partition's CPUs read as its nodes", "preflight/launch/slurm.py",
             'int(part.get("TotalNodes") or 0)', 'int(part.get("TotalCPUs") or 0)',
             (_CLUSTER, "-k", "partition")),
    Mutation("slurm: a model file without its meta file counts as saved",
             "preflight/launch/checkpoints.py",
             'complete = [s for s in steps if f"meta_{s:06d}.json" in names]', "complete = steps",
             ("tests/test_slurm_wait.py", "-k", "saved")),
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
