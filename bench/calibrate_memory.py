"""Calibrate the per-rank memory estimate against real training steps of a nanochat-shaped model.

On a GPU: for each depth and device batch size, build a GPT with nanochat's structure (written here
from its description: untied wte/lm_head, value embeddings on every other layer ending with the last,
relu^2 MLP, parameter-free RMSNorm, rotary + QK norm, fp32 soft-capped logits, bf16 embeddings with
fp32 matrices cast to bf16 in forward or bf16 autocast, flash attention via SDPA), train a few steps
with AdamW for embeddings/head/scalars and a Muon-like stacked optimizer for the matrices, and read
`torch.cuda.max_memory_allocated` after `reset_peak_memory_stats`. Prints estimate vs measured,
fits the two activation constants, and writes everything as JSON to --out (after every run, so a
timeout keeps what was measured).

    python bench/calibrate_memory.py --out reports/memory_calibration.json
    python bench/calibrate_memory.py --cpu-smoke      # tiny model on CPU: one step, estimate only
"""

import argparse
import gc
import json
import math
import platform
import sys
import time
from pathlib import Path

import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from preflight.hardware.memory import DEFAULT_CONSTANTS, Constants, estimate_memory  # noqa: E402
from preflight.hardware.precision import Recipe  # noqa: E402
from preflight.sizing.params import ParamCount, Shape  # noqa: E402
from preflight.util.atomic_write import write_json_atomic  # noqa: E402
from preflight.util.format import GiB  # noqa: E402

SOFTCAP = 15.0
GATE_CHANNELS = 12

# ----------------------------------------------------------------------------------------------
# The model.

def rms(x):
    return F.rms_norm(x, (x.size(-1),))


class CastLinear(nn.Linear):
    """fp32 master weight; the matmul runs in the dtype of the incoming activations."""

    def forward(self, x):
        return F.linear(x, self.weight.to(x.dtype))


def rotary(x, cos, sin):
    half = x.size(-1) // 2
    lo, hi = x[..., :half], x[..., half:]
    return torch.cat([lo * cos + hi * sin, hi * cos - lo * sin], dim=-1)


class SelfAttention(nn.Module):
    def __init__(self, dim, heads, value_gate):
        super().__init__()
        self.heads = heads
        self.wq, self.wk, self.wv, self.wo = (CastLinear(dim, dim, bias=False) for _ in range(4))
        self.gate = CastLinear(GATE_CHANNELS, heads, bias=False) if value_gate else None

    def forward(self, x, ve, cos, sin):
        b, t, c = x.shape
        h, d = self.heads, c // self.heads
        q, k, v = (w(x).view(b, t, h, d) for w in (self.wq, self.wk, self.wv))
        if ve is not None:
            mix = 3 * torch.sigmoid(self.gate(x[..., :GATE_CHANNELS]))
            v = v + mix.unsqueeze(-1) * ve.view(b, t, h, d)
        q, k = rms(rotary(q, cos, sin)) * 1.2, rms(rotary(k, cos, sin)) * 1.2
        y = F.scaled_dot_product_attention(q.transpose(1, 2), k.transpose(1, 2), v.transpose(1, 2),
                                           is_causal=True)
        return self.wo(y.transpose(1, 2).reshape(b, t, c))


class FeedForward(nn.Module):
    def __init__(self, dim):
        super().__init__()
        self.up, self.down = CastLinear(dim, 4 * dim, bias=False), CastLinear(4 * dim, dim, bias=False)

    def forward(self, x):
        return self.down(F.relu(self.up(x)).square())


class Layer(nn.Module):
    def __init__(self, dim, heads, value_gate):
        super().__init__()
        self.attn, self.mlp = SelfAttention(dim, heads, value_gate), FeedForward(dim)

    def forward(self, x, ve, cos, sin):
        x = x + self.attn(rms(x), ve, cos, sin)
        return x + self.mlp(rms(x))


