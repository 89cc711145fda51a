"""Step 1's duplicate report: how much of the training data repeats itself, exactly or nearly, and
how much of the validation shard training already holds; with masked previews of the most
repeated documents and the biggest near-duplicate clusters.

The per-document decisions come from `dedup.plan` on the fingerprints the streaming pass cached;
the report itself (counts, and the few documents read back for previews) is cached under the pass's
key, so a warm run reads no shard.
"""

import math
import re

import numpy as np
import pyarrow.parquet as pq

from preflight.data.dedup import EXACT, NEAR, DedupConfig, Fingerprints, plan, read_rows
from preflight.data.doc_hashes import MinHashConfig
from preflight.util.cache import JsonCache, cache_key

REPORT_VERSION = 1
TOP = 5          # most repeated documents and biggest clusters shown
PREVIEW_CHARS = 72
# Measured on real IaC (bench/bench_dedup.py --accuracy): the near-duplicate share came within this
# many points of the share found with exact Jaccard similarity (README, Duplicates).
NEAR_SHARE_ERROR = 0.01
_SECRETISH = re.compile(r"[A-Za-z0-9+/=_.\-]{16,}")
_CAPITALS = re.compile(r"[A-Z]{2}")


def minhash_config(settings) -> MinHashConfig:
    return MinHashConfig(ngram=int(settings["dup_near_ngram"]), bands=int(settings["dup_near_bands"]),
                         rows=int(settings["dup_near_rows"]))


def near_shard_indices(shards: list, max_bytes: float) -> list:
    """Which shards get MinHash values: all when their text fits `max_bytes`, else the validation
    shard and train shards evenly spread (every k-th) within the budget; none for a budget of 0.
    MinHash costs ~10x the rest of the pass per byte of text: the budget bounds a cold run's cost."""
    if max_bytes <= 0 or not shards:
        return []
    sizes = [text_size(p) for p in shards]
    if sum(sizes) <= max_bytes:
        return list(range(len(shards)))
    chosen, budget = [len(shards) - 1], max_bytes - sizes[-1]
    train_bytes = sum(sizes[:-1])
    step = max(1, math.ceil(train_bytes / budget)) if budget > 0 else len(shards)
    for i in range(0, len(shards) - 1, step):
        if sizes[i] <= budget:
            chosen.append(i)
            budget -= sizes[i]
    return sorted(chosen)


def text_size(path) -> int:
    """The `text` column's uncompressed size, from the footer (no page is read); 0 if unreadable."""
    try:
        md = pq.ParquetFile(path).metadata
        column = md.schema.to_arrow_schema().get_field_index("text")
        return sum(md.row_group(i).column(column).total_uncompressed_size
                   for i in range(md.num_row_groups)) if column >= 0 else 0
    except Exception:  # the pass reports what is wrong with the file, in one line
        return 0


def dedup_configs(settings, shards: list) -> list:
    """One DedupConfig per shard for the streaming pass (MinHash values on the near sample)."""
    near = set(near_shard_indices(shards, settings["dup_near_max_text_mb"] * 1e6))
    config = minhash_config(settings)
    return [DedupConfig(config if i in near else None) for i in range(len(shards))]


def fingerprints_of(data_pass, config: MinHashConfig) -> list:
    """Each shard's fingerprints from the pass (an unreadable shard counts as empty)."""
    empty = {"exact": "", "sig": None}
    return [Fingerprints.from_dict(s.dedup or empty, config) for s in data_pass.shards]


def _share(part: int, whole: int) -> float:
    return part / whole if whole else 0.0


