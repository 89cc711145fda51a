"""The tokenizer checks (Phase 2, Steps 3-4): find it, load it safely, and test it the way nanochat uses it.

nanochat loads `<base>/tokenizer/tokenizer.pkl` (a pickled tiktoken Encoding) with a plain
`pickle.load`, and `token_bytes.pt` (bytes per token id) to turn the loss into bits per byte. Here the
pickle is read by an allow-listed unpickler that never runs code from the file, an older
`tokenizer.json` (Hugging Face byte-level BPE) is read as data, and the checks look for what breaks a
run late or silently: missing or misplaced special tokens, text that does not survive an
encode/decode round trip, a token_bytes file that does not fit the vocabulary, or one written with the
other nanochat era's byte-count convention (bits per byte then do not compare across versions).
"""

import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence

import tiktoken

from .nanochat_constants import SPECIAL_TOKENS, SPLIT_PATTERN
from .safe_unpickle import RefusedGlobal, load_encoding_state

PICKLE_NAME = "tokenizer.pkl"
JSON_NAME = "tokenizer.json"
CONVENTIONS = ("exact", "legacy")
# tiktoken encodes batches on a thread pool; nanochat's loader uses 4-8 threads
ENCODE_THREADS = min(8, os.cpu_count() or 1)
ENCODE_CHUNK = 4096  # documents per encode_ordinary_batch call, bounds the memory of the id lists
_EXAMPLES = 3

# the pre-tokenizer regex a Hugging Face ByteLevel step applies when it has no Split before it (GPT-2's)
_GPT2_PATTERN = r"""'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+"""


class TokenizerError(Exception):
    """The tokenizer cannot be found or loaded; the message is one line naming the file at fault."""


@dataclass(frozen=True)
class Tokenizer:
    """A loaded tokenizer: the tiktoken Encoding plus the raw vocabulary it was built from."""

    path: Path
    encoding: tiktoken.Encoding
    ranks: dict = field(repr=False)  # token bytes -> id, the regular (non-special) tokens
    missing_bytes: bytes = b""  # single bytes with no token: tiktoken panics on text containing one

    @property
    def n_vocab(self) -> int:
        return self.encoding.n_vocab

    @property
    def special_tokens(self) -> dict:
        return dict(self.encoding._special_tokens)

    @property
    def pat_str(self) -> str:
        return self.encoding._pat_str

    @property
    def name(self) -> str:
        return self.encoding.name

    def unencodable(self, docs: Sequence[str]) -> list:
        """Indexes of docs holding a byte that has no token (always empty for a nanochat tokenizer)."""
        if not self.missing_bytes:
            return []
        pattern = re.compile(b"[" + b"".join(re.escape(bytes([b])) for b in self.missing_bytes) + b"]")
        return [i for i, doc in enumerate(docs) if pattern.search(_tiktoken_bytes(doc))]

    def encode_batch(self, docs: Sequence[str]) -> list:
        """Token ids of each doc, as nanochat's loader gets them (encode_ordinary, threaded).

        Raises TokenizerError instead of letting tiktoken panic on a byte the vocabulary lacks.
        """
        docs = list(docs)
        bad = self.unencodable(docs)
        if bad:
            raise TokenizerError(f"{self.path}: cannot encode document {bad[0]}: it holds a byte with no "
                                 f"token ({len(self.missing_bytes)} of the 256 single-byte tokens are missing)")
        return self.encoding.encode_ordinary_batch(docs, num_threads=ENCODE_THREADS)

    def decode(self, ids) -> str:
        return self.encoding.decode(ids)


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
# finding and loading

def find_tokenizer(tokenizer_dir: Path, train_command: str) -> Path:
    """The tokenizer file nanochat would use: tokenizer.pkl, else an older tokenizer.json."""
    tokenizer_dir = Path(tokenizer_dir)
    if not tokenizer_dir.is_dir():
        raise TokenizerError(f"{tokenizer_dir}: no tokenizer folder; train one with: {train_command}")
    for name in (PICKLE_NAME, JSON_NAME):
        if (tokenizer_dir / name).is_file():
            return tokenizer_dir / name
    raise TokenizerError(f"{tokenizer_dir}: neither {PICKLE_NAME} nor {JSON_NAME} is there; "
                         f"train one with: {train_command}")