def has_value_embedding(layer, depth):
    """Every other layer, counted back from the last one (which always has one)."""
    return (depth - 1 - layer) % 2 == 0


class CalibGPT(nn.Module):
    def __init__(self, depth, dim, heads, vocab, seq_len):
        super().__init__()
        self.depth, self.vocab = depth, vocab
        self.transformer = nn.ModuleDict(dict(
            wte=nn.Embedding(vocab, dim),
            h=nn.ModuleList(Layer(dim, heads, has_value_embedding(i, depth)) for i in range(depth))))
        self.value_embeds = nn.ModuleDict({str(i): nn.Embedding(vocab, dim)
                                           for i in range(depth) if has_value_embedding(i, depth)})
        self.lm_head = CastLinear(dim, vocab, bias=False)
        self.resid_lambdas = nn.Parameter(torch.ones(depth))
        self.x0_lambdas = nn.Parameter(torch.full((depth,), 0.1))
        self.backout_lambda = nn.Parameter(torch.tensor([0.2]))
        half = dim // heads // 2
        freqs = torch.outer(torch.arange(seq_len, dtype=torch.float32),
                            1.0 / 100000 ** (torch.arange(half, dtype=torch.float32) / half))
        self.register_buffer("cos", freqs.cos()[None, :, None, :], persistent=False)
        self.register_buffer("sin", freqs.sin()[None, :, None, :], persistent=False)

    @torch.no_grad()
    def prepare(self, compute_dtype, embed_dtype):
        """Random weights (scale is irrelevant to memory), embeddings and rotary in their dtypes."""
        for p in self.parameters():
            if p.dim() >= 2:
                p.normal_(0.0, 0.02)
        self.transformer.wte.to(embed_dtype)
        self.value_embeds.to(embed_dtype)
        self.cos, self.sin = self.cos.to(compute_dtype), self.sin.to(compute_dtype)

    def forward(self, idx, targets, compute_dtype):
        t = idx.size(1)
        cos, sin = self.cos[:, :t], self.sin[:, :t]
        x = x0 = rms(self.transformer.wte(idx).to(compute_dtype))
        mid = None
        for i, layer in enumerate(self.transformer.h):
            x = self.resid_lambdas[i].to(x.dtype) * x + self.x0_lambdas[i].to(x.dtype) * x0
            ve = self.value_embeds[str(i)](idx).to(x.dtype) if str(i) in self.value_embeds else None
            x = layer(x, ve, cos, sin)
            if i == self.depth // 2:
                mid = x
        return self.loss(x, mid, targets)

    def loss(self, x, mid, targets):
        x = rms(x - self.backout_lambda.to(x.dtype) * mid)
        logits = self.lm_head(x).float()
        logits = SOFTCAP * torch.tanh(logits / SOFTCAP)
        return F.cross_entropy(logits.view(-1, self.vocab), targets.view(-1))


def compile_model(model, scope):
    """model: one graph like nanochat; layers: each layer and the loss (fast: one layer graph reused)."""
    if scope == "model":
        return torch.compile(model, dynamic=False)
    if scope == "layers":
        for layer in model.transformer.h:
            layer.compile(dynamic=False)
        model.loss = torch.compile(model.loss, dynamic=False)
    return model

# ----------------------------------------------------------------------------------------------
# The optimizers: state shaped the way nanochat's MuonAdamW holds it on a single rank.

class AdamWState:
    """exp_avg / exp_avg_sq like each parameter (bf16 for bf16 embeddings); math in fp32."""

    def __init__(self, params, lr=1e-3, betas=(0.8, 0.95), eps=1e-10):
        self.params, self.lr, self.betas, self.eps, self.t = list(params), lr, betas, eps, 0
        self.state = [(torch.zeros_like(p), torch.zeros_like(p)) for p in self.params]

    @torch.no_grad()
    def step(self):
        self.t += 1
        b1, b2 = self.betas
        for p, (m, v) in zip(self.params, self.state):
            g = p.grad.float()
            m32, v32 = m.float().lerp_(g, 1 - b1), v.float().lerp_(g.square(), 1 - b2)
            update = (m32 / (1 - b1 ** self.t)) / ((v32 / (1 - b2 ** self.t)).sqrt() + self.eps)
            p.copy_(p.float() - self.lr * update)
            m.copy_(m32)
            v.copy_(v32)


