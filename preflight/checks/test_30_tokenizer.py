"""Step 3, Tokenizer: it loads without running code, agrees with nanochat and compresses the real
data."""

import pytest

from preflight.checklist.settle import settle, settle_all
from preflight.checklist.warnings import TokenizerWarning
from preflight.tokenizer import verdicts
from preflight.tokenizer.integrity import special_token_problems, vocab_problems

pytestmark = pytest.mark.summary_row("Tokenizer")


def test_tokenizer_loads(tokenizer):
    settle(verdicts.big_enough(tokenizer), TokenizerWarning)


def test_special_tokens(tokenizer):
    settle(verdicts.problems(tokenizer, special_token_problems(tokenizer)), TokenizerWarning)


def test_vocabulary_is_well_formed(tokenizer):
    settle(verdicts.problems(tokenizer, vocab_problems(tokenizer)), TokenizerWarning)


def test_roundtrip_on_real_documents(tokenizer, roundtrip):
    settle(verdicts.roundtrip(tokenizer, *roundtrip), TokenizerWarning)


def test_token_bytes(settings, token_bytes_report):
    settle_all(verdicts.token_bytes(settings, token_bytes_report), TokenizerWarning)


def test_vocabulary_and_split_pattern(settings, tokenizer):
    settle_all(verdicts.vocabulary(settings, tokenizer), TokenizerWarning)


def test_compression_ratio(settings, tokenizer, bytes_per_token):
    settle(verdicts.compression(settings, tokenizer, bytes_per_token), TokenizerWarning)
