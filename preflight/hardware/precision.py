"""How a nanochat checkout will train on a GPU: compute dtype, embedding storage, optimizer layout, FP8.

nanochat decides these in code, not in flags. Newer checkouts pick `COMPUTE_DTYPE` at import time
(bf16 on capability 8.0+, else fp32; `NANOCHAT_DTYPE` overrides) and store `wte`/`value_embeds` in
it. Older ones hard-code bf16 autocast and bf16 embeddings on CUDA, with no fallback. The optimizer
is one `MuonAdamW` (nanochat/optim.py, late January 2026 on) or `DistAdamW` + `DistMuon` before.
We read the checkout's source for these markers rather than trusting the era alone.
"""

import os
from dataclasses import dataclass

from preflight.checkout import Checkout

DTYPE_BYTES = {"bfloat16": 2, "float16": 2, "float32": 4}
BF16_CAPABILITY = (8, 0)
FP8_CAPABILITY = (8, 9)


@dataclass(frozen=True)
class Recipe:
    compute_dtype: str = "bfloat16"   # activations and matmuls
    embed_dtype: str = "bfloat16"     # storage of wte and value_embeds
    optimizer: str = "muon_adamw"     # muon_adamw | split (DistAdamW + DistMuon)
    second_moment: bool = True        # Muon keeps a factored second moment
    status: str = "ok"                # ok | warn | fail: can this GPU train this way?
    message: str = ""

    @property
    def compute_bytes(self) -> int:
        return DTYPE_BYTES[self.compute_dtype]

    @property
    def embed_bytes(self) -> int:
        return DTYPE_BYTES[self.embed_dtype]


def _source(checkout: Checkout, rel: str) -> str:
    try:
        return (checkout.root / rel).read_text(errors="replace")
    except OSError:
        return ""


def _layout(checkout: Checkout) -> dict:
    """Optimizer layout and dtype policy from the checkout's files (newest layout when absent)."""
    optim = _source(checkout, "nanochat/optim.py")
    muon = _source(checkout, "nanochat/muon.py")
    common = _source(checkout, "nanochat/common.py")
    if not checkout.detected or (not optim and not muon):
        return dict(optimizer="muon_adamw", second_moment=True, auto_dtype=True)
    split = not optim
    return dict(optimizer="split" if split else "muon_adamw",
                second_moment="second_momentum_buffer" in (muon if split else optim),
                auto_dtype="COMPUTE_DTYPE" in common)


def _cap(capability) -> str:
    return f"capability {capability[0]}.{capability[1]}"


def training_recipe(checkout: Checkout, capability, environ=None) -> Recipe:
    """What nanochat will do on a GPU of `capability` (None: unknown, assume bf16)."""
    environ = os.environ if environ is None else environ
    layout = _layout(checkout)
    base = dict(optimizer=layout["optimizer"], second_moment=layout["second_moment"])
    if capability is None:
        return Recipe(**base, status="ok", message="GPU unknown: planned in bf16")
    has_bf16 = tuple(capability) >= BF16_CAPABILITY
    if not layout["auto_dtype"]:
        if has_bf16:
            return Recipe(**base, message=f"bf16 autocast ({_cap(capability)})")
        return Recipe(**base, status="fail", message=(
            f"bf16 needs capability 8.0+, the GPU has {_cap(capability)}; this nanochat hard-codes "
            "bf16 (autocast and bf16 embeddings) with no fallback, so it will not train here. Use an "
            "Ampere or newer GPU, or a nanochat with COMPUTE_DTYPE (March 2026+), which falls back to fp32"))
    forced = environ.get("NANOCHAT_DTYPE")
    if forced is not None and forced not in DTYPE_BYTES:
        return Recipe(**base, status="fail", message=(
            f"NANOCHAT_DTYPE={forced!r} is not one of {', '.join(DTYPE_BYTES)}; nanochat fails at import"))
    if forced == "bfloat16" and not has_bf16:
        return Recipe(**base, status="fail", message=(
            f"NANOCHAT_DTYPE=bfloat16 but bf16 needs capability 8.0+ and the GPU has {_cap(capability)}; "
            "unset it and nanochat falls back to fp32"))
    if forced == "float16":
        # fp16 needs GradScaler, which cannot unscale fp16 grads: nanochat keeps embeddings in fp32.
        return Recipe(**base, compute_dtype="float16", embed_dtype="float32", status="warn", message=(
            "NANOCHAT_DTYPE=float16: fp16 with a GradScaler and fp32 embeddings; no Flash Attention 3"))
    if forced == "float32":
        return Recipe(**base, compute_dtype="float32", embed_dtype="float32", message=(
            "NANOCHAT_DTYPE=float32: fp32 compute as requested (slow, twice the activation memory)"))
    if has_bf16:
        return Recipe(**base, message=f"bf16 ({_cap(capability)}, nanochat auto-detects it)")
    return Recipe(**base, compute_dtype="float32", embed_dtype="float32", status="warn", message=(
        f"bf16 needs capability 8.0+, the GPU has {_cap(capability)}: nanochat will fall back to fp32 "
        "(several times slower, twice the activation memory, no Flash Attention 3); planned in fp32"))


def fp8_verdict(capability, fp8: bool) -> tuple:
    """(status, message) for --fp8 on a GPU of `capability`."""
    if not fp8:
        return "ok", "--fp8 not requested"
    if capability is None:
        return "ok", "--fp8 requested; GPU unknown"
    if tuple(capability) >= FP8_CAPABILITY:
        return "ok", f"--fp8 on {_cap(capability)} (FP8 matmuls supported)"
    return "fail", (f"--fp8 needs capability 8.9+ (Ada, Hopper or newer), the GPU has {_cap(capability)}; "
                    "nanochat does not check and does not fall back: torch._scaled_mm fails at the first "
                    "FP8 matmul. Drop --fp8 to train in bf16")
