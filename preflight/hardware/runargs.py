"""The base_train settings the hardware plan depends on, resolved the way base_train resolves them.

Flags come from the launch command when the checklist knows it (a dict of base_train flags, names
with dashes or underscores); anything missing takes the checkout's default. The training horizon
follows base_train's precedence: --num-iterations, then --target-flops, then the data:param ratio;
newer nanochat also picks the total batch size itself (`--total-batch-size -1`, the default).
"""

import math
from dataclasses import dataclass, field

from ..checkout import HEAD, V0, Checkout
from ..params import ParamCount

B_REF = 2**19  # base_train's reference total batch (tokens) at depth 12


@dataclass(frozen=True)
class RunArgs:
    depth: int
    device_batch_size: int
    total_batch_size: int     # tokens per optimizer step, resolved (never -1)
    max_seq_len: int
    num_iterations: int
    save_every: int
    fp8: bool
    model_tag: str
    notes: tuple = field(default_factory=tuple)  # how the derived values were decided

    @property
    def checkpoint_subdir(self) -> str:
        return self.model_tag or f"d{self.depth}"


def normalize_flags(flags: dict) -> dict:
    """{'--device-batch-size': '16'} or {'device_batch_size': 16} -> {'device_batch_size': '16'}."""
    return {str(k).lstrip("-").replace("-", "_"): v for k, v in (flags or {}).items()}


def _int(flags, name, default):
    value = flags.get(name)
    if value is None or value == "":
        return default
    try:
        return int(float(value))
    except (TypeError, ValueError):
        raise ValueError(f"--{name.replace('_', '-')}={value!r} is not a number") from None


def _truthy(value) -> bool:
    return value is True or str(value).lower() in ("", "1", "true", "yes")


def flops_per_token(params: ParamCount, checkout: Checkout, seq_len: int) -> int:
    """base_train's estimate: 6 per matmul weight, plus attention over each layer's window."""
    s = params.shape
    pattern = "L" if checkout.era is V0 else (s.window_pattern or "L").upper()
    short = -(-seq_len // 4 // 128) * 128 if checkout.era is HEAD else seq_len // 2
    windows = [seq_len if i == s.depth - 1 or pattern[i % len(pattern)] == "L" else min(short, seq_len)
               for i in range(s.depth)]
    matmul = params.groups["transformer_matrices"] + params.groups["lm_head"]
    return 6 * matmul + sum(12 * s.model_dim * w for w in windows)


def resolve_run_args(checkout: Checkout, params: ParamCount, flags: dict, reference=None) -> RunArgs:
    """RunArgs from launch flags and the checkout's defaults.

    `reference` is a callable returning the ParamCount of the depth-12 model, needed only when the
    total batch size is automatic (newer nanochat's default).
    """
    f = normalize_flags(flags)
    era, notes = checkout.era, []
    seq = _int(f, "max_seq_len", params.shape.sequence_len)
    ratio = float(f.get("target_param_data_ratio") or era.default_ratio)
    total = _int(f, "total_batch_size", era.default_total_batch)
    target_tokens = int(ratio * params.horizon)
    if total <= 0:
        if reference is None:
            raise ValueError("the total batch size is automatic but no depth-12 reference was given")
        d_ref = ratio * reference().horizon
        total = 2 ** round(math.log2(B_REF * (target_tokens / d_ref) ** 0.383))
        notes.append(f"total batch {total:,} tokens picked the way base_train does (auto)")
    iterations = _int(f, "num_iterations", -1)
    target_flops = float(f.get("target_flops") or -1)
    if iterations > 0:
        notes.append(f"{iterations:,} iterations from --num-iterations")
    elif target_flops > 0:
        iterations = round(target_flops / (flops_per_token(params, checkout, seq) * total))
        notes.append(f"{iterations:,} iterations from --target-flops (FLOPs per token estimated)")
    else:
        iterations = target_tokens // total
        notes.append(f"{iterations:,} iterations from the data:param ratio {ratio:g}")
    return RunArgs(depth=params.shape.depth, device_batch_size=_int(f, "device_batch_size", 32),
                   total_batch_size=total, max_seq_len=seq, num_iterations=iterations,
                   save_every=_int(f, "save_every", -1), fp8=_truthy(f["fp8"]) if "fp8" in f else False,
                   model_tag=f.get("model_tag") or None, notes=tuple(notes))
