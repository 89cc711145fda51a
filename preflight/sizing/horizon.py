"""How long the launch script's base training runs: iterations, tokens, passes over the data.

The flags come from the script's base-training call, the defaults from the checkout's own
`scripts/base_train.py` parser (read statically), else from the era table below. The arithmetic
mirrors base_train.py (reference §4): `--num-iterations` wins over `--target-flops`, which wins
over `--target-param-data-ratio`; `target_tokens = int(ratio * params)` where params are the
scaling params (transformer matrices + lm_head), or all params in 2025 nanochat. HEAD's automatic
total batch size (`--total-batch-size=-1`) is
`2**round(log2(2**19 * (target_tokens / D_REF)**0.383))` with `D_REF = ratio * scaling_params(d12)`.
"""

import math
from dataclasses import dataclass, field
from pathlib import Path

from preflight.readers.argparse_reader import UNKNOWN, Option, ParserReadError, ParserSpec, read_parser
from preflight.checkout import HEAD, V0, Checkout
from preflight.sizing.params import count_params, model_shape

# base_train's defaults per era, used when the checkout has no readable scripts/base_train.py.
_ERA_DEFAULTS = dict(depth=20, max_seq_len=2048, device_batch_size=32, num_iterations=-1,
                     target_flops=-1.0, aspect_ratio=64, head_dim=128, window_pattern="SSSL")


class HorizonError(ValueError):
    """The horizon cannot be computed from the call (a value known only at run time, bad values)."""


@dataclass
class Horizon:
    """What one base-training call will do."""
    depth: int
    iterations: int
    total_batch_size: int
    tokens: int                 # iterations * total_batch_size
    epochs: float               # tokens / data tokens (None when the data size is unknown)
    basis: str                  # num-iterations | target-flops | target-param-data-ratio
    ratio: float                # --target-param-data-ratio in effect
    params: int                 # the count the ratio multiplies (scaling or total)
    flops_per_token: int        # the checkout's estimate_flops() (else our 6 * matmul + attention)
    auto_batch: bool
    max_seq_len: int
    device_batch_size: int
    flags: dict = field(default_factory=dict)  # dest -> value, for the flags the call (or the
    #                                              config file it reads) sets
    param_source: str = ""
    notes: list = field(default_factory=list)

    def describe(self) -> str:
        how = {"num-iterations": "--num-iterations", "target-flops": "--target-flops",
               "target-param-data-ratio": f"ratio {self.ratio:g} x {self.params:,} params"}
        how = how[self.basis]
        batch = f"{self.total_batch_size:,}" + (" (auto)" if self.auto_batch else "")
        return (f"d{self.depth}: {self.iterations:,} iterations x {batch} tokens = "
                f"{self.tokens / 1e9:.2f}B tokens ({how})")


def _fallback_spec(checkout: Checkout, path: Path) -> ParserSpec:
    """base_train's parser as the era table knows it, for checkouts we cannot read."""
    era = checkout.era
    values = dict(_ERA_DEFAULTS, target_param_data_ratio=era.default_ratio,
                  total_batch_size=era.default_total_batch)
    if era is V0:
        values = {k: v for k, v in values.items()
                  if k not in ("aspect_ratio", "head_dim", "window_pattern")}
        values["target_param_data_ratio"] = int(era.default_ratio)
    kind = "configurator" if era.flag_style == "underscores" else "argparse"
    options = [Option((checkout.flag(dest),), dest, default=value,
                      type_name=type(value).__name__) for dest, value in values.items()]
    return ParserSpec(path, kind, options, notes=[f"defaults of the {era.label} table"])


def base_train_spec(checkout: Checkout) -> ParserSpec:
    """The checkout's base_train parser, or the era table's when it cannot be read."""
    path = checkout.module_path("scripts.base_train") or checkout.root / "scripts/base_train.py"
    try:
        spec = read_parser(path)
    except ParserReadError:
        return _fallback_spec(checkout, path)
    if spec.kind not in ("argparse", "configurator") or spec.option("depth") is None:
        return _fallback_spec(checkout, path)
    return spec


def _value(values: dict, flag, dest: str, fallback=None):
    value = values.get(dest, fallback)
    if value is None:
        value = fallback
    if isinstance(value, str) and UNKNOWN in value:
        raise HorizonError(f"{flag(dest)} is only known at run time "
                           f"({value.replace(UNKNOWN, '$…')})")
    return value


def _number(values: dict, flag, dest: str, kind=float, fallback=None):
    value = _value(values, flag, dest, fallback)
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        try:
            return kind(value)
        except (TypeError, ValueError):
            raise HorizonError(f"{flag(dest)}={value!r} is not a number") from None
    return value


