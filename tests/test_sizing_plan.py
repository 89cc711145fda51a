"""Step 4's arithmetic on hand-worked cases: tokens from bytes, and the depth the table picks at and
around each of its thresholds."""

import pytest

from preflight.config import parse_depth_table
from preflight.sizing.plan import estimate_tokens, recommend_depth


@pytest.mark.parametrize("text_bytes, bytes_per_token, tokens", [
    (1_000_000, 4.0, 250_000),
    (1_000_003, 4.0, 250_000),   # a fraction of a token is no token
    (999_999, 4.0, 249_999),
    (7, 3.5, 2),
    (10, 3.3, 3),
    (0, 4.0, 0),
    (123, 0.0, 0),               # no tokenizer figure: no tokens
])
def test_tokens_are_bytes_over_bytes_per_token_rounded_down(text_bytes, bytes_per_token, tokens):
    assert estimate_tokens(text_bytes, bytes_per_token) == tokens


TABLE = parse_depth_table("0:12 100e6:16 500e6:24")


@pytest.mark.parametrize("tokens, depth", [
    (0, 12), (99_999_999, 12),
    (100_000_000, 16),           # a threshold reached is the next row's depth
    (499_999_999, 16), (500_000_000, 24), (10**12, 24),
])
def test_depth_table_rows_start_at_their_threshold(tokens, depth):
    assert recommend_depth(tokens, TABLE) == depth