def build_report(data_pass, shards: list, config: MinHashConfig, jaccard: float,
                 preview) -> dict:
    """The JSON-safe duplicate report; `preview(path, rows)` gives {row: masked preview}."""
    p = plan(fingerprints_of(data_pass, config), config, jaccard)
    val, nonempty = p.is_val, p.exact != 0
    train = ~val & nonempty
    train_hashes = np.unique(p.exact[train])
    in_train = val & nonempty & np.isin(p.exact, train_hashes)
    reps = _representatives(p)
    report = {
        "train_docs": int(train.sum()),
        "exact_copies": int((p.reason[train] == EXACT).sum()),
        "val_docs": int((val & nonempty).sum()),
        "val_in_train": int(in_train.sum()),
        "val_repeats": int(((p.reason == EXACT) & val & ~in_train).sum()),
        "near": None,
        "top": _top_exact(p, val, nonempty),
        "clusters": [],
    }
    report["exact_share"] = _share(report["exact_copies"], report["train_docs"])
    report["val_share"] = _share(report["val_in_train"], report["val_docs"])
    if p.near_shards:
        sampled = p.near_docs | ((p.reason == EXACT) & np.isin(p.shard, p.near_shards) & nonempty)
        near_train = train & sampled
        removed = (p.reason == EXACT) | (p.reason == NEAR)
        val_near = val & nonempty & removed & ~val[reps]
        report["near"] = {
            "train_docs": int(near_train.sum()),
            "copies": int((removed & near_train).sum()),
            "near_only": int(((p.reason == NEAR) & near_train).sum()),
            "val_in_train": int(val_near.sum()),
            "shards": len(p.near_shards), "of": len(shards),
            "ngram": config.ngram, "bands": config.bands, "rows": config.rows,
            "jaccard": jaccard, "error": NEAR_SHARE_ERROR,
        }
        report["near"]["share"] = _share(report["near"]["copies"], report["near"]["train_docs"])
        report["near"]["val_share"] = _share(report["near"]["val_in_train"], report["val_docs"])
        report["clusters"] = _clusters(p, reps, removed)
    _add_previews(report, shards, np.bincount(p.shard, minlength=len(shards)), preview)
    return report


def _representatives(p) -> np.ndarray:
    """For every document the kept one it stands for (itself when kept)."""
    rep = np.where(p.match >= 0, p.match, np.arange(len(p.match)))
    while True:  # matches always point to earlier documents, so this ends
        nxt = rep[rep]
        if (nxt == rep).all():
            return rep
        rep = nxt


def _top_exact(p, val, nonempty) -> list:
    hashes, first, counts = np.unique(p.exact[nonempty], return_index=True, return_counts=True)
    first = np.flatnonzero(nonempty)[first]
    order = np.argsort(-counts, kind="stable")[:TOP]
    out = []
    for k in order.tolist():
        if counts[k] < 2:
            break
        same = nonempty & (p.exact == hashes[k])
        out.append({"count": int(counts[k]), "val": int((same & val).sum()),
                    "doc": int(first[k])})
    return out


def _clusters(p, reps, removed) -> list:
    members = reps[removed]
    if not len(members):
        return []
    heads, sizes = np.unique(members, return_counts=True)
    out = []
    for k in np.argsort(-sizes, kind="stable")[:TOP].tolist():
        head = int(heads[k])
        mask = removed & (reps == head)
        out.append({"size": int(sizes[k]) + 1, "near": int((mask & (p.reason == NEAR)).sum()),
                    "shards": int(len(np.unique(p.shard[mask | (np.arange(len(reps)) == head)]))),
                    "doc": head})
    return out


def _add_previews(report, shards, sizes, preview) -> None:
    """Replace each entry's global document index by its shard, row and masked preview."""
    entries = report["top"] + report["clusters"]
    if not entries:
        return
    bounds = np.concatenate([[0], np.cumsum(sizes)])
    wanted = {}
    for e in entries:
        shard = int(np.searchsorted(bounds, e["doc"], side="right") - 1)
        e["shard"], e["row"] = shards[shard].name, int(e["doc"] - bounds[shard])
        wanted.setdefault(shard, set()).add(e["row"])
    texts = {shard: preview(shards[shard], sorted(rows)) for shard, rows in wanted.items()}
    for e in entries:
        shard = int(np.searchsorted(bounds, e.pop("doc"), side="right") - 1)
        e["preview"] = texts[shard].get(e["row"], "")


