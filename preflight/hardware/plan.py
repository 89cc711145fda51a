"""The hardware plan: GPUs, precision, memory per rank, batch size, vocabulary split and disk, as data.

`plan_hardware` turns the facts (probed GPUs or a planning target, the model's parameter tensors,
the run's batch and horizon) into one Finding per check. The checks in checks/test_50_hardware.py
only read them; the summary's Hardware row is built from the same plan.
"""

from dataclasses import dataclass, field

from preflight.checklist.finding import Finding
from preflight.config import Settings
from preflight.sizing.params import ParamCount
from preflight.hardware.disk import DiskPlan, checkpoint_size, plan_disk, save_count
from preflight.hardware.memory import (DEFAULT_CONSTANTS, MemoryEstimate, batch_sizes_allowed, estimate_memory,
                     grad_accum_steps, largest_fitting_batch, param_tensors, SMALL_PARAM)
from preflight.hardware.precision import Recipe, fp8_verdict, training_recipe
from preflight.hardware.probe import GpuFacts
from preflight.hardware.runargs import RunArgs
from preflight.util.format import gib

TIGHT = 0.90  # warn when the estimate needs more than this share of the GPU's memory




def planned_ranks(settings: Settings, facts: GpuFacts) -> tuple:
    """(ranks, why): --gpus when given; else the GPUs found; else nanochat's speedrun 8 (the
    settings already resolved which; this says why)."""
    if settings.gpus_given:
        return settings.ranks, "--gpus" if settings.nodes == 1 else "--gpus x --nodes"
    if facts.is_target:
        return settings.ranks, "default for a target (nanochat's speedrun)"
    if facts.count:
        return settings.ranks, "GPUs found"
    return settings.ranks, "default without a GPU (nanochat's speedrun)"


@dataclass
class HardwarePlan:
    facts: GpuFacts
    params: ParamCount
    ranks: int
    ranks_reason: str
    recipe: Recipe
    run: RunArgs
    estimate: MemoryEstimate          # at the run's device batch size
    available: int = None             # bytes per rank the estimate is compared with
    recommended: tuple = None         # (device_batch_size, MemoryEstimate) largest that fits
    required_by_batch: dict = field(default_factory=dict)  # allowed device batch size -> bytes
    disk: DiskPlan = None
    findings: dict = field(default_factory=dict)

    @property
    def grad_accum(self):
        return grad_accum_steps(self.run.total_batch_size, self.run.device_batch_size,
                                self.run.max_seq_len, self.ranks)

    @property
    def problems(self) -> list:
        return [f.message for f in self.findings.values() if f.status == "fail"]

    @property
    def warnings(self) -> list:
        return [f.message for f in self.findings.values() if f.status == "warn"]

    @property
    def status(self) -> str:
        return "fail" if self.problems else "warn" if self.warnings else "ok"

    def gpu_label(self) -> str:
        if not self.facts.count:
            return f"no GPU ({self.ranks} ranks planned)"
        names = sorted({g.name for g in self.facts.gpus[:self.ranks]})
        label = f"{self.ranks}x {'/'.join(names)}"
        return label + (" (target)" if self.facts.is_target else "")

    def row_value(self) -> str:
        """GPUs · est. memory per rank / available · device batch × accumulation · disk needed / free."""
        dbs, est = self.run.device_batch_size, self.estimate
        if self.available and est.required > self.available and self.recommended:
            dbs, est = self.recommended
        accum = grad_accum_steps(self.run.total_batch_size, dbs, self.run.max_seq_len, self.ranks)
        mem = f"{gib(est.required)}/{gib(self.available)}" if self.available else f"{gib(est.required)}/?"
        batch = f"dbs {dbs} x accum {accum}" if accum else f"dbs {dbs} (batch does not divide)"
        if dbs != self.run.device_batch_size:
            batch += f" (recommended; {self.run.device_batch_size} does not fit)"
        disk = f"disk {gib(self.disk.needed)}/{gib(self.disk.free)}" if self.disk else "disk ?"
        return f"{self.gpu_label()} · {mem} per rank · {batch} · {disk}"

    def row_details(self) -> str:
        parts = [f.message for f in self.findings.values() if f.status in ("fail", "warn")]
        parts.append(f"ranks: {self.ranks} ({self.ranks_reason})")
        return "; ".join(parts)

    def as_dict(self) -> dict:
        return dict(
            ranks=self.ranks, ranks_reason=self.ranks_reason, gpus=self.facts.as_dict(),
            recipe=dict(compute_dtype=self.recipe.compute_dtype, embed_dtype=self.recipe.embed_dtype,
                        optimizer=self.recipe.optimizer),
            run=dict(device_batch_size=self.run.device_batch_size,
                     total_batch_size=self.run.total_batch_size, max_seq_len=self.run.max_seq_len,
                     num_iterations=self.run.num_iterations, save_every=self.run.save_every,
                     fp8=self.run.fp8, notes=list(self.run.notes)),
            grad_accum=self.grad_accum, available=self.available, estimate=self.estimate.as_dict(),
            recommended=(dict(device_batch_size=self.recommended[0],
                              estimate=self.recommended[1].as_dict()) if self.recommended else None),
            required_by_batch=self.required_by_batch,
            disk=self.disk.as_dict() if self.disk else None,
            findings={k: dict(status=f.status, message=f.message) for k, f in self.findings.items()})

