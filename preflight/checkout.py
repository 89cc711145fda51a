"""What a nanochat checkout is: its era, where it reads data, which scripts and commands it has.

nanochat changed its file layout, defaults and CLI several times (see the reference notes, §0).
Everything version-dependent is decided here, by probing files of the user's own checkout, so the
rest of the package asks one object instead of guessing.
"""

import ast
import os
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from preflight.checklist.finding import OK, fail, warn

# ----------------------------------------------------------------------------------------------
# The eras, newest first, with what each one does differently.

@dataclass(frozen=True)
class Era:
    name: str                 # short id used in reports and tests
    label: str                # what a person reads
    data_dirs: tuple          # folders under the base dir, in nanochat's order of preference
    tok_train_command: str    # the command that trains a tokenizer in this era
    default_vocab: int        # tok_train's default --vocab-size
    flag_style: str           # "dashes" (argparse) or "underscores" (configurator / old argparse)
    default_ratio: float      # base_train's default --target-param-data-ratio
    default_total_batch: int  # base_train's default total batch size in tokens (-1 = auto)
    package: str = "nanochat"  # the folder of nanochat's own modules ("": top-level files)


HEAD = Era("2026-03+", "ClimbMix era (March 2026 and later)", ("base_data_climbmix", "base_data"),
           "python -m scripts.tok_train", 32768, "dashes", 12.0, -1)
FEB = Era("2026-02", "January-February 2026 (value embeddings, FineWeb-Edu)", ("base_data",),
          "python -m scripts.tok_train", 32768, "dashes", 10.5, 524288)
JAN = Era("2026-01", "early January 2026 (argparse, no value embeddings)", ("base_data",),
          "python -m scripts.tok_train", 32768, "dashes", 10.5, 524288)
V0 = Era("2025", "2025 original (configurator flags, FineWeb-Edu)", ("base_data",),
         "python -m scripts.tok_train --max_chars=2000000000", 65536, "underscores", 20.0,
         524288)
# The IaC-GPT fork (holynakamoto/nanochat, Feb 2026 on) moved nanochat/'s modules to the top level
# (`from common import ...`) and lets a config.yaml override base_train's flags; its model and
# base_train are February 2026's.
FLAT = Era("iac-flat", "IaC-GPT fork layout (top-level modules, config.yaml; February 2026 model)",
           ("base_data",), "python -m scripts.tok_train", 49152, "dashes", 10.5, 524288,
           package="")


def _read(path: Path) -> str:
    try:
        return path.read_text(errors="replace")
    except OSError:
        return ""


def _is_flat(root: Path) -> bool:
    """nanochat's modules at the top level: a dataset.py that reads parquet shards from the base dir,
    beside a gpt.py."""
    dataset = _read(root / "dataset.py")
    return (root / "gpt.py").is_file() and "parquet" in dataset and "base_dir" in dataset


def detect_era(root: Path):
    """The era of the checkout at `root`, or None when it is not a nanochat checkout."""
    dataset = _read(root / "nanochat" / "dataset.py")
    if not dataset:
        return FLAT if _is_flat(root) else None
    if "base_data_climbmix" in dataset:
        return HEAD
    if (root / "nanochat" / "configurator.py").exists():
        return V0
    if "value_embeds" in _read(root / "nanochat" / "gpt.py"):
        return FEB
    return JAN


