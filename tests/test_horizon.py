"""The horizon from a base-training call, checked against the reference's derived numbers (§4).

CI-safe tests use miniature checkouts: HEAD and 2025 eras count parameters with params.py's
formulas (no nanochat/gpt.py), February 2026 with a model class written in lint_helpers and built on
the meta device. The same numbers are then cross-checked on the real checkouts when present.
"""

import os
import sys
import types
from pathlib import Path

import pytest

from lint_helpers import BASE_TRAIN_ARGPARSE, make_checkout, param_cache, write
from standin_models import V0_GPT
from preflight.readers.argparse_reader import UNKNOWN
from preflight.checkout import load_checkout
from preflight.sizing.horizon import HorizonError, horizon_from_call
from preflight.hardware.runargs import run_args
from preflight.launch.lint import base_train_of, find_calls
from preflight.sizing.params import model_shape

NC = Path(os.environ.get("NANOCHAT_CHECKOUTS", "/nonexistent"))
V = 32768


@pytest.fixture(scope="session")
def cache(tmp_path_factory):
    return param_cache(tmp_path_factory)


@pytest.fixture(scope="module")
def head(tmp_path_factory):
    return make_checkout(tmp_path_factory.mktemp("head"), "head")


# (args, iterations, total batch, scaling params): reference §4, "Derived (V=32768, 8 GPUs)".
HEAD_CASES = [
    (["--depth=24", "--target-param-data-ratio=8", "--device-batch-size=16"], 5_568, 1_048_576,
     729_810_624),
    (["--depth=12"], 2_520, 524_288, 110_100_912),
    (["--depth=20"], 4_980, 1_048_576, 435_160_240),
    (["--depth=26"], 10_510, 1_048_576, 918_423_532),
    (["--depth=32"], 9_600, 2_097_152, 1_677_724_672),
]


@pytest.mark.parametrize("args, iterations, batch, params", HEAD_CASES)
def test_head_auto_batch_horizon(head, args, iterations, batch, params):
    h = horizon_from_call(args, head, V, 1e9)
    assert (h.iterations, h.total_batch_size, h.params) == (iterations, batch, params)
    assert h.auto_batch and h.basis == "target-param-data-ratio"
    assert h.tokens == iterations * batch and h.epochs == pytest.approx(h.tokens / 1e9)


def test_speedrun_tokens_and_target(head):
    h = horizon_from_call(["--depth=24", "--target-param-data-ratio=8"], head, V, 2_919_235_584)
    assert int(8 * h.params) == 5_838_484_992  # the reference's target tokens
    assert h.tokens == 5_838_471_168 and h.epochs == pytest.approx(2.0, rel=1e-5)
    assert h.describe() == ("d24: 5,568 iterations x 1,048,576 (auto) tokens = 5.84B tokens "
                            "(ratio 8 x 729,810,624 params)")


def test_precedence_of_iterations_flops_and_fixed_batch(head):
    fixed = horizon_from_call(["--depth=24", "--target-param-data-ratio=8",
                               "--total-batch-size=524288"], head, V, None)
    assert (fixed.iterations, fixed.auto_batch, fixed.epochs) == (11_136, False, None)
    explicit = horizon_from_call(["--depth=24", "--num-iterations", "100"], head, V, None)
    assert (explicit.iterations, explicit.basis) == (100, "num-iterations")
    flops = horizon_from_call(["--depth=12", "--target-flops=1e18",
                               "--target-param-data-ratio=-1"], head, V, None)
    # base_train's estimate_flops() for d12 is 759,696,048 (one 24-weight gate more than counted)
    assert abs(flops.flops_per_token - 759_696_048) < 200
    assert (flops.iterations, flops.total_batch_size) == (2_511, 524_288)


def test_defaults_come_from_the_checkouts_own_parser(tmp_path):
    source = BASE_TRAIN_ARGPARSE.replace("{ratio}", "4").replace("{total_batch}", "-1")
    checkout = make_checkout(tmp_path / "jan", "head", {"scripts/base_train.py": source})
    h = horizon_from_call(["--depth=12"], checkout, V, None)
    assert (h.ratio, h.iterations) == (4, 840)  # the era table would say 12 -> 2,520


def test_era_table_when_base_train_is_unreadable(tmp_path):
    checkout = make_checkout(tmp_path / "nc", "head",
                             {"scripts/base_train.py": "parser = (\n"})
    h = horizon_from_call(["--depth=12"], checkout, V, None)
    assert h.iterations == 2_520 and any("table" in note for note in h.notes)


