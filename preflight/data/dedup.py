"""Duplicates across the dataset: exact copies, near copies, and validation documents that training
already holds.

Each shard's worker stores compact fingerprints in the shard's cache entry (`Fingerprinter`: one
64-bit exact hash and, where near duplicates are estimated, 8 bits of each of the bands x rows
MinHash values per document); the join across shards runs here, in the main process, on those
arrays alone (`plan`), so a warm run reads no shard.

One rule decides everything, for the report and for `preflight dedup` alike. Documents are taken in
nanochat's order (the train shards, then the validation shard); a document goes if it is an exact
copy (after `doc_hashes.normalise`) of an earlier one, or, when near duplicates are looked for, if
it shares an LSH band with an earlier KEPT document whose estimated Jaccard similarity of word
5-grams is at least the threshold. Because a document is only ever matched against kept documents,
deduplicating twice changes nothing, and a run stopped half-way and started again ends where an
uninterrupted run would have.

Near duplicates are estimated, not proven: the error measured against exact Jaccard similarity on
real IaC text is in the README (Duplicates) and in bench/bench_dedup.py.
"""

import base64
from dataclasses import dataclass, field

import numpy as np
import pyarrow.parquet as pq

from preflight.data.doc_hashes import MinHashConfig, exact_hashes, signatures, word_shingles

DEDUP_VERSION = 1
SIG_BITS = 8  # b-bit MinHash: the low 8 bits of every value (Li and Koenig, 2010)
KEEP, EXACT, NEAR = 0, 1, 2  # plan.reason per document
MAX_MATCHES = 64  # kept documents compared per band key: bounds the work on huge clusters


@dataclass(frozen=True)
class DedupConfig:
    """What a shard's worker fingerprints: exact hashes always, MinHash values when `near` is set."""
    near: MinHashConfig = None

    def key(self) -> list:
        return [DEDUP_VERSION, self.near.key() if self.near else None]


def _b64(a: np.ndarray) -> str:
    return base64.b64encode(np.ascontiguousarray(a).tobytes()).decode("ascii")


def _unb64(text: str, dtype) -> np.ndarray:
    return np.frombuffer(base64.b64decode(text), dtype=dtype) if text else np.zeros(0, dtype)


class Fingerprinter:
    """Collects one shard's fingerprints row group by row group (inside the streaming pass)."""

    def __init__(self, config: DedupConfig):
        self.config = config
        self.exact, self.sig = [], []

    def add(self, arr) -> None:
        self.exact.append(exact_hashes(arr))
        near = self.config.near
        if near is not None:
            shingles, rows = word_shingles(arr, near.ngram)
            small = (signatures(shingles, rows, near) & 0xFF).astype(np.uint8)
            small[np.diff(rows) == 0] = 0  # no words: no near-duplicate fingerprint
            self.sig.append(small)

    def to_dict(self) -> dict:
        """JSON-safe: the arrays as base64 (8 bytes, plus bands x rows bytes, per document)."""
        exact = np.concatenate(self.exact) if self.exact else np.zeros(0, np.uint64)
        out = {"key": self.config.key(), "exact": _b64(exact.astype("<u8")), "sig": None}
        if self.config.near is not None:
            width = self.config.near.num_perm
            out["sig"] = _b64(np.concatenate(self.sig) if self.sig else np.zeros((0, width), np.uint8))
        return out


@dataclass
class Fingerprints:
    """One shard's fingerprints, decoded."""
    exact: np.ndarray          # uint64 per document (0: empty)
    sig: np.ndarray = None     # uint8 (documents, bands*rows), or None when not estimated

    @classmethod
    def from_dict(cls, d: dict, config: MinHashConfig = None):
        exact = _unb64(d["exact"], "<u8").astype(np.uint64)
        sig = None
        if d.get("sig") is not None and config is not None:
            sig = _unb64(d["sig"], np.uint8).reshape(len(exact), config.num_perm)
        return cls(exact, sig)


# ----------------------------------------------------------------------------------------------
# The decision for every document

@dataclass
class Plan:
    """What deduplicating would do, per document of the whole dataset (global order)."""
    shard: np.ndarray        # index of the document's shard
    row: np.ndarray          # its row in that shard
    exact: np.ndarray        # its exact hash
    reason: np.ndarray       # KEEP, EXACT (copy of an earlier document) or NEAR
    match: np.ndarray        # the earlier document it copies (global index), else -1
    similarity: np.ndarray   # estimated Jaccard similarity to `match` for NEAR, else 1 or 0
    near_docs: np.ndarray    # bool: took part in the near-duplicate search
    n_val: int               # documents of the validation shard (the last ones)
    near_shards: list = field(default_factory=list)  # shard indices with MinHash values

    @property
    def is_val(self) -> np.ndarray:
        out = np.zeros(len(self.shard), bool)
        out[len(out) - self.n_val:] = True
        return out

    def removed(self, near: bool) -> np.ndarray:
        return (self.reason == EXACT) | ((self.reason == NEAR) if near else False)


