"""Step 3, the tokenizer: find it and load it safely, the way nanochat would (but without its pickle).

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

from preflight.tokenizer.safe_unpickle import RefusedGlobal, load_encoding_state
from preflight.util.format import one_line

PICKLE_NAME = "tokenizer.pkl"
JSON_NAME = "tokenizer.json"
CONVENTIONS = ("exact", "legacy")
# tiktoken encodes batches on a thread pool; nanochat's loader uses 4-8 threads
ENCODE_THREADS = min(8, os.cpu_count() or 1)
EXAMPLES = 3
# Ids beyond this are a corrupt file, not a vocabulary (nanochat's have 32,768 or 65,536 tokens,
# the largest public ones about 262,144): checks that walk every id would run out of memory.
MAX_TOKEN_ID = (1 << 22) - 1

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
        return [i for i, doc in enumerate(docs) if pattern.search(tiktoken_bytes(doc))]

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
    ids = [*ranks.values(), *specials.values()]
    if ids and not 0 <= min(ids) <= max(ids) <= MAX_TOKEN_ID:
        bad = min(ids) if min(ids) < 0 else max(ids)
        raise TokenizerError(f"{path}: token id {bad:,} is outside 0..{MAX_TOKEN_ID:,} while it has "
                             f"{len(ids):,} tokens; nanochat would size its embedding by the "
                             f"largest id: the file is corrupt, train the tokenizer again")
    # tiktoken panics (a BaseException, with a Rust backtrace on stderr) on duplicate ids: refuse first
    for what, table in (("regular tokens", ranks), ("special tokens", specials)):
        if len(set(table.values())) != len(table):
            raise TokenizerError(f"{path}: {len(table) - len(set(table.values()))} {what} share an id with another")
    try:
        enc = tiktoken.Encoding(name=name, pat_str=pat_str, mergeable_ranks=ranks, special_tokens=specials)
    except (KeyboardInterrupt, SystemExit):
        raise
    except BaseException as e:  # e.g. a split pattern tiktoken's regex engine cannot compile
        raise TokenizerError(f"{path}: tiktoken cannot build an encoding from it: {one_line(e)}") from None
    missing = bytes(b for b in range(256) if bytes([b]) not in ranks)
    return Tokenizer(path=path, encoding=enc, ranks=ranks, missing_bytes=missing)


def tiktoken_bytes(doc: str) -> bytes:
    """The UTF-8 bytes tiktoken encodes for doc: lone surrogates become U+FFFD, as tiktoken does."""
    try:
        return doc.encode("utf-8")
    except UnicodeEncodeError:
        return doc.encode("utf-16", "surrogatepass").decode("utf-16", "replace").encode("utf-8")



def _parse_pickle(path: Path, data: bytes) -> tuple:
    try:
        state = load_encoding_state(data)
    except RefusedGlobal as e:
        raise TokenizerError(f"{path}: refused to unpickle: it asks for the global '{e.name}', which a "
                             f"tiktoken Encoding never needs (nothing was executed)") from None
    except Exception as e:  # any failure inside untrusted pickle data means the file is corrupt
        raise TokenizerError(f"{path}: not a readable tiktoken pickle ({one_line(e)})") from None
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
        raise TokenizerError(f"{path}: not a Hugging Face tokenizer.json ({one_line(e)})") from None
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