def test_v0_configurator_horizon(tmp_path):
    checkout = make_checkout(tmp_path / "v0", "v0")
    h = horizon_from_call(["--depth=20"], checkout, 65536, None)
    assert (h.params, h.iterations, h.total_batch_size) == (560_988_160, 21_400, 524_288)
    assert h.tokens == 11_219_763_200  # "v0 d20 -> 11.2B tokens, 21,400 it"


def test_v0_horizon_with_a_model_class_multiplies_all_parameters(tmp_path, cache):
    """2025 nanochat multiplies the ratio by every parameter (the embedding too), also when the
    count comes from its own model class: d20 at vocab 65,536 has 2 x 65,536 x 1,280 + 20 x 12 x
    1,280^2 = 560,988,160 parameters, 20 x that = 11.2B tokens, 21,400 iterations of 524,288."""
    checkout = make_checkout(tmp_path / "v0", "v0", {"nanochat/gpt.py": V0_GPT})
    h = horizon_from_call(["--depth=20"], checkout, 65536, None, cache_dir=cache)
    assert "meta-device" in h.param_source
    assert (h.params, h.iterations, h.total_batch_size) == (560_988_160, 21_400, 524_288)


def test_feb_horizon_with_a_model_class(tmp_path, cache):
    checkout = make_checkout(tmp_path / "feb", "feb")
    h = horizon_from_call(["--depth=24", "--target-param-data-ratio=12"], checkout, V, None,
                          cache_dir=cache)
    assert "meta-device" in h.param_source
    assert (h.params, h.iterations, h.total_batch_size) == (729_813_504, 16_704, 524_288)
    r5 = horizon_from_call(["--depth=24", "--target-param-data-ratio=5"], checkout, V, None,
                           cache_dir=cache)
    assert r5.iterations == 6_960  # the legacy IaC script: ~3.65B tokens
    with pytest.raises(HorizonError, match="not supported by this nanochat version"):
        horizon_from_call(["--depth=24", "--total-batch-size=-1"], checkout, V, None,
                          cache_dir=cache)


@pytest.mark.parametrize("args, text", [
    ([f"--depth={UNKNOWN}"], "only known at run time"),
    (["--depth=deep"], "not a number"),
    (["--depth=0"], "builds no model"),
    (["--target-param-data-ratio=-1"], "all disabled"),
])
def test_horizon_errors(head, args, text):
    with pytest.raises(HorizonError, match=text):
        horizon_from_call(args, head, V, None)


def test_horizon_from_a_script_call(head, tmp_path):
    path = write(tmp_path / "run.sh", "DEPTH=20\ntorchrun --nproc_per_node=8 -m scripts.base_train"
                 " -- --depth=$DEPTH --save-every=100\n")
    call = base_train_of(find_calls(path, head, {"HOME": str(tmp_path)}))
    h = horizon_from_call(call, head, V, None)
    assert h.iterations == 4_980 and h.flags == {"depth": 20, "save_every": 100}


# ----------------------------------------------------------------------------------------------
# Cross-check on the real checkouts (exact counts from their own model classes).

needs_checkouts = pytest.mark.skipif(not all((NC / era).is_dir() for era in ("head", "feb", "v0")),
                                     reason="set NANOCHAT_CHECKOUTS to a folder of real checkouts (head, feb, v0)")


@needs_checkouts
@pytest.mark.parametrize("args, iterations, batch, params", HEAD_CASES[:3])
def test_real_head_checkout(cache, args, iterations, batch, params):
    h = horizon_from_call(args, load_checkout(NC / "head"), V, None, cache_dir=cache)
    assert "meta-device" in h.param_source
    assert (h.iterations, h.total_batch_size, h.params) == (iterations, batch, params)


@needs_checkouts
def test_real_v0_and_feb_checkouts(cache):
    v0 = horizon_from_call(["--depth=20"], load_checkout(NC / "v0"), 65536, None, cache_dir=cache)
    assert (v0.iterations, v0.tokens) == (21_400, 11_219_763_200)
    feb = horizon_from_call(["--depth=24", "--target-param-data-ratio=12"],
                            load_checkout(NC / "feb"), V, None, cache_dir=cache)
    assert (feb.iterations, feb.tokens) == (16_704, 8_757_706_752)

# ----------------------------------------------------------------------------------------------
# The IaC fork: config.yaml replaces every flag left at its default before the horizon is computed.

