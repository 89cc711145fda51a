"""Exact parameter counts for the user's own nanochat: its model class on the meta device, else formulas.

The meta-device build runs in one worker subprocess per checkout (`meta_worker`: its imports, its
torch, no GPU, nothing allocated), so a broken or foreign checkout cannot take the checklist down
with it; the same build gives nanochat's own FLOPs per token.
"""

import math
import sys
from dataclasses import dataclass, field

from preflight.util.cache import JsonCache, cache_key, file_identity
from preflight.checkout import FEB, FLAT, HEAD, V0, Checkout
from preflight.sizing.meta_worker import MetaBuildError, prefetch, worker_for

PAD_VOCAB_TO = 64
_FAILED = {}  # cache key -> why the meta-device build failed, for this process


@dataclass(frozen=True)
class Shape:
    """A model's shape as base_train derives it from --depth."""
    depth: int
    model_dim: int
    n_head: int
    vocab_size: int
    sequence_len: int = 2048
    window_pattern: str = "SSSL"
    n_kv_head: int = 0  # key/value heads (grouped-query attention); 0: as many as n_head

    @property
    def padded_vocab(self) -> int:
        return math.ceil(self.vocab_size / PAD_VOCAB_TO) * PAD_VOCAB_TO

    @property
    def kv_heads(self) -> int:
        return self.n_kv_head or self.n_head


