"""Miniature nanochat checkouts and launch scripts for the script-lint, argparse and horizon tests.

Each script here starts by exiting: the checklist reads parsers statically, so importing one of
these files would make the test fail loudly.
"""

import textwrap
from pathlib import Path

from preflight.checkout import load_checkout
from standin_models import FEB_GPT, FLAT_GPT

GUARD = 'raise SystemExit("the checklist must never import this script")\n'

BASE_TRAIN_ARGPARSE = GUARD + '''
import argparse
parser = argparse.ArgumentParser(description="Pretrain base model")
parser.add_argument("--run", type=str, default="dummy")
parser.add_argument("--device-type", type=str, default="")
parser.add_argument("--fp8", action="store_true")
parser.add_argument("--fp8-recipe", type=str, default="tensorwise", choices=["rowwise", "tensorwise"])
model = parser.add_argument_group("model")
model.add_argument("--depth", type=int, default=20)
model.add_argument("--aspect-ratio", type=int, default=64)
model.add_argument("--head-dim", type=int, default=128)
model.add_argument("--max-seq-len", type=int, default=2048)
model.add_argument("--window-pattern", type=str, default="SSSL")
parser.add_argument("--num-iterations", type=int, default=-1)
parser.add_argument("--target-flops", type=float, default=-1.0)
parser.add_argument("--target-param-data-ratio", type=float, default={ratio})
parser.add_argument("--device-batch-size", type=int, default=32)
parser.add_argument("--total-batch-size", type=int, default={total_batch})
parser.add_argument("--eval-tokens", type=int, default=80*524288)
parser.add_argument("--core-metric-every", type=int, default=2000)
parser.add_argument("--save-every", type=int, default=-1)
parser.add_argument("--model-tag", type=str, default=None)
args = parser.parse_args()
'''

BASE_TRAIN_CONFIGURATOR = GUARD + '''
import os
run = "dummy"
depth = 20
max_seq_len = 2048
num_iterations = -1
target_flops = -1.0
target_param_data_ratio = 20
device_batch_size = 32
total_batch_size = 524288
eval_tokens = 20*524288
core_metric_every = 2000
model_tag = ""
config_keys = [k for k, v in globals().items() if not k.startswith("_")]
exec(open(os.path.join("nanochat", "configurator.py")).read())
'''

CHAT_SFT = GUARD + '''
import argparse
parser = argparse.ArgumentParser(description="SFT")
parser.add_argument("--run", type=str, default="dummy")
parser.add_argument("--model-tag", type=str, default=None)
parser.add_argument("--model-step", type=int, default=None)
parser.add_argument("--device-batch-size", type=int, default=None)
parser.add_argument("--num-iterations", type=int, default=-1)
args = parser.parse_args()
'''

CHAT_EVAL = GUARD + '''
import argparse
if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("-i", "--source", type=str, required=True)
    parser.add_argument("-a", "--task-name", type=str, default=None)
    parser.add_argument("-b", "--batch-size", type=int, default=8)
    args = parser.parse_args()
'''

TOK_TRAIN = GUARD + '''
import argparse
parser = argparse.ArgumentParser()
parser.add_argument("--max-chars", type=int, default=2_000_000_000)
parser.add_argument("--vocab-size", type=int, default=32768)
args = parser.parse_args()
'''

DATASET = '''"""{marker}"""
import argparse
if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("-n", "--num-files", type=int, default=-1)
    parser.add_argument("-w", "--num-workers", type=int, default=4)
    args = parser.parse_args()
'''



# The IaC fork (flat layout): our stand-ins with the interface of its top-level modules, its
# base_train's flags, its config.yaml override block and its checkpoint save. The base_train runs
# for real once GUARD is cut off (tests prove the checkpoint crash that way).
FLAT_BASE_TRAIN = GUARD + """
import argparse
import os
import yaml
import torch
from common import get_base_dir
from checkpoint_manager import save_checkpoint
parser = argparse.ArgumentParser(description="Pretrain base model (IaC fork stand-in)")
parser.add_argument("--run", type=str, default="dummy")
parser.add_argument("--config", type=str, default="config.yaml")
parser.add_argument("--depth", type=int, default=20)
parser.add_argument("--n-embd", type=int, default=-1)
parser.add_argument("--n-head", type=int, default=-1)
parser.add_argument("--n-kv-head", type=int, default=-1)
parser.add_argument("--aspect-ratio", type=int, default=64)
parser.add_argument("--head-dim", type=int, default=128)
parser.add_argument("--max-seq-len", type=int, default=2048)
parser.add_argument("--window-pattern", type=str, default="SSSL")
parser.add_argument("--num-iterations", type=int, default=-1)
parser.add_argument("--target-flops", type=float, default=-1.0)
parser.add_argument("--target-param-data-ratio", type=float, default=10.5)
parser.add_argument("--device-batch-size", type=int, default=32)
parser.add_argument("--total-batch-size", type=int, default=524288)
parser.add_argument("--weight-decay", type=float, default=0.2)
parser.add_argument("--max-epochs", type=int, default=50)
parser.add_argument("--core-metric-every", type=int, default=2000)
parser.add_argument("--save-every", type=int, default=-1)
parser.add_argument("--model-tag", type=str, default=None)
args = parser.parse_args()

if os.path.exists(args.config):
    with open(args.config) as f:
        config = yaml.safe_load(f)
    def from_config(section, key, default):
        if config and section in config and key in config[section]:
            return config[section][key]
        return default
    if args.depth == 20: args.depth = from_config("model", "num_hidden_layers", args.depth)
    if args.n_embd == -1: args.n_embd = from_config("model", "hidden_size", args.n_embd)
    if args.n_head == -1: args.n_head = from_config("model", "num_attention_heads", args.n_head)
    if args.n_kv_head == -1: args.n_kv_head = from_config("model", "num_key_value_heads", args.n_kv_head)
    if args.max_seq_len == 2048: args.max_seq_len = from_config("model", "max_position_embeddings", args.max_seq_len)
    if args.device_batch_size == 32: args.device_batch_size = from_config("training", "batch_size_per_gpu", args.device_batch_size)
    if args.weight_decay == 0.2: args.weight_decay = from_config("training", "weight_decay", args.weight_decay)

if torch.cuda.is_available():
    amp_dtype = torch.bfloat16
else:
    amp_dtype = torch.float32
model_config_kwargs = dict(sequence_len=args.max_seq_len, n_layer=args.depth, n_embd=args.n_embd{dtype})
checkpoint_dir = os.path.join(get_base_dir(), "base_checkpoints", args.model_tag or f"d{args.depth}")
save_checkpoint(checkpoint_dir, 0, {}, None,
                {"step": 0, "model_config": model_config_kwargs, "user_config": vars(args)})
print("saved", checkpoint_dir)
"""

