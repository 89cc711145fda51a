"""GPU memory per rank for a nanochat training step, and the largest device batch size that fits.

Static memory comes from the parameter tensors of the user's own model class (built on the meta
device by `preflight.params`): weights and gradients in their stored dtypes, plus optimizer state
laid out and sharded the way nanochat's optimizer does it:

* AdamW (embeddings, lm_head, scalars): `exp_avg` + `exp_avg_sq` like the parameter (bf16 for
  bf16 embeddings). With several ranks, tensors of 1024+ elements are sharded by rows (ZeRO-2), so
  a rank holds 1/N; smaller ones are replicated.
* Muon (every `transformer.h` matrix, stacked by shape): a momentum buffer and, in newer nanochat,
  a factored second moment, for the ceil(K/N) matrices of each group a rank owns.

Activations and logits scale with the tokens per micro-batch and use two constants calibrated on a
GPU by `bench/calibrate_memory.py`: bytes per token, per layer and per model channel kept for the
backward pass (compiled, flash attention: no seq x seq term), and bytes per token per vocabulary
entry around the loss. `peak_allocated` is what `torch.cuda.max_memory_allocated` reads;
`required` adds allocator slack, a safety margin and the CUDA context, and is compared with the
memory available on the GPU.
"""

import math
from dataclasses import asdict, dataclass

from preflight.sizing.params import ParamCount
from preflight.hardware.precision import DTYPE_BYTES, Recipe
from preflight.util.format import GiB

SMALL_PARAM = 1024  # nanochat's AdamW replicates tensors below this many elements


@dataclass(frozen=True)
class Constants:
    """act/logits bytes fitted by bench/calibrate_memory.py on an H200 (torch 2.11, compiled model,
    d12/d20 at batch 16/32, T 2048, V 32768): estimates within 1.5% of the measured peaks. They
    also reproduce nanochat's known 80 GB limits (d20-26 need batch 16, d28 needs 8)."""
    act_bytes: float = 39.2        # per token, per layer, per model channel
    logits_bytes: float = 2.05     # per token, per padded-vocabulary entry (the compiled loss)
    fragmentation: float = 0.05    # caching-allocator slack above the peak allocated
    margin: float = 0.05           # safety margin on top
    runtime_bytes: int = GiB       # CUDA context, cuBLAS and NCCL workspaces: not in max_allocated


DEFAULT_CONSTANTS = Constants()

# ----------------------------------------------------------------------------------------------
# Parameter tensors with the optimizer that updates them and the dtype they are stored in.

@dataclass(frozen=True)
class ParamTensor:
    name: str
    shape: tuple
    itemsize: int
    optimizer: str  # muon | adamw

    @property
    def numel(self) -> int:
        return math.prod(self.shape)


def _is_embedding(name: str) -> bool:
    return name.startswith(("transformer.wte", "value_embeds"))