def orthogonalize(g, steps=5):
    """Quintic Newton-Schulz iteration in bf16 towards the nearest semi-orthogonal matrix."""
    a, b, c = 3.4445, -4.7750, 2.0315
    x = g.bfloat16()
    tall = x.size(-2) > x.size(-1)
    if tall:
        x = x.mT
    x = x / (x.norm(dim=(-2, -1), keepdim=True) + 1e-7)
    for _ in range(steps):
        s = x @ x.mT
        x = a * x + (b * s + c * s @ s) @ x
    return x.mT if tall else x


class MuonState:
    """Matrices stacked by shape: momentum (K, rows, cols) and a factored second moment per stack."""

    def __init__(self, params, lr=0.02, momentum=0.95, beta2=0.9):
        self.lr, self.momentum, self.beta2 = lr, momentum, beta2
        stacks = {}
        for p in params:
            stacks.setdefault(tuple(p.shape), []).append(p)
        self.stacks = []
        for shape, ps in stacks.items():
            second = (len(ps), shape[0], 1) if shape[0] >= shape[1] else (len(ps), 1, shape[1])
            self.stacks.append((ps, torch.zeros(len(ps), *shape, device=ps[0].device),
                                torch.zeros(second, device=ps[0].device)))

    @torch.no_grad()
    def step(self):
        updated = []
        for ps, mom, second in self.stacks:
            g = torch.stack([p.grad for p in ps])
            mom.lerp_(g, 1 - self.momentum)
            g.lerp_(mom, self.momentum)
            u = orthogonalize(g).float()
            dim = -1 if second.size(-1) == 1 else -2
            second.lerp_(u.square().mean(dim=dim, keepdim=True), 1 - self.beta2)
            u.mul_(second.clamp_min(1e-10).rsqrt())
            stacked = torch.stack(ps)
            stacked.sub_(self.lr * u)
            updated.append((ps, stacked))
        for ps, stacked in updated:
            torch._foreach_copy_(ps, list(stacked.unbind(0)))

# ----------------------------------------------------------------------------------------------
# One configuration: build, train a few steps, measure; and the matching estimate.

def model_dims(depth, aspect=64, head_dim=128):
    dim = math.ceil(depth * aspect / head_dim) * head_dim
    return dim, dim // head_dim


def param_count(model, shape):
    """The estimator's input, built from this model the way preflight builds it from nanochat's."""
    tensors = [[n, list(p.shape), str(p.dtype).replace("torch.", "")]
               for n, p in model.named_parameters()]
    groups = dict(wte=0, value_embeds=0, lm_head=0, transformer_matrices=0, scalars=0)
    for name, dims, _ in tensors:
        key = ("wte" if name.startswith("transformer.wte") else "value_embeds"
               if name.startswith("value_embeds") else "lm_head" if name.startswith("lm_head")
               else "transformer_matrices" if name.startswith("transformer.h.") else "scalars")
        groups[key] += math.prod(dims)
    return ParamCount(shape, groups, tensors, source="bench CalibGPT")


def build(depth, vocab, seq_len, device):
    dim, heads = model_dims(depth)
    model = CalibGPT(depth, dim, heads, vocab, seq_len).to(device)
    model.prepare(torch.bfloat16, torch.bfloat16)
    matrices = [p for n, p in model.named_parameters() if n.startswith("transformer.h.")]
    others = [p for n, p in model.named_parameters() if not n.startswith("transformer.h.")]
    shape = Shape(depth, dim, heads, vocab, seq_len, "L")
    return model, (AdamWState(others), MuonState(matrices)), param_count(model, shape)


