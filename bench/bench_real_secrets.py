"""Benchmark of Step 2 on real public IaC text, beside its floor and two anchor scanners.

    python bench/bench_real_secrets.py --corpus DIR/unique.parquet [--mb 420] [--per-rule 8]

--corpus is a parquet file of real documents (a `text` column; `path` when there is one), as
bench/build_real_corpus.py writes it from fetched repositories (the data is never committed).
In one run, on the same files, it prints:
  speed     the corpus replicated in shuffled epochs to --mb MB of nanochat shards (1024-row
            groups, zstd 3): the floor (pyarrow reading every text column in this process,
            and as a process of its own reading it row group by row group, as nanochat's loader
            and this pass do, start-up included), the Step 1-2 pass with 1 and with all
            processes, and `preflight scan` end to end as a subprocess.
            Each row is the median of --repeats runs, each cold (a fresh cache: the rules are
            compiled every time), with the package byte-compiled as `pip install` leaves it.
            MB/s per process is given by wall clock (MB / wall / processes) and by CPU time
            (MB / CPU seconds of all its processes): this machine may be shared, and CPU time
            is what one process gets when it has a core to itself.
  anchors   detect-secrets 1.5.0 and CredSweeper (default ML, and no ML) on a --anchor-mb slice
            of the same text, in CPU seconds, and the ratio to each of this project's scan
            alone (in memory, like them) and of `preflight scan` end to end (start-up included).
  recall    --per-rule samples of every rule planted into real documents (at a random line
            boundary): found whole (exact span and rule) by this project, and touched (any
            finding overlapping the secret) by this project, detect-secrets and CredSweeper,
            per family of issue 10 (every rule with --per-rule-table).
  findings  what the scan reports on the unplanted corpus, per MB, each distinct finding
            judged in bench/real_iac_judgments.tsv (credential | key-block | address |
            not-credential); the non-credentials are listed.
  sanitize  the planted real documents as shards: scan (red), `preflight sanitize`, scan again
            (green); no planted secret survives and no document without a finding changes.
"""

import argparse
import csv
import os
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path

import pyarrow.parquet as pq

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(Path(__file__).resolve().parent)]

from anchors import credsweeper_scan, detect_secrets_scan  # noqa: E402
from preflight.data.shard_writer import write_shard  # noqa: E402
from preflight.secrets import ScannerConfig, build_scanner  # noqa: E402
from preflight.secrets.rules import builtin_rules  # noqa: E402

SHARD_MB, ROW_GROUP = 95, 1024
JUDGMENTS = Path(__file__).resolve().parent / "real_iac_judgments.tsv"
FAMILIES = {  # issue 10's families -> rule ids
    "Datadog, New Relic, Twilio (by name)": ("datadog-api-key", "datadog-app-key",
                                             "new-relic-license-key", "twilio-auth-token"),
    "Slack webhooks (http, workflows)": ("slack-webhook",),
    "Google OAuth (ya29., GOCSPX-)": ("gcp-oauth-access-token", "gcp-oauth-client-secret"),
    "Docker org and swarm tokens": ("docker-hub-token", "docker-swarm-token"),
    "AWS key ids (every prefix)": ("aws-access-key-id", "aws-unique-id"),
    "command-line passwords": ("cli-password", "credential-username"),
    "Kubernetes Secret data": ("k8s-secret-data",),
    "private-key blocks (odd bodies)": ("private-key",),
}


def clock():
    """(wall, CPU seconds of this process and its finished children)."""
    me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.perf_counter(), me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


def timed(fn):
    w0, c0 = clock()
    result = fn()
    w1, c1 = clock()
    return result, w1 - w0, c1 - c0


_TICK = os.sysconf("SC_CLK_TCK")


def _proc_table():
    """{pid: (parent pid, CPU seconds)} of every process, from /proc."""
    table = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat", "rb") as f:
                    fields = f.read().rsplit(b")", 1)[1].split()
                table[int(entry)] = (int(fields[1]), (int(fields[11]) + int(fields[12])) / _TICK)
            except (OSError, IndexError, ValueError):
                pass
    return table


