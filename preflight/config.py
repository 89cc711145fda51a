"""Resolved locations and thresholds (`Settings`, one immutable object every step reads), and the
one option table that the checklist (pytest), `launch.py` and the `preflight` commands all read.

The thresholds are declared once here; the pytest plugin turns them into ini options (set in
pytest.ini, overridable with `-o name=value`) and the `preflight` commands use their defaults.
"""

import argparse
import os
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from preflight.checkout import Checkout, load_checkout, resolve_base_dir

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
    "dup_exact_warn_share": (0.05, "warn when more than this share of training documents are exact "
                                   "copies of another (line endings and trailing spaces ignored)"),
    "dup_val_fail_share": (0.01, "fail when more than this share of validation documents also "
                                 "appear (exactly) in training: val bpb would measure recall"),
    "dup_near_warn_share": (0.2, "warn when more than this share of training documents are near "
                                 "copies (exact ones included) of a kept document"),
    "dup_val_near_warn_share": (0.05, "warn when more than this share of validation documents have "
                                      "a near copy in training"),
    "dup_near_jaccard": (0.75, "near copies: least estimated Jaccard similarity of word n-grams"),
    "dup_near_ngram": (5.0, "near copies: words per shingle (datatrove: 5)"),
    "dup_near_bands": (14.0, "near copies: MinHash LSH bands (datatrove: 14)"),
    "dup_near_rows": (8.0, "near copies: MinHash values per band (datatrove: 8)"),
    "dup_near_max_text_mb": (256.0, "near copies: estimate on at most this many MB of text (the "
                                    "validation shard and evenly spread train shards; 0 = exact "
                                    "only); bounds a cold run's MinHash work (~10 s per GB of "
                                    "text and core)"),
}
TEXT_THRESHOLDS = {"depth_by_tokens"}
SPEEDRUN_GPUS = 8
DEFAULT_GPU_HOUR_PRICE = 3.0  # nanochat's README: "~$3/GPU/hr, an 8XH100 node is ~$24/hr"


def non_negative_float(text: str) -> float:
    """argparse type for amounts (--gpu-hour-price): a number of at least 0."""
    try:
        value = float(text)
    except (TypeError, ValueError):
        value = -1.0
    if not value >= 0 or value == float("inf"):
        raise argparse.ArgumentTypeError(f"expected a number of at least 0, got {text!r}")
    return value


def positive_int(text: str) -> int:
    """argparse type for counts (--gpus, --nodes): a whole number of at least 1."""
    if not str(text).strip().isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"expected a positive whole number, got {text!r}")
    return int(text)


# ----------------------------------------------------------------------------------------------
# The option table. `where` says which commands take an option:
#   check  - the checklist: `pytest checks`, `preflight check`, and launch.py, which passes it on
#   data   - the data commands: `preflight info`, `scan`, `sanitize`
#   scan   - the secret scanner's options: `preflight scan`, `sanitize` (and the checklist's ini)
#   review - `preflight scan` alone: the baseline review workflow
#   launch - launch.py / `preflight launch` alone

@dataclass(frozen=True)
class Option:
    flags: tuple
    where: frozenset
    kwargs: dict

    @property
    def dest(self) -> str:
        return self.flags[0].lstrip("-").replace("-", "_")


def _option(*flags, where, **kwargs) -> Option:
    return Option(flags, frozenset(where.split()), kwargs)