def _base_dir_folder(source: str, variable: str):
    """The literal folder name of the first `VARIABLE = os.path.join(<base dir>, "name")` in a
    nanochat module's source (module level or inside a function), or None."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return None
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == variable
                                                for t in node.targets):
            call = node.value
            if isinstance(call, ast.Call) and ast.unparse(call.func).endswith("path.join") and \
                    len(call.args) == 2 and isinstance(call.args[1], ast.Constant) and \
                    isinstance(call.args[1].value, str) and "base_dir" in ast.unparse(call.args[0]):
                return call.args[1].value
    return None

# ----------------------------------------------------------------------------------------------
# Locations, resolved exactly as nanochat resolves them.

def resolve_base_dir(cli_value=None, environ=os.environ) -> Path:
    """--base-dir, else $NANOCHAT_BASE_DIR (when non-empty), else ~/.cache/nanochat; absolute, since
    the run starts in the checkout, not here."""
    if cli_value:
        return Path(cli_value).expanduser().absolute()
    if environ.get("NANOCHAT_BASE_DIR"):
        return Path(environ["NANOCHAT_BASE_DIR"]).expanduser().absolute()
    return Path("~/.cache/nanochat").expanduser().absolute()


# Scripts launch.py can offer, in order of preference: (path, what it is).
KNOWN_SCRIPTS = (
    ("runs/speedrun_iac.sh", "IaC speedrun (recommended)"),
    ("runs/speedrun.sh", "upstream speedrun"),
    ("speedrun.sh", "upstream speedrun (2025 layout)"),
    ("runs/iac_speedrun.sh", "legacy IaC speedrun"),
)


@dataclass(frozen=True)
class Checkout:
    """A nanochat checkout (or its absence) and the base dir the run will use."""
    root: Path
    era: Era
    detected: bool  # False: no checkout at root, the newest era is assumed

    @property
    def label(self) -> str:
        if self.detected:
            return f"{self.era.label} at {self.root}"
        return f"no nanochat checkout at {self.root}; assuming the {self.era.label}"

    def data_dir(self, base_dir: Path) -> Path:
        """The folder nanochat will read shards from (the first candidate that exists)."""
        candidates = self.data_dir_candidates(base_dir)
        return next((path for path in candidates if path.is_dir()), candidates[0])

    def data_dir_candidates(self, base_dir: Path) -> list:
        return [base_dir / name for name in self.data_dir_names]

    @cached_property
    def data_dir_names(self) -> tuple:
        """The folders under the base dir nanochat reads shards from, in its order of preference:
        the checkout's own `DATA_DIR` first (a fork may rename it), then the era's."""
        own = _base_dir_folder(_read(self.source_path("dataset")), "DATA_DIR")
        return tuple(dict.fromkeys(([own] if own else []) + list(self.era.data_dirs)))

    def tokenizer_dir(self, base_dir: Path) -> Path:
        """The folder nanochat loads its tokenizer from, as the checkout's tokenizer.py names it."""
        own = _base_dir_folder(_read(self.source_path("tokenizer")), "tokenizer_dir")
        return Path(base_dir) / (own or "tokenizer")

    def source_path(self, module: str) -> Path:
        """Where one of nanochat's own modules (`gpt`, `dataset`, ...) lives in this checkout."""
        return self.root.joinpath(*filter(None, (self.era.package, f"{module}.py")))

    @property
    def own_import(self) -> str:
        """How the checkout's code imports its own modules: `nanochat.` or `` (top level)."""
        return f"{self.era.package}." if self.era.package else ""

    def scripts(self) -> list:
        """The launch scripts that exist in this checkout, best first, as (path, description)."""
        return [(self.root / rel, what) for rel, what in KNOWN_SCRIPTS if (self.root / rel).is_file()]

    def module_path(self, module: str):
        """The file a `python -m module` call runs in this checkout, or None."""
        base = self.root.joinpath(*module.split("."))
        for candidate in (base.with_suffix(".py"), base / "__main__.py"):
            if candidate.is_file():
                return candidate
        return None

    def token_bytes_convention(self) -> str:
        """'exact' when tok_train counts raw token bytes (newer), 'legacy' when it re-encodes UTF-8."""
        source = _read(self.root / "scripts" / "tok_train.py")
        if not source or "decode_single_token_bytes" in source:
            return "exact"
        return "legacy"

    def flag(self, name: str) -> str:
        """A base_train flag spelled the way this era's CLI expects (`device-batch-size`)."""
        if self.era.flag_style == "underscores":
            return "--" + name.replace("-", "_")
        return "--" + name.replace("_", "-")


def load_checkout(root: Path) -> Checkout:
    root = Path(root).expanduser().resolve()
    era = detect_era(root)
    return Checkout(root=root, era=era or HEAD, detected=era is not None)


def checkout_verdict(settings):
    """Step 0: a checkout given with --nanochat-dir must be one; none found only warns."""
    checkout = settings.checkout
    if checkout.detected:
        return OK
    message = (f"no nanochat checkout at {checkout.root} (no nanochat/dataset.py, nor a top-level "
               f"dataset.py and gpt.py): pass --nanochat-dir or run from the checkout")
    if settings.nanochat_dir_given:
        return fail(message)
    return warn(f"{message}; assuming the {checkout.era.label} layout")