def micro_step(compiled, idx, targets, grad_accum, autocast):
    """Forward and backward of one micro-batch; gradients accumulate like nanochat's loop."""
    if autocast:
        with torch.autocast("cuda", dtype=torch.bfloat16):
            loss = compiled(idx, targets, torch.bfloat16)
    else:
        loss = compiled(idx, targets, torch.bfloat16)
    (loss / grad_accum).backward()
    return loss


def train_step(model, optimizers, compiled, idx, targets, grad_accum, autocast):
    for _ in range(grad_accum):
        micro_step(compiled, idx, targets, grad_accum, autocast)
    for opt in optimizers:
        opt.step()
    model.zero_grad(set_to_none=True)


def measure(depth, dbs, args, recipe):
    device = "cuda"
    model, optimizers, params = build(depth, args.vocab, args.seq_len, device)
    compiled = compile_model(model, args.compile)
    torch.manual_seed(depth * 1000 + dbs)
    idx = torch.randint(0, args.vocab, (dbs, args.seq_len), device=device)
    targets = torch.randint(0, args.vocab, (dbs, args.seq_len), device=device)
    autocast = args.precision == "autocast"
    t0 = time.time()
    for _ in range(args.warmup):
        train_step(model, optimizers, compiled, idx, targets, args.grad_accum, autocast)
    torch.cuda.synchronize()
    warm_s = time.time() - t0
    resident = torch.cuda.memory_allocated()  # weights + optimizer state, no grads (set_to_none)
    torch.cuda.reset_peak_memory_stats()
    for _ in range(args.grad_accum):
        micro_step(compiled, idx, targets, args.grad_accum, autocast)
    torch.cuda.synchronize()
    fwd_bwd = torch.cuda.max_memory_allocated()
    reserved = torch.cuda.max_memory_reserved()
    torch.cuda.reset_peak_memory_stats()
    for opt in optimizers:
        opt.step()
    torch.cuda.synchronize()
    step = torch.cuda.max_memory_allocated()
    model.zero_grad(set_to_none=True)
    est = estimate_memory(params, recipe, 1, dbs, args.seq_len, args.constants)
    del model, optimizers, compiled, idx, targets
    return dict(params=params.groups, warmup_s=round(warm_s, 1), estimate=est.as_dict(), measured=dict(
        resident=resident, forward_backward_peak=fwd_bwd, step_peak=step,
        peak_allocated=max(fwd_bwd, step), peak_reserved=reserved))


def attempt(depth, dbs, args, recipe):
    """One measurement; an OOM is a result, a failed compile falls back to eager for this run."""
    try:
        return dict(measure(depth, dbs, args, recipe), compile=args.compile)
    except torch.cuda.OutOfMemoryError as exc:
        return dict(error=f"OOM: {str(exc).splitlines()[0]}")
    except Exception as exc:  # noqa: BLE001 - unattended run: record it and keep measuring
        problem = f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"
    finally:
        release()
    if args.compile == "none":
        return dict(error=problem)
    try:
        return dict(measure(depth, dbs, argparse.Namespace(**dict(vars(args), compile="none")), recipe),
                    compile=f"none (compile failed: {problem})")
    except Exception as exc:  # noqa: BLE001
        return dict(error=f"{problem}; eager: {type(exc).__name__}: {exc}")
    finally:
        release()


def release():
    gc.collect()
    torch.cuda.empty_cache()
    torch._dynamo.reset()

# ----------------------------------------------------------------------------------------------
# Fitting the constants: activations and logits grow linearly with the tokens per micro-batch.

