"""Checkpoint disk: the size of one save against real torch.save files, the number of saves, space
and writability of the base dir."""

import math

import pytest
import torch
from hypothesis import given, strategies as st

from preflight.hardware.disk import (SAVE_OVERHEAD, checkpoint_size, nearest_existing, plan_disk,
                                     save_count, writable)
from preflight.hardware.precision import Recipe
from preflight.sizing.params import ParamCount, Shape

V, D = 1024, 64
TENSORS = [
    ["transformer.wte.weight", [V, D], "float32"],
    ["value_embeds.1.weight", [V, D], "float32"],
    ["lm_head.weight", [V, D], "float32"],
    ["resid_lambdas", [2], "float32"],
    *[[f"transformer.h.{i}.attn.c_q.weight", [D, D], "float32"] for i in range(2)],
    *[[f"transformer.h.{i}.mlp.c_fc.weight", [4 * D, D], "float32"] for i in range(2)],
]
PARAMS = ParamCount(Shape(2, D, 1, V, 256), dict(wte=V * D, value_embeds=V * D, lm_head=V * D,
                                                 transformer_matrices=2 * 5 * D * D, scalars=2), TENSORS)
DTYPE = {"transformer.wte.weight": torch.bfloat16, "value_embeds.1.weight": torch.bfloat16}


def nanochat_like_files(folder, ranks):
    """What a save writes: the state dict, and rank 0's optimizer shard, in MuonAdamW's layout."""
    model = {n: torch.zeros(s, dtype=DTYPE.get(n, torch.float32)) for n, s, _ in TENSORS}
    state, index = {}, 0
    for name, shape, _ in TENSORS:
        if not name.startswith("transformer.h."):
            rows = shape[0] // ranks if ranks > 1 and math.prod(shape) >= 1024 else shape[0]
            slice_ = torch.zeros([rows, *shape[1:]], dtype=DTYPE.get(name, torch.float32))
            state[index] = dict(step=1, exp_avg=slice_.clone(), exp_avg_sq=slice_.clone())
            index += 1
    for shape in ([D, D], [4 * D, D]):
        owned = math.ceil(2 / ranks)
        second = [owned, shape[0], 1] if shape[0] >= shape[1] else [owned, 1, shape[1]]
        state[index] = dict(momentum_buffer=torch.zeros(owned, *shape), second_momentum_buffer=torch.zeros(second))
        index += 1
    torch.save(model, folder / "model_000100.pt")
    torch.save(dict(state=state, param_groups=[dict(params=list(range(index)))]),
               folder / "optim_000100_rank0.pt")
    return (folder / "model_000100.pt").stat().st_size, (folder / "optim_000100_rank0.pt").stat().st_size


@pytest.mark.parametrize("ranks", [1, 4])
def test_size_per_save_matches_real_files(tmp_path, ranks):
    size = checkpoint_size(PARAMS, Recipe(), ranks)
    model_bytes, optim_bytes = nanochat_like_files(tmp_path, ranks)
    assert size.model <= model_bytes <= size.model + SAVE_OVERHEAD
    assert size.optim_per_rank <= optim_bytes <= size.optim_per_rank + SAVE_OVERHEAD
    assert size.optim_files == ranks
    assert size.per_save >= model_bytes + ranks * optim_bytes


def test_2025_code_saves_rank_0s_shard_only():
    split = Recipe(optimizer="split", second_moment=False)
    assert checkpoint_size(PARAMS, split, 8).optim_files == 1


@pytest.mark.parametrize("iterations,every,saves", [
    (4980, -1, 1), (4980, 1000, 5), (5000, 1000, 5), (999, 1000, 1), (4980, 2500, 2)])
def test_save_count(iterations, every, saves):
    assert save_count(iterations, every) == saves
    assert save_count(iterations, every, every_step_saves=False) == 1


@given(st.integers(1, 5000), st.integers(-1, 600))
def test_save_count_matches_base_trains_loop(iterations, every):
    # base_train saves at step > 0 when step % save_every == 0, and always at the last step
    expected = sum(1 for step in range(1, iterations + 1)
                   if step == iterations or (every > 0 and step % every == 0))
    assert save_count(iterations, every) == expected


def test_plan_measures_the_disk_that_exists(tmp_path):
    size = checkpoint_size(PARAMS, Recipe(), 2)
    plan = plan_disk(tmp_path, tmp_path / "base_checkpoints" / "d2", size, saves=3)
    assert plan.checked_at == tmp_path and plan.writable and plan.fits
    assert plan.needed == int(size.per_save * 3 * 1.1) and plan.free > 0


def test_unwritable_place_is_reported(tmp_path):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x")
    ok, why = writable(blocker / "base_checkpoints")
    assert not ok and "not a folder" in why
    plan = plan_disk(blocker, blocker / "base_checkpoints" / "d2", checkpoint_size(PARAMS, Recipe(), 1), 1)
    assert not plan.writable and plan.write_problem


def test_nearest_existing(tmp_path):
    assert nearest_existing(tmp_path / "a" / "b" / "c") == tmp_path
