"""Tokens in the data, the depth to pick, parameters, param/token ratio and epochs (Steps 5-6).

Tokens are bytes divided by bytes-per-token. (Some checklists multiply bytes by the ratio instead,
which overstates the token count by more than 10x.)
"""

from dataclasses import dataclass

from .params import ParamCount


def estimate_tokens(text_bytes: int, bytes_per_token: float) -> int:
    return int(text_bytes / bytes_per_token) if bytes_per_token > 0 else 0


def recommend_depth(tokens: int, table: list) -> int:
    """The depth of the last (min_tokens, depth) row whose threshold `tokens` reaches."""
    depth = table[0][1]
    for min_tokens, row_depth in table:
        if tokens >= min_tokens:
            depth = row_depth
    return depth


@dataclass
class Sizing:
    train_tokens: int
    val_tokens: int
    bytes_per_token: float
    depth: int
    vocab_size: int
    params: ParamCount
    tokens_per_param: float  # Chinchilla-optimal tokens per parameter

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


def human(n: float, unit: str = "") -> str:
    """1234567 -> '1.23M' (B for billions, as people write parameter counts)."""
    for div, suffix in ((1e12, "T"), (1e9, "B"), (1e6, "M"), (1e3, "K")):
        if abs(n) >= div:
            return f"{n / div:.3g}{suffix}{unit}"
    return f"{n:.3g}{unit}" if isinstance(n, float) else f"{n}{unit}"


def human_bytes(n: float) -> str:
    for div, suffix in ((2**40, "TiB"), (2**30, "GiB"), (2**20, "MiB"), (2**10, "KiB")):
        if n >= div:
            return f"{n / div:.1f} {suffix}"
    return f"{int(n)} B"
