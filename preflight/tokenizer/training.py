"""Train a tokenizer the way nanochat's `scripts/tok_train.py` does, and write its two files.

rustbpe learns the merges (nanochat's split pattern, vocab_size - 9 regular tokens), tiktoken holds
the result with the 9 special tokens appended, and the tokenizer folder gets `tokenizer.pkl` (the
pickled tiktoken Encoding) and `token_bytes.pt` (a 1-D int32 tensor: bytes per token id, 0 for the
specials). The demo workspace and the tests use it to make real tokenizers, so the tokenizer checks
run against exactly what a user's `tok_train` run leaves behind.
"""

import contextlib
import pickle
from pathlib import Path
from typing import Iterable, Iterator

import rustbpe
import tiktoken
import torch

from preflight.util.atomic_write import atomic_path
from preflight.tokenizer.constants import DOC_CAP_CHARS, SPECIAL_TOKENS, SPLIT_PATTERN
from preflight.tokenizer.integrity import expected_token_bytes

TOKENIZER_FILE = "tokenizer.pkl"
TOKEN_BYTES_FILE = "token_bytes.pt"


def _capped(texts: Iterable[str], doc_cap: int) -> Iterator[str]:
    for text in texts:
        yield text[:doc_cap]


def build_encoding(texts: Iterable[str], vocab_size: int, doc_cap: int = DOC_CAP_CHARS) -> tiktoken.Encoding:
    """Train rustbpe on texts (each cropped to doc_cap characters) and wrap the merges in tiktoken.

    rustbpe stops early when no pair is left to merge, so a small corpus gives n_vocab < vocab_size,
    exactly as in nanochat.
    """
    n_regular = vocab_size - len(SPECIAL_TOKENS)
    if n_regular < 256:
        raise ValueError(f"vocab_size must be at least {256 + len(SPECIAL_TOKENS)} (256 bytes + "
                         f"{len(SPECIAL_TOKENS)} specials), got {vocab_size}")
    trainer = rustbpe.Tokenizer()
    trainer.train_from_iterator(_capped(texts, doc_cap), n_regular, pattern=SPLIT_PATTERN)
    ranks = {bytes(token): rank for token, rank in trainer.get_mergeable_ranks()}
    specials = {name: len(ranks) + i for i, name in enumerate(SPECIAL_TOKENS)}
    return tiktoken.Encoding(name="rustbpe", pat_str=trainer.get_pattern(), mergeable_ranks=ranks,
                             special_tokens=specials)


def save_tokenizer(enc: tiktoken.Encoding, tokenizer_dir: Path, token_bytes_convention: str = "exact") -> None:
    """Write tokenizer.pkl and token_bytes.pt into tokenizer_dir (created if needed).

    Both files are written in full to temporary names before either replaces its original, so a
    failure leaves the previous pair untouched rather than a new tokenizer with old token bytes.
    """
    tokenizer_dir = Path(tokenizer_dir)
    tokenizer_dir.mkdir(parents=True, exist_ok=True)
    lengths = torch.tensor(expected_token_bytes(enc, token_bytes_convention), dtype=torch.int32)
    with contextlib.ExitStack() as stack:
        pkl_tmp = stack.enter_context(atomic_path(tokenizer_dir / TOKENIZER_FILE))
        pt_tmp = stack.enter_context(atomic_path(tokenizer_dir / TOKEN_BYTES_FILE))
        with open(pkl_tmp, "wb") as f:
            pickle.dump(enc, f)
        with open(pt_tmp, "wb") as f:
            torch.save(lengths, f)


def train_tokenizer(texts: Iterable[str], vocab_size: int, tokenizer_dir: Path,
                    token_bytes_convention: str = "exact", doc_cap: int = DOC_CAP_CHARS) -> tiktoken.Encoding:
    """Train like tok_train.py and save both files; returns the tiktoken Encoding.

    token_bytes_convention: "exact" (nanochat since PR #693: raw byte length of each token) or
    "legacy" (older nanochat: UTF-8 length of the decoded string, 3 for every non-UTF-8 token).
    """
    enc = build_encoding(texts, vocab_size, doc_cap)
    save_tokenizer(enc, tokenizer_dir, token_bytes_convention)
    return enc
