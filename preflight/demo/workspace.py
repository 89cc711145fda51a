"""The built-in example: a small, realistic nanochat workspace made from scratch in seconds.

It holds a miniature nanochat checkout (just the files the checklist reads: the dataset module that
names the data folder and base_train's command-line flags) and a base dir with a synthetic IaC corpus
in nanochat's shard layout and a tokenizer trained the way nanochat trains one.
"""

from pathlib import Path

from preflight.demo.iac_corpus import generate_documents
from preflight.data.shard_writer import write_shards

DEMO_SHARDS = 5          # 4 train + 1 validation
ROW_GROUPS_PER_SHARD = 8  # one per rank of the default 8-GPU plan
ROW_GROUP_SIZE = 1024
DEMO_VOCAB = 4096
TOKENIZER_TRAIN_MB = 6

# The miniature checkout: our own stand-ins that mirror the interface of nanochat's files (the data
# folder name the checklist detects the version by, and base_train's flags the launch lint reads).
CHECKOUT_FILES = {
    "nanochat/__init__.py": "",
    "nanochat/dataset.py": '''"""Where this (demo) nanochat reads its shards."""
import os
base_dir = os.environ.get("NANOCHAT_BASE_DIR") or os.path.expanduser("~/.cache/nanochat")
DATA_DIR = os.path.join(base_dir, "base_data_climbmix")
''',
    "scripts/__init__.py": "",
    "scripts/base_train.py": '''"""Demo stand-in for nanochat's base_train: the same flags, no training."""
import argparse

parser = argparse.ArgumentParser(description="Pretrain base model (demo stand-in)")
parser.add_argument("--run", type=str, default="dummy")
parser.add_argument("--device-type", type=str, default="")
parser.add_argument("--fp8", action="store_true")
parser.add_argument("--depth", type=int, default=20)
parser.add_argument("--aspect-ratio", type=int, default=64)
parser.add_argument("--head-dim", type=int, default=128)
parser.add_argument("--max-seq-len", type=int, default=2048)
parser.add_argument("--window-pattern", type=str, default="SSSL")
parser.add_argument("--num-iterations", type=int, default=-1)
parser.add_argument("--target-flops", type=float, default=-1.0)
parser.add_argument("--target-param-data-ratio", type=float, default=12)
parser.add_argument("--device-batch-size", type=int, default=32)
parser.add_argument("--total-batch-size", type=int, default=-1)
parser.add_argument("--eval-every", type=int, default=250)
parser.add_argument("--save-every", type=int, default=-1)
parser.add_argument("--model-tag", type=str, default=None)
args = parser.parse_args()
print(f"demo base_train: would train d{args.depth}; this stand-in trains nothing")
''',
}


def build_workspace(root: Path, seed: int = 0, progress=print) -> dict:
    """Create (or reuse) the demo workspace under root; returns its base_dir and nanochat_dir."""
    from preflight.tokenizer.training import train_tokenizer  # imports torch: only when building
    root = Path(root)
    checkout, base = root / "nanochat", root / "base"
    for rel, text in CHECKOUT_FILES.items():
        path = checkout / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    data_dir = base / "base_data_climbmix"
    tok_dir = base / "tokenizer"
    n_docs = DEMO_SHARDS * ROW_GROUPS_PER_SHARD * ROW_GROUP_SIZE
    if len(list(data_dir.glob("shard_*.parquet"))) != DEMO_SHARDS or not (tok_dir / "token_bytes.pt").exists():
        progress(f"[demo] writing {n_docs:,} synthetic IaC documents as {DEMO_SHARDS} shards "
                 f"in {data_dir}")
        docs = generate_documents(n_docs, seed=seed)
        write_shards(docs, data_dir, DEMO_SHARDS, row_group_size=ROW_GROUP_SIZE)
        progress(f"[demo] training a {DEMO_VOCAB}-token tokenizer (rustbpe -> tiktoken) in {tok_dir}")
        train_tokenizer(_first_mb(docs[:-ROW_GROUPS_PER_SHARD * ROW_GROUP_SIZE], TOKENIZER_TRAIN_MB),
                        DEMO_VOCAB, tok_dir)
    return {"base_dir": base, "nanochat_dir": checkout}


def _first_mb(docs, mb: float) -> list:
    out, used = [], 0
    for doc in docs:
        if used > mb * 1e6:
            break
        out.append(doc)
        used += len(doc)
    return out
