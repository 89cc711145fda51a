"""preflight.tokenizer: finding, safe loading, and the integrity checks, on real trained tokenizers."""

import json
import os
import pickle

import pytest
import torch
from hypothesis import HealthCheck, given, settings, strategies as st

from preflight.tokenizer import integrity as I, load as L
from preflight.demo.iac_corpus import generate_documents
from preflight.tokenizer.constants import SPLIT_PATTERN
from tok_fixtures import (HF_DATA, VOCAB, hf_json_from_encoding, nanochat_specials, tokenizer_copy, trained_dir,
                          trained_encoding, write_encoding, write_json, write_state)

TRAIN = "python -m scripts.tok_train"
NANOCHAT_TEST_TEXT = ("Hello world! This is a test.\nNumbers: 123, 4567, 89\nContractions: I'm, you're, it's\n"
                      "Special chars: @#$%^&*()\nUnicode: 你好世界 🌍")


@pytest.fixture(scope="module")
def tok():
    return L.load_tokenizer(trained_dir() / "tokenizer.pkl")


def _ranks_and_specials():
    enc = trained_encoding()
    return dict(enc._mergeable_ranks), dict(enc._special_tokens)


# -----------------------------------------------------------------------------
# finding

def test_find_prefers_the_pickle_nanochat_loads(tmp_path):
    folder = tokenizer_copy(tmp_path)
    write_json(folder / "tokenizer.json", {"model": {}})
    assert L.find_tokenizer(folder, TRAIN) == folder / "tokenizer.pkl"


def test_find_falls_back_to_tokenizer_json(tmp_path):
    path = write_json(tmp_path / "tok" / "tokenizer.json", {"model": {}})
    assert L.find_tokenizer(tmp_path / "tok", TRAIN) == path


def test_find_nothing_says_where_it_looked_and_how_to_train(tmp_path):
    (tmp_path / "tokenizer").mkdir()
    with pytest.raises(L.TokenizerError) as err:
        L.find_tokenizer(tmp_path / "tokenizer", TRAIN)
    message = str(err.value)
    assert str(tmp_path / "tokenizer") in message and TRAIN in message and "\n" not in message


def test_find_missing_folder(tmp_path):
    with pytest.raises(L.TokenizerError, match="no tokenizer folder.*scripts.tok_train"):
        L.find_tokenizer(tmp_path / "absent", TRAIN)


# -----------------------------------------------------------------------------
# loading a trained tokenizer

def test_trained_tokenizer_loads_and_passes_every_check(tok):
    assert tok.n_vocab == VOCAB and tok.name == "rustbpe"
    assert tok.pat_str == SPLIT_PATTERN and I.split_pattern_matches(tok)
    assert tok.special_tokens == nanochat_specials(VOCAB - 9)
    assert I.special_token_problems(tok) == []
    assert I.vocab_problems(tok) == []
    assert I.roundtrip_failures(tok, [NANOCHAT_TEST_TEXT]) == []


def test_loaded_encoding_tokenizes_like_the_original(tok):
    enc = trained_encoding()
    docs = generate_documents(30, seed=123)
    assert tok.encode_batch(docs) == [enc.encode_ordinary(d) for d in docs]


@pytest.mark.parametrize("protocol", range(0, pickle.HIGHEST_PROTOCOL + 1))
def test_every_pickle_protocol_loads(tmp_path, protocol):
    ranks, specials = _ranks_and_specials()
    path = write_encoding(tmp_path / "tokenizer.pkl", ranks, specials, protocol=protocol)
    loaded = L.load_tokenizer(path)
    assert loaded.ranks == ranks and loaded.special_tokens == specials


# -----------------------------------------------------------------------------
# pickles that must not load

class _RunsCode:
    """Unpickling this calls os.system: what a booby-trapped tokenizer.pkl would do."""

    def __init__(self, command):
        self.command = command

    def __reduce__(self):
        return os.system, (self.command,)


class _Evals:
    def __reduce__(self):
        return eval, ("__import__('pathlib').Path('EVAL_MARKER').touch()",)