def model_shape(checkout: Checkout, depth: int, vocab_size: int, sequence_len: int = 2048,
                aspect_ratio: int = 64, head_dim: int = 128, window_pattern: str = "SSSL",
                n_embd: int = -1, n_head: int = -1, n_kv_head: int = -1) -> Shape:
    """depth -> width and heads, the way the checkout's base_train computes them (the IaC fork's
    --n-embd/--n-head/--n-kv-head, -1 = derived, override the width and heads)."""
    if checkout.era is V0:
        dim = depth * aspect_ratio
        return Shape(depth, dim, max(1, math.ceil(dim / head_dim)), vocab_size, sequence_len)
    if n_embd > 0:
        heads = n_head if n_head > 0 else n_embd // head_dim
        kv = n_kv_head if n_kv_head > 0 else heads
        return Shape(depth, n_embd, heads, vocab_size, sequence_len, window_pattern,
                     0 if kv == heads else kv)
    dim = math.ceil(depth * aspect_ratio / head_dim) * head_dim
    return Shape(depth, dim, dim // head_dim, vocab_size, sequence_len, window_pattern)


@dataclass
class ParamCount:
    shape: Shape
    groups: dict              # wte, value_embeds, lm_head, transformer_matrices, scalars -> count
    tensors: list = field(default_factory=list)  # [name, shape, dtype] per parameter (meta source)
    source: str = ""
    horizon_basis: str = "scaling"  # which count nanochat multiplies by the data ratio
    flops_per_token: int = None     # the checkout's own GPT.estimate_flops() (meta source only)

    @property
    def total(self) -> int:
        return sum(self.groups.values())

    @property
    def scaling(self) -> int:
        """transformer matrices + lm_head: what newer nanochat uses for its training horizon."""
        return self.groups["transformer_matrices"] + self.groups["lm_head"]

    @property
    def horizon(self) -> int:
        """The count nanochat multiplies by --target-param-data-ratio."""
        return self.total if self.horizon_basis == "total" else self.scaling

# ----------------------------------------------------------------------------------------------
# Formulas per era (reference §3), used when the checkout cannot be imported.

def formula_count(checkout: Checkout, shape: Shape) -> ParamCount:
    L, d, H, V = shape.depth, shape.model_dim, shape.n_head, shape.padded_vocab
    era = checkout.era
    if era is V0:
        groups = dict(wte=V * d, value_embeds=0, lm_head=V * d,
                      transformer_matrices=12 * L * d * d, scalars=0)
        return ParamCount(shape, groups, source="formula (2025 nanochat)", horizon_basis="total")
    n_ve = math.ceil(L / 2)
    gate = 12 if era is HEAD else 32
    kv, kv_dim = shape.kv_heads, shape.kv_heads * (d // H)  # grouped-query attention: smaller k, v
    groups = dict(wte=V * d, value_embeds=n_ve * V * kv_dim, lm_head=V * d,
                  transformer_matrices=L * (10 * d * d + 2 * d * kv_dim) + n_ve * gate * kv,
                  scalars=2 * L + (26 if era is HEAD else 0))
    note = "" if era in (HEAD, FEB, FLAT) else ", approximate: no exact formula for this era"
    return ParamCount(shape, groups, source=f"formula ({era.label}{note})")

# ----------------------------------------------------------------------------------------------
# The checkout's own model class on the meta device.

def _group_of(name: str) -> str:
    if name.startswith("transformer.wte"):
        return "wte"
    if name.startswith("value_embeds"):
        return "value_embeds"
    if name.startswith("lm_head"):
        return "lm_head"
    if name.startswith("transformer.h."):
        return "transformer_matrices"
    return "scalars"


def meta_count(checkout: Checkout, shape: Shape, timeout: float = 120):
    """Count with the checkout's GPT class; (ParamCount, None) or (None, one-line reason)."""
    gpt = checkout.source_path("gpt")
    if not checkout.detected or not gpt.is_file():
        return None, f"no {gpt.relative_to(checkout.root)} under {checkout.root}"
    wanted = dict(sequence_len=shape.sequence_len, vocab_size=shape.vocab_size, n_layer=shape.depth,
                  n_head=shape.n_head, n_kv_head=shape.kv_heads, n_embd=shape.model_dim,
                  window_pattern=shape.window_pattern)
    try:
        built = worker_for(checkout.root, f"{checkout.own_import}gpt").build(wanted, timeout)
    except MetaBuildError as exc:
        return None, str(exc)
    tensors = built["tensors"]
    groups = dict.fromkeys(("wte", "value_embeds", "lm_head", "transformer_matrices", "scalars"), 0)
    for name, dims, _ in tensors:
        groups[_group_of(name)] += math.prod(dims)
    basis = "total" if checkout.era is V0 else "scaling"
    return ParamCount(shape, groups, tensors, f"meta-device model from {gpt}", basis,
                      built["flops_per_token"]), None


def count_params(checkout: Checkout, shape: Shape, cache_dir=None) -> ParamCount:
    """The exact count when the checkout imports, else the era's formula (source says which)."""
    cache = JsonCache(cache_dir) if cache_dir else None
    gpt = checkout.source_path("gpt")
    key = cache_key("params", 3, file_identity(gpt) if gpt.is_file() else None, shape.__dict__,
                    checkout.era.name, sys.executable)
    hit = cache.get(key) if cache else None
    if hit:
        return ParamCount(Shape(**hit.pop("shape")), **hit)
    # A checkout that does not import fails once per run, not once per call; across runs it is
    # tried again (the user may have installed what it missed).
    count, reason = (None, _FAILED[key]) if key in _FAILED else meta_count(checkout, shape)
    if count is None:
        _FAILED[key] = reason
        count = formula_count(checkout, shape)
        count.source += f"; {reason}"
    elif cache:
        cache.put(key, dict(shape=shape.__dict__, groups=count.groups, tensors=count.tensors,
                            source=count.source, horizon_basis=count.horizon_basis,
                            flops_per_token=count.flops_per_token))
        cache.put(_built_key(checkout), True)
    return count


def _built_key(checkout: Checkout) -> str:
    return cache_key("params-built", file_identity(checkout.source_path("gpt")),
                     sys.executable)


def prefetch_model(checkout: Checkout, cache_dir) -> bool:
    """Start the checkout's meta-device worker now when this run will likely need it (a checkout
    with a model whose counts are not cached yet); True when started."""
    gpt = checkout.source_path("gpt")
    if not checkout.detected or not gpt.is_file():
        return False
    if cache_dir and JsonCache(cache_dir).get(_built_key(checkout)):
        return False
    prefetch(checkout.root, f"{checkout.own_import}gpt")
    return True