OPTIONS = (
    _option("--base-dir", where="check data launch",
            help="nanochat base dir (default: $NANOCHAT_BASE_DIR, else ~/.cache/nanochat)"),
    _option("--nanochat-dir", where="check data launch",
            help="the nanochat checkout (default: the current directory)"),
    _option("--data-dir", where="data", type=Path,
            help="read the shards from this folder instead of the base dir's"),
    _option("--gpus", where="check data launch", type=positive_int,
            help="GPUs (ranks) per node (default: the GPUs found here, else 8 as the speedrun)"),
    _option("--nodes", where="check launch", type=positive_int, default=1,
            help="nodes of a multi-node (Slurm) run, ranks = --nodes x --gpus (default 1); more "
                 "than one needs a torchrun command, not a script"),
    _option("--target-gpu", where="check launch",
            help="plan for this GPU model instead of probing (see `preflight gpus`)"),
    _option("--script", where="check launch",
            help="the launch script to check and run (default: the best one the checkout offers)"),
    _option("--reports-dir", where="check data launch",
            help="where the reports, findings and logs go (default: reports/ beside launch.py in "
                 "a clone of nanochat-preflight, else ./reports)"),
    _option("--secrets-rules", "--rules", where="check scan launch", action="append", type=Path,
            metavar="TOML", help="extra secret rules in gitleaks TOML format (repeatable)"),
    _option("--secrets-baseline", "--baseline", where="check scan launch", type=Path,
            help="file of reviewed finding fingerprints to leave alone"),
    _option("--update-baseline", where="review", type=Path, metavar="FILE",
            help="write or extend FILE with every finding's fingerprint and a note (rule, shard, "
                 "row, masked preview), then exit 0; keep the file to accept them, and pass it "
                 "as --secrets-baseline to the checklist, scan and sanitize"),
    _option("--secrets-allow-ip", "--allow-ip", where="check scan launch", action="append",
            metavar="IP_OR_CIDR", help="a public address that is not a secret (repeatable; added "
                                       "to the built-in public resolvers)"),
    _option("--b64-min-len", where="scan", type=int,
            help="shortest base64 blob the scan decodes and rescans (default: ini "
                 "secrets_b64_min_len, else built-in)"),
    _option("--b64-min-entropy", where="scan", type=float,
            help="least entropy of such a blob (default: ini secrets_b64_min_entropy, else built-in)"),
    _option("--strict-warnings", where="check launch", action="store_true",
            help="turn every pre-flight warning into a failure (for CI)"),
    _option("--stop-on-plateau", where="launch", action="store_true",
            help="stop the run right after the next checkpoint once val bpb has not improved "
                 "for --plateau-evals evaluations (offered only when the run saves checkpoints)"),
    _option("--plateau-evals", where="launch", type=positive_int, default=3, metavar="N",
            help="evaluations without improvement that make a plateau (default 3)"),
    _option("--status-every", where="launch", type=non_negative_float, default=5.0,
            metavar="MINUTES", help="minutes between the watch's status lines (default 5)"),
    _option("--probe", where="check launch", action="store_true",
            help="run the launch's base training for a few steps on the GPUs here (same flags, no "
                 "evaluation, nothing saved): measured step time and peak memory; an "
                 "out-of-memory error fails the hardware step with the batch that fits"),
    _option("--probe-steps", where="check launch", type=positive_int, default=25, metavar="N",
            help="steps the probe runs (default 25; nanochat times steps after the 10th)"),
    _option("--probe-timeout", where="check launch", type=non_negative_float, default=900.0,
            metavar="SECONDS", help="the longest one probe run may take (default 900)"),
    _option("--gpu-hour-price", where="check launch", type=non_negative_float,
            default=DEFAULT_GPU_HOUR_PRICE, metavar="USD",
            help=f"price of one GPU-hour for the Time row's cost (default "
                 f"${DEFAULT_GPU_HOUR_PRICE:g}, as nanochat's README reckons an 8xH100 node)"),
)


def add_options(add, where: str) -> None:
    """Declare the options of `where` with `add` (argparse's add_argument or pytest's addoption)."""
    for option in OPTIONS:
        if where in option.where:
            add(*option.flags, dest=option.dest, **option.kwargs)


def checklist_args(values) -> list:
    """The checklist options set in `values` (an argparse namespace) as command-line words."""
    words = []
    for option in OPTIONS:
        value = getattr(values, option.dest, None)
        if "check" not in option.where or value in (None, False, []):
            continue
        if value is True:
            words.append(option.flags[0])
        else:
            words += [f"{option.flags[0]}={v}" for v in (value if isinstance(value, list) else [value])]
    return words