def run_tree(cmd, **kw):
    """(completed process, wall seconds, CPU seconds of it and every process it started),
    sampling /proc every 20 ms: the pool's workers are the forkserver's children, which
    getrusage never sees."""
    w0 = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **kw)
    cpu = {}
    while proc.poll() is None:
        table = _proc_table()
        tree, grew = {proc.pid}, True
        while grew:
            grew = False
            for pid, (ppid, _) in table.items():
                if ppid in tree and pid not in tree:
                    tree.add(pid)
                    grew = True
        for pid in tree:
            if pid in table:
                cpu[pid] = max(cpu.get(pid, 0.0), table[pid][1])
        time.sleep(0.02)
    out, err = proc.communicate()
    wall = time.perf_counter() - w0
    proc.stdout_text, proc.stderr_text = out, err
    return proc, wall, sum(cpu.values())


# ----------------------------------------------------------------------------------------------
# the corpus

def load_corpus(path):
    table = pq.read_table(path)
    texts = [t for t in table.column("text").to_pylist()]
    paths = table.column("path").to_pylist() if "path" in table.column_names else [""] * len(texts)
    keep = [i for i, t in enumerate(texts) if t]
    return [texts[i] for i in keep], [paths[i] for i in keep]


def replicate(texts, folder, mb, seed):
    """Shards of the documents in shuffled epochs until `mb` MB of text; return (paths, MB)."""
    rng, order, paths, total = random.Random(seed), [], [], 0
    buf, size = [], 0

    def flush():
        path = folder / f"shard_{len(paths):05d}.parquet"
        write_shard(path, buf, row_group_size=ROW_GROUP)
        paths.append(path)

    while total < mb * 1e6:
        if not order:
            order = list(range(len(texts)))
            rng.shuffle(order)
        doc = texts[order.pop()]
        buf.append(doc)
        n = len(doc.encode())
        size, total = size + n, total + n
        if size >= SHARD_MB * 1e6 and len(buf) % ROW_GROUP == 0:
            flush()
            buf, size = [], 0
    if buf:
        flush()
    return paths, total / 1e6


# ----------------------------------------------------------------------------------------------
# speed

