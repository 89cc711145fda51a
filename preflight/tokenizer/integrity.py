"""Step 3, the tokenizer's integrity: special tokens, vocabulary, round trip, compression, token_bytes.pt.

Each check tests the tokenizer the way nanochat uses it and returns problems as one line each.
"""

from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import tiktoken

from preflight.tokenizer.constants import SPECIAL_TOKENS, SPLIT_PATTERN
from preflight.tokenizer.load import CONVENTIONS, EXAMPLES, Tokenizer, tiktoken_bytes
from preflight.tokenizer.torch_file import NotReadable, SavedTensor, read_tensor
from preflight.util.format import one_line

ENCODE_CHUNK = 4096  # documents per encode_ordinary_batch call, bounds the memory of the id lists


@dataclass(frozen=True)
class TokenBytesReport:
    """What check_token_bytes found: ok, the problems (one line each), and the convention followed."""

    path: Path
    ok: bool
    problems: list
    convention: str = None  # "exact", "legacy", or None when the file follows neither

    def message(self) -> str:
        return f"{self.path}: " + "; ".join(self.problems) if self.problems else f"{self.path}: ok"



# -----------------------------------------------------------------------------
# the checks

def special_token_problems(tok: Tokenizer) -> list:
    """nanochat's 9 special tokens must all be there, in order, as the last 9 ids."""
    problems = []
    specials = tok.special_tokens
    first = tok.n_vocab - len(SPECIAL_TOKENS)
    for offset, name in enumerate(SPECIAL_TOKENS):
        if name not in specials:
            problems.append(f"special token {name} is missing")
        elif specials[name] != first + offset:
            problems.append(f"special token {name} has id {specials[name]}, nanochat expects "
                            f"{first + offset} (n_vocab - {len(SPECIAL_TOKENS) - offset})")
    for name, token_id in sorted(specials.items(), key=lambda item: item[1]):
        if name not in SPECIAL_TOKENS:
            problems.append(f"unexpected special token {name} (id {token_id}); nanochat defines only its 9")
    return problems


def _ranges(ids: list) -> str:
    """Sorted ids written as a few "a..b" spans."""
    spans, start, prev = [], ids[0], ids[0]
    for cur in ids[1:]:
        if cur != prev + 1:
            spans.append((start, prev))
            start = cur
        prev = cur
    spans.append((start, prev))
    text = ", ".join(f"{a}" if a == b else f"{a}..{b}" for a, b in spans[:EXAMPLES])
    return text + (", ..." if len(spans) > EXAMPLES else "")


def vocab_problems(tok: Tokenizer) -> list:
    """Holes and clashes in the id space, and missing single-byte tokens (text with them cannot be encoded)."""
    problems = []
    if tok.missing_bytes:
        problems.append(f"{len(tok.missing_bytes)} of the 256 single-byte tokens are missing (e.g. "
                        f"{', '.join(f'0x{b:02x}' for b in tok.missing_bytes[:EXAMPLES])}); text containing "
                        f"those bytes cannot be encoded")
    regular = set(tok.ranks.values())
    clashes = sorted(regular & set(tok.special_tokens.values()))
    if clashes:
        problems.append(f"ids used by both a special and a regular token: {_ranges(clashes)}")
    used = regular | set(tok.special_tokens.values())
    holes = [i for i in range(tok.n_vocab) if i not in used]
    if holes:
        problems.append(f"{len(holes)} ids below n_vocab={tok.n_vocab} have no token: {_ranges(holes)}")
    return problems


def split_pattern_matches(tok: Tokenizer) -> bool:
    """True when the tokenizer splits text with nanochat's pattern (\\p{N}{1,2}, not GPT-4's {1,3})."""
    return tok.pat_str == SPLIT_PATTERN


def _chunks(docs: Sequence[str]):
    for start in range(0, len(docs), ENCODE_CHUNK):
        yield start, list(docs[start:start + ENCODE_CHUNK])


def roundtrip_failures(tok: Tokenizer, docs: Sequence[str]) -> list:
    """Indexes of docs for which decode(encode_ordinary(doc)) != doc.

    A doc holding a byte the vocabulary lacks counts as a failure without being encoded.
    """
    failures = []
    for start, chunk in _chunks(docs):
        bad = set(tok.unencodable(chunk))
        encodable = [i for i in range(len(chunk)) if i not in bad]
        batch = dict(zip(encodable, tok.encode_batch([chunk[i] for i in encodable])))
        for i, doc in enumerate(chunk):
            try:
                same = i in batch and tok.decode(batch[i]) == doc
            except Exception:  # an id with no token (a vocabulary hole) cannot be decoded
                same = False
            if not same:
                failures.append(start + i)
    return failures


def compression(tok: Tokenizer, docs: Sequence[str]) -> tuple:
    """(UTF-8 bytes, tokens) over docs, encoded as nanochat does; bytes/token = first / second.

    Raises TokenizerError when a doc holds a byte the vocabulary lacks (it cannot be encoded at all).
    """
    n_bytes = n_tokens = 0
    for _, chunk in _chunks(docs):
        n_tokens += sum(len(ids) for ids in tok.encode_batch(chunk))
        n_bytes += sum(len(tiktoken_bytes(doc)) for doc in chunk)
    return n_bytes, n_tokens


