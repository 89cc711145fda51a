"""Phase 2, Steps 3-4: the tokenizer loads, agrees with nanochat and compresses the real data."""

import warnings

import pytest

from preflight import tokenizer_rules as rules
from preflight.tokenizer import special_token_problems, vocab_problems
from preflight.warnings import TokenizerWarning

pytestmark = pytest.mark.summary_row("Tokenizer")


def test_tokenizer_loads(tokenizer):
    assert tokenizer.n_vocab > 256 + 9, f"{tokenizer.path}: only {tokenizer.n_vocab} tokens"


def test_special_tokens(tokenizer):
    problems = special_token_problems(tokenizer)
    assert not problems, f"{tokenizer.path}: " + "; ".join(problems)


def test_vocabulary_is_well_formed(tokenizer):
    problems = vocab_problems(tokenizer)
    assert not problems, f"{tokenizer.path}: " + "; ".join(problems)


def test_roundtrip_on_real_documents(tokenizer, roundtrip):
    tried, bad = roundtrip
    assert not bad, (f"{tokenizer.path}: decode(encode(doc)) differs from the document for "
                     f"{len(bad)} of {tried} sampled documents")


def test_token_bytes(settings, token_bytes_report):
    path = settings.tokenizer_dir / "token_bytes.pt"
    assert token_bytes_report is not None, (
        f"{path} is missing: base_train loads it at startup. It is written by "
        f"`{settings.checkout.era.tok_train_command}`")
    problems, convention = token_bytes_report["problems"], token_bytes_report["convention"]
    assert convention is not None and not problems, f"{path}: " + "; ".join(problems)
    message = rules.token_bytes_convention_warning(settings, convention, path)
    if message:
        warnings.warn(message, TokenizerWarning)


def test_vocabulary_and_split_pattern(settings, tokenizer):
    for message in rules.vocab_warnings(settings, tokenizer):
        warnings.warn(message, TokenizerWarning)


def test_compression_ratio(settings, tokenizer, bytes_per_token):
    problem, advice = rules.compression_verdict(settings, bytes_per_token)
    assert problem is None, f"{tokenizer.path}: {problem}"
    if advice:
        warnings.warn(advice, TokenizerWarning)