def _direct_scaling_params(monkeypatch, depth, vocab, dim, heads, kv):
    """transformer matrices + lm_head of the fork's stand-in class, built here on the meta device."""
    import torch
    from standin_models import FLAT_GPT
    monkeypatch.setitem(sys.modules, "common", types.SimpleNamespace(print0=lambda *a: None))
    namespace = {}
    exec(FLAT_GPT, namespace)
    with torch.device("meta"):
        model = namespace["GPT"](namespace["GPTConfig"](vocab_size=vocab, n_layer=depth,
                                                        n_head=heads, n_kv_head=kv, n_embd=dim))
    return sum(p.numel() for n, p in model.named_parameters()
               if n.startswith(("transformer.h.", "lm_head")))


def test_flat_horizon_takes_the_model_from_config_yaml(tmp_path, cache, monkeypatch):
    checkout = make_checkout(tmp_path / "fork", "flat")
    h = horizon_from_call(["--config=config.yaml", "--device-batch-size=8",
                           "--target-param-data-ratio=4"], checkout, 4096, 1e8, cache_dir=cache)
    # config.yaml of the stand-in: 8 layers, width 512, 4 heads, 2 key/value heads, context 1024
    params = _direct_scaling_params(monkeypatch, 8, 4096, 512, 4, 2)
    assert (h.depth, h.max_seq_len, h.device_batch_size, h.params) == (8, 1024, 8, params)
    assert (h.iterations, h.total_batch_size) == (int(4 * params) // 524_288, 524_288)
    assert any("config.yaml" in n and "--n-embd=512" in n for n in h.notes)
    # the hardware plan sizes the same model (memory, checkpoints)
    run = run_args(h)
    assert model_shape(checkout, run.depth, 4096, run.max_seq_len, **run.shape_args) == \
        model_shape(checkout, 8, 4096, 1024, n_embd=512, n_head=4, n_kv_head=2)
    # the fork stops by itself after --max-epochs (50) passes: said when the horizon makes more
    assert h.epochs < 50 and not any("max-epochs" in n for n in h.notes)
    small = horizon_from_call(["--config=config.yaml", "--target-param-data-ratio=4"], checkout,
                              4096, h.tokens / 60, cache_dir=cache)
    assert any("stops early after --max-epochs=50" in n for n in small.notes)
    # the same model with the config file off: base_train's own defaults for the rest
    plain = horizon_from_call(["--config=", "--depth=8", "--n-embd=512", "--n-head=4",
                               "--n-kv-head=2", "--target-param-data-ratio=4"], checkout, 4096,
                              None, cache_dir=cache)
    assert (plain.params, plain.max_seq_len, plain.device_batch_size) == (params, 2048, 32)
    assert plain.notes == []


@pytest.mark.skipif(not (NC / "iac_head").is_dir(), reason="set NANOCHAT_CHECKOUTS (iac_head)")
def test_real_fork_matches_its_own_run(cache):
    """A real CPU run of the fork at 2b8fe93 printed: 60 iterations, 122,880 tokens, FLOPs per
    token 2.831309e+07 (its estimate_flops)."""
    fork = load_checkout(NC / "iac_head")
    args = ("--depth=4 --n-embd=256 --n-head=4 --n-kv-head=4 --head-dim=64 --window-pattern=L "
            "--max-seq-len=256 --device-batch-size=8 --total-batch-size=2048 --num-iterations=60 "
            "--eval-every=10 --eval-tokens=8192 --core-metric-every=-1 --sample-every=-1 "
            "--save-every=30 --device-type=cpu").split()
    h = horizon_from_call(args, fork, 4096, None, cache_dir=cache)
    assert (h.iterations, h.tokens, h.max_seq_len) == (60, 122_880, 256)
    assert abs(h.flops_per_token - 2.831309e7) < 50
    # its speedrun_iac.sh call: config.yaml makes it d24 at width 2048, context 4096; 1,308,628,992
    # is the fork's own GPT.num_scaling_params() (transformer matrices + lm_head) at vocab 49,152
    speedrun = horizon_from_call(["--config=config.yaml", "--device-batch-size=8",
                                  "--target-param-data-ratio=20"], fork, 49152, None,
                                 cache_dir=cache)
    assert (speedrun.depth, speedrun.max_seq_len, speedrun.params) == (24, 4096, 1_308_628_992)
    assert speedrun.iterations == int(20 * 1_308_628_992) // 524_288