FLAT_FILES = {
    "common.py": """import os
def get_base_dir():
    return os.environ.get("NANOCHAT_BASE_DIR") or os.path.expanduser("~/.cache/nanochat")
def print0(*args):
    pass
""",
    "dataset.py": """import os
from common import get_base_dir
base_dir = get_base_dir()
DATA_DIR = os.path.join(base_dir, "base_data")
def list_parquet_files():
    return sorted(f for f in os.listdir(DATA_DIR) if f.endswith(".parquet"))
""",
    "checkpoint_manager.py": """import json
import os
def save_checkpoint(checkpoint_dir, step, model_data, optimizer_data, meta_data, rank=0):
    os.makedirs(checkpoint_dir, exist_ok=True)
    with open(os.path.join(checkpoint_dir, f"meta_{step:06d}.json"), "w") as f:
        json.dump(meta_data, f, indent=2)
""",
    "gpt.py": FLAT_GPT,
    "config.yaml": """model:
  name: "IaC stand-in"
  num_hidden_layers: 8
  hidden_size: 512
  num_attention_heads: 4
  num_key_value_heads: 2
  max_position_embeddings: 1024
training:
  batch_size_per_gpu: 8
  weight_decay: 0.1
""",
    "runs/speedrun_iac.sh": """#!/bin/bash
set -e
DATA_DIR="$HOME/.cache/nanochat/iac_data"
if [ ! -d "$DATA_DIR" ]; then
    echo "no training data in $DATA_DIR"
    exit 1
fi
SHARDS=$(ls -1 $DATA_DIR/shard_*.parquet 2>/dev/null | wc -l)
mkdir -p ~/.cache/nanochat/
if [ -L ~/.cache/nanochat/base_data ]; then
    rm ~/.cache/nanochat/base_data
fi
ln -s "$DATA_DIR" ~/.cache/nanochat/base_data
torchrun --standalone --nproc_per_node=2 -m scripts.base_train -- \\
    --config=config.yaml --device-batch-size=8 --save-every=500 --target-param-data-ratio=4
""",
}


def flat_base_train(dtype_in_metadata: bool = True) -> str:
    """The fork's base_train stand-in, with or without its `model_dtype` in the saved metadata."""
    return FLAT_BASE_TRAIN.replace("{dtype}", ", model_dtype=amp_dtype" if dtype_in_metadata else "")


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text))
    return path


def make_checkout(root: Path, era: str = "head", files: dict = None):
    """A nanochat checkout of `era` with real scripts and parsers, loaded: head | feb | jan | v0 |
    dec (v0 with --save_every, as December 2025) | flat (the IaC fork's top-level modules)."""
    if era == "flat":
        for rel, text in {**FLAT_FILES, "scripts/base_train.py": flat_base_train()}.items():
            write(root / rel, text)
    else:
        marker = "DATA_DIR = base_data_climbmix" if era == "head" else "DATA_DIR = base_data"
        write(root / "nanochat" / "__init__.py", "")
        write(root / "nanochat" / "common.py", "def get_base_dir():\n    return '.'\n")
        write(root / "nanochat" / "dataset.py", DATASET.format(marker=marker))
    if era in ("v0", "dec"):
        write(root / "nanochat" / "configurator.py", "import sys\nfor arg in sys.argv[1:]:\n    pass\n")
        save = "save_every = -1\n" if era == "dec" else ""
        write(root / "scripts" / "base_train.py",
              BASE_TRAIN_CONFIGURATOR.replace("model_tag = ", save + "model_tag = "))
    elif era != "flat":
        ratio, total = ("12", "-1") if era == "head" else ("10.5", "524288")
        write(root / "scripts" / "base_train.py",
              BASE_TRAIN_ARGPARSE.replace("{ratio}", ratio).replace("{total_batch}", total))
    if era == "feb":
        write(root / "nanochat" / "gpt.py", FEB_GPT)
    write(root / "scripts" / "chat_sft.py", CHAT_SFT)
    write(root / "scripts" / "chat_eval.py", CHAT_EVAL)
    write(root / "scripts" / "tok_train.py", TOK_TRAIN)
    write(root / "scripts" / "tok_eval.py", GUARD + "print('no arguments here')\n")
    for rel, text in (files or {}).items():
        write(root / rel, text)
    return load_checkout(root)


_shared = {}


def param_cache(tmp_path_factory) -> Path:
    """One parameter-count cache for the whole session (real checkouts build models once)."""
    if "dir" not in _shared:
        _shared["dir"] = tmp_path_factory.mktemp("param-cache")
    return _shared["dir"]
