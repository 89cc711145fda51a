"""Step 4: tokens in the data, the depth to pick, param/token ratio and epochs.

Tokens are bytes divided by bytes-per-token. (Some checklists multiply bytes by the ratio instead,
which overstates the token count by more than 10x.)
"""

from dataclasses import dataclass

from preflight.sizing.params import ParamCount


def estimate_tokens(text_bytes: int, bytes_per_token: float) -> int:
    return int(text_bytes / bytes_per_token) if bytes_per_token > 0 else 0


def recommend_depth(tokens: int, table: list) -> int:
    """The depth of the last (min_tokens, depth) row whose threshold `tokens` reaches."""
    depth = table[0][1]
    for min_tokens, row_depth in table:
        if tokens >= min_tokens:
            depth = row_depth
    return depth


@dataclass(repr=False)
class Sizing:
    train_tokens: int
    val_tokens: int
    bytes_per_token: float
    depth: int
    vocab_size: int
    params: ParamCount
    tokens_per_param: float  # Chinchilla-optimal tokens per parameter

    def __repr__(self):  # short: pytest prints fixture values at -vv / -l
        return (f"Sizing(d{self.depth}, {self.params.total:,} parameters, {self.train_tokens:,} "
                f"train tokens)")

    @property
    def param_token_ratio(self) -> float:
        """Parameters nanochat sizes its horizon by, per token of training data."""
        return self.params.horizon / self.train_tokens if self.train_tokens else float("inf")

    @property
    def chinchilla_tokens(self) -> int:
        return int(self.tokens_per_param * self.params.horizon)

    @property
    def epochs(self) -> float:
        """Passes over the train split a Chinchilla-optimal run would make."""
        return self.chinchilla_tokens / self.train_tokens if self.train_tokens else float("inf")
