"""The summary's Time row: base training's predicted wall time, GPU-hours and cost, and the whole
launch's total where its stages can be estimated (every base-training call; SFT and evaluation
stages cannot be, their size depends on data that only exists at run time).
"""

from dataclasses import dataclass, field

from preflight.checklist.finding import Finding
from preflight.hardware.gpus import spec_for
from preflight.hardware.speed import (SPEEDRUN_GPU, NoEstimate, TimeEstimate, estimate,
                                     precision_of)
from preflight.sizing.horizon import HorizonError, horizon_from_call


def hours(seconds: float) -> str:
    if seconds >= 3600:
        return f"{seconds / 3600:.1f} h"
    return f"{seconds / 60:.0f} min" if seconds >= 60 else f"{seconds:.2g} s"


def amount(value: float, unit: str = "") -> str:
    """Money or GPU-hours: two decimals at most, two significant digits below 1."""
    text = f"{value:,.0f}" if value >= 100 else f"{value:.2f}" if value >= 1 else f"{value:.2g}"
    return f"${text}" if unit == "$" else text


@dataclass
class TimePlan:
    base: TimeEstimate = None       # the launch's (first) base training: measured, else predicted
    why_not: str = ""               # when there is no estimate
    gpu_note: str = ""              # which GPU was planned, when none was probed or given
    stages: list = field(default_factory=list)   # (stage label, TimeEstimate or None)
    predicted: TimeEstimate = None  # the FLOPs estimate (also when the probe measured the time)
    measured: dict = None           # the probe's figures, when it ran (probe_run)
    processes: int = None           # processes the base training starts (torchrun's nproc)

    @property
    def total(self):
        known = [e for _, e in self.stages if e is not None]
        return (sum(e.seconds for e in known), sum(e.gpu_hours for e in known),
                sum(e.cost for e in known)) if known else None

    @property
    def not_estimated(self) -> list:
        return [label for label, e in self.stages if e is None]

    def row_value(self) -> str:
        if self.base is None:
            return "no estimate"
        b = self.base
        if b.measured and b.gpu in ("CPU", "MPS"):
            return f"~{hours(b.seconds)} base training on the {b.gpu} (probe-measured)"
        return (f"~{hours(b.seconds)} base training, {amount(b.gpu_hours)} GPU-h, "
                f"~{amount(b.cost, '$')}" + (" (probe-measured)" if self.measured else ""))

    def row_details(self, horizon) -> str:
        if self.base is None:
            return self.why_not
        b = self.base
        if self.measured:
            parts = [self.measured["note"]]
        else:
            parts = [f"d{horizon.depth}: {horizon.tokens / 1e9:.2f}B tokens x "
                     f"{horizon.flops_per_token:.3e} FLOPs/token on {b.basis()}"
                     + (f" ({self.gpu_note})" if self.gpu_note else "")]
        parts.append("training steps only, as nanochat's total_training_time counts them "
                     "(evaluation, CORE metric, sampling and saves come on top)")
        total = self.total
        if total and len(self.stages) > 1:
            parts.append(f"whole launch: ~{hours(total[0])}, {amount(total[1])} GPU-h, "
                         f"~{amount(total[2], '$')} for the "
                         f"{len(self.stages) - len(self.not_estimated)} base-training stage(s)")
        if self.not_estimated:
            parts.append("not estimated: " + ", ".join(self.not_estimated))
        if b.gpu not in ("CPU", "MPS"):
            parts.append(f"at ${b.price:,.2f}/GPU-h (--gpu-hour-price)")
        return "; ".join(parts)

    def finding(self) -> Finding:
        if self.base is None:
            return Finding("skip", f"no time estimate: {self.why_not}")
        return Finding("ok", f"{self.row_value()} ({self.base.basis()})")

    def as_dict(self) -> dict:
        def one(e):
            return None if e is None else dict(
                seconds=e.seconds, gpu_hours=e.gpu_hours, cost=e.cost, gpu=e.gpu, ranks=e.ranks,
                precision=e.precision, utilisation=e.utilisation, borrowed=e.borrowed,
                tokens_per_second=e.rate, price=e.price)
        total = self.total
        return dict(base=one(self.base), predicted=one(self.predicted), why_not=self.why_not,
                    gpu_note=self.gpu_note, processes=self.processes,
                    stages=[dict(stage=label, estimate=one(e)) for label, e in self.stages],
                    total=dict(seconds=total[0], gpu_hours=total[1], cost=total[2]) if total else None,
                    not_estimated=self.not_estimated, measured=self.measured)