def fit(results, seq_len, vocab):
    """Per depth, the per-sequence slope of the forward/backward peak; two depths give both constants."""
    slopes = {}
    for r in results:
        if "measured" in r:
            slopes.setdefault(r["depth"], []).append((r["device_batch_size"],
                                                      r["measured"]["forward_backward_peak"]))
    rows = []
    for depth, pts in sorted(slopes.items()):
        if len(pts) >= 2:
            (b1, m1), (b2, m2) = min(pts), max(pts)
            if b2 != b1:
                dim, _ = model_dims(depth)
                rows.append((depth * dim, (m2 - m1) / ((b2 - b1) * seq_len)))
    out = dict(per_token_slopes={str(ld): s for ld, s in rows})
    if len(rows) >= 2:
        (x1, y1), (x2, y2) = rows[0], rows[-1]
        act = (y2 - y1) / (x2 - x1)
        out.update(act_bytes=act, logits_bytes=(y1 - act * x1) / vocab)
    elif len(rows) == 1:
        x, y = rows[0]
        out.update(act_bytes=(y - vocab * DEFAULT_CONSTANTS.logits_bytes) / x,
                   logits_bytes=DEFAULT_CONSTANTS.logits_bytes, note="one depth: logits_bytes kept")
    if "act_bytes" in out:
        refit = Constants(out["act_bytes"], out["logits_bytes"])
        residuals = []
        for r in results:
            if "measured" in r:
                e = r["estimate"]
                tokens = r["device_batch_size"] * seq_len
                dim, _ = model_dims(r["depth"])
                model = (e["static"] + e["compute_copies"] + tokens * r["depth"] * dim * refit.act_bytes
                         + tokens * vocab * refit.logits_bytes)
                residuals.append(r["measured"]["forward_backward_peak"] - model)
        out["fixed_residual_bytes"] = sum(residuals) / len(residuals)
    return out


def table(results):
    lines = [f"{'depth':>5} {'dbs':>4} {'estimate GiB':>13} {'measured GiB':>13} {'est/meas':>9} "
             f"{'resident est/meas GiB':>22}"]
    for r in results:
        if "measured" not in r:
            lines.append(f"{r['depth']:>5} {r['device_batch_size']:>4} {r.get('error', '')}")
            continue
        e, m = r["estimate"], r["measured"]
        lines.append(f"{r['depth']:>5} {r['device_batch_size']:>4} {e['peak_allocated'] / GiB:>13.2f} "
                     f"{m['peak_allocated'] / GiB:>13.2f} {e['peak_allocated'] / m['peak_allocated']:>9.3f} "
                     f"{(e['weights'] + e['optimizer']) / GiB:>10.2f} / {m['resident'] / GiB:.2f}")
    return "\n".join(lines)

# ----------------------------------------------------------------------------------------------
# Entry points.

