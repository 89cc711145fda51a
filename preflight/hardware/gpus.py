"""A built-in table of common NVIDIA GPUs, and `--target-gpu` parsing, for planning without the hardware.

Memory is the total NVML reports for the card (MiB), so a plan made for a target matches what the
probe would read on the real machine. Capability decides the precision nanochat can train in:
bf16 needs 8.0 (Ampere), FP8 matmuls need 8.9 (Ada) or 9.0 (Hopper) and newer.
"""

import difflib
import re
from dataclasses import dataclass

from preflight.util.format import GiB, MiB



@dataclass(frozen=True)
class GpuSpec:
    name: str            # canonical name, as `preflight gpus` lists it
    memory: int          # bytes of device memory
    capability: tuple    # (major, minor)
    aliases: tuple = ()

    @property
    def capability_text(self) -> str:
        return f"{self.capability[0]}.{self.capability[1]}"


def _spec(name, mib, cap, *aliases):
    return GpuSpec(name, mib * MiB, cap, aliases)


# name, total MiB, capability, aliases. Data center first, then workstation and consumer cards.
GPU_TABLE = (
    _spec("B200", 183359, (10, 0), "B200-180GB", "B200-SXM"),
    _spec("B300", 275040, (10, 3), "B300-288GB", "B300-SXM"),
    _spec("GB200", 189471, (10, 0), "GB200-186GB"),
    _spec("H200", 143771, (9, 0), "H200-141GB", "H200-SXM", "H200-SXM-141GB"),
    _spec("H200-NVL", 143771, (9, 0), "H200-NVL-141GB"),
    _spec("GH200", 97871, (9, 0), "GH200-96GB"),
    _spec("H100-80GB", 81559, (9, 0), "H100", "H100-SXM", "H100-SXM-80GB", "H100-SXM5",
          "H100-SXM5-80GB", "H100-80GB-HBM3"),
    _spec("H100-PCIE-80GB", 81559, (9, 0), "H100-PCIE"),
    _spec("H100-NVL", 95830, (9, 0), "H100-NVL-94GB", "H100-94GB"),
    _spec("H800-80GB", 81559, (9, 0), "H800"),
    _spec("H20", 97871, (9, 0), "H20-96GB"),
    _spec("A100-80GB", 81920, (8, 0), "A100-SXM-80GB", "A100-SXM4-80GB", "A100-PCIE-80GB"),
    _spec("A100-40GB", 40960, (8, 0), "A100-SXM-40GB", "A100-SXM4-40GB", "A100-PCIE-40GB"),
    _spec("A800-80GB", 81920, (8, 0), "A800"),
    _spec("A30", 24576, (8, 0), "A30-24GB"),
    _spec("A40", 46068, (8, 6), "A40-48GB"),
    _spec("A10", 23028, (8, 6), "A10-24GB"),
    _spec("A10G", 23028, (8, 6), "A10G-24GB"),
    _spec("L4", 23034, (8, 9), "L4-24GB"),
    _spec("L40", 46068, (8, 9), "L40-48GB"),
    _spec("L40S", 46068, (8, 9), "L40S-48GB"),
    _spec("V100-32GB", 32768, (7, 0), "V100-SXM2-32GB", "V100-PCIE-32GB"),
    _spec("V100-16GB", 16384, (7, 0), "V100-SXM2-16GB", "V100-PCIE-16GB"),
    _spec("T4", 15360, (7, 5), "T4-16GB", "TESLA-T4"),
    _spec("RTX-PRO-6000", 97887, (12, 0), "RTX-PRO-6000-BLACKWELL", "RTX-PRO-6000-96GB"),
    _spec("RTX-6000-ADA", 49140, (8, 9), "RTX6000-ADA", "RTX-6000-ADA-48GB"),
    _spec("RTX-A6000", 49140, (8, 6), "A6000", "RTX-A6000-48GB"),
    _spec("RTX-A5000", 24564, (8, 6), "A5000"),
    _spec("RTX-5090", 32607, (12, 0), "5090", "GEFORCE-RTX-5090", "RTX5090"),
    _spec("RTX-4090", 24564, (8, 9), "4090", "GEFORCE-RTX-4090", "RTX4090"),
    _spec("RTX-4080", 16376, (8, 9), "4080", "GEFORCE-RTX-4080", "RTX4080"),
    _spec("RTX-3090", 24576, (8, 6), "3090", "GEFORCE-RTX-3090", "RTX3090"),
    _spec("RTX-3080", 10240, (8, 6), "3080", "GEFORCE-RTX-3080", "RTX3080"),
)