# ----------------------------------------------------------------------------------------------
# The findings, one function each.

def _gpu_findings(facts: GpuFacts, ranks: int) -> dict:
    if not facts.count:
        why = f"no GPU here ({facts.reason}) and no --target-gpu: GPU checks skipped"
        return dict(gpus=Finding("skip", why), same_model=Finding("skip", why), idle=Finding("skip", why))
    if facts.is_target:
        note = f"planning for {ranks}x {facts.gpus[0].name} (target), nothing probed"
        return dict(gpus=Finding("ok", note), same_model=Finding("skip", note), idle=Finding("skip", note))
    found = ", ".join(f"{g.index}: {g.name}" for g in facts.gpus)
    if facts.count < ranks:
        gpus = Finding("fail", f"{facts.count} GPU(s) visible ({found}) but the plan needs {ranks} ranks: "
                               f"pass --gpus {facts.count} and launch with --nproc_per_node={facts.count}, "
                               "or run on a machine with more GPUs")
    else:
        gpus = Finding("ok", f"{facts.count} GPU(s) visible for {ranks} ranks ({found})")
    used = facts.gpus[:ranks]
    names = sorted({(g.name, g.memory) for g in used})
    if len(names) > 1:
        same = Finding("fail", "the planned GPUs differ: " + "; ".join(
            f"{g.index}: {g.name} {gib(g.memory)}" for g in used)
            + " (the slowest and smallest sets the pace and the batch; use CUDA_VISIBLE_DEVICES)")
    else:
        same = Finding("ok", f"all {len(used)} planned GPU(s) are {used[0].name}")
    busy = [p for p in facts.processes if p.gpu < ranks]
    if busy:
        idle = Finding("warn", "other processes hold GPU memory: " + "; ".join(
            f"GPU {p.gpu}: pid {p.pid} {p.name or '?'} {gib(p.used)}" for p in busy)
            + " (they slow the run and shrink the memory left for it)")
    else:
        idle = Finding("ok", "no other process holds memory on the planned GPUs")
    return dict(gpus=gpus, same_model=same, idle=idle)


def driver_finding(facts: GpuFacts) -> Finding:
    if facts.source != "nvml" or not facts.count:
        return Finding("skip", "no GPU probed (none here, or a planning target): driver not checked")
    built, supports = facts.torch_cuda_version, facts.cuda_driver_version
    if not built:
        return Finding("warn", f"torch {facts.torch_version or '(none)'} here is a CPU-only build; nanochat "
                               "needs a CUDA build in the environment it runs in")

    def key(v):
        return tuple(int(x) for x in v.split(".")[:2])
    if supports and key(built) > key(supports):
        return Finding("warn", f"torch is built for CUDA {built} but driver {facts.driver_version} supports "
                               f"CUDA {supports} at most: update the driver or install a torch built for it")
    return Finding("ok", f"driver {facts.driver_version} (CUDA {supports}), torch CUDA {built}")


