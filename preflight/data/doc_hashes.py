"""Per-document fingerprints for duplicate detection, computed on a row group's `text` column at
once (numpy over the Arrow buffers; no Python object per word or per line).

- `normalise` and `exact_hashes`: a 64-bit xxh3 hash of each document after normalising line
  endings (CRLF and CR become LF) and trailing whitespace (spaces and tabs at the end of every line,
  blank lines and spaces at the end of the document). Most documents need no change: they are
  hashed straight from the Arrow buffer; only the few that do are normalised first.
- `word_shingles` and `signatures`: word 5-gram shingles (a word is a run of bytes above the ASCII
  space: code keeps its case and punctuation) and their MinHash signatures, computed by rensa (the
  faster of the two maintained libraries on real IaC text, see bench/bench_dedup.py).

An exact hash of 0 is reserved for "empty after normalising" and never counts as a duplicate.
"""

import re
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import xxhash

_EOL_SPACE = re.compile(r"[ \t]+$", re.M)
_TRAILING = " \t\n"
_SPACE_LF, _TAB_LF = 0x0A20, 0x0A09  # " \n" and "\t\n" as little-endian uint16


def normalise(text: str) -> str:
    """The form two documents must share to count as exact copies."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return _EOL_SPACE.sub("", text).rstrip(_TRAILING)


def text_hash(text: str) -> int:
    """The exact-duplicate hash of one document given as str (0 when empty after normalising)."""
    data = normalise(text).encode("utf-8")
    return _nonzero(xxhash.xxh3_64_intdigest(data)) if data else 0


def _nonzero(h: int) -> int:
    return h or 1


def _buffers(arr: pa.Array):
    """(offsets as int64 relative to the data start, data as uint8) of a string array."""
    arr = pc.fill_null(arr, "") if arr.null_count else arr
    bufs = arr.buffers()
    width = np.int64 if pa.types.is_large_string(arr.type) else np.int32
    offsets = np.frombuffer(bufs[1], width)[arr.offset:arr.offset + len(arr) + 1].astype(np.int64)
    if bufs[2] is None or len(arr) == 0:
        return arr, np.zeros(len(arr) + 1, np.int64), np.zeros(0, np.uint8), 0
    base = int(offsets[0])
    data = np.frombuffer(bufs[2], np.uint8)[base:int(offsets[-1])]
    return arr, offsets - base, data, base


class _Scratch:
    """Reused boolean buffers: allocating fresh multi-MB temporaries per row group (page faults)
    costs more than the comparisons themselves."""

    def __init__(self):
        self.size = -1

    def get(self, n: int):
        if n > self.size:
            self.size = max(n + n // 4, 1 << 20)  # headroom: row groups differ in size
            self.a, self.b = np.empty(self.size, bool), np.empty(self.size, bool)
        return self.a[:n], self.b[:n]


_SCRATCH = _Scratch()


def _docs_of(offsets, positions):
    return np.searchsorted(offsets, positions, side="right") - 1


def exact_hashes(arr: pa.Array) -> np.ndarray:
    """uint64 exact-duplicate hash of every document of a string array (see the module doc)."""
    arr, offsets, data, base = _buffers(arr)
    n = len(arr)
    flag = np.zeros(n, bool)
    for first in (0, 1):  # byte pairs read as uint16, at even and at odd offsets
        pairs = data[first:first + ((len(data) - first) & ~1)].view("<u2")
        hit, other = _SCRATCH.get(len(pairs))
        np.equal(pairs, _SPACE_LF, out=hit)
        np.logical_or(hit, np.equal(pairs, _TAB_LF, out=other), out=hit)
        if hit.any():  # a space or tab before a newline
            flag[_docs_of(offsets, 2 * np.flatnonzero(hit) + first)] = True
    cr = np.equal(data, 13, out=_SCRATCH.get(len(data))[0])
    has_cr = bool(cr.any())
    if has_cr:
        flag[_docs_of(offsets, np.flatnonzero(cr))] = True
    # Trailing newlines, then trailing spaces: peeled a byte at a time, a few rounds at most.
    start, end = offsets[:-1], offsets[1:].copy()
    active = np.flatnonzero(end > start)
    for _ in range(8):
        if not len(active):
            break
        last = data[end[active] - 1]
        active = active[(last == 10) | (last == 32) | (last == 9)]
        end[active] -= 1
        active = active[end[active] > start[active]]
    flag[active] = True  # longer tails go the slow way
    hashes = _hash_spans(data, start, end)
    slow = np.flatnonzero(flag)
    if len(slow):
        hashes[slow] = _normalised_hashes(arr.take(pa.array(slow)), has_cr)
    return hashes


def _hash_spans(data, start, end) -> np.ndarray:
    digest, view = xxhash.xxh3_64_intdigest, memoryview(data)
    return np.fromiter((digest(view[a:b]) or 1 if b > a else 0
                        for a, b in zip(start.tolist(), end.tolist())), np.uint64, len(start))


def _normalised_hashes(arr: pa.Array, has_cr: bool = True) -> np.ndarray:
    """`text_hash` of every document, normalised by Arrow's kernels (as `normalise` does)."""
    if has_cr:
        arr = pc.replace_substring(pc.replace_substring(arr, "\r\n", "\n"), "\r", "\n")
    arr = pc.utf8_rtrim(pc.replace_substring_regex(arr, "[ \t]+\n", "\n"), _TRAILING)
    _, offsets, data, _ = _buffers(arr)
    return _hash_spans(data, offsets[:-1], offsets[1:])