def test_pickle_that_runs_a_command_is_refused_and_nothing_runs(tmp_path):
    marker = tmp_path / "pwned"
    path = tmp_path / "tokenizer.pkl"
    path.write_bytes(pickle.dumps(_RunsCode(f"touch {marker}")))
    with pytest.raises(L.TokenizerError) as err:
        L.load_tokenizer(path)
    assert not marker.exists()
    message = str(err.value)
    assert f"{os.system.__module__}.system" in message and str(path) in message and "\n" not in message


def test_payload_hidden_inside_a_real_encoding_is_refused(tmp_path):
    marker = tmp_path / "pwned"
    ranks, specials = _ranks_and_specials()
    path = write_state(tmp_path / "tokenizer.pkl", {
        "name": "rustbpe", "pat_str": SPLIT_PATTERN, "mergeable_ranks": ranks,
        "special_tokens": {**specials, "<|bos|>": _RunsCode(f"touch {marker}")}})
    assert b"tiktoken.core" in path.read_bytes() and b"Encoding" in path.read_bytes()
    with pytest.raises(L.TokenizerError, match=f"refused.*{os.system.__module__}.system"):
        L.load_tokenizer(path)
    assert not marker.exists()


@pytest.mark.parametrize("payload", [_Evals(), {"x": _Evals()}, [1, _Evals()]])
def test_eval_payloads_are_refused(tmp_path, monkeypatch, payload):
    monkeypatch.chdir(tmp_path)
    path = tmp_path / "tokenizer.pkl"
    path.write_bytes(pickle.dumps(payload))
    with pytest.raises(L.TokenizerError, match="builtins.eval"):
        L.load_tokenizer(path)
    assert not (tmp_path / "EVAL_MARKER").exists()


@pytest.mark.parametrize("content, reason", [
    (b"", "not a readable tiktoken pickle"),
    (b"\x80\x04garbage", "not a readable tiktoken pickle"),
    (pickle.dumps({"name": "rustbpe"}), "not a tiktoken Encoding"),
])
def test_corrupt_pickles_give_one_line(tmp_path, content, reason):
    path = tmp_path / "tokenizer.pkl"
    path.write_bytes(content)
    with pytest.raises(L.TokenizerError, match=reason) as err:
        L.load_tokenizer(path)
    assert "\n" not in str(err.value) and str(path) in str(err.value)


def test_truncated_real_pickle(tmp_path):
    data = (trained_dir() / "tokenizer.pkl").read_bytes()
    path = tmp_path / "tokenizer.pkl"
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(L.TokenizerError, match="not a readable tiktoken pickle"):
        L.load_tokenizer(path)


def test_reference_to_a_builtin_encoding_is_not_a_trained_tokenizer(tmp_path):
    # tiktoken pickles its registered encodings by name only; crafted by hand (no download)
    name = b"cl100k_base"
    data = (pickle.PROTO + b"\x02" + pickle.GLOBAL + b"tiktoken.core\nEncoding\n" + pickle.EMPTY_TUPLE + pickle.NEWOBJ
            + pickle.SHORT_BINUNICODE + bytes([len(name)]) + name + pickle.BUILD + pickle.STOP)
    path = tmp_path / "tokenizer.pkl"
    path.write_bytes(data)
    with pytest.raises(L.TokenizerError, match="cl100k_base"):
        L.load_tokenizer(path)


def _state(**changes):
    ranks, specials = _ranks_and_specials()
    state = {"name": "rustbpe", "pat_str": SPLIT_PATTERN, "mergeable_ranks": ranks, "special_tokens": specials}
    state.update(changes)
    return state


def test_state_pickle_helper_is_a_faithful_encoding_pickle(tmp_path):
    path = write_state(tmp_path / "tokenizer.pkl", _state())
    assert path.read_bytes() == pickle.dumps(trained_encoding())
    loaded = L.load_tokenizer(path)
    assert loaded.special_tokens == nanochat_specials(VOCAB - 9) and I.vocab_problems(loaded) == []