def _vocab_finding(params: ParamCount, tensors: list, ranks: int) -> Finding:
    vocab = params.shape.padded_vocab
    if ranks <= 1:
        return Finding("ok", f"single rank: nothing to shard (padded vocab {vocab:,})")
    bad = sorted({t.shape[0] for t in tensors
                  if t.optimizer == "adamw" and t.numel >= SMALL_PARAM and t.shape[0] % ranks})
    if not bad:
        return Finding("ok", f"padded vocab {vocab:,} splits evenly across {ranks} ranks")
    return Finding("fail", f"padded vocab {vocab:,} does not divide by {ranks} ranks: nanochat's AdamW shards "
                           "wte, lm_head and value_embeds by rows and its reduce_scatter requires "
                           f"shape[0] % world_size == 0 (rows {', '.join(map(str, bad))}); "
                           f"use a GPU count that divides {vocab:,} (1, 2, 4, 8)")


def _batch_finding(run: RunArgs, ranks: int) -> Finding:
    per_step = run.device_batch_size * run.max_seq_len * ranks
    if run.total_batch_size % per_step == 0:
        return Finding("ok", f"total batch {run.total_batch_size:,} = {run.device_batch_size} x "
                             f"{run.max_seq_len} x {ranks} ranks x {run.total_batch_size // per_step} "
                             "accumulation steps")
    allowed = batch_sizes_allowed(run.total_batch_size, run.max_seq_len, ranks)
    fix = (f"allowed --device-batch-size values: {', '.join(map(str, allowed[:8]))}" if allowed else
           f"no device batch size works: total_batch_size must be a multiple of seq_len x ranks = "
           f"{run.max_seq_len * ranks:,}; change --total-batch-size or the GPU count")
    return Finding("fail", f"total_batch_size {run.total_batch_size:,} is not a multiple of device batch x "
                           f"seq_len x ranks = {run.device_batch_size} x {run.max_seq_len} x {ranks} = "
                           f"{per_step:,} (base_train asserts this at startup); {fix}")


def _memory_finding(plan: HardwarePlan) -> Finding:
    est, run = plan.estimate, plan.run
    what = (f"est. {gib(est.required)} per rank at --device-batch-size {run.device_batch_size} "
            f"(peak {gib(est.peak_allocated)}: weights {gib(est.weights)}, grads {gib(est.grads)}, "
            f"optimizer {gib(est.optimizer)}, activations {gib(est.activations)}, logits {gib(est.logits)}; "
            f"+{(est.constants.fragmentation + est.constants.margin):.0%} and {gib(est.constants.runtime_bytes)} runtime)")
    if not plan.available:
        return Finding("skip", f"no GPU and no --target-gpu: {what}, not compared")
    avail = f"{gib(plan.available)} available"
    rec = plan.recommended
    if est.required > plan.available:
        if rec:
            accum = grad_accum_steps(run.total_batch_size, rec[0], run.max_seq_len, plan.ranks)
            fix = (f"use --device-batch-size {rec[0]} (gradient accumulation {accum}, "
                   f"est. {gib(rec[1].required)})")
        elif not batch_sizes_allowed(run.total_batch_size, run.max_seq_len, plan.ranks):
            fit = next((d for d in range(run.device_batch_size - 1, 0, -1)
                        if estimate_memory(plan.params, plan.recipe, plan.ranks, d, run.max_seq_len,
                                           est.constants).required <= plan.available), None)
            fix = ("no device batch size meets the divisibility rule (see the batch check)"
                   + (f"; up to {fit} fits in memory" if fit else "; not even 1 fits in memory"))
        else:
            fix = ("no allowed device batch size fits: use more or larger GPUs, a smaller --depth or "
                   "a shorter --max-seq-len")
        return Finding("fail", f"does not fit: {what} > {avail}; {fix}")
    if est.required > TIGHT * plan.available:
        return Finding("warn", f"tight: {what} vs {avail} (over {TIGHT:.0%})")
    more = f"; {rec[0]} would also fit" if rec and rec[0] > run.device_batch_size else ""
    return Finding("ok", f"fits: {what} of {avail}{more}")


