#!/usr/bin/env python3
"""Plant plausible bugs one at a time in a copy of the project and see whether the tests catch them.

Each mutation replaces one exact snippet of one file (the snippet must occur exactly once, so a
mutation that no longer applies is reported, never silently skipped) and runs the tests that should
notice, in a fresh copy of the files a checkout holds (no .git, caches or reports; checks/ stays a
link into the copy), with the copy first on PYTHONPATH and without NANOCHAT_CHECKOUTS, as CI runs.
A surviving mutation is a hole in the suite, unless it is marked equivalent (it changes no
behaviour; the mark says why). Not part of CI (it runs the tests many times):

    python tools/mutation_check.py                 # all mutations, a table at the end
    python tools/mutation_check.py -k horizon      # those whose name contains "horizon"
    python tools/mutation_check.py --snippets      # does every mutation still apply? (no tests)
    python tools/mutation_check.py --baseline      # do their tests pass on the unchanged code?
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
    equivalent: str = ""  # why no test can catch it (it changes no behaviour), when that is so


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


# The data pass: what the checklist's one streaming pass reads, counts, samples and caches
_E2E = "tests/secrets/test_secrets_e2e.py"
_DATAPASS = "tests/test_datapass.py"
MUTATIONS += [
    Mutation("datapass: the scan reads only row group 0 of each shard",
             "preflight/data/datapass.py",
             "        if scanner is not None:\n            facts.findings.extend(",
             "        if scanner is not None and rg == 0:\n            facts.findings.extend(",
             (_E2E, "-k", "checklist_reports")),
    Mutation("datapass: findings' rows counted from the row group, not the shard",
             "preflight/data/datapass.py", "row_offset=first))", "row_offset=0))",
             (_E2E, "-k", "checklist_reports")),
    Mutation("datapass: the cache drops findings (a warm rerun on dirty data reports 0 secrets)",
             "preflight/data/datapass.py",
             'for f in fields(facts) if f.name != "sample"}',
             'for f in fields(facts) if f.name not in ("sample", "findings")}',
             (_E2E, "-k", "checklist_reports")),
    Mutation("arrow_text: the validity bitmap read in the wrong bit order",
             "preflight/util/arrow_text.py", 'bitorder="little")', 'bitorder="big")',
             ("tests/test_arrow_text.py",)),
    Mutation("arrow_text: a sliced array's nulls read from the bitmap's start",
             "preflight/util/arrow_text.py", "bits[arr.offset:arr.offset + len(arr)]",
             "bits[:len(arr)]", ("tests/test_arrow_text.py",)),
    Mutation("datapass: a document with a finding is sampled (cold)", "preflight/data/datapass.py",
             'flagged = {f["row"] for f in facts.findings}.union(skip_rows)',
             "flagged = set(skip_rows)",
             (_DATAPASS, "-k", "no_document_with_a_finding")),
    Mutation("datapass: a document with a cached finding is sampled (warm, new sample budget)",
             "preflight/data/datapass.py",
             'skip = {f["row"] for f in cached.findings} if cached else set()', "skip = set()",
             (_DATAPASS, "-k", "no_document_with_a_finding")),
    Mutation("datapass: null documents are counted as empty only", "preflight/data/datapass.py",
             "        if arr.null_count:\n", "        if False:\n", (_DATAPASS, "-k", "null")),
    Mutation("datapass: dictionary-encoded text is rejected", "preflight/data/datapass.py",
             "    if pa.types.is_dictionary(arrow_type):\n"
             "        arrow_type = arrow_type.value_type\n", "",
             (_DATAPASS, "-k", "dictionary")),
    Mutation("datapass: the last shard is not the validation split", "preflight/data/datapass.py",
             "        return self.shards[-1:]", "        return self.shards[:1]",
             ("tests/test_checklist.py", "-k", "facts_match")),
    Mutation("datapass: the cache key leaves out the scanner's configuration",
             "preflight/data/datapass.py", "cache_key(PASS_VERSION, identity, scan_key,",
             "cache_key(PASS_VERSION, identity,", (_DATAPASS, "-k", "scanner_configuration")),
    Mutation("datapass: shards in the order they were done, not nanochat's",
             "preflight/data/datapass.py", "return DataPass(shards=[results[p] for p in shards],",
             "return DataPass(shards=list(results.values()),", (_DATAPASS,)),
    Mutation("data: ranks x train row groups off by one", "preflight/data/verdicts.py",
             "    if most_train < ranks:", "    if most_train < ranks - 1:",
             (_DATAPASS, "tests/test_checklist.py", "-k", "rank")),
    Mutation("data: ranks x validation row groups off by one", "preflight/data/verdicts.py",
             "    if val.row_groups < ranks:", "    if val.row_groups + 1 < ranks:",
             (_DATAPASS, "tests/test_checklist.py", "-k", "rank")),
]

# The cache: what it trusts
MUTATIONS += [
    Mutation("cache: a file's identity without ctime and inode", "preflight/util/cache.py",
             "st.st_mtime_ns, st.st_ctime_ns, st.st_ino,\n            st.st_dev]",
             "st.st_mtime_ns,\n            st.st_dev]", (_DATAPASS, "-k", "mtime_restored")),
    Mutation("cache: an entry's checksum is not verified", "preflight/util/cache.py",
             'if header.decode() != f"{key} {_checksum(key, payload)}":',
             "if not header.decode().startswith(key):", (_DATAPASS, "-k", "edited")),
    Mutation("cache: a cached shard's footer is not read", "preflight/data/datapass.py",
             'return head == b"PAR1" and tail[4:] == b"PAR1"', 'return True or head == b"PAR1"',
             (_DATAPASS, "-k", "does_not_open")),
]

# The scanner: spans, prefilters, placeholders, the baseline
_RULES = "tests/secrets/test_secrets_rules.py"
_PROPS = "tests/secrets/test_secrets_properties.py"
MUTATIONS += [
    Mutation("scanner: the AWS key rule loses the A3T/ABIA/ACCA prefixes",
             "preflight/secrets/rules/tokens.py",
             '_AWS_KEY_ID = r"(?:A3T[A-Z0-9]|AKIA|ASIA|ABIA|ACCA)[A-Z0-9]{16}"',
             '_AWS_KEY_ID = r"(?:AKIA|ASIA)[A-Z0-9]{16}"', (_RULES, "-k", "aws")),
    Mutation("scanner: every pattern rule's span one byte short", "preflight/secrets/rule.py",
             "        yield start, end, rule.id", "        yield start, end - 1, rule.id",
             (_RULES, "-k", "samples_whole")),
    Mutation("scanner: a private key's span one byte short", "preflight/secrets/rules/pem.py",
             "end = j + len(end_marker)", "end = j + len(end_marker) - 1",
             (_RULES, "-k", "private-key")),
    Mutation("scanner: the GitHub token prefilter skips all but ghp_",
             "preflight/secrets/rules/tokens.py",
             'for c in "pousr"], key="github_token",',
             'for c in "pousr"], key="github_token", prefilter=r"ghp_[A-Za-z0-9]{36}",',
             (_RULES, "-k", "github")),
    Mutation("scanner: Hyperscan ignores a caseless prefilter's flag",
             "preflight/secrets/scanner.py",
             "flag = hyperscan.HS_FLAG_CASELESS if rule.caseless else 0", "flag = 0",
             (_RULES, "-k", "samples_whole")),
    Mutation("scanner: rules Hyperscan cannot compile are never run",
             "preflight/secrets/scanner.py",
             "    if always:\n", "    if False:\n",
             ("tests/secrets/test_secrets_scanner.py",)),
    Mutation("scanner: short placeholder words match at the end of other words",
             "preflight/secrets/heuristics.py",
             'r"(?i)(?<![a-z0-9_])(?:todo|', 'r"(?i)(?:todo|', (_RULES, _PROPS)),
    Mutation("scanner: short placeholder words match at the start of other words",
             "preflight/secrets/heuristics.py", 'r"\\*\\*\\*+)(?![a-z0-9_])")', 'r"\\*\\*\\*+)")',
             (_RULES, _PROPS)),
    Mutation("scanner: four repeated characters make a placeholder",
             "preflight/secrets/heuristics.py",
             '_REPEATED = re.compile(r"(.)\\1{5,}")', '_REPEATED = re.compile(r"(.)\\1{3,}")',
             (_RULES, _PROPS)),
    Mutation("scanner: the public IPv4 prefilter's leading boundary excludes letters again, "
             "without a letter before an address", "preflight/secrets/rules/ips.py",
             'prefilter = (r"(?:^|[^0-9])"', 'prefilter = (r"(?:[^0-9A-Za-z_.])"',
             (_RULES, "-k", "ipv4 or hand_written")),
    Mutation("scanner: the name/value prefilter wants `value:` only right after the name",
             "preflight/secrets/rules/assignments.py",
             '[ \\t]*,?[ \\t]*\\r?\\n?[ \\t-]*"', '[ \\t]*,?"', (_RULES, "-k", "generic")),
    Mutation("scanner: key words grouped by first letter keep only the first of each letter",
             "preflight/secrets/rules/pairs.py",
             "groups.setdefault(word[0], []).append(word[1:])",
             "groups.setdefault(word[0], [word[1:]])", (_RULES,)),
    Mutation("scanner: the thread that compiles the rules early lets its error out",
             "preflight/secrets/scanner.py",
             "        with contextlib.suppress(Exception):\n            build_scanner(scanner_config(",
             "        if True:\n            build_scanner(scanner_config(",
             ("tests/test_cli.py", "-k", "bad_rule_file")),
    Mutation("findings: the preview shows half of a short secret", "preflight/secrets/findings.py",
             "shown = min(4, len(secret) // 4)", "shown = min(4, len(secret) // 2)",
             ("tests/secrets/test_secrets_findings.py",)),
    Mutation("scanner: the baseline is ignored by the checklist and scan",
             "preflight/secrets/baseline.py",
             "kept = [f for f in findings if f.fingerprint not in reviewed]",
             "kept = list(findings)",
             ("tests/secrets/test_secrets_findings.py",)),
]

# The sanitizer and dedup rewriters
_SANITIZE = "tests/secrets/test_secrets_sanitize.py"
_DEDUP = "tests/dedup/test_dedup_rewrite.py"
MUTATIONS += [
    Mutation("atomic writer: no fsync before the rename", "preflight/util/atomic_write.py",
             "        yield tmp\n        fsync_path(tmp)\n", "        yield tmp\n",
             (_SANITIZE, "tests/test_shard_writer.py")),
    Mutation("sanitize: the audit log is not synced", "preflight/util/atomic_write.py",
             '        f.flush()\n        os.fsync(f.fileno())', '        f.flush()', (_SANITIZE,)),
    Mutation("sanitize: the verify step checks nothing", "preflight/secrets/sanitize.py",
             "    b = pq.ParquetFile(dst)\n", "    return\n    b = pq.ParquetFile(dst)\n",
             (_SANITIZE,)),
    Mutation("sanitize: verify lets rows without findings change", "preflight/secrets/sanitize.py",
             "if not changed <= allowed or old.null_count != new.null_count:",
             "if old.null_count != new.null_count:", (_SANITIZE,)),
    Mutation("sanitize: the rewrite loses the row offset after the first row group",
             "preflight/secrets/sanitize.py",
             "            writer.write_table(table, row_group_size=max(1, table.num_rows))\n"
             "            offset += table.num_rows\n",
             "            writer.write_table(table, row_group_size=max(1, table.num_rows))\n",
             (_SANITIZE,)),
    Mutation("sanitize: the baseline is ignored", "preflight/secrets/sanitize.py",
             "                    if finding.fingerprint in reviewed:",
             "                    if False:",
             (_SANITIZE, "-k", "baseline")),
    Mutation("sanitize: the folder lock is not taken", "preflight/secrets/sanitize.py",
             'locks.enter_context(folder_lock(target_dir, "preflight sanitize"))',
             "locks.enter_context(contextlib.nullcontext())",
             ("tests/test_faults.py", "-k", "parallel_sanitizers")),
    Mutation("sanitize: the scanned file's identity and hash are not compared",
             "preflight/secrets/sanitize.py",
             "if _identity(os.fstat(f.fileno())) != scan.identity or _digest(f) != scan.digest:",
             "if False:", (_SANITIZE, "-k", "offsets")),
    Mutation("sanitize: the scanned file's hash is not compared (identity only)",
             "preflight/secrets/sanitize.py",
             "if _identity(os.fstat(f.fileno())) != scan.identity or _digest(f) != scan.digest:",
             "if _identity(os.fstat(f.fileno())) != scan.identity:", (_SANITIZE, "-k", "offsets")),
    Mutation("sanitize: the name is not checked to still hold the scanned file before the rename",
             "preflight/secrets/sanitize.py",
             "if _identity(os.stat(src)) != scan.identity:  # the name still holds it",
             "if False:", (_SANITIZE, "-k", "another_program")),
    Mutation("dedup: the first occurrence is not kept", "preflight/data/dedup.py",
             "copy = (first_of != np.arange(n)) & (exact != 0)",
             "copy = (np.bincount(inverse.reshape(-1))[inverse.reshape(-1)] > 1) & (exact != 0)",
             ("tests/dedup/test_duplicates.py", "-k", "first_occurrence")),
    Mutation("dedup: validation is not cleared of training copies", "preflight/data/dedup.py",
             "copy = (first_of != np.arange(n)) & (exact != 0)",
             "copy = (first_of != np.arange(n)) & (exact != 0) & (shard < len(sizes) - 1)",
             ("tests/dedup/test_duplicates.py", "-k", "first_occurrence")),
    Mutation("dedup: the verify step checks nothing", "preflight/data/dedup_rewrite.py",
             "    a, b = pq.ParquetFile(src), pq.ParquetFile(dst)\n",
             "    return\n    a, b = pq.ParquetFile(src), pq.ParquetFile(dst)\n", (_DEDUP,)),
    Mutation("dedup: the folder lock is not taken", "preflight/data/dedup_rewrite.py",
             'with folder_lock(data_dir, "preflight dedup"):', "with open(os.devnull):",
             (_DEDUP, "-k", "second_writer")),
]

# Sizing and the horizon
_HORIZON = "tests/test_horizon.py"
_PLAN = "tests/test_sizing_plan.py"
_SIZING_E2E = "tests/test_checklist.py::test_sizing_numbers_match_a_direct_computation"
MUTATIONS += [
    Mutation("sizing: the token estimate is off by one token", "preflight/sizing/plan.py",
             "return int(text_bytes / bytes_per_token) if",
             "return int(text_bytes / bytes_per_token) + 1 if",
             (_PLAN, _SIZING_E2E)),
    Mutation("sizing: Chinchilla tokens from all parameters, not the horizon's",
             "preflight/sizing/plan.py", "return int(self.tokens_per_param * self.params.horizon)",
             "return int(self.tokens_per_param * self.params.total)",
             (_SIZING_E2E,)),
    Mutation("sizing: the depth table's boundary is exclusive", "preflight/sizing/plan.py",
             "        if tokens >= min_tokens:", "        if tokens > min_tokens:",
             (_PLAN, _SIZING_E2E)),
    Mutation("sizing: value embeddings on floor(depth / 2) layers", "preflight/sizing/params.py",
             "    n_ve = math.ceil(L / 2)", "    n_ve = L // 2", ("tests/test_params.py",)),
    Mutation("horizon: the v0 meta-device count uses scaling instead of total parameters",
             "preflight/sizing/params.py", 'basis = "total" if checkout.era is V0 else "scaling"',
             'basis = "scaling"', (_HORIZON, "tests/test_params.py")),
    Mutation("horizon: the v0 formula uses scaling instead of total parameters",
             "preflight/sizing/params.py",
             'source="formula (2025 nanochat)", horizon_basis="total")',
             'source="formula (2025 nanochat)")', (_HORIZON,)),
    Mutation("horizon: the data ratio multiplies all parameters", "preflight/sizing/horizon.py",
             "    params = count.horizon\n", "    params = count.total\n", (_HORIZON,)),
    Mutation("horizon: iterations from the ratio are rounded, not floored",
             "preflight/sizing/horizon.py",
             '"target-param-data-ratio", target_tokens // total_batch',
             '"target-param-data-ratio", round(target_tokens / total_batch)', (_HORIZON,)),
    Mutation("horizon: iterations from --target-flops are floored, not rounded",
             "preflight/sizing/horizon.py", '"target-flops", round(target_flops /',
             '"target-flops", int(target_flops /', (_HORIZON,)),
    Mutation("horizon: the auto batch size's reference data uses all parameters",
             "preflight/sizing/horizon.py", "d_ref = ratio * reference.scaling",
             "d_ref = ratio * reference.total", (_HORIZON,)),
]

# The time model, the memory estimate, the launch gate, the watch, the generated command
MUTATIONS += [
    Mutation("time: the fp8 peak reads the bf16 column", "preflight/hardware/gpus.py",
             'value = peaks[0] if precision == "bf16" else peaks[1] if precision == "fp8" else '
             'None',
             'value = peaks[0] if precision in ("bf16", "fp8") else None',
             ("tests/test_timecost.py",)),
    Mutation("time: a mistyped fp8 utilisation constant", "preflight/hardware/speed.py",
             '("H100-80GB", "fp8"): 0.2952,', '("H100-80GB", "fp8"): 0.3052,',
             ("tests/test_timecost.py",)),
    Mutation("time: --fp8 runs are timed at the bf16 peak", "preflight/hardware/speed.py",
             'return "fp8" if fp8 else "bf16"', 'return "bf16"', ("tests/test_timecost.py",)),
    Mutation("memory: the activations constant off (41.0, inside the H100 cases' window)",
             "preflight/hardware/memory.py", "act_bytes: float = 39.2", "act_bytes: float = 41.0",
             ("tests/test_hardware_memory.py", "tests/test_memory_measured.py")),
    Mutation("memory: the logits constant off", "preflight/hardware/memory.py",
             "logits_bytes: float = 2.05", "logits_bytes: float = 1.8",
             ("tests/test_hardware_memory.py", "tests/test_memory_measured.py")),
    Mutation("memory: the advised batch is the smallest that fits, not the largest",
             "preflight/hardware/memory.py",
             "    for dbs in batch_sizes_allowed(total_batch_size, seq_len, ranks):",
             "    for dbs in reversed(batch_sizes_allowed(total_batch_size, seq_len, ranks)):",
             ("tests/test_hardware_memory.py",)),
    Mutation("memory: the CUDA context is left out of the required memory",
             "preflight/hardware/memory.py",
             "(1 + c.fragmentation + c.margin)) + c.runtime_bytes",
             "(1 + c.fragmentation + c.margin))",
             ("tests/test_hardware_memory.py",)),
    Mutation("launch: checks left out (deselected, ignored) still launch",
             "preflight/launch/cli.py",
             'missing = [n for n in expected if outcomes.get(n) not in ("passed", "skipped")\n'
             '               or (outcomes[n] == "skipped" and '
             'not str(skipped.get(n, "")).strip())]',
             'missing = [n for n in expected if outcomes.get(n) in ("failed", "error")]',
             ("tests/test_launch.py", "-k", "left_out or partial")),
    Mutation("launch: a check skipped without a reason still launches", "preflight/launch/cli.py",
             'missing = [n for n in expected if outcomes.get(n) not in ("passed", "skipped")\n'
             '               or (outcomes[n] == "skipped" and '
             'not str(skipped.get(n, "")).strip())]',
             'missing = [n for n in expected if outcomes.get(n) not in ("passed", "skipped")]',
             ("tests/test_launch.py", "-k", "skipped_without")),
    Mutation("launch: a skip without a reason reads as the reason 'Skipped'",
             "preflight/checklist/plugin.py",
             'return "" if text == "Skipped" else text.removeprefix("Skipped: ")',
             'return text.removeprefix("Skipped: ")',
             ("tests/test_launch.py", "-k", "skipped_without")),
    Mutation("launch: the checklist's exit code is ignored", "preflight/launch/cli.py",
             "    if code != 0:\n", "    if False:\n",
             ("tests/test_launch.py", "tests/test_faults.py", "-k", "launch")),
    Mutation("watch: the plateau warning one evaluation late", "preflight/launch/watch.py",
             "if self.since_best == self.plan.plateau_evals:",
             "if self.since_best == self.plan.plateau_evals + 1:", ("tests/test_watch.py",)),
    Mutation("watch: stops before the checkpoint is complete", "preflight/launch/watch.py",
             "missing = checkpoint_complete(self.saves[saved], saved, self.plan.processes)",
             'missing = ""', ("tests/test_watch.py",)),
    Mutation("watch: only rank 0's optimizer shard is required", "preflight/launch/watch.py",
             'optim = [folder / f"optim_{step:06d}_rank{r}.pt" for r in range(ranks or 1)]',
             'optim = [folder / f"optim_{step:06d}_rank{r}.pt" for r in range(1)]',
             ("tests/test_watch.py",)),
    Mutation("watch: stops on a checkpoint saved before the plateau", "preflight/launch/watch.py",
             "for s in self.saves if self.plateau_at <= s <= step",
             "for s in self.saves if s <= step",
             ("tests/test_watch.py",)),
    Mutation("command: a float ratio written as an int for the 2025 configurator",
             "preflight/launch/candidates.py",
             'text = repr(float(value)) if spec.kind == "configurator" else f"{float(value):g}"',
             'text = f"{float(value):g}"', ("tests/test_generated_command.py",)),
    Mutation("command: an int-typed ratio gets a float", "preflight/launch/candidates.py",
             'value = math.floor(ratio) if option.type_name == "int" else ratio', "value = ratio",
             ("tests/test_generated_command.py",),
             equivalent="_flag writes an int option as str(int(value)), the same as the floor for "
                        "a positive ratio; a ratio under 1 then reads 0, whose horizon fails, and "
                        "the command falls back to --num_iterations as with the floor"),
]

def copy_worktree(dst: Path) -> None:
    """The files a fresh checkout would hold (tracked, plus untracked ones git does not ignore),
    symlinks as symlinks (checks/ -> preflight/checks): no .git, caches, reports or build output."""
    listed = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
                            cwd=ROOT, capture_output=True, check=True).stdout.decode()
    for rel in filter(None, listed.split("\0")):
        src, out = ROOT / rel, dst / rel
        if not src.is_symlink() and not src.exists():  # deleted but not yet committed
            continue
        out.parent.mkdir(parents=True, exist_ok=True)
        if src.is_symlink():
            os.symlink(os.readlink(src), out)
        else:
            shutil.copy2(src, out)


def _env(copy: Path, tmp: Path) -> dict:
    """The copy's code first on the path, its own cache, and no real checkouts: the tests run as
    CI runs them."""
    env = dict(os.environ, PYTHONPATH=str(copy), PREFLIGHT_CACHE_DIR=str(tmp / "cache"))
    env.pop("NANOCHAT_CHECKOUTS", None)
    return env


def _imports_the_copy(copy: Path, env: dict) -> str:
    """'' when Python started in the copy imports the copy's package and checks/ is the copy's."""
    found = subprocess.run([sys.executable, "-c", "import preflight; print(preflight.__file__)"],
                           cwd=copy, env=env, capture_output=True, text=True).stdout.strip()
    if not found or not Path(found).resolve().is_relative_to(copy.resolve()):
        return f"the copy imports preflight from {found or 'nowhere'}"
    checks = copy / "checks"
    if not checks.is_dir() or not checks.resolve().is_relative_to(copy.resolve()):
        return "checks/ in the copy points outside it"
    return ""


def _first_failure(output: str) -> str:
    """The first failing test pytest names in its short summary (-ra), else its last line."""
    lines = output.strip().splitlines()
    for line in lines:
        if line.startswith(("FAILED ", "ERROR ")):
            return line.split(" - ")[0].removeprefix("FAILED ")
    return lines[-1] if lines else ""


def run_one(m: Mutation, timeout: float) -> tuple:
    """(verdict, seconds, detail) for one mutation, in a fresh copy of the repository; a mutation
    whose `old` is "" is not applied (the tests' baseline on unchanged code)."""
    with tempfile.TemporaryDirectory(prefix="mutation-") as tmp:
        copy = Path(tmp) / "repo"
        copy_worktree(copy)
        if m.old:
            target = copy / m.path
            text = target.read_text()
            if text.count(m.old) != 1:
                return "does not apply", 0.0, f"snippet found {text.count(m.old)} times in {m.path}"
            target.write_text(text.replace(m.old, m.new))
        env = _env(copy, Path(tmp))
        wrong = _imports_the_copy(copy, env)
        if wrong:
            return "broken copy", 0.0, wrong
        start = time.monotonic()
        try:
            proc = subprocess.run([sys.executable, "-m", "pytest", "-x", "-q", "-ra",
                                   "-p", "no:cacheprovider", *m.tests], cwd=copy, env=env,
                                  capture_output=True, text=True, timeout=timeout)
        except subprocess.TimeoutExpired:
            return "caught (timeout)", timeout, ""
        seconds = time.monotonic() - start
        verdict = {0: "equivalent" if m.equivalent else "SURVIVED", 1: "caught",
                   2: "caught (collection error)", 5: "no tests ran"}.get(
                       proc.returncode, f"exit {proc.returncode}")
        if not m.old:  # the baseline: the unchanged code must pass
            verdict = "passes" if proc.returncode == 0 else f"FAILS (exit {proc.returncode})"
        return verdict, seconds, _first_failure(proc.stdout + proc.stderr)


def check_snippets(chosen: list) -> list:
    """The mutations whose snippet does not occur exactly once in this worktree."""
    return [(m.name, (ROOT / m.path).read_text().count(m.old)) for m in chosen
            if (ROOT / m.path).read_text().count(m.old) != 1]


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("-k", default="", help="only mutations whose name contains this")
    ap.add_argument("--timeout", type=float, default=900, help="seconds per mutation")
    ap.add_argument("--snippets", action="store_true",
                    help="only check that every chosen mutation applies; run no tests")
    ap.add_argument("--baseline", action="store_true",
                    help="run each chosen mutation's tests on the unchanged code (they must pass)")
    args = ap.parse_args(argv)
    chosen = [m for m in MUTATIONS if args.k in m.name]
    if args.snippets:
        bad = check_snippets(chosen)
        for name, n in bad:
            print(f"does not apply ({n} matches): {name}")
        print(f"{len(chosen) - len(bad)} of {len(chosen)} mutations apply")
        return 1 if bad else 0
    if args.baseline:
        chosen = [Mutation(f"baseline: {' '.join(t)}", "", "", "", t)
                  for t in dict.fromkeys(m.tests for m in chosen)]
    rows = []
    for m in chosen:
        verdict, seconds, detail = run_one(m, args.timeout)
        rows.append((m.name, verdict, seconds, detail))
        print(f"{verdict:<16} {seconds:6.0f}s  {m.name}  ({detail})", flush=True)
    if args.baseline:
        bad = [r for r in rows if r[1] != "passes"]
        print(f"\n{len(rows) - len(bad)} of {len(rows)} test selections pass on unchanged code")
        return 1 if bad else 0
    why = {m.name: m.equivalent for m in chosen}
    caught = sum(r[1].startswith("caught") for r in rows)
    holes = [r for r in rows if not r[1].startswith(("caught", "equivalent"))]
    print(f"\n{caught} of {len(rows)} mutations caught, {len(rows) - caught - len(holes)} "
          f"equivalent, {len(holes)} not caught")
    print("| mutation | verdict | caught by (first failing test), or why it is equivalent |\n"
          "|---|---|---|")
    for name, verdict, _, detail in rows:
        shown = (detail if verdict.startswith("caught")
                 else why[name] if verdict == "equivalent" else "")
        print(f"| {name} | {verdict} | {shown} |")
    return 1 if holes else 0


if __name__ == "__main__":
    sys.exit(main())