def masked_preview(text: str, scanner, width: int = PREVIEW_CHARS) -> str:
    """The start of a document on one line, with every secret the scanner finds and every long
    token that could be a key or a hash replaced: safe to print and to store."""
    data = text.encode("utf-8")
    spans = sorted((f.start, f.end) for f in scanner.scan_text(data)) if scanner else []
    parts, pos = [], 0
    for start, end in spans:
        if start >= pos:
            parts += [data[pos:start], b" [secret] "]
        pos = max(pos, end)  # a span inside or across the last one stays hidden
    parts.append(data[pos:])
    clean = b"".join(parts).decode("utf-8", errors="replace")
    clean = _SECRETISH.sub(lambda m: m.group(0) if _plain_word(m.group(0)) else "[…]", clean)
    line = " ".join(clean.split())
    return line if len(line) <= width else line[:width - 1] + "…"


def _plain_word(token: str) -> bool:
    """A long name or path (letters and separators, no digits, no run of capitals) is shown; any
    other long token could be a key, a token or a hash, and is masked."""
    return not (any(c.isdigit() or c in "+=" for c in token) or _CAPITALS.search(token))


def duplicates_for_settings(settings, shards: list, data_pass) -> dict:
    """The checklist's duplicate report, cached under the pass's key and the options."""
    config = minhash_config(settings)
    jaccard = settings["dup_near_jaccard"]
    cache = JsonCache(settings.cache_dir / "duplicates")
    key = cache_key(REPORT_VERSION, data_pass.key, config.key(), jaccard, TOP)
    report = cache.get(key)
    if report is None:
        from preflight.secrets.scanner import build_scanner, scanner_config
        scanner = build_scanner(scanner_config(settings))

        def preview(path, rows):
            return {r: masked_preview(t, scanner) for r, t in read_rows(path, rows).items()}

        report = build_report(data_pass, shards, config, jaccard, preview)
        cache.put(key, report)
    return report


# ----------------------------------------------------------------------------------------------
# How the report reads

def _pct(x: float) -> str:
    return f"{x:.1%}"


def near_method(near: dict) -> str:
    sampled = (f"on all {near['of']} shards" if near["shards"] == near["of"] else
               f"on a sample of {near['shards']} of {near['of']} shards (the validation shard and "
               f"evenly spread train shards; copies in the others are not seen, so a lower bound)")
    return (f"MinHash LSH ({near['bands']} bands x {near['rows']} rows, word {near['ngram']}-grams, "
            f"estimated Jaccard >= {near['jaccard']:g}) {sampled}")


def row_text(report: dict) -> tuple:
    """(value, details) of the summary's Duplicates row."""
    near = report["near"]
    value = f"exact {_pct(report['exact_share'])} of train"
    if near:
        value += f", near {_pct(near['share'])} (±{near['error'] * 100:g} pt)"
    value += f", val in train {_pct(report['val_share'])}"
    details = (f"{report['exact_copies']:,} of {report['train_docs']:,} training documents are exact "
               f"copies of an earlier one; {report['val_in_train']:,} of {report['val_docs']:,} "
               f"validation documents also appear in training")
    if near:
        details += (f"; with near copies {near['copies']:,} of {near['train_docs']:,} training "
                    f"documents would go and {near['val_in_train']:,} validation documents have a "
                    f"copy in training; near: {near_method(near)}")
    return value, details


def section(report: dict):
    """The report's table of the most repeated documents and the biggest near-copy clusters."""
    from preflight.checklist.summary import Section
    rows = [["exact copies", e["count"], f"{e['val']} in validation", f"{e['shard']} row {e['row']}",
             e["preview"]] for e in report["top"]]
    rows += [["near-copy cluster", c["size"], f"{c['near']} near, {c['shards']} shard(s)",
              f"{c['shard']} row {c['row']}", c["preview"]] for c in report["clusters"]]
    note = ("Previews show the start of the first document of each group, with secrets and long "
            "key-like tokens masked. `preflight dedup --dry-run` lists what deduplicating removes.")
    if report["near"]:
        note += f" Near copies: {near_method(report['near'])}."
    return Section("Most repeated documents", ["kind", "documents", "where", "first", "preview"],
                   rows, note)