def _disk_findings(disk: DiskPlan, run: RunArgs) -> dict:
    every = f"--save-every {run.save_every}" if run.save_every > 0 else "the final step only"
    what = (f"{disk.saves} save(s) ({every}, {run.num_iterations:,} iterations) x {gib(disk.per_save)} "
            f"+10% = {gib(disk.needed)} in {disk.checkpoint_dir}")
    if disk.fits:
        space = Finding("ok", f"{what}; {gib(disk.free)} free on {disk.checked_at}")
    else:
        space = Finding("fail", f"not enough disk: {what}, only {gib(disk.free)} free on {disk.checked_at}; "
                                "free space, save less often, or point NANOCHAT_BASE_DIR at a larger disk")
    ok = Finding("ok", f"can write under {disk.checkpoint_dir}") if disk.writable else \
        Finding("fail", f"checkpoints cannot be written: {disk.write_problem}")
    return dict(disk=space, writable=ok)

# ----------------------------------------------------------------------------------------------
# Putting it together.

def available_memory(facts: GpuFacts, ranks: int):
    """Bytes each rank can use: the smallest free (or total) memory among the planned GPUs."""
    used = facts.gpus[:ranks]
    if not used:
        return None
    return min(g.free if g.free is not None else g.memory for g in used)


def plan_hardware(settings: Settings, params: ParamCount, facts: GpuFacts, run: RunArgs,
                  environ=None, constants=DEFAULT_CONSTANTS) -> HardwarePlan:
    """Every hardware finding for this run, the estimate at its batch size and the batch to use."""
    ranks, why = planned_ranks(settings, facts)
    capability = facts.gpus[0].capability if facts.count else None
    recipe = training_recipe(settings.checkout, capability, environ)
    seq = run.max_seq_len
    estimate = estimate_memory(params, recipe, ranks, run.device_batch_size, seq, constants)
    per_node = settings.gpus  # the GPUs each node must have
    available = available_memory(facts, per_node)
    recommended = (largest_fitting_batch(params, recipe, ranks, available, run.total_batch_size, seq,
                                         constants) if available else None)
    size = checkpoint_size(params, recipe, ranks)
    saves = save_count(run.num_iterations, run.save_every, every_step_saves=recipe.optimizer != "split")
    disk = plan_disk(settings.base_dir, settings.base_dir / "base_checkpoints" / run.checkpoint_subdir,
                     size, saves)
    # what each allowed batch size needs, so that a Slurm job can advise one for the GPUs it got
    required_by_batch = {dbs: estimate_memory(params, recipe, ranks, dbs, seq, constants).required
                         for dbs in batch_sizes_allowed(run.total_batch_size, seq, ranks)}
    plan = HardwarePlan(facts, params, ranks, why, recipe, run, estimate, available, recommended,
                        required_by_batch, disk)
    findings = _gpu_findings(facts, per_node)
    findings["driver"] = driver_finding(facts)
    if capability is None:
        findings["precision"] = Finding("skip", "no GPU and no --target-gpu: precision not checked")
        findings["fp8"] = Finding("skip", "no GPU and no --target-gpu: --fp8 not checked")
    else:
        findings["precision"] = Finding(recipe.status, recipe.message)
        findings["fp8"] = Finding(*fp8_verdict(capability, run.fp8))
    findings["memory"] = _memory_finding(plan)
    findings["batch"] = _batch_finding(run, ranks)
    findings["vocab"] = _vocab_finding(params, param_tensors(params, recipe), ranks)
    findings.update(_disk_findings(disk, run))
    plan.findings = findings
    return plan