# ----------------------------------------------------------------------------------------------
# Settings

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


def default_cache_dir() -> Path:
    root = os.environ.get("XDG_CACHE_HOME") or Path("~/.cache").expanduser()
    return Path(os.environ.get("PREFLIGHT_CACHE_DIR") or Path(root) / "nanochat-preflight")


def default_reports_dir() -> Path:
    """reports/ beside launch.py when this package runs from a clone of the project, else ./reports."""
    clone = Path(__file__).resolve().parent.parent
    return clone / "reports" if (clone / "launch.py").is_file() else Path.cwd() / "reports"


@dataclass(frozen=True, repr=False)
class Settings:
    base_dir: Path
    checkout: Checkout
    gpus_option: int              # --gpus, or None
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
    gpu_hour_price: float = DEFAULT_GPU_HOUR_PRICE  # $ per GPU-hour for the Time row
    probe: bool = False           # --probe: run the launch's training for a few steps here
    probe_steps: int = 25
    probe_timeout: float = 900.0  # seconds per probe process

    @property
    def gpus_given(self) -> bool:
        return self.gpus_option is not None

    @cached_property
    def gpus(self) -> int:
        """GPUs (ranks) per node: --gpus; else, without --target-gpu, the GPUs found here (NVML,
        probed on first use only); else nanochat's speedrun 8."""
        if self.gpus_option:
            return self.gpus_option
        if self.target_gpu:
            return SPEEDRUN_GPUS
        from preflight.hardware.probe import probe
        return probe().count or SPEEDRUN_GPUS

    @property
    def ranks(self) -> int:
        """All ranks of the run: what data, batch and vocabulary must divide among."""
        return self.gpus * self.nodes

    @property
    def data_dir(self) -> Path:
        return self.checkout.data_dir(self.base_dir)

    @property
    def tokenizer_dir(self) -> Path:
        return self.checkout.tokenizer_dir(self.base_dir)

    def __getitem__(self, name):
        return self.thresholds[name]

    def __repr__(self):  # short: pytest prints fixture values at -vv / -l
        return (f"Settings(base_dir={self.base_dir}, checkout={self.checkout.root}, "
                f"reports_dir={self.reports_dir}, gpus={self.gpus_option or 'auto'}, "
                f"nodes={self.nodes})")


def build_settings(*, base_dir=None, nanochat_dir=None, gpus=None, reports_dir=None,
                   cache_dir=None, thresholds=None, nodes=None, **extra) -> Settings:
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
        gpus_option=int(gpus) if gpus else None,
        nanochat_dir_given=bool(nanochat_dir),
        reports_dir=Path(reports_dir) if reports_dir else default_reports_dir(),
        cache_dir=Path(cache_dir) if cache_dir else default_cache_dir(),
        thresholds=values,
        nodes=nodes or 1,
        **extra,
    )


def settings_from_args(args, **extra) -> Settings:
    """Settings from a parsed command line of the option table (any command's subset of it)."""
    get = lambda name: getattr(args, name, None)  # noqa: E731
    thresholds = {name: value for name, value in (("secrets_b64_min_len", get("b64_min_len")),
                  ("secrets_b64_min_entropy", get("b64_min_entropy"))) if value is not None}
    return build_settings(
        base_dir=get("base_dir"), nanochat_dir=get("nanochat_dir"), gpus=get("gpus"),
        nodes=get("nodes"), reports_dir=get("reports_dir"), thresholds=thresholds,
        secrets_rules=tuple(get("secrets_rules") or ()), secrets_baseline=get("secrets_baseline"),
        secrets_allow_ips=tuple(get("secrets_allow_ip") or ()), target_gpu=get("target_gpu"),
        script=get("script"), **_given(gpu_hour_price=get("gpu_hour_price"), probe=get("probe"),
                                       probe_steps=get("probe_steps"),
                                       probe_timeout=get("probe_timeout")), **extra)


def _given(**values) -> dict:
    """The keyword arguments whose value is set (the rest keep Settings' defaults)."""
    return {k: v for k, v in values.items() if v is not None}