@pytest.mark.parametrize("changes, reason", [
    ({"mergeable_ranks": {"a": 0}}, "mergeable_ranks is not a dict of bytes -> int"),
    ({"special_tokens": {"<|bos|>": "1"}}, "special_tokens is not a dict of str -> int"),
    ({"pat_str": None}, "name or pat_str is not a string"),
    ({"pat_str": "(unclosed"}, "tiktoken cannot build an encoding"),
])
def test_bad_states_are_rejected(tmp_path, changes, reason):
    with pytest.raises(L.TokenizerError, match=reason):
        L.load_tokenizer(write_state(tmp_path / "tokenizer.pkl", _state(**changes)))


def test_state_without_its_fields(tmp_path):
    with pytest.raises(L.TokenizerError, match="lacks name/pat_str"):
        L.load_tokenizer(write_state(tmp_path / "tokenizer.pkl", {"name": "rustbpe"}))


def test_duplicate_ids_are_refused_before_tiktoken_panics(tmp_path, capfd):
    ranks, _ = _ranks_and_specials()
    ranks[b"not a merge"] = ranks[b"a"]
    with pytest.raises(L.TokenizerError, match="1 regular tokens share an id"):
        L.load_tokenizer(write_state(tmp_path / "tokenizer.pkl", _state(mergeable_ranks=ranks)))
    twins = nanochat_specials(VOCAB - 9) | {"<|output_end|>": VOCAB - 9}
    with pytest.raises(L.TokenizerError, match="1 special tokens share an id"):
        L.load_tokenizer(write_state(tmp_path / "tokenizer.pkl", _state(special_tokens=twins)))
    assert "panicked" not in capfd.readouterr().err


@pytest.mark.parametrize("bad_id", [2_000_000_000, L.MAX_TOKEN_ID + 1, -1])
def test_a_sparse_or_negative_id_is_refused_in_one_line(tmp_path, bad_id):
    """A 2e9 id would make every check that walks the ids allocate billions of entries."""
    ranks, specials = _ranks_and_specials()
    last = max(ranks, key=ranks.get)
    ranks[last] = bad_id
    with pytest.raises(L.TokenizerError, match=f"token id {bad_id:,} is outside") as info:
        L.load_tokenizer(write_state(tmp_path / "tokenizer.pkl", _state(mergeable_ranks=ranks)))
    assert "\n" not in str(info.value)
    ranks[last] = L.MAX_TOKEN_ID  # the largest id still allowed loads
    assert L.load_tokenizer(write_state(tmp_path / "ok.pkl", _state(mergeable_ranks=ranks)))


def test_unreadable_file(tmp_path):
    with pytest.raises(L.TokenizerError, match="cannot be read"):
        L.load_tokenizer(tmp_path / "tokenizer.pkl")


# -----------------------------------------------------------------------------
# special tokens and vocabulary

def test_missing_special_token(tmp_path):
    ranks, specials = _ranks_and_specials()
    del specials["<|python_end|>"]
    tok = L.load_tokenizer(write_encoding(tmp_path / "tokenizer.pkl", ranks, specials))
    problems = I.special_token_problems(tok)
    assert any("<|python_end|>" in p and "missing" in p for p in problems)


def test_swapped_special_tokens(tmp_path):
    ranks, specials = _ranks_and_specials()
    specials["<|bos|>"], specials["<|user_start|>"] = specials["<|user_start|>"], specials["<|bos|>"]
    tok = L.load_tokenizer(write_encoding(tmp_path / "tokenizer.pkl", ranks, specials))
    problems = I.special_token_problems(tok)
    assert len(problems) == 2
    assert f"<|bos|> has id {VOCAB - 8}, nanochat expects {VOCAB - 9}" in problems[0]


def test_specials_first_instead_of_last(tmp_path):
    ranks, _ = _ranks_and_specials()
    shifted = {token: rank + 9 for token, rank in ranks.items()}
    tok = L.load_tokenizer(write_encoding(tmp_path / "tokenizer.pkl", shifted, nanochat_specials(0)))
    assert tok.n_vocab == VOCAB
    assert len(I.special_token_problems(tok)) == 9
    assert I.vocab_problems(tok) == []  # a complete id space, just ordered differently


def test_foreign_special_token_is_reported(tmp_path):
    ranks, specials = _ranks_and_specials()
    specials["<|endoftext|>"] = VOCAB
    tok = L.load_tokenizer(write_encoding(tmp_path / "tokenizer.pkl", ranks, specials))
    problems = I.special_token_problems(tok)
    assert any("unexpected special token <|endoftext|>" in p for p in problems)
    assert sum("nanochat expects" in p for p in problems) == 9  # the extra id shifted n_vocab