def plan(fingerprints: list, config: MinHashConfig = None, jaccard: float = 0.75) -> Plan:
    """The decision for every document of `fingerprints` (one per shard, the last is validation).

    Near duplicates are searched among the shards whose fingerprints have MinHash values."""
    sizes = [len(f.exact) for f in fingerprints]
    shard = np.repeat(np.arange(len(sizes)), sizes)
    row = np.concatenate([np.arange(n) for n in sizes]) if sizes else np.zeros(0, np.int64)
    exact = np.concatenate([f.exact for f in fingerprints]) if sizes else np.zeros(0, np.uint64)
    n = len(exact)
    reason = np.zeros(n, np.int8)
    match = np.full(n, -1, np.int64)
    similarity = np.zeros(n)
    _, first, inverse = np.unique(exact, return_index=True, return_inverse=True)
    first_of = first[inverse.reshape(-1)]
    copy = (first_of != np.arange(n)) & (exact != 0)
    reason[copy], match[copy], similarity[copy] = EXACT, first_of[copy], 1.0
    near_shards = [i for i, f in enumerate(fingerprints) if f.sig is not None]
    near_docs = np.zeros(n, bool)
    if config is not None and near_shards:
        starts = np.concatenate([[0], np.cumsum(sizes)])
        idx = np.concatenate([np.arange(starts[i], starts[i + 1]) for i in near_shards])
        sig = np.concatenate([fingerprints[i].sig for i in near_shards])
        has = sig.any(axis=1) & (exact[idx] != 0)
        near_docs[idx[has]] = True
        _near_search(idx[has], sig[has], reason, match, similarity, config, jaccard)
    return Plan(shard, row, exact, reason, match, similarity, near_docs,
                n_val=sizes[-1] if sizes else 0, near_shards=near_shards)


def _band_keys(sig: np.ndarray, config: MinHashConfig) -> np.ndarray:
    """One uint64 per band from its `rows` 8-bit values, salted with the band's index."""
    bands = sig.reshape(len(sig), config.bands, config.rows).astype(np.uint64)
    keys = np.zeros(bands.shape[:2], np.uint64) + np.arange(config.bands, dtype=np.uint64)
    for j in range(config.rows):
        keys = (keys << np.uint64(8)) ^ (keys >> np.uint64(56)) ^ bands[:, :, j]
        keys = keys * np.uint64(0x9E3779B97F4A7C15)
    return keys


def estimated_jaccard(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Jaccard similarity from b-bit MinHash values: corrects for chance agreement of 8 bits."""
    chance = 1 / (1 << SIG_BITS)
    agree = (a == b).mean(axis=-1)
    return np.clip((agree - chance) / (1 - chance), 0, 1)


def _near_search(idx, sig, reason, match, similarity, config, jaccard):
    """Greedy, in order: a document goes if an earlier kept one shares a band and is similar."""
    keys = _band_keys(sig, config)
    flat = keys.ravel()
    _, first, inverse, counts = np.unique(flat, return_index=True, return_inverse=True,
                                          return_counts=True)
    inverse = inverse.reshape(keys.shape)
    shared = counts[inverse] > 1
    involved = np.flatnonzero(shared.any(axis=1))
    first_doc = (first // config.bands)[inverse]
    later = (first_doc != np.arange(len(sig))[:, None]) & shared
    kept_by_key = {}
    for d in involved.tolist():
        g = int(idx[d])
        if reason[g] == EXACT:
            continue  # an exact copy: its first occurrence speaks for it
        own = inverse[d][shared[d]].tolist()
        if later[d].any():
            cands = sorted({c for k in own for c in kept_by_key.get(k, ())})
            if cands:
                sims = estimated_jaccard(sig[cands], sig[d])
                best = int(np.argmax(sims >= jaccard)) if (sims >= jaccard).any() else -1
                if best >= 0:
                    reason[g], match[g] = NEAR, int(idx[cands[best]])
                    similarity[g] = float(sims[best])
                    continue
        for k in own:
            kept = kept_by_key.setdefault(k, [])
            if len(kept) < MAX_MATCHES:
                kept.append(d)


# ----------------------------------------------------------------------------------------------
# Reading documents back (previews, the rewriter's checks)

def read_rows(path, rows: list) -> dict:
    """{row: text} for the given rows of a shard, reading only the row groups that hold them."""
    pf = pq.ParquetFile(path)
    bounds = np.cumsum([0] + [pf.metadata.row_group(i).num_rows for i in range(pf.num_row_groups)])
    out, wanted = {}, sorted(set(rows))
    for rg in sorted({int(np.searchsorted(bounds, r, side="right") - 1) for r in wanted}):
        texts = pf.read_row_group(rg, columns=["text"]).column(0)
        for r in wanted:
            if bounds[rg] <= r < bounds[rg + 1]:
                out[r] = texts[r - int(bounds[rg])].as_py() or ""
    return out
