"""The hardware plan end to end: parameter tensors from a nanochat-shaped model class built on the
meta device, the run's settings from base_train's parser, every finding, and the checks' skip path."""

import os
from pathlib import Path

import pytest

from preflight.config import build_settings
from preflight.demo.workspace import CHECKOUT_FILES
from preflight.hardware.disk import checkpoint_size
from preflight.hardware.gpus import parse_target
from preflight.hardware.memory import estimate_memory
from preflight.hardware.plan import plan_hardware
from preflight.hardware.precision import Recipe, training_recipe
from preflight.hardware.probe import Gpu, GpuFacts, GpuProcess, target_facts
from preflight.hardware.runargs import RunArgs, run_args
from preflight.sizing.horizon import horizon_from_call
from preflight.sizing.params import count_params, formula_count, model_shape

from standin_models import HEAD_GPT
from workspaces import run_checklist

# Markers the recipe reads: where COMPUTE_DTYPE lives and which optimizer the checkout has.
COMMON_NEW = "COMPUTE_DTYPE = None  # chosen from the GPU at import time\n"
OPTIM_NEW = "class MuonAdamW:  # keeps momentum_buffer and second_momentum_buffer per stack\n    pass\n"


def make_checkout(root: Path, common: str = COMMON_NEW) -> Path:
    files = dict(CHECKOUT_FILES, **{"nanochat/gpt.py": HEAD_GPT,
                                    "nanochat/common.py": common, "nanochat/optim.py": OPTIM_NEW})
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)
    return root


@pytest.fixture(scope="module")
def home(tmp_path_factory):
    root = tmp_path_factory.mktemp("hw")
    make_checkout(root / "nanochat")
    (root / "base").mkdir()
    return root


def settings_for(home, target=None, gpus=None):
    return build_settings(base_dir=home / "base", nanochat_dir=home / "nanochat", gpus=gpus,
                          cache_dir=home / "cache", target_gpu=target)


@pytest.fixture(scope="module")
def d20(home):
    s = settings_for(home)
    return count_params(s.checkout, model_shape(s.checkout, 20, 32768), cache_dir=home / "cache")


def run(dbs=32, total=1048576, iterations=4980, save_every=-1, fp8=False):
    return RunArgs(depth=20, device_batch_size=dbs, total_batch_size=total, max_seq_len=2048,
                   num_iterations=iterations, save_every=save_every, fp8=fp8)


def target_plan(home, params, target="H100-80GB", gpus=8, **kw):
    s = settings_for(home, target, gpus)
    return plan_hardware(s, params, target_facts(parse_target(target), s.gpus), run(**kw), environ={})


def test_parameter_tensors_come_from_the_model_class(d20):
    assert "meta-device" in d20.source and len(d20.tensors) > 100
    assert d20.total == 896_533_746  # nanochat's own d20 at vocab 32768


def test_meta_and_formula_paths_agree(home, d20):
    s = settings_for(home)
    formula = formula_count(s.checkout, d20.shape)
    a, b = estimate_memory(d20, Recipe(), 8, 16), estimate_memory(formula, Recipe(), 8, 16)
    assert abs(a.peak_allocated - b.peak_allocated) / a.peak_allocated < 0.01


def test_d20_batch_32_does_not_fit_80gb_and_the_plan_says_16(home, d20):
    plan = target_plan(home, d20)
    memory = plan.findings["memory"]
    assert memory.status == "fail"
    assert "--device-batch-size 16" in memory.message and "gradient accumulation 4" in memory.message
    assert plan.recommended[0] == 16
    assert "dbs 16 x accum 4 (recommended; 32 does not fit)" in plan.row_value()


def test_d20_batch_16_fits(home, d20):
    plan = target_plan(home, d20, dbs=16)
    assert plan.findings["memory"].status in ("ok", "warn") and plan.grad_accum == 4
    assert plan.status != "fail", plan.problems


def test_three_ranks_break_the_vocab_split_and_the_batch(home, d20):
    plan = target_plan(home, d20, gpus=3)
    assert plan.findings["vocab"].status == "fail" and "32,768" in plan.findings["vocab"].message
    assert plan.findings["batch"].status == "fail"
    assert target_plan(home, d20, gpus=4).findings["vocab"].status == "ok"


def test_precision_fallbacks(home, d20, tmp_path):
    v100 = target_plan(home, d20, target="V100-32GB")
    assert v100.findings["precision"].status == "warn" and "fp32" in v100.findings["precision"].message
    assert v100.recipe.compute_dtype == "float32"
    s = settings_for(home, "V100-32GB", 8)
    forced = plan_hardware(s, d20, target_facts(parse_target("V100-32GB"), 8), run(),
                           environ={"NANOCHAT_DTYPE": "bfloat16"})
    assert forced.findings["precision"].status == "fail"
    old = build_settings(base_dir=home / "base", nanochat_dir=make_checkout(tmp_path / "old", common=""),
                         gpus=8, cache_dir=home / "cache", target_gpu="T4")
    hard_coded = plan_hardware(old, d20, target_facts(parse_target("T4"), 8), run(), environ={})
    assert hard_coded.findings["precision"].status == "fail"
    assert "no fallback" in hard_coded.findings["precision"].message


