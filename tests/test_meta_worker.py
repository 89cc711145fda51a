"""The meta-device worker: one process (one torch import) per checkout and run, nanochat's own
FLOPs estimate, and one clear line when the checkout cannot be built."""

import os
from pathlib import Path

import pytest

from preflight.checkout import load_checkout
from preflight.sizing import meta_worker
from preflight.sizing.meta_worker import MetaBuildError, MetaWorker
from preflight.sizing.params import count_params, meta_count, model_shape, prefetch_model

# Our stand-in with nanochat's interface: GPTConfig, GPT, estimate_flops (6 x matmul params + a
# term we can compute independently), and a torch.compile'd function as nanochat's optim.py has.
GPT_WITH_FLOPS = '''
from dataclasses import dataclass
import os
import torch
import torch.nn as nn
print("nanochat banner: printed at import, as some versions do")

@torch.compile(dynamic=False, fullgraph=True)
def fused_step(x):
    return x * 2

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
        self.config = config
        d, v = config.n_embd, config.vocab_size
        self.transformer = nn.ModuleDict(dict(wte=nn.Embedding(v, d), h=nn.ModuleList(
            nn.Linear(d, 2 * d, bias=False) for _ in range(config.n_layer))))
        self.lm_head = nn.Linear(d, v, bias=False)

    def estimate_flops(self):
        c = self.config
        matmul = sum(p.numel() for n, p in self.named_parameters() if "wte" not in n)
        return 6 * matmul + 12 * c.n_layer * c.n_embd * c.sequence_len

def pid():
    return os.getpid()
'''


def _checkout(tmp_path, source):
    (tmp_path / "nanochat").mkdir(parents=True)
    (tmp_path / "nanochat" / "__init__.py").write_text("")
    (tmp_path / "nanochat" / "dataset.py").write_text('DATA_DIR = "base_data_climbmix"\n')
    (tmp_path / "nanochat" / "gpt.py").write_text(source)
    return load_checkout(tmp_path)


@pytest.fixture(autouse=True)
def fresh_workers():
    meta_worker.close_all()
    yield
    meta_worker.close_all()


def test_one_worker_builds_every_shape_with_nanochats_own_flops(tmp_path):
    checkout = _checkout(tmp_path, GPT_WITH_FLOPS)
    counts = [meta_count(checkout, model_shape(checkout, depth, 1000, 256))[0] for depth in (2, 3, 5)]
    workers = list(meta_worker._WORKERS.values())
    assert len(workers) == 1 and workers[0].proc is not None  # one process, one torch import
    for depth, count in zip((2, 3, 5), counts):
        d = count.shape.model_dim
        matmul = depth * 2 * d * d + 1000 * d
        assert count.flops_per_token == 6 * matmul + 12 * depth * d * 256


def test_worker_is_reused_not_restarted(tmp_path):
    checkout = _checkout(tmp_path, GPT_WITH_FLOPS)
    worker = meta_worker.worker_for(checkout.root)
    worker.build(dict(n_layer=1, n_embd=64, vocab_size=100))
    pid = worker.proc.pid
    worker.build(dict(n_layer=2, n_embd=64, vocab_size=100))
    assert worker.proc.pid == pid and meta_worker.worker_for(checkout.root) is worker


def test_prefetch_starts_only_when_the_counts_are_not_cached(tmp_path):
    checkout = _checkout(tmp_path / "co", GPT_WITH_FLOPS)
    cache = tmp_path / "cache"
    assert prefetch_model(checkout, cache)
    count_params(checkout, model_shape(checkout, 2, 1000), cache_dir=cache)
    meta_worker.close_all()
    assert not prefetch_model(checkout, cache)  # a warm run: no torch import at all
    assert not meta_worker._WORKERS
    os.utime(checkout.root / "nanochat" / "gpt.py", ns=(1, 1))  # the model changed
    assert prefetch_model(checkout, cache)


