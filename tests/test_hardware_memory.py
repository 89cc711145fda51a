"""Memory per rank: the arithmetic on shapes worked out by hand, nanochat's batch rule, and the
worked cases of the reference (formula path; the meta-device path is in test_hardware_plan.py)."""

import math
from pathlib import Path

import pytest
from hypothesis import given, strategies as st

from preflight.checkout import HEAD, V0, Checkout
from preflight.hardware.gpus import parse_target
from preflight.hardware.memory import (Constants, batch_sizes_allowed, estimate_memory,
                                       grad_accum_steps, largest_fitting_batch, param_tensors)
from preflight.hardware.precision import Recipe
from preflight.sizing.params import ParamCount, Shape, formula_count, model_shape

BF16 = Recipe()
FP32 = Recipe(compute_dtype="float32", embed_dtype="float32")
H100 = parse_target("H100-80GB").memory

# A tiny nanochat-shaped model: V'=256, d=8, 2 layers; names as nanochat's model class has them.
TINY = [
    ["transformer.wte.weight", [256, 8], "float32"],       # bf16 when stored: 2048 x 2 = 4096 B
    ["value_embeds.1.weight", [256, 8], "float32"],         # bf16: 4096 B
    ["lm_head.weight", [256, 8], "float32"],                # fp32: 8192 B
    ["resid_lambdas", [2], "float32"],                      # 8 B
    ["transformer.h.0.attn.c_q.weight", [8, 8], "float32"],  # Muon stack (8, 8), K = 2: 2 x 256 B
    ["transformer.h.1.attn.c_q.weight", [8, 8], "float32"],
    ["transformer.h.0.mlp.c_fc.weight", [32, 8], "float32"],  # Muon stack (32, 8), K = 2: 2 x 1024 B
    ["transformer.h.1.mlp.c_fc.weight", [32, 8], "float32"],
]
TINY_SHAPE = Shape(depth=2, model_dim=8, n_head=1, vocab_size=256, sequence_len=16)


def tiny():
    groups = dict(wte=2048, value_embeds=2048, lm_head=2048, transformer_matrices=640, scalars=2)
    return ParamCount(TINY_SHAPE, groups, TINY, source="test")


def test_weights_and_grads_by_hand():
    est = estimate_memory(tiny(), BF16, 1, 1)
    assert est.weights == 4096 + 4096 + 8192 + 8 + 2 * 256 + 2 * 1024 == 18952
    assert est.grads == est.weights


def test_optimizer_state_single_rank_by_hand():
    # AdamW: two moments like the parameter; Muon: momentum (K, r, c) + second moment (K, max(r, c))
    adamw = 2 * (4096 + 4096 + 8192 + 8)
    muon = (2 * 64 * 4 + 2 * 8 * 4) + (2 * 256 * 4 + 2 * 32 * 4)
    assert estimate_memory(tiny(), BF16, 1, 1).optimizer == adamw + muon == 35664


def test_optimizer_state_sharded_across_four_ranks_by_hand():
    # AdamW tensors of 1024+ elements: rows / 4 per rank; resid_lambdas (2) stays whole.
    adamw = 2 * (64 * 8 * 2) * 2 + 2 * (64 * 8 * 4) + 2 * 8
    # Muon: each rank owns ceil(2 / 4) = 1 matrix of each stack.
    muon = (64 * 4 + 8 * 4) + (256 * 4 + 32 * 4)
    assert estimate_memory(tiny(), BF16, 4, 1).optimizer == adamw + muon == 9648


def test_activations_and_logits_scale_with_tokens():
    c = Constants(act_bytes=10, logits_bytes=3)
    est = estimate_memory(tiny(), BF16, 1, 4, constants=c)
    tokens = 4 * 16
    assert est.activations == tokens * 2 * 8 * 10
    assert est.logits == tokens * 256 * 3
    assert est.forward_backward_peak == est.static + est.compute_copies + est.activations + est.logits
    assert est.compute_copies == (2 * 64 + 2 * 256 + 2048) * 2  # bf16 copies of fp32 matrices + head


