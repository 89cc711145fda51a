"""How long base training takes, and what it costs: FLOPs / (ranks x peak x utilisation).

FLOPs are the horizon's tokens times nanochat's own `estimate_flops()` per token (the checkout's
model on the meta device). The peak is the GPU's dense bf16 or fp8 peak (`gpus.PEAK_TFLOPS`). The
utilisation is one constant per GPU model and precision, fitted on nanochat's measured runs
(`calibration.py`): the mean of each run's achieved FLOP/s over the peak. Each leaderboard record
is predicted within 3% by constants fitted without it (the README's table, tests/test_timecost.py).

The time is what nanochat's `total_training_time` counts: the training steps. Evaluation, the CORE
metric, sampling and checkpoint saves come on top and are not estimated.
"""

from dataclasses import dataclass
from statistics import mean

from preflight.hardware.calibration import MEASURED, Measured
from preflight.hardware.gpus import peak_flops

SPEEDRUN_GPU = "H100-80GB"  # what nanochat's speedrun runs on; planned when nothing else is known

# (GPU, precision) -> fitted utilisation of the dense peak: `fit(MEASURED)` to 4 decimals (a test
# keeps them equal). From 8xH100 runs only: other GPUs borrow the H100 figure, and say so.
UTILISATION = {
    ("H100-80GB", "bf16"): 0.4958,  # leaderboard run 1 and dev/LOG.md d26 bf16
    ("H100-80GB", "fp8"): 0.2952,   # leaderboard runs 2-6 and dev/LOG.md d26 fp8
}


def implied_utilisation(m: Measured) -> float:
    """The share of the peak a measured run achieved."""
    return m.tokens_per_second * m.flops_per_token / (m.ranks * peak_flops(m.gpu, m.precision))


def fit(points) -> dict:
    """(GPU, precision) -> the mean utilisation of the points of that GPU and precision."""
    groups = {}
    for m in points:
        groups.setdefault((m.gpu, m.precision), []).append(implied_utilisation(m))
    return {key: mean(values) for key, values in groups.items()}


@dataclass(frozen=True)
class Validation:
    record: Measured
    utilisation: float       # fitted without this record
    predicted: float         # seconds
    measured: float

    @property
    def error(self) -> float:
        return self.predicted / self.measured - 1


def leave_one_out(points=MEASURED) -> list:
    """Each leaderboard record predicted by the constants fitted on every other point."""
    rows = []
    for m in (p for p in points if p.record):
        u = fit([p for p in points if p is not m])[(m.gpu, m.precision)]
        seconds = m.timed_tokens * m.flops_per_token / (m.ranks * peak_flops(m.gpu, m.precision) * u)
        rows.append(Validation(m, u, seconds, m.seconds))
    return rows


def validation_table(rows=None) -> list:
    """The README's table as lines of Markdown."""
    rows = leave_one_out() if rows is None else rows
    lines = ["| run | commit | model | precision | timed tokens | FLOPs/token | utilisation (fit "
             "without it) | predicted | measured | error |",
             "|---|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        m = r.record
        depth = next(a.split("=")[1] for a in m.args if a.startswith("--depth="))
        lines.append(f"| {m.label.rsplit(' ', 1)[1]} | `{m.commit}` | d{depth} | {m.precision} | "
                     f"{m.timed_tokens / 1e9:.3f}B | {m.flops_per_token / 1e9:.4f}e9 | "
                     f"{r.utilisation:.1%} | {r.predicted / 3600:.2f} h | {r.measured / 3600:.2f} h "
                     f"| {r.error:+.1%} |")
    return lines

# ----------------------------------------------------------------------------------------------
# A run's time and cost.

@dataclass(frozen=True)
class TimeEstimate:
    seconds: float
    gpu: str
    ranks: int
    precision: str
    utilisation: float
    rate: float            # tokens per second, all ranks
    borrowed: str = ""     # the GPU whose constant stands in, when this one has none of its own
    price: float = 0.0     # per GPU-hour
    measured: bool = False  # from the probe's step time, not from FLOPs

    @property
    def gpu_hours(self) -> float:
        return self.seconds * self.ranks / 3600

    @property
    def cost(self) -> float:
        return self.gpu_hours * self.price

    def basis(self) -> str:
        if self.measured:
            return f"{self.ranks}x {self.gpu}, the probe's measured step time"
        how = f"{self.utilisation:.1%} of the dense {self.precision} peak"
        if self.borrowed:
            how += f", {self.borrowed}'s measured figure (none measured on {self.gpu})"
        return f"{self.ranks}x {self.gpu}, {how}"


class NoEstimate(ValueError):
    """No time can be estimated (unknown GPU peak, fp32); the message says why, in one line."""


def precision_of(fp8: bool, compute_dtype: str = "bfloat16") -> str:
    """The peak a run trains at: fp8 with --fp8 (its Linear layers), else bf16 (fp16 runs at the
    same tensor-core rate); fp32 has no tensor-core peak in the table."""
    if compute_dtype == "float32":
        raise NoEstimate("fp32 training: no tensor-core peak to estimate the time from")
    return "fp8" if fp8 else "bf16"


def estimate(tokens: int, flops_per_token: int, gpu: str, ranks: int, precision: str,
             price: float = 0.0) -> TimeEstimate:
    """The time of `tokens` training tokens of a model of `flops_per_token` on `ranks` x `gpu`."""
    peak = peak_flops(gpu, precision)
    if peak is None:
        raise NoEstimate(f"no dense {precision} peak known for {gpu} (see gpus.PEAK_TFLOPS)")
    u, borrowed = UTILISATION.get((gpu, precision)), ""
    if u is None:
        u, borrowed = UTILISATION[(SPEEDRUN_GPU, precision)], SPEEDRUN_GPU
    rate = ranks * peak * u / flops_per_token
    return TimeEstimate(tokens / rate, gpu, ranks, precision, u, rate, borrowed, price)
