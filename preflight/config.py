"""Resolved locations and thresholds: one immutable object that every step reads.

The thresholds are declared once here; the pytest plugin turns them into ini options (set in
pytest.ini, overridable with `-o name=value`) and the `preflight` command uses their defaults.
"""

import argparse
import os
from dataclasses import dataclass, field
from pathlib import Path

from .checkout import Checkout, load_checkout, resolve_base_dir

# name: (default, help). Every value is parsed with float() unless listed in TEXT_THRESHOLDS.
THRESHOLDS = {
    "min_text_mb": (1.0, "fail when the total text is smaller than this many MB"),
    "empty_doc_warn_share": (0.05, "warn when more than this share of documents is empty"),
    "bytes_per_token_low": (3.0, "low end of the expected bytes per token for IaC text"),
    "bytes_per_token_high": (4.0, "high end of the expected bytes per token for IaC text"),
    "bytes_per_token_warn_low": (2.5, "warn when bytes per token is below this"),
    "bytes_per_token_warn_high": (5.0, "warn when bytes per token is above this"),
    "bytes_per_token_fail_low": (1.5, "fail below this: the tokenizer does not compress the data"),
    "compression_sample_mb": (4.0, "MB of train and of val text sampled for the compression ratio"),
    "depth_by_tokens": ("0:12 100e6:16 500e6:24", "recommended depth: 'min_tokens:depth' pairs"),
    "param_token_warn": (5.0, "warn when parameters / data tokens is above this (overfitting)"),
    "param_token_extreme": (10.0, "warn louder when parameters / data tokens is above this"),
    "tokens_per_param": (20.0, "Chinchilla-optimal training tokens per parameter"),
    "vocab_size": (0.0, "requested vocabulary size (0 = the detected nanochat's tok_train default)"),
    "max_epochs_warn": (4.0, "warn when the launch script makes more passes over the data"),
    "secrets_b64_min_len": (0.0, "shortest base64 blob the secret scan decodes (0 = built-in)"),
    "secrets_b64_min_entropy": (0.0, "least entropy of a base64 blob to decode (0 = built-in)"),
}
TEXT_THRESHOLDS = {"depth_by_tokens"}
SPEEDRUN_GPUS = 8


def positive_int(text: str) -> int:
    """argparse type for counts (--gpus, --nodes): a whole number of at least 1."""
    if not str(text).strip().isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"expected a positive whole number, got {text!r}")
    return int(text)


def parse_threshold(name: str, raw):
    """The typed value of a threshold given as text (ini / -o) or as its default."""
    if name in TEXT_THRESHOLDS:
        return str(raw)
    try:
        return float(raw)
    except (TypeError, ValueError):
        raise ValueError(f"ini option {name} = {raw!r} is not a number") from None


def parse_depth_table(text: str) -> list:
    """'0:12 100e6:16' -> [(0, 12), (100000000, 16)], sorted by token count."""
    pairs = []
    for item in text.split():
        tokens, _, depth = item.partition(":")
        try:
            pairs.append((int(float(tokens)), int(depth)))
        except ValueError:
            raise ValueError(f"depth_by_tokens: {item!r} is not 'min_tokens:depth'") from None
    if not pairs:
        raise ValueError("depth_by_tokens is empty")
    return sorted(pairs)


def default_gpus(target_gpu=None) -> int:
    """Ranks when --gpus is not given: the GPUs of this machine, else nanochat's speedrun 8."""
    if target_gpu:
        return SPEEDRUN_GPUS
    from .hardware.probe import probe
    return probe(with_torch=False).count or SPEEDRUN_GPUS


def default_cache_dir() -> Path:
    root = os.environ.get("XDG_CACHE_HOME") or Path("~/.cache").expanduser()
    return Path(os.environ.get("PREFLIGHT_CACHE_DIR") or Path(root) / "nanochat-preflight")


@dataclass(frozen=True)
class Settings:
    base_dir: Path
    checkout: Checkout
    gpus: int                     # GPUs (ranks) per node
    gpus_given: bool              # --gpus was on the command line
    reports_dir: Path
    cache_dir: Path
    thresholds: dict = field(default_factory=dict)
    secrets_rules: tuple = ()     # gitleaks-format TOML files with extra rules
    secrets_baseline: Path = None  # reviewed fingerprints
    secrets_allow_ips: tuple = ()  # public addresses allowed on top of the built-in resolvers
    target_gpu: str = None        # plan for this GPU instead of probing
    script: str = None            # launch script chosen on the command line
    nodes: int = 1                # nodes of a multi-node (Slurm) run
    nanochat_dir_given: bool = False  # --nanochat-dir was on the command line

    @property
    def ranks(self) -> int:
        """All ranks of the run: what data, batch and vocabulary must divide among."""
        return self.gpus * self.nodes

    @property
    def data_dir(self) -> Path:
        return self.checkout.data_dir(self.base_dir)

    @property
    def tokenizer_dir(self) -> Path:
        return self.base_dir / "tokenizer"

    def __getitem__(self, name):
        return self.thresholds[name]


def build_settings(*, base_dir=None, nanochat_dir=None, gpus=None, reports_dir="reports",
                   cache_dir=None, thresholds=None, **extra) -> Settings:
    """Settings from raw option values; unknown thresholds are an error, missing ones default."""
    values = {name: parse_threshold(name, default) for name, (default, _) in THRESHOLDS.items()}
    for name, raw in (thresholds or {}).items():
        if name not in THRESHOLDS:
            raise ValueError(f"unknown threshold {name!r}")
        values[name] = parse_threshold(name, raw)
    parse_depth_table(values["depth_by_tokens"])  # fail early on a malformed table
    return Settings(
        base_dir=resolve_base_dir(base_dir),
        checkout=load_checkout(Path(nanochat_dir or ".")),
        gpus=int(gpus) if gpus else default_gpus(extra.get("target_gpu")),
        gpus_given=bool(gpus),
        nanochat_dir_given=bool(nanochat_dir),
        reports_dir=Path(reports_dir),
        cache_dir=Path(cache_dir) if cache_dir else default_cache_dir(),
        thresholds=values,
        **extra,
    )
