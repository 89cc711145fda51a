"""Real tokenizers for the tokenizer tests, trained once per test session (rustbpe -> tiktoken).

Each is trained the way nanochat trains one, on generated IaC text, into a private temp folder; tests
that modify files copy them first (`tokenizer_copy`). Also writers for the hand-made variants the
checks must catch: pickles of altered Encodings and Hugging Face tokenizer.json files.
"""

import atexit
import copyreg
import functools
import io
import json
import pickle
import shutil
import tempfile
from pathlib import Path

import tiktoken

from preflight.demo.iac_corpus import generate_documents
from preflight.tokenizer.constants import SPECIAL_TOKENS, SPLIT_PATTERN
from preflight.tokenizer.training import train_tokenizer

VOCAB = 1024
TRAIN_DOCS = 400  # about 1.3 MB of text: enough for all 1024 - 9 merges
HF_DATA = Path(__file__).parent / "tok_data"

_ROOT = Path(tempfile.mkdtemp(prefix="tok_fixtures_"))
atexit.register(shutil.rmtree, _ROOT, ignore_errors=True)


@functools.lru_cache(maxsize=None)
def training_docs() -> tuple:
    return tuple(generate_documents(TRAIN_DOCS, seed=11))


@functools.lru_cache(maxsize=None)
def trained_dir(convention: str = "exact", vocab: int = VOCAB) -> Path:
    """A folder holding tokenizer.pkl + token_bytes.pt; shared, so never write into it."""
    folder = _ROOT / f"{convention}-{vocab}"
    train_tokenizer(training_docs(), vocab, folder, token_bytes_convention=convention)
    return folder


def tokenizer_copy(dest: Path, convention: str = "exact") -> Path:
    """A private copy of the trained tokenizer folder under dest, for a test to modify."""
    return Path(shutil.copytree(trained_dir(convention), Path(dest) / "tokenizer"))


def trained_encoding() -> tiktoken.Encoding:
    with open(trained_dir() / "tokenizer.pkl", "rb") as f:
        return pickle.load(f)  # our own freshly trained file, so a plain load is fine here


def write_encoding(path: Path, ranks: dict, specials: dict, pat_str: str = SPLIT_PATTERN, protocol=None) -> Path:
    """Pickle a tiktoken Encoding built from these parts, as tok_train would."""
    enc = tiktoken.Encoding(name="rustbpe", pat_str=pat_str, mergeable_ranks=ranks, special_tokens=specials)
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    Path(path).write_bytes(pickle.dumps(enc, protocol=protocol))
    return Path(path)


def write_state(path: Path, state) -> Path:
    """A tokenizer.pkl holding a tiktoken Encoding with an arbitrary (possibly invalid) state.

    The bytes are exactly what pickling an Encoding gives (NEWOBJ tiktoken.core.Encoding, then BUILD
    with the state), but no Encoding is built from the state: tiktoken would refuse or crash.
    """
    shell = tiktoken.Encoding.__new__(tiktoken.Encoding)
    buffer = io.BytesIO()
    pickler = pickle.Pickler(buffer, protocol=pickle.DEFAULT_PROTOCOL)
    pickler.dispatch_table = {tiktoken.Encoding: lambda enc: (copyreg.__newobj__, (tiktoken.Encoding,), state)}
    pickler.dump(shell)
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    Path(path).write_bytes(buffer.getvalue())
    return Path(path)


def nanochat_specials(first_id: int) -> dict:
    return {name: first_id + i for i, name in enumerate(SPECIAL_TOKENS)}


# -----------------------------------------------------------------------------
# tokenizer.json

def _byte_encoder() -> dict:
    # GPT-2's byte -> printable character table, written out independently of the code under test
    printable = list(range(33, 127)) + list(range(161, 173)) + list(range(174, 256))
    table = {b: chr(b) for b in printable}
    extra = 0
    for b in range(256):
        if b not in table:
            table[b] = chr(256 + extra)
            extra += 1
    return table


def _merge_pair(ranks: dict, token: bytes) -> tuple:
    """The two tokens BPE joined to make token: re-run BPE on it with only lower-ranked merges."""
    parts = [bytes([b]) for b in token]
    limit = ranks[token]
    while len(parts) > 2:
        best = min(range(len(parts) - 1), key=lambda i: ranks.get(parts[i] + parts[i + 1], 1 << 62))
        if ranks.get(parts[best] + parts[best + 1], 1 << 62) >= limit:
            break
        parts[best:best + 2] = [parts[best] + parts[best + 1]]
    assert len(parts) == 2, token
    return parts[0], parts[1]


def hf_json_from_encoding(enc: tiktoken.Encoding, merges_as_strings: bool = False, model_type: str = "BPE",
                          byte_level: bool = True) -> dict:
    """A Hugging Face tokenizer.json (byte-level BPE) describing the same tokenizer as enc."""
    to_char = _byte_encoder()
    ranks = enc._mergeable_ranks

    def text(token: bytes) -> str:
        return "".join(to_char[b] for b in token)

    merges = []
    for token, _ in sorted(((t, r) for t, r in ranks.items() if len(t) > 1), key=lambda item: item[1]):
        left, right = _merge_pair(ranks, token)
        merges.append(f"{text(left)} {text(right)}" if merges_as_strings else [text(left), text(right)])
    steps = [{"type": "Split", "pattern": {"Regex": enc._pat_str}, "behavior": "Isolated", "invert": False}]
    if byte_level:
        steps.append({"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": True, "use_regex": False})
    return {
        "version": "1.0",
        "added_tokens": [{"id": i, "content": name, "special": True} for name, i in enc._special_tokens.items()],
        "normalizer": None,
        "pre_tokenizer": {"type": "Sequence", "pretokenizers": steps},
        "decoder": {"type": "ByteLevel"},
        "model": {"type": model_type, "vocab": {text(t): r for t, r in ranks.items()}
                  | {name: i for name, i in enc._special_tokens.items()}, "merges": merges},
    }


def write_json(path: Path, doc: dict) -> Path:
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    Path(path).write_text(json.dumps(doc, ensure_ascii=False))
    return Path(path)
