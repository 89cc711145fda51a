"""Reading nanochat's base_train output, line by line, in every version's format.

Step lines (printed by rank 0 once per optimizer step):
    step 00012/00100 (12.00%) | loss: 8.249494 | lrm: 0.33 | dt: 867.91ms | tok/sec: 2,359 |
        bf16_mfu: 0.00 | epoch: 1 pq: 0 rg: 1 | total time: 0.03m | eta: 1.3m        (March 2026+)
    ... | tok/sec: 2,786 | mfu: 0.00 | epoch: 1 | total time: 0.02m | eta: 1.1m     (2026)
    ... | loss: 5.138556 | grad norm: 1.5287 | lrm: 1.00 | ... | mfu: 0.01 | total time: 0.02m  (2025)
Validation lines `Step 00010 | Validation bpb: 3.136030` (4 decimals in 2025), checkpoint saves as
logger lines (with ANSI colour codes) `... - Saved model parameters to: <dir>/model_000040.pt`,
then metadata and optimizer state, and at the end `Peak memory usage: 1234.56MiB`.
"""

import math
import re
from dataclasses import dataclass
from pathlib import Path

ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
_NUMBER = r"(nan|inf|-?[\d.]+(?:e[+-]?\d+)?)"
STEP = re.compile(r"^step (\d+)/(\d+) \(([\d.]+)%\) \| loss: " + _NUMBER +
                  r" \|(?: grad norm: \S+ \|)? lrm: ([\d.]+) \| dt: ([\d.]+)ms \| "
                  r"tok/sec: ([\d,]+) \| (?:bf16_)?mfu: ([\d.]+) \|")
VAL = re.compile(r"^Step (\d+) \| Validation bpb: " + _NUMBER + r"\s*$")
SAVED = re.compile(r"Saved (model parameters|metadata|optimizer state) to: (\S+)\s*$")
PEAK = re.compile(r"^Peak memory usage: ([\d.]+)MiB")
OOM = re.compile(r"CUDA out of memory|OutOfMemoryError|HIP out of memory")


@dataclass(frozen=True)
class Step:
    step: int
    total: int          # the run's num_iterations
    loss: float         # the debiased moving average nanochat prints (nan when it diverged)
    dt_ms: float
    tok_per_sec: int    # all ranks together
    mfu: float


@dataclass(frozen=True)
class Val:
    step: int
    bpb: float


@dataclass(frozen=True)
class Saved:
    what: str           # model | metadata | optimizer
    path: Path

    @property
    def step(self):
        m = re.search(r"_(\d{6})(?:_rank\d+)?\.(?:pt|json)$", self.path.name)
        return int(m.group(1)) if m else None


@dataclass(frozen=True)
class PeakMemory:
    mib: float


@dataclass(frozen=True)
class OutOfMemory:
    line: str


def _float(text: str) -> float:
    return math.nan if text == "nan" else float(text)


def parse_line(line: str):
    """The event a line of base_train's output reports, or None."""
    text = ANSI.sub("", line).strip("\r\n")
    text = text.rsplit("\r", 1)[-1]  # a progress bar rewritten in place: its last state
    if m := STEP.match(text):
        return Step(int(m.group(1)), int(m.group(2)), _float(m.group(4)), float(m.group(6)),
                    int(m.group(7).replace(",", "")), float(m.group(8)))
    if m := VAL.match(text):
        return Val(int(m.group(1)), _float(m.group(2)))
    if m := SAVED.search(text):
        return Saved({"model parameters": "model", "metadata": "metadata",
                      "optimizer state": "optimizer"}[m.group(1)], Path(m.group(2)))
    if m := PEAK.match(text):
        return PeakMemory(float(m.group(1)))
    if OOM.search(text):
        return OutOfMemory(text.strip())
    return None
