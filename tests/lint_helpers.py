"""Miniature nanochat checkouts and launch scripts for the script-lint, argparse and horizon tests.

Each script here starts by exiting: the checklist reads parsers statically, so importing one of
these files would make the test fail loudly.
"""

import textwrap
from pathlib import Path

from preflight.checkout import load_checkout
from standin_models import FEB_GPT

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



def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text))
    return path


def make_checkout(root: Path, era: str = "head", files: dict = None):
    """A nanochat checkout of `era` (head | feb | v0) with real scripts and parsers, loaded."""
    marker = {"head": "DATA_DIR = base_data_climbmix", "feb": "DATA_DIR = base_data",
              "v0": "DATA_DIR = base_data"}[era]
    write(root / "nanochat" / "__init__.py", "")
    write(root / "nanochat" / "common.py", "def get_base_dir():\n    return '.'\n")
    write(root / "nanochat" / "dataset.py", DATASET.format(marker=marker))
    if era == "v0":
        write(root / "nanochat" / "configurator.py", "import sys\nfor arg in sys.argv[1:]:\n    pass\n")
        write(root / "scripts" / "base_train.py", BASE_TRAIN_CONFIGURATOR)
    else:
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