def _attention_flops(checkout: Checkout, shape) -> int:
    """12 * heads * head_dim * effective context, summed over layers (sliding windows capped)."""
    t, h = shape.sequence_len, shape.n_head
    q = shape.model_dim // h
    if checkout.era is V0:
        return 12 * shape.depth * h * q * t
    short = -(-t // 4 // 128) * 128 if checkout.era is HEAD else t // 2
    pattern = (shape.window_pattern or "L").upper()
    windows = [t if pattern[i % len(pattern)] == "L" else short for i in range(shape.depth)]
    windows[-1] = t
    return sum(12 * h * q * min(w, t) for w in windows)


def horizon_from_call(call, checkout: Checkout, vocab_size: int, data_tokens,
                      cache_dir=None) -> Horizon:
    """The horizon of a base-training call (a lint_calls Call, or the list of its arguments)."""
    args = list(getattr(call, "args", call))
    spec = base_train_spec(checkout)
    parsed = spec.parse(args, cwd=checkout.root)
    values, flag = parsed.values, checkout.flag
    notes = list(spec.notes)
    if parsed.applied:
        notes.append("set by " + Path(str(values.get(spec.config.dest))).name + ": " + ", ".join(
            f"{flag(a.dest)}={a.after} ({a.where})" for a in parsed.applied))
    depth = int(_number(values, flag, "depth", int))
    max_seq_len = int(_number(values, flag, "max_seq_len", int, 2048))
    dbs = int(_number(values, flag, "device_batch_size", int, 32))
    ratio = _number(values, flag, "target_param_data_ratio", float, checkout.era.default_ratio)
    total_batch = int(_number(values, flag, "total_batch_size", int, checkout.era.default_total_batch))
    num_iterations = int(_number(values, flag, "num_iterations", int, -1))
    target_flops = _number(values, flag, "target_flops", float, -1.0)
    window = _value(values, flag, "window_pattern", "SSSL")
    shape_args = dict(sequence_len=max_seq_len,
                      aspect_ratio=int(_number(values, flag, "aspect_ratio", int, 64)),
                      head_dim=int(_number(values, flag, "head_dim", int, 128)),
                      window_pattern=window if checkout.era is not V0 else "L",
                      n_embd=int(_number(values, flag, "n_embd", int, -1)),
                      n_head=int(_number(values, flag, "n_head", int, -1)),
                      n_kv_head=int(_number(values, flag, "n_kv_head", int, -1)))
    if depth < 1:
        raise HorizonError(f"--depth={depth} builds no model")
    shape = model_shape(checkout, depth, vocab_size, **shape_args)
    count = count_params(checkout, shape, cache_dir=cache_dir)
    params = count.horizon
    target_tokens = int(ratio * params)
    flops_per_token = count.flops_per_token or \
        6 * (count.groups["transformer_matrices"] + count.groups["lm_head"]) + \
        _attention_flops(checkout, shape)

    auto = total_batch == -1
    if auto:
        auto_supported = spec.option("total_batch_size") is not None and \
            spec.option("total_batch_size").default == -1
        if not auto_supported:
            raise HorizonError("--total-batch-size=-1 (automatic) is not supported by this "
                               "nanochat version: base_train would divide by -1")
        reference = count_params(checkout, model_shape(checkout, 12, vocab_size, **shape_args),
                                 cache_dir=cache_dir)
        d_ref = ratio * reference.scaling
        if d_ref == 0 or target_tokens / d_ref <= 0:
            raise HorizonError(f"--target-param-data-ratio={ratio:g} leaves the automatic batch "
                               "size undefined")
        total_batch = 2 ** round(math.log2(2 ** 19 * (target_tokens / d_ref) ** 0.383))
    if total_batch <= 0:
        raise HorizonError(f"--total-batch-size={total_batch} is not a batch size")

    if num_iterations > 0:
        basis, iterations = "num-iterations", num_iterations
    elif target_flops > 0:
        basis, iterations = "target-flops", round(target_flops / (flops_per_token * total_batch))
        if not count.flops_per_token:
            notes.append("FLOPs per token estimated from the parameter groups (nanochat's own "
                         "estimate_flops() was not available)")
    elif ratio > 0:
        basis, iterations = "target-param-data-ratio", target_tokens // total_batch
    else:
        raise HorizonError("--num-iterations, --target-flops and --target-param-data-ratio are all "
                           "disabled: base_train asserts at startup")
    tokens = iterations * total_batch
    max_epochs = values.get("max_epochs")
    if isinstance(max_epochs, int) and 0 < max_epochs and data_tokens and \
            tokens / data_tokens > max_epochs:
        notes.append(f"this base_train stops early after {flag('max_epochs')}={max_epochs} passes "
                     "over the data")
    return Horizon(
        depth=depth, iterations=iterations, total_batch_size=total_batch, tokens=tokens,
        epochs=tokens / data_tokens if data_tokens else None, basis=basis, ratio=ratio,
        params=params, flops_per_token=flops_per_token, auto_batch=auto,
        max_seq_len=max_seq_len, device_batch_size=dbs,
        flags={d: values[d] for d in sorted(parsed.given | {a.dest for a in parsed.applied})},
        param_source=count.source, notes=notes)