def test_fp32_compute_stores_embeddings_in_fp32_and_doubles_activations():
    bf16, fp32 = estimate_memory(tiny(), BF16, 1, 4), estimate_memory(tiny(), FP32, 1, 4)
    assert fp32.weights - bf16.weights == 2 * 2048 * 2
    assert abs(fp32.activations - 2 * bf16.activations) <= 1 and fp32.compute_copies == 0


def test_required_adds_slack_margin_and_runtime():
    c = Constants(fragmentation=0.05, margin=0.05, runtime_bytes=1000)
    est = estimate_memory(tiny(), BF16, 1, 4, constants=c)
    assert est.required == int(est.peak_allocated * 1.10) + 1000


def test_formula_path_shards_like_the_tensor_path():
    count = formula_count(Checkout(Path("."), HEAD, False), model_shape(Checkout(Path("."), HEAD, False), 2, 256))
    tensors = param_tensors(count, BF16)
    assert sum(t.numel for t in tensors) == count.total
    assert {t.optimizer for t in tensors if t.name.startswith("transformer.h.")} == {"muon"}

# ----------------------------------------------------------------------------------------------
# nanochat's batch rule.

def test_allowed_batch_sizes():
    assert batch_sizes_allowed(524288, 2048, 8) == [32, 16, 8, 4, 2, 1]
    assert batch_sizes_allowed(524288, 2048, 3) == []
    assert batch_sizes_allowed(1048576, 2048, 8)[0] == 64
    assert grad_accum_steps(524288, 16, 2048, 8) == 2
    assert grad_accum_steps(524288, 32, 2048, 3) is None


@given(st.integers(1, 2**22), st.sampled_from([64, 512, 1024, 2048]), st.integers(1, 16))
def test_allowed_sizes_are_exactly_the_divisors(total, seq, ranks):
    allowed = batch_sizes_allowed(total, seq, ranks)
    assert allowed == sorted(allowed, reverse=True)
    for dbs in range(1, min(total // (seq * ranks), 300) + 1):
        assert (dbs in allowed) == (total % (dbs * seq * ranks) == 0)
    for dbs in allowed:
        assert grad_accum_steps(total, dbs, seq, ranks) * dbs * seq * ranks == total

# ----------------------------------------------------------------------------------------------
# The reference's worked cases on 80 GB GPUs (nanochat's own limits: runs/miniseries.sh uses
# --device-batch-size 16 from depth 20 and 8 from depth 28; speedrun d24 uses 16).

def head(depth, vocab=32768):
    checkout = Checkout(Path("."), HEAD, False)
    return formula_count(checkout, model_shape(checkout, depth, vocab))


@pytest.mark.parametrize("depth,fits,too_big", [(20, 16, 32), (24, 16, 32), (26, 16, 32), (28, 8, 16)])
def test_worked_cases_on_h100(depth, fits, too_big):
    params = head(depth)
    assert estimate_memory(params, BF16, 8, fits).required <= H100
    assert estimate_memory(params, BF16, 8, too_big).required > H100
    assert largest_fitting_batch(params, BF16, 8, H100, 524288)[0] == fits


def test_d20_batch_32_fits_an_h200():
    assert largest_fitting_batch(head(20), BF16, 8, parse_target("H200").memory, 524288)[0] == 32


def test_2025_d32_fits_at_8_not_16():
    """run1000.sh: d32 (vocab 65536) OOMed at 16 and ran at 8, ~78/80 GB in nvidia-smi."""
    checkout = Checkout(Path("."), V0, False)
    params = formula_count(checkout, model_shape(checkout, 32, 65536))
    split = Recipe(optimizer="split", second_moment=False)
    assert largest_fitting_batch(params, split, 8, H100, 524288)[0] == 8


@given(st.integers(1, 64))
def test_memory_grows_with_the_batch(dbs):
    params = head(12)
    a, b = estimate_memory(params, BF16, 8, dbs), estimate_memory(params, BF16, 8, dbs + 1)
    assert b.peak_allocated > a.peak_allocated and a.peak_allocated >= a.static


def test_sharding_shrinks_optimizer_state():
    params = head(20)
    one, eight = estimate_memory(params, BF16, 1, 1), estimate_memory(params, BF16, 8, 1)
    assert eight.weights == one.weights and eight.optimizer < one.optimizer / 6
    assert math.isclose(eight.optimizer, one.optimizer / 8, rel_tol=0.25)