# ----------------------------------------------------------------------------------------------
# Near duplicates

_M1, _M2 = np.uint64(0xBF58476D1CE4E5B9), np.uint64(0x94D049BB133111EB)
_S1, _S2, _S3 = np.uint64(30), np.uint64(27), np.uint64(31)
_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_FNV = np.uint64(0x100000001B3)


def _mix(x: np.ndarray) -> np.ndarray:
    """splitmix64's finaliser: spreads every input bit over the 64 output bits."""
    x = x ^ (x >> _S1)
    x *= _M1
    x ^= x >> _S2
    x *= _M2
    return x ^ (x >> _S3)


def _load_u64(data: np.ndarray, pos: np.ndarray) -> np.ndarray:
    """The 8 bytes at each position as a little-endian uint64 (bytes past the end read as 0)."""
    n = len(data)
    out = np.zeros(len(pos), np.uint64)
    inside = pos <= n - 8
    if n >= 8:
        words = np.ndarray(shape=(n - 7,), dtype="<u8", buffer=data, strides=(1,))
        out[inside] = words[pos[inside]]
    rest = np.flatnonzero(~inside)
    if len(rest):
        tail = max(n - 8, 0)
        pad = np.zeros(16, np.uint8)
        pad[:n - tail] = data[tail:]
        out[rest] = np.ndarray(shape=(9,), dtype="<u8", buffer=pad, strides=(1,))[pos[rest] - tail]
    return out


def word_shingles(arr: pa.Array, n: int = 5):
    """(uint64 shingle hashes of every document, concatenated; uint64 row offsets).

    A shingle is n consecutive words of one document; a document of 1 to n-1 words is one shingle.
    A word is hashed from its length and its first and last 8 bytes (exact up to 16 bytes).
    """
    arr, offsets, data, _ = _buffers(arr)
    docs, size = len(arr), len(data)
    if size:
        word, edges = _SCRATCH.get(size + 1)
        word, edges = word[:size], edges[:size + 1]
        np.greater(data, 32, out=word)
        edges[0], edges[size] = word[0], word[-1]
        np.not_equal(word[1:], word[:-1], out=edges[1:size])
        bounds = np.flatnonzero(edges)
        inner = np.unique(offsets[1:-1])  # empty documents share their start with the next
        inner = inner[(inner > 0) & (inner < size)]
        glued = inner[word[inner] & word[inner - 1]]  # a word must not run into the next doc
        if len(glued):
            at = np.searchsorted(bounds, glued)
            bounds = np.insert(bounds, np.repeat(at, 2), np.repeat(glued, 2))
    else:
        bounds = np.zeros(0, np.int64)
    starts, ends = bounds[0::2], bounds[1::2]
    lengths = (ends - starts).astype(np.uint64)
    head = _load_u64(data, starts)
    short = lengths < 8
    head[short] &= (np.uint64(1) << (lengths[short] * np.uint64(8))) - np.uint64(1)
    tail = np.zeros_like(head)
    tail[~short] = _load_u64(data, ends[~short] - 8)
    words = _mix(head ^ _mix(tail ^ (lengths * _GOLDEN)))
    word_doc = _docs_of(offsets, starts)
    count = len(words)
    if count >= n:
        grams = words[:count - n + 1] * _FNV
        for k in range(1, n):
            grams += words[k:count - n + 1 + k]
            if k < n - 1:
                grams *= _FNV
        whole = word_doc[:count - n + 1] == word_doc[n - 1:]
        shingles, shingle_doc = _mix(grams[whole]), word_doc[:count - n + 1][whole]
    else:
        shingles, shingle_doc = np.zeros(0, np.uint64), np.zeros(0, np.int64)
    per_doc = np.bincount(word_doc, minlength=docs) if count else np.zeros(docs, np.int64)
    few = np.flatnonzero((per_doc > 0) & (per_doc < n))
    if len(few):
        first = np.searchsorted(word_doc, few)
        gram = np.zeros(len(few), np.uint64)
        for k in range(n - 1):
            gram = np.where(k < per_doc[few], gram * _FNV + words[np.minimum(first + k, count - 1)],
                            gram)
        shingles = np.concatenate([shingles, _mix(gram)])
        shingle_doc = np.concatenate([shingle_doc, few])
        order = np.argsort(shingle_doc, kind="stable")
        shingles, shingle_doc = shingles[order], shingle_doc[order]
    rows = np.zeros(docs + 1, np.uint64)
    np.cumsum(np.bincount(shingle_doc, minlength=docs), out=rows[1:])
    return shingles, rows


@dataclass(frozen=True)
class MinHashConfig:
    """Shingle size and LSH banding: bands x rows MinHash permutations (datatrove: 5, 14, 8)."""
    ngram: int = 5
    bands: int = 14
    rows: int = 8
    seed: int = 1

    @property
    def num_perm(self) -> int:
        return self.bands * self.rows

    def key(self) -> list:
        return [self.ngram, self.bands, self.rows, self.seed]


def signatures(shingles: np.ndarray, rows: np.ndarray, config: MinHashConfig) -> np.ndarray:
    """(documents, bands*rows) uint32 MinHash signatures of the shingle sets, by rensa."""
    import rensa
    matrix = rensa.RMinHash.digest_matrix_from_flat_token_hashes(shingles, rows, config.num_perm,
                                                                 config.seed)
    out = np.array(matrix.to_rows(), dtype=np.uint32)
    return out.reshape(len(rows) - 1, config.num_perm)