def cpu_smoke(args, recipe):
    """A tiny model through one real training step on CPU, then the estimate for it (no measurement)."""
    torch.manual_seed(0)
    depth, vocab, seq_len, dbs = 2, 512, 64, 2
    dim, heads = 128, 2
    model = CalibGPT(depth, dim, heads, vocab, seq_len)
    model.prepare(torch.bfloat16, torch.bfloat16)
    matrices = [p for n, p in model.named_parameters() if n.startswith("transformer.h.")]
    others = [p for n, p in model.named_parameters() if not n.startswith("transformer.h.")]
    optimizers = (AdamWState(others), MuonState(matrices))
    idx = torch.randint(0, vocab, (dbs, seq_len))
    loss = model(idx, idx.roll(-1, 1), torch.bfloat16)
    loss.backward()
    for opt in optimizers:
        opt.step()
    params = param_count(model, Shape(depth, dim, heads, vocab, seq_len, "L"))
    est = estimate_memory(params, recipe, 1, dbs, seq_len, args.constants)
    print(f"cpu smoke: depth {depth}, dim {dim}, vocab {vocab}, seq {seq_len}, batch {dbs}: "
          f"loss {loss.item():.3f} (finite: {math.isfinite(loss.item())})")
    print(f"estimate (not measured on CPU): peak {est.peak_allocated / 2**20:.1f} MiB = "
          f"weights {est.weights / 2**20:.1f} + grads {est.grads / 2**20:.1f} + optimizer "
          f"{est.optimizer / 2**20:.1f} + activations {est.activations / 2**20:.1f} + logits "
          f"{est.logits / 2**20:.1f} MiB")
    result = dict(mode="cpu-smoke", loss=loss.item(), estimate=est.as_dict(), params=params.groups)
    if args.out:
        write_json_atomic(args.out, result)
    return 0 if math.isfinite(loss.item()) else 1


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--depths", default="12,20", help="comma-separated depths (default 12,20)")
    ap.add_argument("--batch-sizes", default="16,32", help="device batch sizes per depth (default 16,32)")
    ap.add_argument("--seq-len", type=int, default=2048)
    ap.add_argument("--vocab", type=int, default=32768)
    ap.add_argument("--grad-accum", type=int, default=2, help="micro-steps per step (grads stay live)")
    ap.add_argument("--warmup", type=int, default=2, help="full steps before measuring (compile, state)")
    ap.add_argument("--precision", choices=("cast", "autocast"), default="cast",
                    help="cast: fp32 weights cast to bf16 in forward (nanochat 2026-03+); autocast: older")
    ap.add_argument("--compile", choices=("layers", "model", "none"), default="layers",
                    help="layers (default): each layer and the loss compiled, one graph reused across "
                         "layers; model: the whole model as one graph like nanochat (slow to compile)")
    ap.add_argument("--budget-s", type=float, default=270, help="start no new run after this many seconds")
    ap.add_argument("--act-bytes", type=float, default=DEFAULT_CONSTANTS.act_bytes)
    ap.add_argument("--logits-bytes", type=float, default=DEFAULT_CONSTANTS.logits_bytes)
    ap.add_argument("--out", help="write results as JSON here")
    ap.add_argument("--cpu-smoke", action="store_true", help="tiny model on CPU, estimate only")
    args = ap.parse_args(argv)
    args.constants = Constants(args.act_bytes, args.logits_bytes)
    recipe = Recipe(compute_dtype="bfloat16", embed_dtype="bfloat16", optimizer="muon_adamw")
    if args.cpu_smoke:
        return cpu_smoke(args, recipe)
    if not torch.cuda.is_available():
        print("no CUDA device: run with --cpu-smoke, or on a machine with a GPU", file=sys.stderr)
        return 2
    start = time.time()
    props = torch.cuda.get_device_properties(0)
    report = dict(device=props.name, memory=props.total_memory, capability=[props.major, props.minor],
                  torch=torch.__version__, cuda=torch.version.cuda, python=platform.python_version(),
                  compile=args.compile, precision=args.precision, seq_len=args.seq_len,
                  vocab=args.vocab, grad_accum=args.grad_accum, constants_used=vars(args.constants),
                  runs=[])
    depths = [int(d) for d in args.depths.split(",")]
    sizes = [int(b) for b in args.batch_sizes.split(",")]
    for depth in depths:
        for dbs in sizes:
            row = dict(depth=depth, device_batch_size=dbs)
            if time.time() - start > args.budget_s:
                row["error"] = "skipped: time budget spent"
            else:
                run_start = time.time()
                row.update(attempt(depth, dbs, args, recipe))
                row["run_s"] = round(time.time() - run_start, 1)
            report["runs"].append(row)
            report["fit"] = fit(report["runs"], args.seq_len, args.vocab)
            report["elapsed_s"] = round(time.time() - start, 1)
            if args.out:
                write_json_atomic(args.out, report)
            print(f"depth {depth} dbs {dbs}: {json.dumps(row.get('measured', row.get('error')))}",
                  flush=True)
    print(table(report["runs"]))
    print("fit:", json.dumps(report["fit"], indent=1))
    if "act_bytes" in report["fit"]:
        f = report["fit"]
        print(f"suggested: Constants(act_bytes={f['act_bytes']:.1f}, logits_bytes={f['logits_bytes']:.2f}) "
              f"with a fixed residual of {f['fixed_residual_bytes'] / GiB:.2f} GiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