def param_tensors(params: ParamCount, recipe: Recipe) -> list:
    """ParamTensors from the meta-device build; the formula path gets one tensor per group.

    nanochat's optimizer rule: every `transformer.h` parameter goes to Muon, the rest to AdamW.
    Embeddings are stored in the recipe's embedding dtype (the cast happens in init_weights, after
    the meta build, so the meta dtype says fp32); everything else keeps its own dtype.
    """
    if params.tensors:
        out = []
        for name, dims, dtype in params.tensors:
            size = recipe.embed_bytes if _is_embedding(name) else DTYPE_BYTES.get(dtype, 4)
            opt = "muon" if name.startswith("transformer.h.") else "adamw"
            out.append(ParamTensor(name, tuple(dims), size, opt))
        return out
    g, shape = params.groups, params.shape
    rows = shape.padded_vocab
    out = [ParamTensor("transformer.wte.weight", (rows, g["wte"] // rows), recipe.embed_bytes, "adamw"),
           ParamTensor("lm_head.weight", (rows, g["lm_head"] // rows), 4, "adamw")]
    if g["value_embeds"]:
        out.append(ParamTensor("value_embeds", (g["value_embeds"] // shape.model_dim, shape.model_dim),
                               recipe.embed_bytes, "adamw"))
    if g["scalars"]:
        out.append(ParamTensor("scalars", (g["scalars"],), 4, "adamw"))
    # Without per-tensor shapes: one stack of `depth` equal matrices (nanochat has six such stacks).
    per_layer = g["transformer_matrices"] // max(shape.depth, 1)
    out += [ParamTensor(f"transformer.h.{i}", (per_layer,), 4, "muon") for i in range(shape.depth)]
    return out


def muon_groups(tensors: list) -> list:
    """[(shape, K, itemsize)]: nanochat stacks Muon matrices of the same shape into one group."""
    groups = {}
    for t in tensors:
        if t.optimizer == "muon":
            key = (t.shape, t.itemsize)
            groups[key] = groups.get(key, 0) + 1
    return [(shape, k, size) for (shape, size), k in groups.items()]

# ----------------------------------------------------------------------------------------------
# Static memory: weights, gradients, optimizer state; and the optimizer step's temporaries.

def adamw_state_bytes(tensors: list, ranks: int) -> int:
    """AdamW moments one rank holds: row shards of large tensors, whole small ones."""
    total = 0
    for t in tensors:
        if t.optimizer != "adamw":
            continue
        sharded = ranks > 1 and t.numel >= SMALL_PARAM
        rows = t.shape[0]
        per_rank = math.ceil(rows / ranks) * (t.numel // rows) if sharded else t.numel
        total += 2 * per_rank * t.itemsize
    return total


def muon_state_bytes(tensors: list, ranks: int, recipe: Recipe) -> int:
    """Muon state one rank holds: momentum (and second moment) for the matrices it owns."""
    total = 0
    for shape, k, size in muon_groups(tensors):
        owned = math.ceil(k / ranks)
        numel = math.prod(shape)
        total += owned * numel * size
        if recipe.second_moment and len(shape) == 2:
            total += owned * max(shape) * size
        if recipe.optimizer == "split" and ranks > 1:
            total += numel * size  # DistMuon's zero buffer that pads each round of reduce_scatter
    return total


def _step_temporaries(tensors: list, ranks: int, recipe: Recipe) -> int:
    """Buffers alive during optimizer.step(), after the activations are freed."""
    groups = muon_groups(tensors)
    biggest = max((math.prod(s) * k * size for s, k, size in groups), default=0)
    # Polar Express on the largest stack (or matrix) a rank works on: bf16 copy plus fp32 temporaries.
    work_k = (lambda k: 1) if recipe.optimizer == "split" else (lambda k: math.ceil(k / ranks))
    work = max((3 * 4 * math.prod(s) * work_k(k) for s, k, _ in groups), default=0)
    adamw_slices = sum(t.numel // ranks * t.itemsize for t in tensors
                       if t.optimizer == "adamw" and ranks > 1 and t.numel >= SMALL_PARAM)
    if recipe.optimizer == "split":
        return work + adamw_slices
    if ranks == 1:
        # stack of the grads, then stack of the params (kept until the copy back), per group
        return 2 * sum(math.prod(s) * k * size for s, k, size in groups) + work
    stacked = sum(math.prod(s) * math.ceil(k / ranks) * ranks * size for s, k, size in groups)
    chunks = sum(2 * math.prod(s) * math.ceil(k / ranks) * size for s, k, size in groups)
    return stacked + chunks + biggest + work + adamw_slices

# ----------------------------------------------------------------------------------------------
# The estimate.

@dataclass(frozen=True)
class MemoryEstimate:
    ranks: int
    device_batch_size: int
    weights: int
    grads: int
    optimizer: int
    compute_copies: int     # bf16 copies of the fp32 matrices the forward keeps for backward
    activations: int
    logits: int
    step_temporaries: int
    constants: Constants

    @property
    def static(self) -> int:
        return self.weights + self.grads + self.optimizer

    @property
    def forward_backward_peak(self) -> int:
        return self.static + self.compute_copies + self.activations + self.logits

    @property
    def step_peak(self) -> int:
        return self.static + self.step_temporaries

    @property
    def peak_allocated(self) -> int:
        """What torch.cuda.max_memory_allocated would read on each rank."""
        return max(self.forward_backward_peak, self.step_peak)

    @property
    def required(self) -> int:
        """Device memory the rank needs: peak, allocator slack, margin, CUDA context."""
        c = self.constants
        return int(self.peak_allocated * (1 + c.fragmentation + c.margin)) + c.runtime_bytes

    def as_dict(self) -> dict:
        out = {k: v for k, v in asdict(self).items() if k != "constants"}
        out.update(static=self.static, forward_backward_peak=self.forward_backward_peak,
                   step_peak=self.step_peak, peak_allocated=self.peak_allocated,
                   required=self.required, constants=asdict(self.constants))
        return out


def estimate_memory(params: ParamCount, recipe: Recipe, ranks: int, device_batch_size: int,
                    seq_len: int = None, constants: Constants = DEFAULT_CONSTANTS) -> MemoryEstimate:
    """Per-rank memory of one training step (forward, backward, optimizer) at this batch size."""
    shape = params.shape
    seq_len = seq_len or shape.sequence_len
    tensors = param_tensors(params, recipe)
    weights = sum(t.numel * t.itemsize for t in tensors)
    copies = 0
    if recipe.compute_bytes < 4:
        copies = sum(t.numel for t in tensors if t.itemsize == 4
                     and (t.optimizer == "muon" or t.name.startswith("lm_head"))) * recipe.compute_bytes
    tokens = device_batch_size * seq_len
    act_scale = recipe.compute_bytes / 2
    return MemoryEstimate(
        ranks=ranks, device_batch_size=device_batch_size,
        weights=weights, grads=weights,
        optimizer=adamw_state_bytes(tensors, ranks) + muon_state_bytes(tensors, ranks, recipe),
        compute_copies=copies,
        activations=int(tokens * shape.depth * shape.model_dim * constants.act_bytes * act_scale),
        logits=int(tokens * shape.padded_vocab * constants.logits_bytes),
        step_temporaries=_step_temporaries(tensors, ranks, recipe),
        constants=constants)

# ----------------------------------------------------------------------------------------------
# Batch size: nanochat's divisibility rule, and the largest size that fits.

def batch_sizes_allowed(total_batch_size: int, seq_len: int, ranks: int) -> list:
    """Device batch sizes that keep total_batch_size % (dbs * seq_len * ranks) == 0, largest first."""
    per_step = seq_len * ranks
    if total_batch_size <= 0 or total_batch_size % per_step:
        return []
    q = total_batch_size // per_step
    small = [d for d in range(1, math.isqrt(q) + 1) if q % d == 0]
    return sorted(set(small + [q // d for d in small]), reverse=True)


def grad_accum_steps(total_batch_size: int, device_batch_size: int, seq_len: int, ranks: int):
    """nanochat's gradient accumulation steps, or None when the batch does not divide."""
    per_step = device_batch_size * seq_len * ranks
    if per_step <= 0 or total_batch_size % per_step:
        return None
    return total_batch_size // per_step


def largest_fitting_batch(params: ParamCount, recipe: Recipe, ranks: int, available: int,
                          total_batch_size: int, seq_len: int = None,
                          constants: Constants = DEFAULT_CONSTANTS):
    """(device_batch_size, estimate) for the largest allowed size whose estimate fits, else None."""
    seq_len = seq_len or params.shape.sequence_len
    for dbs in batch_sizes_allowed(total_batch_size, seq_len, ranks):
        est = estimate_memory(params, recipe, ranks, dbs, seq_len, constants)
        if est.required <= available:
            return dbs, est
    return None