def load_tokenizer(path: Path) -> Tokenizer:
    """Load tokenizer.pkl (without executing it) or tokenizer.json; TokenizerError on any defect."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as e:
        raise TokenizerError(f"{path}: cannot be read: {e.strerror or e}") from None
    if path.suffix == ".json":
        ranks, specials, pat_str = _parse_hf_json(path, data)
        name = "hf-bpe-json"
    else:
        ranks, specials, pat_str, name = _parse_pickle(path, data)
    # tiktoken panics (a BaseException, with a Rust backtrace on stderr) on duplicate ids: refuse first
    for what, table in (("regular tokens", ranks), ("special tokens", specials)):
        if len(set(table.values())) != len(table):
            raise TokenizerError(f"{path}: {len(table) - len(set(table.values()))} {what} share an id with another")
    try:
        enc = tiktoken.Encoding(name=name, pat_str=pat_str, mergeable_ranks=ranks, special_tokens=specials)
    except (KeyboardInterrupt, SystemExit):
        raise
    except BaseException as e:  # e.g. a split pattern tiktoken's regex engine cannot compile
        raise TokenizerError(f"{path}: tiktoken cannot build an encoding from it: {_one_line(e)}") from None
    missing = bytes(b for b in range(256) if bytes([b]) not in ranks)
    return Tokenizer(path=path, encoding=enc, ranks=ranks, missing_bytes=missing)


def _tiktoken_bytes(doc: str) -> bytes:
    """The UTF-8 bytes tiktoken encodes for doc: lone surrogates become U+FFFD, as tiktoken does."""
    try:
        return doc.encode("utf-8")
    except UnicodeEncodeError:
        return doc.encode("utf-16", "surrogatepass").decode("utf-16", "replace").encode("utf-8")


def _one_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0]}" if text else type(exc).__name__


def _parse_pickle(path: Path, data: bytes) -> tuple:
    try:
        state = load_encoding_state(data)
    except RefusedGlobal as e:
        raise TokenizerError(f"{path}: refused to unpickle: it asks for the global '{e.name}', which a "
                             f"tiktoken Encoding never needs (nothing was executed)") from None
    except Exception as e:  # any failure inside untrusted pickle data means the file is corrupt
        raise TokenizerError(f"{path}: not a readable tiktoken pickle ({_one_line(e)})") from None
    if isinstance(state, str):
        raise TokenizerError(f"{path}: holds only a reference to tiktoken's built-in encoding '{state}', "
                             f"not a trained vocabulary; nanochat's tok_train writes the full encoding")
    if not isinstance(state, dict) or not {"name", "pat_str", "mergeable_ranks", "special_tokens"} <= state.keys():
        raise TokenizerError(f"{path}: the pickled Encoding lacks name/pat_str/mergeable_ranks/special_tokens")
    ranks, specials = state["mergeable_ranks"], state["special_tokens"]
    if not (isinstance(state["name"], str) and isinstance(state["pat_str"], str)):
        raise TokenizerError(f"{path}: the pickled Encoding's name or pat_str is not a string")
    if not (isinstance(ranks, dict) and all(type(k) is bytes and type(v) is int for k, v in ranks.items())):
        raise TokenizerError(f"{path}: mergeable_ranks is not a dict of bytes -> int")
    if not (isinstance(specials, dict) and all(type(k) is str and type(v) is int for k, v in specials.items())):
        raise TokenizerError(f"{path}: special_tokens is not a dict of str -> int")
    return ranks, specials, state["pat_str"], state["name"]


def _byte_decoder() -> dict:
    """GPT-2's byte-level alphabet reversed: each of 256 printable characters -> the byte it stands for.

    Printable Latin-1 bytes stand for themselves; the other 68 are shifted to U+0100 onwards in order.
    """
    printable = [*range(ord("!"), ord("~") + 1), *range(ord("¡"), ord("¬") + 1), *range(ord("®"), ord("ÿ") + 1)]
    shifted = [b for b in range(256) if b not in printable]
    mapping = {chr(b): b for b in printable}
    mapping.update({chr(256 + i): b for i, b in enumerate(shifted)})
    return mapping


def _split_pattern(path: Path, pre_tokenizer) -> str:
    steps = pre_tokenizer.get("pretokenizers", []) if pre_tokenizer and pre_tokenizer.get("type") == "Sequence" \
        else [pre_tokenizer] if pre_tokenizer else []
    splits = [s for s in steps if s.get("type") == "Split"]
    byte_level = [s for s in steps if s.get("type") == "ByteLevel"]
    if not byte_level:
        raise TokenizerError(f"{path}: not a byte-level BPE tokenizer (no ByteLevel pre-tokenizer)")
    if len(splits) > 1:
        raise TokenizerError(f"{path}: {len(splits)} Split pre-tokenizers; only one can be expressed for tiktoken")
    if splits:
        pattern = splits[0].get("pattern", {})
        if "Regex" in pattern:
            return pattern["Regex"]
        if "String" in pattern:
            return re.escape(pattern["String"])
        raise TokenizerError(f"{path}: the Split pre-tokenizer has no pattern")
    if byte_level[0].get("use_regex", True):
        return _GPT2_PATTERN
    raise TokenizerError(f"{path}: no split pattern (ByteLevel with use_regex=false and no Split)")


def _parse_hf_json(path: Path, data: bytes) -> tuple:
    """Vocabulary, specials and split pattern of a Hugging Face byte-level BPE tokenizer.json."""
    try:
        doc = json.loads(data)
        model = doc["model"]
        vocab, merges = model["vocab"], model.get("merges", [])
    except (ValueError, KeyError, TypeError) as e:
        raise TokenizerError(f"{path}: not a Hugging Face tokenizer.json ({_one_line(e)})") from None
    if model.get("type", "BPE") != "BPE":
        raise TokenizerError(f"{path}: model type is {model.get('type')!r}; only BPE can be checked")
    pat_str = _split_pattern(path, doc.get("pre_tokenizer"))
    specials = {t["content"]: t["id"] for t in doc.get("added_tokens") or []}
    special_ids = set(specials.values())
    to_byte = _byte_decoder()
    ranks = {}
    for token, token_id in vocab.items():
        if token_id in special_ids:
            continue
        try:
            ranks[bytes(to_byte[ch] for ch in token)] = token_id
        except KeyError:
            raise TokenizerError(f"{path}: vocab entry {token!r} is not in the byte-level alphabet") from None
    _check_merge_order(path, vocab, merges, ranks)
    return ranks, specials, pat_str


def _check_merge_order(path: Path, vocab: dict, merges: list, ranks: dict) -> None:
    # tiktoken ranks a merge by the id of its result; that equals Hugging Face's merge-list priority
    # only when merge results have increasing ids and every multi-byte token comes from a merge
    last = -1
    for i, merge in enumerate(merges):
        left, right = merge.split(" ", 1) if isinstance(merge, str) else merge
        token_id = vocab.get(left + right)
        if token_id is None:
            raise TokenizerError(f"{path}: merge #{i} ({left!r}, {right!r}) makes a token missing from the vocab")
        if token_id <= last:
            raise TokenizerError(f"{path}: merge #{i} makes id {token_id} after id {last}; merge priorities do not "
                                 f"follow token ids, so tiktoken would tokenize differently")
        last = token_id
    multi_byte = sum(1 for token in ranks if len(token) > 1)
    if multi_byte != len(merges):
        raise TokenizerError(f"{path}: {multi_byte} multi-byte tokens but {len(merges)} merges; "
                             f"the vocabulary is not a plain BPE merge list")


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
    text = ", ".join(f"{a}" if a == b else f"{a}..{b}" for a, b in spans[:_EXAMPLES])
    return text + (", ..." if len(spans) > _EXAMPLES else "")


def vocab_problems(tok: Tokenizer) -> list:
    """Holes and clashes in the id space, and missing single-byte tokens (text with them cannot be encoded)."""
    problems = []
    if tok.missing_bytes:
        problems.append(f"{len(tok.missing_bytes)} of the 256 single-byte tokens are missing (e.g. "
                        f"{', '.join(f'0x{b:02x}' for b in tok.missing_bytes[:_EXAMPLES])}); text containing "
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
        n_bytes += sum(len(_tiktoken_bytes(doc)) for doc in chunk)
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
    try:
        import torch  # torch is heavy; only this check needs it
    except ImportError:
        return None, "cannot be checked: torch is not installed here (nanochat's environment has it)"
    try:
        with open(path, "rb") as f:
            value = torch.load(f, map_location="cpu", weights_only=True)
    except FileNotFoundError:
        return None, "not found (nanochat's tok_train.py writes it next to the tokenizer)"
    except Exception as e:  # corrupt, truncated, or a pickle the weights-only loader refuses
        return None, f"cannot be loaded with torch.load(weights_only=True): {_one_line(e)}"
    if not isinstance(value, torch.Tensor):
        return None, f"holds a {type(value).__name__}, not a tensor"
    return value, None


def check_token_bytes(tok: Tokenizer, path: Path) -> TokenBytesReport:
    """Check token_bytes.pt against the tokenizer, and tell which nanochat convention it follows."""
    path = Path(path)
    tensor, error = _load_tensor(path)
    if error:
        return TokenBytesReport(path, False, [error])
    import torch

    problems = []
    if tensor.dim() != 1:
        return TokenBytesReport(path, False, [f"is {tensor.dim()}-D with shape {tuple(tensor.shape)}, "
                                              f"expected 1-D of length {tok.n_vocab}"])
    if tensor.dtype != torch.int32:
        problems.append(f"dtype is {str(tensor.dtype).replace('torch.', '')}, nanochat writes int32")
    if len(tensor) != tok.n_vocab:
        problems.append(f"has {len(tensor)} entries but the tokenizer has {tok.n_vocab} ids")
    values = tensor.tolist()
    n = min(len(values), tok.n_vocab)
    exact, legacy = expected_token_bytes(tok.encoding, "exact"), expected_token_bytes(tok.encoding, "legacy")
    id_to_special = {token_id: name for name, token_id in tok.special_tokens.items()}
    nonzero_special = [i for i in sorted(id_to_special) if i < n and values[i] != 0]
    if nonzero_special:
        problems.append(f"{len(nonzero_special)} special token ids are not 0, e.g. " + ", ".join(
            f"{id_to_special[i]} (id {i}) = {values[i]}" for i in nonzero_special[:_EXAMPLES]))
    regular = [i for i in range(n) if i not in id_to_special and exact[i] > 0]
    zeros = [i for i in regular if values[i] == 0]
    if zeros:
        problems.append(f"{len(zeros)} regular token ids are 0 (bits per byte would skip them), "
                        f"e.g. ids {', '.join(map(str, zeros[:_EXAMPLES]))}")
    counted = [i for i in regular if values[i] != 0]
    off_exact = [i for i in counted if values[i] != exact[i]]
    off_legacy = [i for i in counted if values[i] != legacy[i]]
    convention = "exact" if counted and not off_exact else "legacy" if counted and not off_legacy else None
    if counted and convention is None:
        nearer, expected = (off_exact, exact) if len(off_exact) <= len(off_legacy) else (off_legacy, legacy)
        problems.append(f"{len(nearer)} ids match neither nanochat convention, e.g. " + ", ".join(
            f"id {i} ({tok.encoding.decode_single_token_bytes(i)!r}) = {values[i]}, expected {expected[i]}"
            for i in nearer[:_EXAMPLES]))
    return TokenBytesReport(path, not problems, problems, convention)
