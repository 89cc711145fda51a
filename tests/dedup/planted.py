"""A corpus with duplicates planted at known rates, and the answers computed by brute force,
independently of the code under test: a line-by-line normaliser, Python sets of word n-gram
tuples and exact Jaccard similarity (prefix filtering only prunes pairs that cannot reach it)."""

import math
import random
import re
from collections import Counter, defaultdict
from dataclasses import dataclass

from preflight.data.shard_writer import shard_filename, write_shard
from preflight.demo.iac_corpus import generate_documents

_WORDS = re.compile(rb"[^\x00-\x20]+")
_NUMBER = re.compile(r"\d+")
_NAME = re.compile(r"\b[a-z][a-z_]{3,}\b")


def reference_normalise(text: str) -> str:
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    return "\n".join(line.rstrip(" \t") for line in lines).rstrip(" \t\n")


def reference_shingles(text: str, n: int = 5) -> frozenset:
    words = _WORDS.findall(text.encode("utf-8"))
    if len(words) < n:
        return frozenset([tuple(words)]) if words else frozenset()
    return frozenset(tuple(words[i:i + n]) for i in range(len(words) - n + 1))


def jaccard(a: frozenset, b: frozenset) -> float:
    inter = len(a & b)
    return inter / (len(a) + len(b) - inter) if a or b else 1.0


@dataclass
class Expected:
    exact_copies: int      # training documents that copy an earlier one exactly
    train_docs: int        # non-empty training documents
    val_in_train: int      # validation documents whose normalised text training holds
    val_docs: int
    near_copies: int       # training documents gone by the greedy rule with exact Jaccard
    val_near: int          # validation documents gone for a copy in training (exact or near)


def brute_force(train: list, val: list, threshold: float = 0.75, n: int = 5) -> Expected:
    """The greedy rule of `preflight dedup --near`, with exact Jaccard similarity."""
    docs = train + val
    norm = [reference_normalise(d) for d in docs]
    sets = [reference_shingles(d, n) for d in docs]
    freq = Counter(s for S in sets for s in S)
    index = defaultdict(list)  # prefix shingle -> kept documents
    seen, kept_from = {}, {}
    gone_exact, gone_near = set(), set()
    for i, (text, S) in enumerate(zip(norm, sets)):
        if not text:
            continue
        if text in seen:
            gone_exact.add(i)
            kept_from[i] = kept_from[seen[text]]
            continue
        seen[text] = i
        kept_from[i] = i
        if not S:
            continue
        order = sorted(S, key=lambda s: (freq[s], s))
        prefix = order[:len(order) - math.ceil(threshold * len(order)) + 1]
        cands = sorted({j for s in prefix for j in index[s]})
        match = next((j for j in cands if jaccard(sets[j], S) >= threshold), None)
        if match is not None:
            gone_near.add(i)
            kept_from[i] = match
            continue
        for s in prefix:
            index[s].append(i)
    n_train = len(train)
    train_docs = sum(1 for t in norm[:n_train] if t)
    train_set = set(norm[:n_train]) - {""}
    val_nonempty = [i for i in range(n_train, len(docs)) if norm[i]]
    gone = gone_exact | gone_near
    return Expected(
        exact_copies=sum(1 for i in gone_exact if i < n_train),
        train_docs=train_docs,
        val_in_train=sum(1 for i in val_nonempty if norm[i] in train_set),
        val_docs=len(val_nonempty),
        near_copies=sum(1 for i in gone if i < n_train),
        val_near=sum(1 for i in val_nonempty if i in gone and kept_from[i] < n_train))


def near_copy(doc: str, rng: random.Random) -> str:
    """The same file with a changed name or a version bump (one word each, one or two edits)."""
    for _ in range(rng.randint(1, 2)):
        if rng.random() < 0.5 and _NUMBER.search(doc):
            found = rng.choice(list(_NUMBER.finditer(doc)))
            doc = doc[:found.start()] + str(int(found.group()) + 1) + doc[found.end():]
        elif _NAME.search(doc):
            found = rng.choice(list(_NAME.finditer(doc)))
            doc = doc[:found.start()] + found.group() + "_renamed" + doc[found.end():]
    return doc


def whitespace_variant(doc: str, rng: random.Random) -> str:
    """An exact copy as another editor saves it: CRLF, trailing spaces, a final newline."""
    lines = doc.split("\n")
    lines = [line + rng.choice(["", " ", "\t", "  "]) for line in lines]
    return ("\r\n" if rng.random() < 0.5 else "\n").join(lines) + rng.choice(["", "\n", "\n\n"])


def planted_corpus(seed: int, n_unique: int = 700, exact_rate: float = 0.1,
                   near_rate: float = 0.1, val_docs: int = 200, overlap_rate: float = 0.05):
    """(train, val) document lists: unique documents, then exact copies (some in another
    whitespace), near copies of long documents, and validation documents copied from training,
    each at its rate, at random positions."""
    rng = random.Random(seed)
    pool = generate_documents(n_unique + val_docs, seed=seed)
    train, val = pool[:n_unique], pool[n_unique:]
    long_docs = [d for d in train if len(_WORDS.findall(d.encode())) >= 200]
    for _ in range(int(exact_rate * n_unique)):
        doc = rng.choice(train)
        copy = whitespace_variant(doc, rng) if rng.random() < 0.5 else doc
        train.insert(rng.randrange(len(train) + 1), copy)
    for _ in range(int(near_rate * n_unique)):
        train.insert(rng.randrange(len(train) + 1), near_copy(rng.choice(long_docs), rng))
    for _ in range(int(overlap_rate * val_docs)):
        val[rng.randrange(len(val))] = rng.choice(train)
    return train, val


def write_dataset(folder, train: list, val: list, shards: int = 3, row_group_size: int = 64) -> list:
    """Train documents over `shards` - 1 train shards, then the validation shard."""
    folder.mkdir(parents=True, exist_ok=True)
    per = math.ceil(len(train) / (shards - 1))
    paths = [write_shard(folder / shard_filename(k), train[k * per:(k + 1) * per], row_group_size)
             for k in range(shards - 1)]
    return paths + [write_shard(folder / shard_filename(shards - 1), val, row_group_size)]