def test_hole_in_the_id_space(tmp_path):
    ranks, specials = _ranks_and_specials()
    moved = {name: token_id + 5 for name, token_id in specials.items()}
    tok = L.load_tokenizer(write_encoding(tmp_path / "tokenizer.pkl", ranks, moved))
    problems = I.vocab_problems(tok)
    assert problems == [f"5 ids below n_vocab={VOCAB + 5} have no token: {VOCAB - 9}..{VOCAB - 5}"]


def test_missing_byte_token_is_reported_and_never_crashes(tmp_path):
    ranks, specials = _ranks_and_specials()
    del ranks[b"\xc3"]  # the lead byte of "é", "ü", "ß"...
    tok = L.load_tokenizer(write_encoding(tmp_path / "tokenizer.pkl", ranks, specials))
    assert any("0xc3" in p for p in I.vocab_problems(tok))
    docs = ["plain ascii", "café", "", "Straße"]
    assert I.roundtrip_failures(tok, docs) == [1, 3]
    with pytest.raises(L.TokenizerError, match="document 1"):
        I.compression(tok, docs)
    assert I.compression(tok, ["plain ascii", ""])[0] == 11


def test_other_split_pattern_is_detected(tmp_path):
    ranks, specials = _ranks_and_specials()
    gpt4 = SPLIT_PATTERN.replace(r"\p{N}{1,2}", r"\p{N}{1,3}")
    tok = L.load_tokenizer(write_encoding(tmp_path / "tokenizer.pkl", ranks, specials, pat_str=gpt4))
    assert not I.split_pattern_matches(tok)


# -----------------------------------------------------------------------------
# tokenizer.json

def test_real_hugging_face_tokenizer_json_tokenizes_like_the_hf_library():
    # tok_data/hf_tokenizer.json was written by the `tokenizers` library itself, trained as old
    # nanochat's HuggingFaceTokenizer did; the expected ids are what that library produced
    tok = L.load_tokenizer(HF_DATA / "hf_tokenizer.json")
    expected = json.loads((HF_DATA / "hf_tokenizer_expected.json").read_text())
    for sample in expected["samples"]:
        assert tok.encode_batch([sample["text"]]) == [sample["ids"]]
    assert tok.n_vocab == 512 and I.split_pattern_matches(tok)
    assert I.vocab_problems(tok) == []
    # HF's trainer puts the special tokens first: nanochat expects them last
    problems = I.special_token_problems(tok)
    assert len(problems) == 9 and "<|bos|> has id 0, nanochat expects 503" in problems[0]


@pytest.mark.parametrize("merges_as_strings", [False, True])
def test_tokenizer_json_of_a_trained_tokenizer_matches_the_pickle(tmp_path, tok, merges_as_strings):
    doc = hf_json_from_encoding(trained_encoding(), merges_as_strings=merges_as_strings)
    from_json = L.load_tokenizer(write_json(tmp_path / "tokenizer.json", doc))
    docs = generate_documents(20, seed=5) + [NANOCHAT_TEST_TEXT]
    assert from_json.encode_batch(docs) == tok.encode_batch(docs)
    assert from_json.special_tokens == tok.special_tokens and I.special_token_problems(from_json) == []


@pytest.mark.parametrize("mutate, reason", [
    (lambda d: d["model"].update(type="WordPiece"), "only BPE"),
    (lambda d: d["pre_tokenizer"]["pretokenizers"].pop(), "not a byte-level BPE"),
    (lambda d: d["model"]["merges"].reverse(), "merge priorities do not follow token ids"),
    (lambda d: d["model"]["merges"].pop(), "not a plain BPE merge list"),
    (lambda d: d["model"]["vocab"].update({"<0x0A>\u4e00": 5000}), "not in the byte-level alphabet"),
    (lambda d: d.pop("model"), "not a Hugging Face tokenizer.json"),
])
def test_tokenizer_json_that_cannot_be_checked(tmp_path, mutate, reason):
    doc = hf_json_from_encoding(trained_encoding())
    mutate(doc)
    path = write_json(tmp_path / "tokenizer.json", doc)
    with pytest.raises(L.TokenizerError, match=reason) as err:
        L.load_tokenizer(path)
    assert str(path) in str(err.value)