def test_a_checkout_that_does_not_import_fails_in_one_line(tmp_path):
    checkout = _checkout(tmp_path, "import torch\nraise ImportError('flash_attn missing')\n")
    count, reason = meta_count(checkout, model_shape(checkout, 2, 1000))
    assert count is None and "flash_attn missing" in reason and "\n" not in reason
    # the failure is remembered: the next request does not start another process
    again = meta_worker.worker_for(checkout.root)
    with pytest.raises(MetaBuildError, match="flash_attn"):
        again.build(dict(n_layer=1))
    assert again.proc is None


def test_a_bad_config_fails_that_request_only(tmp_path):
    checkout = _checkout(tmp_path, GPT_WITH_FLOPS)
    worker = meta_worker.worker_for(checkout.root)
    with pytest.raises(MetaBuildError, match="TypeError"):
        worker.build(dict(n_layer=1, n_embd="wide"))
    assert worker.build(dict(n_layer=1, n_embd=64, vocab_size=100))["flops_per_token"] > 0


def test_a_worker_that_hangs_times_out(tmp_path):
    checkout = _checkout(tmp_path, "import time\ntime.sleep(60)\n")
    worker = MetaWorker(checkout.root)
    with pytest.raises(MetaBuildError, match="took too long"):
        worker.build(dict(n_layer=1), timeout=3)
    assert worker.proc is None


# "Estimated FLOPs per token" that real base_train runs printed (depth 4, vocab 4096, seq 256;
# /work/data/nanochat_logs/<name>_base_train.log); 7 significant digits as printed.
PRINTED_FLOPS = {"head": 2.831227e7, "feb": 2.831309e7, "v0_late": 2.831155e7}


@pytest.mark.parametrize("name", PRINTED_FLOPS)
def test_real_checkouts_give_the_flops_their_base_train_prints(name):
    root = Path(os.environ.get("NANOCHAT_CHECKOUTS", "/nonexistent")) / name
    if not (root / "nanochat" / "gpt.py").exists():
        pytest.skip(f"no real nanochat checkout at {root} (set NANOCHAT_CHECKOUTS)")
    checkout = load_checkout(root)
    extra = {} if name == "v0_late" else dict(head_dim=64, window_pattern="L")
    count, reason = meta_count(checkout, model_shape(checkout, 4, 4096, 256, **extra))
    assert reason is None, reason
    assert count.flops_per_token == pytest.approx(PRINTED_FLOPS[name], rel=1e-6)

# ----------------------------------------------------------------------------------------------
# A whole checklist run: torch is imported once, in the one worker, and not in the checklist.

GUARD = '''
import json, os, sys
STARTED = []

def pytest_configure(config):
    from preflight.sizing import meta_worker
    start = meta_worker.MetaWorker.start

    def counting(self):
        before = self.proc
        start(self)
        if before is None and self.proc is not None:
            STARTED.append(self.proc.pid)

    meta_worker.MetaWorker.start = counting

def pytest_sessionfinish(session):
    with open(os.environ["TORCH_GUARD_OUT"], "w") as f:
        json.dump(dict(torch="torch" in sys.modules, workers=len(STARTED)), f)
'''


@pytest.mark.parametrize("with_model", [False, True], ids=["stand-in", "gpt.py"])
def test_a_checklist_run_imports_torch_at_most_once(workspace, tmp_path, with_model):
    import json
    from standin_models import HEAD_GPT
    from workspaces import run_checklist
    if with_model:
        (workspace.checkout / "nanochat" / "gpt.py").write_text(HEAD_GPT)
    (tmp_path / "torchguard.py").write_text(GUARD)
    out = tmp_path / "guard.json"
    env = {"PYTHONPATH": os.pathsep.join([str(tmp_path), os.environ.get("PYTHONPATH", "")]),
           "TORCH_GUARD_OUT": str(out)}
    run = run_checklist(workspace, "-p", "torchguard", env_extra=env)
    assert run.code == 0, run.output[-3000:]
    seen = json.loads(out.read_text())
    assert seen == dict(torch=False, workers=1 if with_model else 0)
    assert ("meta-device" in run.summary["facts"]["sizing"]["params_source"]) == with_model