def _median_run(cmd, repeats, fresh=None, **kw):
    """(process, wall, CPU) of the run with the median wall time of `repeats` runs; `fresh()` is
    called before each (a fresh cache: every run cold)."""
    runs = []
    for _ in range(repeats):
        if fresh:
            fresh()
        runs.append(run_tree(cmd, **kw))
        if runs[-1][0].returncode not in (0, 1):
            sys.exit(f"{cmd[:4]} failed: {runs[-1][0].stdout_text[-800:]}{runs[-1][0].stderr_text[-800:]}")
    return sorted(runs, key=lambda r: r[1])[len(runs) // 2]


def speed(shards, mb, slice_docs, slice_names, workdir, repeats):
    # the package as `pip install` leaves it: byte-compiled (else every process compiles it)
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(ROOT / "preflight")], check=True,
                   stdout=subprocess.DEVNULL)
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPATH"] = str(ROOT)
    rows = []
    floor = sorted(timed(lambda: [pq.read_table(p, columns=["text"]) for p in shards])[1:]
                   for _ in range(repeats))[repeats // 2]
    rows.append(("floor: pyarrow reads every text column, in memory", *floor, 1))
    code = ("import sys, pyarrow.parquet as pq\nfor p in sys.argv[1:]:\n pf = pq.ParquetFile(p)\n"
            " for i in range(pf.num_row_groups): pf.read_row_group(i, columns=['text'])")
    _, w, c = _median_run([sys.executable, "-c", code, *map(str, shards)], repeats, env=env)
    process_floor = w
    rows.append(("floor as a process reading every row group's text", w, c, 1))
    nproc = os.cpu_count() or 1
    for workers in (1, nproc):  # in a subprocess, so that the workers' CPU time is counted
        code = ("import sys; from pathlib import Path; from preflight.data.datapass import run_pass; "
                "from preflight.secrets import ScannerConfig; "
                f"run_pass([Path(p) for p in sys.argv[1:]], scan_config=ScannerConfig(), workers={workers})")
        cache = workdir / "cache-pass"  # the compiled rules' cache: each run compiles them
        _, w, c = _median_run([sys.executable, "-c", code, *map(str, shards)], repeats,
                              fresh=lambda: shutil.rmtree(cache, ignore_errors=True), cwd=ROOT,
                              env=dict(env, PREFLIGHT_CACHE_DIR=str(cache)))
        rows.append((f"Step 1-2 pass, {workers} process(es), with start-up", w, c, workers))
    cache = workdir / "cache-e2e"
    cmd = [sys.executable, "-m", "preflight", "scan", f"--data-dir={shards[0].parent}",
           f"--reports-dir={workdir / 'reports-e2e'}"]
    _, w, c = _median_run(cmd, repeats, fresh=lambda: shutil.rmtree(cache, ignore_errors=True),
                          cwd=ROOT, env=dict(env, PREFLIGHT_CACHE_DIR=str(cache)))
    rows.append((f"`preflight scan` end to end, {nproc} processes", w, c, nproc))
    print(f"\n## speed: {mb:.0f} MB of real IaC text in {len(shards)} shards, {nproc} cores, "
          f"load average {os.getloadavg()[0]:.1f}; median of {repeats} runs, each cold")
    print(f"{'':58} {'wall s':>7} {'MB/s/proc':>9} {'CPU s':>7} {'MB/CPU-s':>8} {'x floor':>7} "
          f"{'x process floor':>15}")
    for name, w, c, procs in rows:
        print(f"{name:58} {w:7.2f} {mb / w / procs:9.0f} {c:7.2f} {mb / c:8.0f} {w / floor[0]:7.2f} "
              f"{w / process_floor:15.2f}")
    print("(MB/s/proc: MB / wall / processes; MB/CPU-s: MB / CPU seconds of all processes, what one "
          "process reaches on a core of its own; x floor: wall time over the in-memory floor's, "
          "x process floor: over the floor as a process, its start-up included like the rows below it)")
    e2e_cpu_rate = mb / rows[-1][2]

    slice_mb = sum(len(t.encode()) for t in slice_docs) / 1e6
    print(f"\n## anchors on a {slice_mb:.2f} MB slice of the same text (CPU seconds)")
    scanner = build_scanner(ScannerConfig())
    import pyarrow as pa
    arr = pa.array(slice_docs)
    anchors = [("this project (scan only, 1 process, x100)", lambda: [scanner.scan_array(arr, "s")
                                                                     for _ in range(100)][0]),
               ("detect-secrets 1.5.0", lambda: detect_secrets_scan(slice_docs, slice_names)),
               ("CredSweeper, default ML", lambda: credsweeper_scan(slice_docs, slice_names, ml=True)),
               ("CredSweeper, no ML", lambda: credsweeper_scan(slice_docs, slice_names, ml=False))]
    credsweeper_scan(slice_docs[:5], slice_names[:5], ml=True)  # load the model first
    credsweeper_scan(slice_docs[:5], slice_names[:5], ml=False)
    print(f"{'':40} {'CPU s':>7} {'MB/s':>9} {'findings':>8} {'scan alone is':>14} "
          f"{'`preflight scan` end to end is':>31}")
    ours = None
    for name, fn in anchors:
        found, _, c = timed(fn)
        rate = slice_mb * (100 if ours is None else 1) / c  # (x100: long enough to time)
        ratios = "" if ours is None else f"{ours / rate:13.0f}x {e2e_cpu_rate / rate:30.0f}x"
        ours = ours or rate
        print(f"{name:40} {c:7.2f} {rate:9.2f} {len(found):8d} {ratios}")
    print("(both in MB per CPU second; the anchors and `scan alone` run in memory in this process, "
          "start-up left out; `preflight scan` end to end includes its start-up, workers and "
          f"reports, on {mb:.0f} MB)")


# ----------------------------------------------------------------------------------------------
# recall

def plant(texts, names, per_rule, seed):
    """(documents, names, truth): `per_rule` samples of every rule, each in its own real
    document; truth = [(doc index, rule, char start, char end)] for every secret part."""
    rng = random.Random(seed)
    pool = [i for i, t in enumerate(texts) if 200 <= len(t) <= 6000]
    rng.shuffle(pool)
    docs, doc_names, truth = [], [], []
    for rule in builtin_rules():
        if rule.samples is None:
            continue
        for _ in range(per_rule):
            sample = rng.choice(rule.samples(rng))
            i = pool.pop()
            lines = texts[i].split("\n")
            cut = rng.randrange(len(lines) + 1)
            head = "".join(line + "\n" for line in lines[:cut])
            snippet = sample.doc if sample.doc.endswith("\n") else sample.doc + "\n"
            doc = head + snippet + "\n".join(lines[cut:])
            for secret, rid in sample.parts:
                start = len(head) + snippet.index(secret)
                truth.append((len(docs), rid or rule.id, start, start + len(secret)))
            docs.append(doc)
            doc_names.append(names[i])
    return docs, doc_names, truth


def _char_spans(docs, findings):
    """Our byte-offset findings as {doc: [(char start, char end, rule)]}."""
    out = defaultdict(list)
    for f in findings:
        data = docs[f.row].encode()
        start = len(data[:f.start].decode("utf-8", "replace"))
        out[f.row].append((start, start + len(data[f.start:f.end].decode("utf-8", "replace")), f.rule))
    return out


def recall(texts, names, per_rule, seed, per_rule_table):
    import pyarrow as pa
    docs, doc_names, truth = plant(texts, names, per_rule, seed)
    ours = _char_spans(docs, build_scanner(ScannerConfig()).scan_array(pa.array(docs), "p"))
    tools = {"detect-secrets": detect_secrets_scan(docs, doc_names),
             "CredSweeper ML": credsweeper_scan(docs, doc_names, ml=True),
             "CredSweeper no-ML": credsweeper_scan(docs, doc_names, ml=False)}
    theirs = {name: defaultdict(list) for name in tools}
    for name, found in tools.items():
        for f in found:
            theirs[name][f.doc].append((f.start, f.end))

    def overlaps(spans, a, b):
        return any(s < b and a < e for s, e, *_ in spans)

    hits = defaultdict(Counter)  # rule -> column -> count
    for doc, rule, a, b in truth:
        hits[rule]["planted"] += 1
        hits[rule]["whole"] += (a, b, rule) in ours[doc]
        hits[rule]["touched"] += overlaps(ours[doc], a, b)
        for name in tools:
            hits[rule][name] += overlaps(theirs[name][doc], a, b)
    cols = ["whole", "touched", *tools]
    mb = sum(len(d.encode()) for d in docs) / 1e6
    print(f"\n## recall: {len(truth)} planted secret parts ({per_rule} samples per rule, "
          f"{len(builtin_rules())} rules) in {len(docs)} real documents ({mb:.1f} MB)")
    header = f"{'':40} {'planted':>7} " + " ".join(f"{c:>17}" for c in cols)

    def line(name, counter):
        n = counter["planted"]
        return f"{name:40} {n:7d} " + " ".join(f"{100 * counter[c] / n:16.1f}%" for c in cols)

    print(header)
    families = set()
    for family, ids in FAMILIES.items():
        total = sum((hits[i] for i in ids), Counter())
        families |= set(ids)
        print(line(family, total))
    others = sum((c for r, c in hits.items() if r not in families), Counter())
    print(line("every other rule", others))
    print(line("all", sum(hits.values(), Counter())))
    worst = min(hits, key=lambda r: hits[r]["whole"] / hits[r]["planted"])
    print(f"lowest whole-span recall of any rule: {worst} "
          f"{100 * hits[worst]['whole'] / hits[worst]['planted']:.1f}%")
    if per_rule_table:
        print("\n" + header)
        for rule in sorted(hits):
            print(line(rule, hits[rule]))
    return docs, truth


# ----------------------------------------------------------------------------------------------
# judged findings on the unplanted corpus

def judged(texts, names):
    import pyarrow as pa
    with open(JUDGMENTS, encoding="utf-8") as f:
        rows = [r for r in csv.reader((x for x in f if not x.startswith("#")), delimiter="\t")][1:]
    verdicts = {r[0]: (r[2], r[3], r[4]) for r in rows}
    found = build_scanner(ScannerConfig()).scan_array(pa.array(texts), "corpus")
    mb = sum(len(t.encode()) for t in texts) / 1e6
    per_rule = defaultdict(Counter)
    listed = {}
    for f in found:
        verdict = verdicts.get(f.fingerprint, ("unjudged", names[f.row], ""))[0]
        per_rule[f.rule][verdict] += 1
        if verdict in ("not-credential", "unjudged"):
            listed.setdefault(f.fingerprint, (f, verdict, names[f.row]))
    kinds = ["credential", "key-block", "address", "not-credential", "unjudged"]
    print(f"\n## findings on the unplanted real corpus ({mb:.1f} MB, {len(texts)} documents), "
          f"per MB")
    print(f"{'':28} " + " ".join(f"{k:>14}" for k in kinds))
    for rule in sorted(per_rule):
        print(f"{rule:28} " + " ".join(f"{per_rule[rule][k] / mb:14.3f}" for k in kinds))
    total = sum(per_rule.values(), Counter())
    print(f"{'all (' + str(len(found)) + ')':28} " + " ".join(f"{total[k] / mb:14.3f}" for k in kinds))
    print(f"not a credential: {total['not-credential'] / mb:.3f}/MB; with the by-design addresses "
          f"and placeholder key blocks: {(total['not-credential'] + total['address'] + total['key-block']) / mb:.3f}/MB")
    for f, verdict, where in listed.values():
        reason = verdicts.get(f.fingerprint, ("", "", ""))[2]
        print(f"  {verdict}: {f.rule} in {where} ({f.preview}) {reason}")


# ----------------------------------------------------------------------------------------------
# sanitize round trip on the planted real corpus

def sanitize_round_trip(docs, truth, workdir):
    folder = workdir / "planted"
    folder.mkdir()
    half = len(docs) // 2 // ROW_GROUP * ROW_GROUP or len(docs) // 2
    write_shard(folder / "shard_00000.parquet", docs[:half], row_group_size=ROW_GROUP)
    write_shard(folder / "shard_00001.parquet", docs[half:], row_group_size=ROW_GROUP)
    env = dict(os.environ, PREFLIGHT_CACHE_DIR=str(workdir / "cache-planted"))

    def preflight(*args):
        return subprocess.run([sys.executable, "-m", "preflight", *args, f"--data-dir={folder}",
                               f"--reports-dir={workdir / 'reports-planted'}"], env=env, cwd=ROOT,
                              capture_output=True, text=True)

    red = preflight("scan").returncode
    flagged_rows = set()
    import json
    for line in (workdir / "reports-planted" / "findings.jsonl").read_text().splitlines():
        f = json.loads(line)
        flagged_rows.add((f["shard"], f["row"]))
    fixed = preflight("sanitize").returncode
    green = preflight("scan").returncode
    after = (pq.read_table(folder / "shard_00000.parquet").column("text").to_pylist()
             + pq.read_table(folder / "shard_00001.parquet").column("text").to_pylist())
    survivors = [t for t in truth if docs[t[0]][t[2]:t[3]] in after[t[0]]]
    changed_unflagged = [i for i, (a, b) in enumerate(zip(docs, after)) if a != b and
                         (f"shard_0000{int(i >= half)}.parquet", i - half * (i >= half)) not in flagged_rows]
    ok = red == 1 and fixed == 0 and green == 0 and not survivors and not changed_unflagged
    print(f"\n## sanitize on the planted real corpus: scan exit {red}, sanitize exit {fixed}, "
          f"scan again exit {green}; planted secrets surviving: {len(survivors)}; documents "
          f"without findings changed: {len(changed_unflagged)} -> {'OK' if ok else 'FAILED'}")


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--corpus", type=Path, required=True, help="parquet of real documents (text[, path])")
    ap.add_argument("--mb", type=float, default=420, help="MB of text to replicate for speed")
    ap.add_argument("--anchor-mb", type=float, default=0.5, help="slice given to the anchors")
    ap.add_argument("--per-rule", type=int, default=8, help="samples planted per rule")
    ap.add_argument("--per-rule-table", action="store_true", help="recall of every rule")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--repeats", type=int, default=3, help="runs per speed row (the median is shown)")
    ap.add_argument("--skip", nargs="*", default=(), choices=("speed", "recall", "findings", "sanitize"))
    args = ap.parse_args(argv)

    texts, names = load_corpus(args.corpus)
    rng = random.Random(args.seed)
    order = list(range(len(texts)))
    rng.shuffle(order)
    slice_idx, size = [], 0
    for i in order:
        slice_idx.append(i)
        size += len(texts[i].encode())
        if size >= args.anchor_mb * 1e6:
            break
    with tempfile.TemporaryDirectory(prefix="bench_real_secrets_") as tmp:
        tmp = Path(tmp)
        if "speed" not in args.skip:
            (tmp / "shards").mkdir()
            (shards, mb), w, _ = timed(lambda: replicate(texts, tmp / "shards", args.mb, args.seed))
            print(f"corpus: {len(texts)} real documents from {args.corpus}, replicated to {mb:.0f} MB "
                  f"in {len(shards)} shards ({w:.0f} s)")
            speed(shards, mb, [texts[i] for i in slice_idx], [names[i] for i in slice_idx], tmp,
                  args.repeats)
        docs = truth = None
        if "recall" not in args.skip:
            docs, truth = recall(texts, names, args.per_rule, args.seed, args.per_rule_table)
        if "findings" not in args.skip:
            judged(texts, names)
        if "sanitize" not in args.skip and docs is not None:
            sanitize_round_trip(docs, truth, tmp)


if __name__ == "__main__":
    main()