def planned_gpu(facts) -> tuple:
    """(GPU table name, note): the probed or target GPU, else the speedrun's."""
    if not facts.count:
        return SPEEDRUN_GPU, f"no GPU here and no --target-gpu: planned on the speedrun's {SPEEDRUN_GPU}"
    spec = spec_for(facts.gpus[0].name)
    if spec is None:
        raise NoEstimate(f"{facts.gpus[0].name} is not in the GPU table")
    return spec.name, ""


def _stage_label(call) -> str:
    return f"line {call.line} {call.target}" if call.line else call.target


def plan_time(settings, plan, horizon, calls, vocab_size: int, why_no_horizon: str = "",
              probe=None) -> TimePlan:
    """The Time row for the launch: its first base training (`horizon`, as the checklist computed
    it) on the hardware plan's GPUs, measured by the probe when it ran, and every stage of
    `calls` where it can be estimated."""
    price = settings.gpu_hour_price
    if horizon is None:
        return TimePlan(why_not=why_no_horizon or "no base training to estimate")
    predicted, why_not, gpu, note = None, "", None, ""
    try:
        device = str(horizon.flags.get("device_type") or "")
        if device in ("cpu", "mps"):
            raise NoEstimate(f"the launch trains on the {device} (--device-type={device}): no GPU "
                             "peak to estimate from; --probe measures it")
        gpu, note = planned_gpu(plan.facts)
        precision = precision_of(plan.run.fp8, plan.recipe.compute_dtype)
        predicted = estimate(horizon.tokens, horizon.flops_per_token, gpu, plan.ranks, precision,
                             price)
    except NoEstimate as exc:
        why_not = str(exc)
    result = TimePlan(predicted, why_not, note, predicted=predicted)
    if probe is not None and probe.first.ran and probe.first.step_seconds:
        result.base, result.measured = _measured(probe, horizon, predicted, price)
        result.why_not = ""
    if result.base is None:
        return result
    first = True
    for call in calls:
        label = _stage_label(call)
        if call.kind != "module" or call.target != "scripts.base_train":
            result.stages.append((label, None))
            continue
        if first:  # the checklist's own horizon for the first base training
            result.stages.append((label, result.base))
            result.processes, first = call.gpus, False
            continue
        try:
            if gpu is None:
                raise NoEstimate("no GPU planned")
            h = horizon_from_call(call, settings.checkout, vocab_size, None,
                                  cache_dir=settings.cache_dir / "params")
            fp8 = h.flags.get("fp8") is True
            result.stages.append((label, estimate(h.tokens, h.flops_per_token, gpu,
                                                  call.gpus or plan.ranks,
                                                  precision_of(fp8, plan.recipe.compute_dtype),
                                                  price)))
        except (HorizonError, NoEstimate):
            result.stages.append((label, None))
    return result


def _measured(probe, horizon, predicted, price) -> tuple:
    """(TimeEstimate from the probe's step time, the facts of that measurement)."""
    step = probe.first.step_seconds
    seconds = horizon.iterations * step
    on_gpu = probe.device == "cuda"
    label = predicted.gpu if predicted and on_gpu else probe.device.upper()
    measured = TimeEstimate(seconds, label, probe.processes, predicted.precision if predicted else "",
                            0.0, horizon.total_batch_size / step, price=price if on_gpu else 0.0,
                            measured=True)
    note = (f"the probe's median step {step:.3g} s ({len(probe.first.timed)} timed steps) x "
            f"{horizon.iterations:,} iterations on {probe.processes} {probe.device} process(es)")
    if predicted:
        note += (f"; the FLOPs estimate said {hours(predicted.seconds)} "
                 f"({seconds / predicted.seconds - 1:+.0%} measured against it)")
    return measured, dict(note=note, seconds=seconds, step_seconds=step,
                          predicted_seconds=predicted.seconds if predicted else None)