def test_fp8_needs_ada_or_hopper(home, d20):
    assert target_plan(home, d20, target="A100-80GB", fp8=True).findings["fp8"].status == "fail"
    assert target_plan(home, d20, target="H100-80GB", fp8=True).findings["fp8"].status == "ok"
    assert target_plan(home, d20, target="L4", fp8=True).findings["fp8"].status == "ok"


def test_probed_gpus_too_few_mixed_and_busy(home, d20):
    gpus = (Gpu(0, "NVIDIA H100 80GB HBM3", 80 * 2**30, 70 * 2**30, (9, 0)),
            Gpu(1, "NVIDIA A100-SXM4-40GB", 40 * 2**30, 40 * 2**30, (8, 0)))
    facts = GpuFacts(gpus=gpus, source="nvml", processes=(GpuProcess(0, 4242, 10 * 2**30, "python"),))
    plan = plan_hardware(settings_for(home, gpus=4), d20, facts, run(dbs=8), environ={})
    assert plan.findings["gpus"].status == "fail" and "--gpus 2" in plan.findings["gpus"].message
    assert plan.findings["same_model"].status == "fail"
    assert plan.findings["idle"].status == "warn" and "pid 4242" in plan.findings["idle"].message
    assert plan.available == 40 * 2**30  # the smallest free memory among the planned GPUs


def test_without_gpu_or_target_gpu_checks_skip_but_data_side_checks_run(home, d20):
    facts = GpuFacts(reason="no NVIDIA driver")
    plan = plan_hardware(settings_for(home), d20, facts, run(), environ={})
    for key in ("gpus", "same_model", "idle", "precision", "fp8", "memory"):
        assert plan.findings[key].status == "skip", key
    assert "no NVIDIA driver" in plan.findings["gpus"].message
    assert plan.ranks == 8 and plan.findings["batch"].status == "ok"
    assert plan.findings["vocab"].status == "ok" and plan.findings["disk"].status == "ok"
    assert plan.row_value().startswith("no GPU (8 ranks planned)")


def test_run_args_follow_base_trains_parser(home, d20):
    s = settings_for(home)
    horizon = horizon_from_call(["--depth=20", "--device-batch-size=16", "--save-every=1000", "--fp8",
                                 "--model-tag=mine"], s.checkout, 32768, None, cache_dir=home / "cache")
    args = run_args(horizon)
    assert (args.device_batch_size, args.total_batch_size, args.num_iterations) == (16, 1048576, 4980)
    assert (args.save_every, args.fp8, args.checkpoint_subdir) == (1000, True, "mine")


def test_disk_counts_every_save(home, d20):
    plan = target_plan(home, d20, dbs=16, save_every=1000)
    size = checkpoint_size(d20, plan.recipe, 8)
    assert plan.disk.saves == 5 and plan.disk.needed == int(size.per_save * 5 * 1.1)
    assert plan.disk.checkpoint_dir == home / "base" / "base_checkpoints" / "d20"
    huge = target_plan(home, d20, dbs=16, iterations=10**9, save_every=1)
    assert huge.findings["disk"].status == "fail" and "not enough disk" in huge.findings["disk"].message


def test_checklist_skips_gpu_checks_without_a_gpu(workspace):
    result = run_checklist(workspace, env_extra={"CUDA_VISIBLE_DEVICES": ""})
    outcomes = {k.split("::")[1]: v for k, v in result.outcomes.items() if "hardware" in k}
    assert outcomes["test_hardware[enough-gpus]"] == outcomes["test_hardware[memory-fits]"] == \
        "skipped", result.output
    assert outcomes["test_hardware[batch-divides]"] == \
        outcomes["test_hardware[vocab-divides-by-ranks]"] == "passed"
    assert outcomes["test_hardware[disk-space-for-checkpoints]"] == "passed"
    hardware = result.summary["facts"]["hardware"]
    assert hardware["findings"]["gpus"]["status"] == "skip" and "no GPU" in hardware["findings"]["gpus"]["message"]
    row = next(r for r in result.summary["table"] if r["row"] == "Hardware")
    assert row["value"].startswith("no GPU (2 ranks planned)")


REAL_LAYOUTS = {"head": ("muon_adamw", "warn"), "feb": ("muon_adamw", "fail"), "v0": ("split", "fail")}


@pytest.mark.parametrize("name", REAL_LAYOUTS)
def test_real_checkouts_recipe_and_tensors(name, home, d20):
    """Local cross-check against real nanochat checkouts (NANOCHAT_CHECKOUTS=/dir/with/head,feb,v0)."""
    root = Path(os.environ.get("NANOCHAT_CHECKOUTS", "/nonexistent")) / name
    if not (root / "nanochat" / "gpt.py").exists():
        pytest.skip(f"no real nanochat checkout at {root} (set NANOCHAT_CHECKOUTS to a folder of "
                    "checkouts named head, feb, v0)")
    s = build_settings(base_dir=home / "base", nanochat_dir=root, gpus=8, cache_dir=home / "cache")
    optimizer, on_v100 = REAL_LAYOUTS[name]
    assert training_recipe(s.checkout, (7, 0), {}).status == on_v100
    assert training_recipe(s.checkout, (9, 0), {}).optimizer == optimizer
    if name == "head":  # the stand-in mirrors nanochat's tensors exactly
        real = count_params(s.checkout, model_shape(s.checkout, 20, 32768), cache_dir=home / "cache")
        assert sorted((n, tuple(shape)) for n, shape, _ in real.tensors) == \
            sorted((n, tuple(shape)) for n, shape, _ in d20.tensors)
