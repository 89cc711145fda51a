"""Parameter counts: the per-era formulas against counts of real nanochat models (reference §3), and
the meta-device path against a model class written here."""

import os
import sys
import types
from pathlib import Path

import pytest
import torch

from preflight.checkout import FEB, HEAD, V0, Checkout, load_checkout
from preflight.sizing.params import count_params, formula_count, meta_count, model_shape

# (era, vocab, depth) -> (total, horizon params), as counted from nanochat's own model classes.
REAL_COUNTS = {
    (HEAD, 32768, 12): (286_261_730, 110_100_912),
    (HEAD, 32768, 16): (536_871_738, 234_881_792),
    (HEAD, 32768, 20): (896_533_746, 435_160_240),
    (HEAD, 32768, 24): (1_384_122_122, 729_810_624),
    (HEAD, 32768, 26): (1_681_786_938, 918_423_532),
    (HEAD, 32768, 32): (2_818_575_450, 1_677_724_672),
    (HEAD, 65536, 12): (487_588_322, 135_266_736),
    (HEAD, 65536, 20): (1_399_850_226, 477_103_280),
    (HEAD, 65536, 24): (2_088_765_194, 780_142_272),
    (FEB, 32768, 24): (1_384_124_976, 729_813_504),
    (V0, 65536, 12): (185_597_952, 185_597_952),
    (V0, 65536, 20): (560_988_160, 560_988_160),
    (V0, 65536, 32): (1_879_048_192, 1_879_048_192),
}


@pytest.mark.parametrize("era,vocab,depth", REAL_COUNTS, ids=lambda v: getattr(v, "name", str(v)))
def test_formula_matches_real_models(era, vocab, depth):
    checkout = Checkout(Path("/nonexistent"), era, detected=True)
    count = formula_count(checkout, model_shape(checkout, depth, vocab))
    assert (count.total, count.horizon) == REAL_COUNTS[(era, vocab, depth)]


def test_odd_depth_rounds_width_up():
    shape = model_shape(Checkout(Path("."), HEAD, True), 13, 32768)
    assert (shape.model_dim, shape.n_head) == (896, 7)
    assert model_shape(Checkout(Path("."), V0, True), 13, 65536).model_dim == 832


TINY_GPT = '''
from dataclasses import dataclass
import torch.nn as nn

@dataclass
class GPTConfig:
    sequence_len: int = 1024
    vocab_size: int = 100
    n_layer: int = 2
    n_head: int = 2
    n_kv_head: int = 2
    n_embd: int = 64

class GPT(nn.Module):
    def __init__(self, config):
        super().__init__()
        d, v = config.n_embd, -(-config.vocab_size // 64) * 64
        self.transformer = nn.ModuleDict(dict(
            wte=nn.Embedding(v, d),
            h=nn.ModuleList(nn.Linear(d, 3 * d, bias=False) for _ in range(config.n_layer))))
        self.lm_head = nn.Linear(d, v, bias=False)
        self.resid_lambdas = nn.Parameter(torch.ones(config.n_layer))
import torch
'''


def _tiny_checkout(tmp_path, gpt_source):
    (tmp_path / "nanochat").mkdir()
    (tmp_path / "nanochat" / "__init__.py").write_text("")
    (tmp_path / "nanochat" / "dataset.py").write_text('DATA_DIR = "base_data_climbmix"\n')
    (tmp_path / "nanochat" / "gpt.py").write_text(gpt_source)
    return load_checkout(tmp_path)


def test_meta_device_counts_the_checkouts_own_class(tmp_path):
    checkout = _tiny_checkout(tmp_path, TINY_GPT)
    shape = model_shape(checkout, 3, 1000)
    count, reason = meta_count(checkout, shape)
    assert reason is None
    namespace = {}
    exec(TINY_GPT, namespace)
    model = namespace["GPT"](namespace["GPTConfig"](vocab_size=1000, n_layer=3, n_head=shape.n_head,
                                                    n_kv_head=shape.n_head, n_embd=shape.model_dim))
    assert count.total == sum(p.numel() for p in model.parameters())
    assert count.groups["wte"] == count.groups["lm_head"] == 1024 * shape.model_dim
    assert count.groups["transformer_matrices"] == 3 * 3 * shape.model_dim ** 2
    assert count.groups["scalars"] == 3
    assert "meta-device" in count.source


def test_broken_checkout_falls_back_to_formula_and_says_why(tmp_path):
    checkout = _tiny_checkout(tmp_path, "raise ImportError('flash_attn missing')\n")
    count = count_params(checkout, model_shape(checkout, 12, 32768))
    assert count.total == REAL_COUNTS[(HEAD, 32768, 12)][0]
    assert "formula" in count.source and "flash_attn missing" in count.source


def test_meta_counts_are_cached(tmp_path):
    checkout = _tiny_checkout(tmp_path, TINY_GPT)
    shape = model_shape(checkout, 2, 500)
    first = count_params(checkout, shape, cache_dir=tmp_path / "cache")
    assert list((tmp_path / "cache").rglob("*.json"))
    again = count_params(checkout, shape, cache_dir=tmp_path / "cache")
    assert (again.groups, again.source) == (first.groups, first.source)