# Dense peak tensor TFLOP/s (no sparsity) per GPU in bf16 and fp8, from NVIDIA's datasheets (their
# figures "with sparsity" halved); bf16 agrees with nanochat's own get_peak_flops() table where it
# lists the card (nanochat/common.py, March 2026). GeForce cards: bf16 with fp32 accumulation, as
# training uses. A card missing here (or None) gets no time estimate rather than a guess.
PEAK_TFLOPS = {
    "B200": (2250, 4500), "GB200": (2500, 5000),
    "H200": (989.4, 1978.9), "H200-NVL": (835.5, 1671), "GH200": (989.4, 1978.9),
    "H100-80GB": (989.4, 1978.9), "H100-PCIE-80GB": (756, 1513), "H100-NVL": (835.5, 1671),
    "H20": (148, 296),
    "A100-80GB": (312, None), "A100-40GB": (312, None), "A800-80GB": (312, None),
    "A30": (165, None), "A40": (149.7, None), "A10": (125, None),
    "L4": (121, 242.5), "L40": (181, 362), "L40S": (362, 733),
    "RTX-A6000": (154.8, None), "RTX-4090": (165.2, 330.3), "RTX-3090": (71, None),
}


def peak_flops(name: str, precision: str):
    """Dense peak FLOP/s of the table's GPU `name` in "bf16" or "fp8"; None when not known."""
    peaks = PEAK_TFLOPS.get(name)
    if not peaks:
        return None
    value = peaks[0] if precision == "bf16" else peaks[1] if precision == "fp8" else None
    return value * 1e12 if value else None


def spec_for(name: str):
    """The table's GpuSpec for a probed device name ('NVIDIA H100 80GB HBM3'), or None."""
    try:
        return parse_target(name)
    except ValueError:
        return None

# ----------------------------------------------------------------------------------------------
# Parsing a target.

_CUSTOM = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(GB|GIB|G)?\s*,\s*(\d+)\.(\d+)\s*$", re.IGNORECASE)


def _key(text: str) -> str:
    """Spelling-insensitive key: 'nvidia h100 80gb' == 'H100_80GB' == 'h100-80gb'."""
    text = re.sub(r"^((NVIDIA|TESLA)[\s_-]*)+", "", text.strip().upper())
    return re.sub(r"[\s_\-]+", "", text)


def _index() -> dict:
    index = {}
    for spec in GPU_TABLE:
        for name in (spec.name, *spec.aliases):
            index.setdefault(_key(name), spec)
    return index


def parse_target(text: str) -> GpuSpec:
    """A table name or alias (`H100-80GB`), or the custom form `80GB,9.0`; ValueError with close names."""
    if text is None or not str(text).strip():
        raise ValueError("empty GPU target: give a name such as H100-80GB or the form 80GB,9.0")
    match = _CUSTOM.match(str(text))
    if match:
        size, major, minor = float(match.group(1)), int(match.group(3)), int(match.group(4))
        if size <= 0:
            raise ValueError(f"GPU target {text!r}: memory must be positive")
        # Nominal gigabytes as cards are sold; 80GB -> 80 GiB, close to what NVML reports.
        return GpuSpec(f"custom {size:g}GB sm{major}{minor}", int(size * GiB), (major, minor))
    spec = _index().get(_key(text))
    if spec:
        return spec
    names = [s.name for s in GPU_TABLE]
    key = _key(text)
    close = [n for n in names if key and key in _key(n)]
    if len(close) >= 2 and all(_key(n).startswith(key) for n in close):
        raise ValueError(f"ambiguous GPU target {text!r}: say which, {' or '.join(close)} "
                         "(`preflight gpus` lists them all)")
    close += difflib.get_close_matches(str(text).strip().upper(), names, n=4, cutoff=0.4)
    close = list(dict.fromkeys(close))[:5]
    hint = f"close names: {', '.join(close)}; " if close else ""
    raise ValueError(f"unknown GPU target {text!r} ({hint}run `preflight gpus` for the list, "
                     "or give memory and capability as 80GB,9.0)")

