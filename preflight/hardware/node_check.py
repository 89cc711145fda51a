"""Step 5 again, inside a Slurm job: the GPUs of the node the job landed on against the plan.

The checklist plans on the login node, usually for `--target-gpu`. The node a job gets may have
fewer GPUs, a busy GPU, another model, an old driver or too little free memory, so before the
training starts the job probes its own node and compares. `node_plan` (login node) reduces the
checklist's hardware facts to what the comparison needs; `check_node` (in the job) turns a probe of
the node into Findings, and a failed one stops the job before training.

The job runs where nanochat-preflight may not be installed: the launcher pickles these functions by
value (`preflight.launch.slurm.BY_VALUE` lists the modules that travel), so what they use must live
in those modules or in the standard library.
"""

from preflight.checklist.finding import Finding
from preflight.hardware.plan import TIGHT, driver_finding
from preflight.hardware.precision import BF16_CAPABILITY, fp8_verdict
from preflight.util.format import gib

# NVML's total for one GPU model varies a little with the driver and ECC; within this share of the
# planned memory the node's GPU counts as the planned model
SAME_MEMORY = 0.02
CHECKS = ("gpus", "model", "idle", "driver", "precision", "fp8", "memory")


def node_plan(hardware: dict, gpus_per_node: int) -> dict:
    """What the job compares its node with, from the checklist's hardware facts (summary.json's
    facts["hardware"]): plain data, so that it pickles and prints anywhere."""
    gpus, run = hardware["gpus"], hardware["run"]
    planned = None
    if gpus["gpus"]:
        first = gpus["gpus"][0]
        planned = dict(name=first["name"], memory=first["memory"],
                       capability=list(first["capability"]), source=gpus["source"])
    return dict(gpus=gpus_per_node, planned_gpu=planned,
                compute_dtype=hardware["recipe"]["compute_dtype"], fp8=run["fp8"],
                device_batch_size=run["device_batch_size"],
                required=hardware["estimate"]["required"],
                required_by_batch={int(k): v for k, v in hardware["required_by_batch"].items()})


def _cap(capability) -> str:
    return f"{capability[0]}.{capability[1]}"


def _model_finding(plan: dict, used: tuple) -> Finding:
    kinds = sorted({(g.name, g.memory, tuple(g.capability)) for g in used})
    if len(kinds) > 1:
        return Finding("fail", "the node's GPUs differ: " + "; ".join(
            f"{g.index}: {g.name} {gib(g.memory)}" for g in used))
    name, memory, capability = kinds[0]
    here = f"{name} ({gib(memory)}, capability {_cap(capability)})"
    planned = plan["planned_gpu"]
    if planned is None:
        return Finding("skip", f"the plan names no GPU model (no GPU and no --target-gpu on the "
                               f"login node); the node has {here}")
    want_cap, want_mem = tuple(planned["capability"]), planned["memory"]
    there = f"{planned['name']} ({gib(want_mem)}, capability {_cap(want_cap)})"
    if capability == want_cap and abs(memory - want_mem) <= SAME_MEMORY * want_mem:
        return Finding("ok", f"{len(used)}x {here}, as planned for {planned['name']}")
    if capability >= want_cap and memory >= (1 - SAME_MEMORY) * want_mem:
        return Finding("warn", f"the node has {here}, the plan is for {there}: at least as capable, "
                               f"so the plan holds, but a plan for this GPU may use a larger batch")
    return Finding("fail", f"the node has {here} but the plan is for {there}: plan again with "
                           f"--target-gpu for this GPU, or ask Slurm for the planned one "
                           f"(e.g. --slurm-option constraint=...)")


def _memory_finding(plan: dict, used: tuple) -> Finding:
    available = min(g.free if g.free is not None else g.memory for g in used)
    kind = "free" if all(g.free is not None for g in used) else "total (free unknown)"
    required, dbs = plan["required"], plan["device_batch_size"]
    what = f"est. {gib(required)} per rank at --device-batch-size {dbs}, {gib(available)} {kind}"
    if required > available:
        fitting = [d for d, need in plan["required_by_batch"].items() if need <= available]
        fix = (f"use --device-batch-size {max(fitting)}" if fitting else
               "no allowed device batch size fits: use larger GPUs or a smaller model")
        return Finding("fail", f"does not fit on this node: {what}; {fix}")
    if required > TIGHT * available:
        return Finding("warn", f"tight: {what} (over {TIGHT:.0%})")
    return Finding("ok", f"fits: {what}")


def check_node(plan: dict, facts) -> dict:
    """Findings (keyed as CHECKS) for the GPUs `facts` (a probe of this node) against `plan`."""
    need = plan["gpus"]
    if not facts.count:
        later = Finding("skip", "no GPU to check")
        return dict(gpus=Finding("fail", f"no GPU visible on this node, but the plan needs {need} "
                                         f"per node: {facts.reason}"),
                    **{key: later for key in CHECKS[1:]})
    found = ", ".join(f"{g.index}: {g.name}" for g in facts.gpus)
    if facts.count < need:
        gpus = Finding("fail", f"{facts.count} GPU(s) visible ({found}) but the plan needs {need} "
                               f"per node (is --gpus right? does the job ask for them?)")
    else:
        gpus = Finding("ok", f"{facts.count} GPU(s) visible ({found}), {need} planned")
    used = facts.gpus[:need]
    busy = [p for p in facts.processes if p.gpu < need]
    if busy:
        idle = Finding("fail", "GPUs of this job are in use by other processes: " + "; ".join(
            f"GPU {p.gpu}: pid {p.pid} {p.name or '?'} {gib(p.used)}" for p in busy))
    else:
        idle = Finding("ok", "no other process holds memory on the job's GPUs")
    capability = min(tuple(g.capability) for g in used)
    if plan["compute_dtype"] == "bfloat16" and capability < BF16_CAPABILITY:
        precision = Finding("fail", f"the plan trains in bf16, which needs capability 8.0+; this "
                                    f"node's GPUs have {_cap(capability)}")
    else:
        precision = Finding("ok", f"{plan['compute_dtype']} on capability {_cap(capability)}")
    return dict(gpus=gpus, model=_model_finding(plan, used), idle=idle,
                driver=driver_finding(facts), precision=precision,
                fp8=Finding(*fp8_verdict(capability, plan["fp8"])),
                memory=_memory_finding(plan, used))


def report_lines(findings: dict, host: str) -> list:
    """The check as the job's log shows it: one line per finding, failures marked."""
    lines = [f"[preflight] hardware check on {host}:"]
    for key, finding in findings.items():
        lines.append(f"  {finding.status.upper() if finding.status == 'fail' else finding.status:5} "
                     f"{key}: {finding.message}")
    return lines