def test_tokenizer_json_that_is_not_json(tmp_path):
    path = tmp_path / "tokenizer.json"
    path.write_text("{ not json")
    with pytest.raises(L.TokenizerError, match="not a Hugging Face tokenizer.json"):
        L.load_tokenizer(path)


# -----------------------------------------------------------------------------
# round trip and compression

odd_text = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=300)
docs_strategy = st.lists(st.one_of(odd_text, st.sampled_from(["", " ", "\n\n", "\r\n", "\t  \u00a0", "🌍👩‍🚀",
                                                               "<|bos|> is plain text here", "１２３４５",
                                                               "e\u0301", "\ufeffBOM", "\x00\x01\x7f"])),
                         max_size=30)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(docs=docs_strategy)
def test_roundtrip_holds_for_any_text(tok, docs):
    assert I.roundtrip_failures(tok, docs) == []


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(docs=docs_strategy)
def test_compression_counts_match_a_direct_tiktoken_count(tok, docs):
    enc = trained_encoding()
    expected = (sum(len(d.encode("utf-8")) for d in docs), sum(len(enc.encode_ordinary(d)) for d in docs))
    assert I.compression(tok, docs) == expected


def test_compression_over_more_docs_than_one_batch(tok, monkeypatch):
    monkeypatch.setattr(I, "ENCODE_CHUNK", 7)
    docs = generate_documents(40, seed=3)
    enc = trained_encoding()
    assert I.compression(tok, docs) == (sum(len(d.encode()) for d in docs),
                                        sum(len(enc.encode_ordinary(d)) for d in docs))
    assert I.roundtrip_failures(tok, docs) == []


def test_roundtrip_failure_is_reported_at_its_index(tok):
    docs = ["fine", "lone surrogate \ud800 here", "also fine"]
    assert I.roundtrip_failures(tok, docs) == [1]


# -----------------------------------------------------------------------------
# token_bytes.pt

def _independent_token_bytes(enc, legacy: bool) -> list:
    # the two formulas from nanochat's tok_train.py (HEAD and Feb 2026), computed here independently
    specials = set(enc._special_tokens.values())
    out = []
    for i in range(enc.n_vocab):
        if i in specials:
            out.append(0)
        elif legacy:
            out.append(len(enc.decode([i]).encode("utf-8")))
        else:
            out.append(len(enc.decode_single_token_bytes(i)))
    return out


def _save(path, value):
    with open(path, "wb") as f:
        torch.save(value, f)
    return path


@pytest.mark.parametrize("convention", ["exact", "legacy"])
def test_trained_token_bytes_pass_and_name_their_convention(tok, convention):
    report = I.check_token_bytes(tok, trained_dir(convention) / "token_bytes.pt")
    assert report.ok and report.problems == [] and report.convention == convention
    assert report.message().endswith(": ok")


def test_expected_token_bytes_follow_nanochat_formulas():
    enc = trained_encoding()
    exact, legacy = I.expected_token_bytes(enc, "exact"), I.expected_token_bytes(enc, "legacy")
    assert exact == _independent_token_bytes(enc, legacy=False)
    assert legacy == _independent_token_bytes(enc, legacy=True)
    differ = [i for i in range(enc.n_vocab) if exact[i] != legacy[i]]
    # they differ exactly on the tokens that are not valid UTF-8 on their own, which legacy counts as 3
    assert differ and all(legacy[i] == 3 * len(enc.decode([i])) for i in differ)
    assert {bytes([b]) for b in range(128, 256)} <= {enc.decode_single_token_bytes(i) for i in differ}
    with pytest.raises(ValueError):
        I.expected_token_bytes(enc, "newest")


def test_token_bytes_of_the_wrong_length(tmp_path, tok):
    values = torch.tensor(I.expected_token_bytes(tok.encoding), dtype=torch.int32)
    report = I.check_token_bytes(tok, _save(tmp_path / "token_bytes.pt", values[:-100]))
    assert not report.ok
    assert report.problems == [f"has {VOCAB - 100} entries but the tokenizer has {VOCAB} ids"]
    assert report.convention == "exact"  # what is there still follows the exact convention