REAL_CHECKOUTS = {"head": HEAD, "feb": FEB, "v0": V0}


@pytest.mark.parametrize("name", REAL_CHECKOUTS)
def test_real_checkout_meta_equals_formula(name):
    """Local cross-check against real nanochat checkouts (NANOCHAT_CHECKOUTS=/dir/with/head,feb,v0)."""
    root = Path(os.environ.get("NANOCHAT_CHECKOUTS", "/nonexistent")) / name
    if not (root / "nanochat" / "gpt.py").exists():
        pytest.skip(f"no real nanochat checkout at {root} (set NANOCHAT_CHECKOUTS to a folder of "
                    "checkouts named head, feb, v0)")
    checkout = load_checkout(root)
    assert checkout.era is REAL_CHECKOUTS[name]
    shape = model_shape(checkout, 12, 32768)
    count, reason = meta_count(checkout, shape)
    assert reason is None, reason
    assert count.groups == formula_count(checkout, shape).groups

# ----------------------------------------------------------------------------------------------
# The IaC fork's flat layout: its top-level gpt.py (`from common import ...`), grouped-query
# attention from --n-kv-head, width and heads from --n-embd/--n-head.

FLAT_SHAPES = [dict(depth=12, vocab_size=32768),
               dict(depth=5, vocab_size=1000, n_embd=384, n_head=6, n_kv_head=2)]


@pytest.fixture(scope="module")
def flat(tmp_path_factory):
    from lint_helpers import make_checkout
    return make_checkout(tmp_path_factory.mktemp("flat"), "flat")


@pytest.mark.parametrize("kwargs", FLAT_SHAPES, ids=str)
def test_flat_layout_meta_count_is_its_own_class(flat, kwargs, monkeypatch):
    from standin_models import FLAT_GPT
    shape = model_shape(flat, **kwargs)
    count, reason = meta_count(flat, shape)
    assert reason is None, reason
    assert count.source == f"meta-device model from {flat.root / 'gpt.py'}"
    namespace = {}  # the stand-in built here directly, with a `common` module of our own
    monkeypatch.setitem(sys.modules, "common", types.SimpleNamespace(print0=lambda *a: None))
    exec(FLAT_GPT, namespace)
    config = namespace["GPTConfig"](vocab_size=kwargs["vocab_size"], n_layer=shape.depth,
                                    n_head=shape.n_head, n_kv_head=shape.kv_heads,
                                    n_embd=shape.model_dim)
    with torch.device("meta"):
        model = namespace["GPT"](config)
    assert count.total == sum(p.numel() for p in model.parameters())
    assert count.groups == formula_count(flat, shape).groups


def test_flat_shape_follows_n_embd_and_heads(flat):
    assert model_shape(flat, 8, 4096, n_embd=512, n_head=4, n_kv_head=2).kv_heads == 2
    assert model_shape(flat, 8, 4096, n_embd=512).n_head == 4   # 512 // head_dim 128
    derived = model_shape(flat, 8, 4096)
    assert (derived.model_dim, derived.n_head, derived.kv_heads) == (512, 4, 4)


def test_real_fork_checkout_meta_equals_formula():
    """The fork's config.yaml model (d24, width 2048) and a grouped-query one. (PR #493 keeps the
    February 2026 nanochat/ package, which test_real_checkout_meta_equals_formula[feb] covers.)"""
    root = Path(os.environ.get("NANOCHAT_CHECKOUTS", "/nonexistent")) / "iac_head"
    if not root.is_dir():
        pytest.skip(f"no real checkout at {root} (set NANOCHAT_CHECKOUTS)")
    checkout = load_checkout(root)
    for shape in (model_shape(checkout, 24, 49152, n_embd=2048, n_head=16, n_kv_head=16),
                  model_shape(checkout, 4, 4096, n_embd=256, n_head=4, n_kv_head=2)):
        count, reason = meta_count(checkout, shape)
        assert reason is None, reason
        assert count.groups == formula_count(checkout, shape).groups


def test_real_fork_count_matches_its_training_log():
    """base_train's own "Parameter counts" lines of a real CPU run of the fork at 2b8fe93
    (--depth=4 --n-embd=256 --n-head=4 --n-kv-head=4, vocab 4096)."""
    root = Path(os.environ.get("NANOCHAT_CHECKOUTS", "/nonexistent")) / "iac_head"
    if not root.is_dir():
        pytest.skip(f"no real checkout at {root} (set NANOCHAT_CHECKOUTS)")
    checkout = load_checkout(root)
    count, reason = meta_count(checkout, model_shape(checkout, 4, 4096, n_embd=256, n_head=4,
                                                     n_kv_head=4))
    assert reason is None, reason
    assert count.groups == dict(wte=1_048_576, value_embeds=2_097_152, lm_head=1_048_576,
                                transformer_matrices=3_145_984, scalars=8)
    assert count.total == 7_340_296