# -----------------------------------------------------------------------------
# token_bytes.pt

def expected_token_bytes(enc: tiktoken.Encoding, convention: str = "exact") -> list:
    """Bytes per token id as tok_train.py writes them: 0 for specials (and ids without a token).

    "exact" (nanochat HEAD): the token's raw byte length. "legacy" (before PR #693): the UTF-8 length
    of the token decoded to text, so every token that is not valid UTF-8 on its own counts 3 (U+FFFD).
    """
    if convention not in CONVENTIONS:
        raise ValueError(f"convention must be one of {CONVENTIONS}, got {convention!r}")
    special_ids = set(enc._special_tokens.values())
    lengths = []
    for token_id in range(enc.n_vocab):
        if token_id in special_ids:
            lengths.append(0)
            continue
        try:
            raw = enc.decode_single_token_bytes(token_id)
        except KeyError:
            lengths.append(0)
            continue
        lengths.append(len(raw) if convention == "exact" else len(raw.decode("utf-8", "replace").encode("utf-8")))
    return lengths


def _load_tensor(path: Path):
    """(SavedTensor, None) or (None, why not). Read without torch (seconds faster); torch itself,
    weights-only, only for what that reader does not know (e.g. the legacy non-zip format)."""
    try:
        return read_tensor(path), None
    except FileNotFoundError:
        return None, "not found (nanochat's tok_train.py writes it next to the tokenizer)"
    except OSError as e:
        return None, f"cannot be read: {e.strerror or e}"
    except NotReadable as e:
        without_torch = str(e)
    try:
        import torch
    except ImportError:
        return None, (f"cannot be checked: {without_torch}, and torch is not installed here "
                      "(nanochat's environment has it)")
    try:
        with open(path, "rb") as f:
            value = torch.load(f, map_location="cpu", weights_only=True)
    except Exception as e:  # corrupt, truncated, or a pickle the weights-only loader refuses
        return None, f"cannot be loaded with torch.load(weights_only=True): {one_line(e)}"
    if not isinstance(value, torch.Tensor):
        return None, f"holds a {type(value).__name__}, not a tensor"
    return SavedTensor(str(value.dtype).replace("torch.", ""), tuple(value.shape), value.tolist()), None


def check_token_bytes(tok: Tokenizer, path: Path) -> TokenBytesReport:
    """Check token_bytes.pt against the tokenizer, and tell which nanochat convention it follows."""
    path = Path(path)
    tensor, error = _load_tensor(path)
    if error:
        return TokenBytesReport(path, False, [error])

    problems = []
    if tensor.dim() != 1:
        return TokenBytesReport(path, False, [f"is {tensor.dim()}-D with shape {tuple(tensor.shape)}, "
                                              f"expected 1-D of length {tok.n_vocab}"])
    if tensor.dtype != "int32":
        problems.append(f"dtype is {tensor.dtype}, nanochat writes int32")
    values = tensor.values
    if len(values) != tok.n_vocab:
        problems.append(f"has {len(values)} entries but the tokenizer has {tok.n_vocab} ids")
    n = min(len(values), tok.n_vocab)
    exact, legacy = expected_token_bytes(tok.encoding, "exact"), expected_token_bytes(tok.encoding, "legacy")
    id_to_special = {token_id: name for name, token_id in tok.special_tokens.items()}
    nonzero_special = [i for i in sorted(id_to_special) if i < n and values[i] != 0]
    if nonzero_special:
        problems.append(f"{len(nonzero_special)} special token ids are not 0, e.g. " + ", ".join(
            f"{id_to_special[i]} (id {i}) = {values[i]}" for i in nonzero_special[:EXAMPLES]))
    regular = [i for i in range(n) if i not in id_to_special and exact[i] > 0]
    zeros = [i for i in regular if values[i] == 0]
    if zeros:
        problems.append(f"{len(zeros)} regular token ids are 0 (bits per byte would skip them), "
                        f"e.g. ids {', '.join(map(str, zeros[:EXAMPLES]))}")
    counted = [i for i in regular if values[i] != 0]
    off_exact = [i for i in counted if values[i] != exact[i]]
    off_legacy = [i for i in counted if values[i] != legacy[i]]
    convention = "exact" if counted and not off_exact else "legacy" if counted and not off_legacy else None
    if counted and convention is None:
        nearer, expected = (off_exact, exact) if len(off_exact) <= len(off_legacy) else (off_legacy, legacy)
        problems.append(f"{len(nearer)} ids match neither nanochat convention, e.g. " + ", ".join(
            f"id {i} ({tok.encoding.decode_single_token_bytes(i)!r}) = {values[i]}, expected {expected[i]}"
            for i in nearer[:EXAMPLES]))
    return TokenBytesReport(path, not problems, problems, convention)