def test_token_bytes_not_one_dimensional(tmp_path, tok):
    values = torch.tensor(I.expected_token_bytes(tok.encoding), dtype=torch.int32).reshape(32, -1)
    report = I.check_token_bytes(tok, _save(tmp_path / "token_bytes.pt", values))
    assert not report.ok and report.convention is None and "2-D" in report.problems[0]


@pytest.mark.parametrize("dtype", [torch.int64, torch.float32])
def test_token_bytes_wrong_dtype(tmp_path, tok, dtype):
    values = torch.tensor(I.expected_token_bytes(tok.encoding), dtype=dtype)
    report = I.check_token_bytes(tok, _save(tmp_path / "token_bytes.pt", values))
    assert report.problems == [f"dtype is {str(dtype)[6:]}, nanochat writes int32"]
    assert report.convention == "exact"


def test_token_bytes_nonzero_at_a_special_token(tmp_path, tok):
    values = torch.tensor(I.expected_token_bytes(tok.encoding), dtype=torch.int32)
    values[VOCAB - 9] = 7
    report = I.check_token_bytes(tok, _save(tmp_path / "token_bytes.pt", values))
    assert report.problems == [f"1 special token ids are not 0, e.g. <|bos|> (id {VOCAB - 9}) = 7"]
    assert report.convention == "exact"


def test_token_bytes_zero_for_regular_tokens(tmp_path, tok):
    values = torch.tensor(I.expected_token_bytes(tok.encoding), dtype=torch.int32)
    values[300:305] = 0
    report = I.check_token_bytes(tok, _save(tmp_path / "token_bytes.pt", values))
    assert report.problems == ["5 regular token ids are 0 (bits per byte would skip them), e.g. ids 300, 301, 302"]


def test_token_bytes_matching_neither_convention(tmp_path, tok):
    values = torch.tensor(I.expected_token_bytes(tok.encoding), dtype=torch.int32)
    values[400] += 2
    report = I.check_token_bytes(tok, _save(tmp_path / "token_bytes.pt", values))
    assert not report.ok and report.convention is None
    assert report.problems[0].startswith("1 ids match neither nanochat convention, e.g. id 400 (")


def test_token_bytes_of_another_tokenizer(tmp_path, tok):
    other = trained_dir("exact", vocab=600) / "token_bytes.pt"
    report = I.check_token_bytes(tok, other)
    assert not report.ok and any("has 600 entries" in p for p in report.problems)


@pytest.mark.parametrize("make, reason", [
    (lambda p: _save(p, {"token_bytes": torch.zeros(3)}), "holds a dict, not a tensor"),
    (lambda p: p.write_bytes(b"PK\x03\x04 truncated zip"), "cannot be loaded with torch.load"),
    (lambda p: p.write_bytes(b""), "cannot be loaded with torch.load"),
    (lambda p: None, "not found"),
])
def test_token_bytes_unreadable(tmp_path, tok, make, reason):
    path = tmp_path / "token_bytes.pt"
    make(path)
    report = I.check_token_bytes(tok, path)
    assert not report.ok and reason in report.problems[0] and "\n" not in report.problems[0]


def test_token_bytes_that_try_to_run_code_are_not_run(tmp_path, tok):
    marker = tmp_path / "pwned"
    path = _save(tmp_path / "token_bytes.pt", _RunsCode(f"touch {marker}"))
    assert not marker.exists()  # saving does not run it; loading must not either
    report = I.check_token_bytes(tok, path)
    assert not report.ok and "cannot be loaded" in report.problems[0]
    assert not marker.exists()


def test_library_prints_nothing(tmp_path, tok, capsys):
    I.check_token_bytes(tok, trained_dir() / "token_bytes.pt")
    I.compression(tok, ["x"])
    with pytest.raises(L.TokenizerError):
        L.load_tokenizer(tmp_path / "nope.pkl")
    assert capsys.readouterr() == ("", "")
    assert "pytest" not in vars(L) and "pytest" not in vars(I)
