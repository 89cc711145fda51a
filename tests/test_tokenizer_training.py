"""preflight.tokenizer_training: tokenizers trained and saved exactly as nanochat's tok_train.py does."""

import pickle

import pytest
import tiktoken
import torch

from preflight.tokenizer import integrity as I, load as L
from preflight.tokenizer import training as TT
from preflight.demo.iac_corpus import generate_documents
from preflight.tokenizer.constants import SPECIAL_TOKENS, SPLIT_PATTERN
from tok_fixtures import VOCAB, trained_dir, training_docs

NANOCHAT_TEST_TEXT = ("Hello world! This is a test.\nNumbers: 123, 4567, 89\nContractions: I'm, you're, it's\n"
                      "Special chars: @#$%^&*()\nUnicode: 你好世界 🌍")


def _load_pickle(folder):
    with open(folder / "tokenizer.pkl", "rb") as f:
        return pickle.load(f)  # what nanochat's RustBPETokenizer.from_directory does


def _load_token_bytes(folder):
    with open(folder / "token_bytes.pt", "rb") as f:
        return torch.load(f, map_location="cpu")  # what nanochat's get_token_bytes does


def test_files_are_what_nanochat_loads():
    folder = trained_dir()
    enc = _load_pickle(folder)
    assert isinstance(enc, tiktoken.Encoding) and enc.name == "rustbpe" and enc._pat_str == SPLIT_PATTERN
    assert enc.n_vocab == VOCAB and len(enc._mergeable_ranks) == VOCAB - 9
    assert [enc.encode_single_token(s) for s in SPECIAL_TOKENS] == list(range(VOCAB - 9, VOCAB))
    assert enc.decode(enc.encode_ordinary(NANOCHAT_TEST_TEXT)) == NANOCHAT_TEST_TEXT
    token_bytes = _load_token_bytes(folder)
    assert token_bytes.dtype == torch.int32 and token_bytes.shape == (VOCAB,) and token_bytes.device.type == "cpu"
    assert token_bytes[VOCAB - 9:].tolist() == [0] * 9
    assert token_bytes[:256].tolist() == [1] * 256
    assert token_bytes.tolist() == [0 if i >= VOCAB - 9 else len(enc.decode_single_token_bytes(i)) for i in range(VOCAB)]
    assert sorted(p.name for p in folder.iterdir()) == ["token_bytes.pt", "tokenizer.pkl"]


def test_legacy_convention_counts_broken_utf8_tokens_as_three_bytes():
    enc = _load_pickle(trained_dir("legacy"))
    legacy, exact = _load_token_bytes(trained_dir("legacy")).tolist(), _load_token_bytes(trained_dir()).tolist()
    for i in range(VOCAB - 9):
        raw = enc.decode_single_token_bytes(i)
        try:
            raw.decode("utf-8")
            assert legacy[i] == exact[i] == len(raw)
        except UnicodeDecodeError:
            assert legacy[i] == len(enc.decode([i]).encode("utf-8")) and exact[i] == len(raw)
    assert legacy[0x80] == 3 and exact[0x80] == 1


def test_merges_are_the_ones_rustbpe_learns(tmp_path):
    # rustbpe is deterministic: two trainings on the same text give the same vocabulary
    enc = TT.train_tokenizer(training_docs(), VOCAB, tmp_path / "again")
    assert enc._mergeable_ranks == _load_pickle(trained_dir())._mergeable_ranks


def test_small_corpus_stops_early_like_nanochat(tmp_path):
    enc = TT.train_tokenizer(["hello world hello there"] * 20, 4096, tmp_path)
    assert 256 < len(enc._mergeable_ranks) < 4096 - 9
    assert enc.n_vocab == len(enc._mergeable_ranks) + 9
    assert _load_token_bytes(tmp_path).shape == (enc.n_vocab,)
    tok = L.load_tokenizer(tmp_path / "tokenizer.pkl")
    assert I.special_token_problems(tok) == [] and I.check_token_bytes(tok, tmp_path / "token_bytes.pt").ok


def test_empty_corpus_gives_the_byte_vocabulary(tmp_path):
    enc = TT.train_tokenizer([], 512, tmp_path)
    assert enc.n_vocab == 256 + 9


def test_vocab_too_small_for_bytes_and_specials(tmp_path):
    with pytest.raises(ValueError, match="at least 265"):
        TT.train_tokenizer(["abc"], 264, tmp_path)
    assert not (tmp_path / "tokenizer.pkl").exists()


def test_documents_are_cropped_to_doc_cap(tmp_path):
    # "qz" is frequent but only past the cap, so it must not become a token
    docs = ["ab " * 40 + "qzqzqzqz " * 200] * 30
    capped = TT.train_tokenizer(docs, 300, tmp_path / "capped", doc_cap=120)
    uncapped = TT.train_tokenizer(docs, 300, tmp_path / "uncapped", doc_cap=100_000)
    assert b"qz" not in capped._mergeable_ranks
    assert b"qz" in uncapped._mergeable_ranks


def test_trains_from_a_one_shot_iterator(tmp_path):
    enc = TT.train_tokenizer(iter(generate_documents(50, seed=2)), 400, tmp_path)
    assert enc.n_vocab == 400


def test_failed_training_leaves_the_old_tokenizer(tmp_path):
    folder = tmp_path / "tok"
    TT.train_tokenizer(training_docs()[:50], 400, folder)
    before = {p.name: p.read_bytes() for p in folder.iterdir()}

    def texts():
        yield "some text"
        raise RuntimeError("shard unreadable")

    with pytest.raises(RuntimeError):
        TT.train_tokenizer(texts(), 600, folder)
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == before


def test_crash_while_saving_keeps_the_old_pair(tmp_path, monkeypatch):
    folder = tmp_path / "tok"
    TT.train_tokenizer(training_docs()[:50], 400, folder)
    before = {p.name: p.read_bytes() for p in folder.iterdir()}

    def disk_full(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(TT.torch, "save", disk_full)
    with pytest.raises(OSError):
        TT.train_tokenizer(training_docs()[:80], 500, folder)
    # neither file was replaced (tokenizer.pkl was fully written but not renamed), no temp left
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == before


def test_unknown_convention(tmp_path):
    with pytest.raises(ValueError, match="convention"):
        TT.train_tokenizer(["abc abc"], 300, tmp_path, token_bytes_convention="v2")
