"""`--probe`: the launch's own base training, for a few steps, on the GPUs present.

The same flags, except: `--num-iterations` small, evaluation, CORE metric, sampling and periodic
saves off (where the version can turn them off), `--run=dummy`, the planned total batch size (so the
gradient accumulation matches the real run), a probe-only `--model-tag`; started with torchrun and
the planned `--nproc_per_node` (a single CPU process as plain `python -m`, as nanochat's runcpu.sh
does), under a timeout. It runs in a scratch base dir beside the real one
(links to its data and tokenizer), so the checkpoint nanochat always writes at its last step lands
there and is removed with it. A version that cannot turn off its last-step evaluation (2025) is
stopped after its last timed step instead, before that evaluation and save.

It measures the step time (median `dt` after nanochat's 10 warm-up steps) and rank 0's peak memory
as nanochat prints it (`torch.cuda.max_memory_allocated`, what the memory estimate predicts). On an
out-of-memory error it tries the next smaller device batch sizes the total batch allows, and says
the largest that ran. Without a GPU it is skipped, unless the command itself trains on the CPU
(`--device-type=cpu`).
"""

import os
import re
import select
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from preflight.checklist.finding import Finding
from preflight.hardware.memory import batch_sizes_allowed
from preflight.launch.candidates import launch_environ
from preflight.launch.nanolog import OutOfMemory, PeakMemory, Step, parse_line
from preflight.readers.argparse_reader import UNKNOWN
from preflight.sizing.horizon import base_train_spec

WARMUP_STEPS = 10       # nanochat leaves steps 0-10 out of its timing (compilation, warm-up)
RETRIES = 3             # smaller device batches tried after an out-of-memory error
PROBE_TAG = "preflight-probe"
KEEP_OUT = ("base_checkpoints", "report", "chatsft_checkpoints", "mid_checkpoints")


class ProbeSkip(Exception):
    """The probe cannot run here; the message says why (one line)."""


@dataclass
class ProbeRun:
    """One probe process: what it printed and how it ended."""
    device_batch_size: int
    code: int = None
    timed_out: bool = False
    steps: list = field(default_factory=list)
    peak_mib: float = None
    oom: str = ""
    tail: list = field(default_factory=list)   # the last lines of its output

    @property
    def timed(self) -> list:
        later = [s for s in self.steps if s.step > WARMUP_STEPS]
        return later or self.steps[1:] or self.steps

    @property
    def step_seconds(self):
        return statistics.median(s.dt_ms for s in self.timed) / 1000 if self.timed else None

    @property
    def tok_per_sec(self):
        return statistics.median(s.tok_per_sec for s in self.timed) if self.timed else None

    @property
    def ran(self) -> bool:
        return not self.oom and not self.timed_out and bool(self.steps) and self.code in (0, None)


@dataclass
class ProbeResult:
    device: str                 # cuda | cpu
    processes: int
    command: list               # the first probe's command
    runs: list                  # ProbeRun, the planned batch first
    planned_batch: int
    timeout: float = None       # seconds each probe process may take
    fixed_command: str = ""     # the user's call with a device batch that ran, after an OOM

    @property
    def first(self) -> ProbeRun:
        return self.runs[0]

    @property
    def fits(self):
        """The largest device batch that ran (None: none did)."""
        return next((r.device_batch_size for r in self.runs if r.ran), None)

    def as_dict(self) -> dict:
        first = self.first
        return dict(device=self.device, processes=self.processes, command=self.command,
                    planned_batch=self.planned_batch, fits=self.fits,
                    fixed_command=self.fixed_command, step_seconds=first.step_seconds,
                    tok_per_sec=first.tok_per_sec if first.ran else None,
                    peak_mib=first.peak_mib, steps=len(first.steps), timed_steps=len(first.timed),
                    runs=[dict(device_batch_size=r.device_batch_size, code=r.code,
                               timed_out=r.timed_out, oom=r.oom, steps=len(r.steps),
                               peak_mib=r.peak_mib) for r in self.runs])

# ----------------------------------------------------------------------------------------------
# The command.

def _flag(checkout, spec, dest: str, value) -> list:
    """`--flag=value` in the checkout's spelling, when its base_train knows the option."""
    return [f"{checkout.flag(dest)}={value}"] if spec.option(dest) is not None else []


def _can_finish(base_train: Path, spec) -> bool:
    """Does this base_train skip evaluation, CORE metric and sampling at its last step when they
    are set to -1? (2025 versions evaluate at the last step whatever the setting.)"""
    try:
        text = base_train.read_text(errors="replace")
    except OSError:
        return False
    return all(f"{name} > 0" in text for name in ("eval_every", "core_metric_every", "sample_every")
               if spec.option(name) is not None)


def probe_args(call_args: list, checkout, spec, steps: int, total_batch: int,
               device_batch: int = None, finish: bool = True) -> list:
    """The base_train arguments of a probe: the call's own, then our overrides (argparse and
    nanochat's configurator both let the last occurrence win)."""
    overrides = {"num_iterations": steps if finish else steps + 5, "save_every": -1,
                 "eval_every": -1 if finish else 10**9, "core_metric_every": -1,
                 "sample_every": -1 if finish else 10**9, "run": "dummy",
                 "model_tag": PROBE_TAG, "total_batch_size": total_batch}
    if device_batch is not None:
        overrides["device_batch_size"] = device_batch
    kept = []
    for arg in call_args:
        if UNKNOWN in arg:
            dest = arg.split("=", 1)[0].lstrip("-").replace("-", "_")
            if "=" not in arg or dest not in overrides:
                raise ProbeSkip(f"the base-training call has a value known only at run time "
                                f"({arg.replace(UNKNOWN, '$…')}): the probe cannot repeat it")
            continue
        kept.append(arg)
    return kept + [w for dest, value in overrides.items() for w in _flag(checkout, spec, dest, value)]


def fixed_call(call_args: list, checkout, device_batch: int) -> list:
    """The user's own arguments with --device-batch-size set to `device_batch`."""
    names = {checkout.flag("device_batch_size"), "--device-batch-size", "--device_batch_size"}
    out, skip = [], False
    for arg in call_args:
        if skip:
            skip = False
            continue
        if arg in names:
            skip = True
            continue
        if arg.split("=", 1)[0] in names:
            continue
        out.append(arg.replace(UNKNOWN, "$…"))
    return out + [f"{checkout.flag('device_batch_size')}={device_batch}"]


def probe_python(checkout) -> str:
    """The Python the launch's `python`/`torchrun` would be: the checkout's .venv (nanochat's
    scripts activate it), else the first python on PATH, else ours."""
    venv = checkout.root / ".venv" / "bin" / "python"
    if venv.is_file():
        return str(venv)
    return shutil.which("python") or shutil.which("python3") or sys.executable

# ----------------------------------------------------------------------------------------------
# Running it.

def scratch_base_dir(base_dir: Path) -> Path:
    """A base dir beside the real one, linking to everything in it but the outputs of runs."""
    base_dir = Path(base_dir)
    scratch = Path(tempfile.mkdtemp(prefix=".preflight-probe-", dir=base_dir))
    for entry in base_dir.iterdir():
        if entry.name not in KEEP_OUT and not entry.name.startswith(".preflight-probe-"):
            (scratch / entry.name).symlink_to(entry.resolve())
    return scratch


def run_once(argv: list, cwd: Path, env: dict, timeout: float, device_batch: int,
             stop_after: int = None, progress=None) -> ProbeRun:
    """Run one probe process (its own process group) and read its output as it comes."""
    run = ProbeRun(device_batch)
    proc = subprocess.Popen(argv, cwd=cwd, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, start_new_session=True)
    deadline, buffer = time.monotonic() + timeout, b""
    try:
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                run.timed_out = True
                break
            if not select.select([proc.stdout], [], [], min(left, 1.0))[0]:
                continue
            chunk = os.read(proc.stdout.fileno(), 65536)
            if not chunk:
                break
            *lines, buffer = (buffer + chunk).split(b"\n")
            for raw in lines:
                if _read_line(run, raw.decode("utf-8", "replace"), progress) and stop_after is not \
                        None and run.steps and run.steps[-1].step >= stop_after:
                    _kill(proc)
        if buffer:
            _read_line(run, buffer.decode("utf-8", "replace"), progress)
    finally:
        if proc.poll() is None:
            _kill(proc)
        run.code = proc.wait()
        proc.stdout.close()
    if stop_after is not None and run.steps and run.steps[-1].step >= stop_after:
        run.code = None  # stopped by us, as planned
    return run


def _read_line(run: ProbeRun, line: str, progress) -> bool:
    run.tail = (run.tail + [line])[-60:]
    event = parse_line(line)
    if isinstance(event, Step):
        run.steps.append(event)
        if progress:
            progress(event)
        return True
    if isinstance(event, PeakMemory):
        run.peak_mib = event.mib
    elif isinstance(event, OutOfMemory):
        run.oom = run.oom or event.line
    return False


def _kill(proc) -> None:
    try:
        os.killpg(proc.pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)


def probe(call, checkout, spec, *, base_dir: Path, env: dict, processes: int, device: str,
          steps: int, total_batch: int, device_batch: int, seq_len: int, timeout: float,
          progress=None) -> ProbeResult:
    """Probe the call; after an out-of-memory error, smaller allowed device batches (at most
    RETRIES of them), largest first."""
    finish = _can_finish(checkout.module_path("scripts.base_train") or Path("/nonexistent"), spec)
    python = probe_python(checkout)
    if device == "cuda" or processes > 1:
        launcher = [python, "-m", "torch.distributed.run", "--standalone",
                    f"--nproc_per_node={processes}", "-m", "scripts.base_train", "--"]
    else:  # one CPU process: as nanochat's runcpu.sh (2026 versions need a process group under torchrun)
        launcher = [python, "-m", "scripts.base_train"]
    scratch = scratch_base_dir(base_dir)
    env = dict(env, NANOCHAT_BASE_DIR=str(scratch), WANDB_MODE="disabled")
    runs, command = [], None
    try:
        smaller = [d for d in batch_sizes_allowed(total_batch, seq_len, processes) if d < device_batch]
        for dbs in [device_batch, *smaller[:RETRIES]]:
            argv = launcher + probe_args(call.args, checkout, spec, steps, total_batch,
                                         dbs if dbs != device_batch else None, finish)
            command = command or argv
            runs.append(run_once(argv, checkout.root, env, timeout, dbs,
                                 None if finish else steps - 1, progress))
            if not runs[-1].oom:
                break
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    result = ProbeResult(device, processes, command, runs, device_batch, timeout)
    if runs[0].oom and result.fits:
        start = (["torchrun", "--standalone", f"--nproc_per_node={processes}", "-m",
                  "scripts.base_train", "--"] if call.launcher.endswith("torchrun")
                 else ["python", "-m", "scripts.base_train"])
        result.fixed_command = " ".join(start + fixed_call(call.args, checkout, result.fits))
    return result

# ----------------------------------------------------------------------------------------------
# The checklist's probe: where it can run, and what it found.

def probe_launch(settings, plan, horizon, call, progress=None) -> ProbeResult:
    """Probe the launch's base-training call on this machine; ProbeSkip says why it cannot."""
    if horizon is None or call is None:
        raise ProbeSkip("the launch has no base training to probe")
    if settings.nodes > 1:
        raise ProbeSkip(f"the plan spans {settings.nodes} nodes; the probe runs on this one only")
    device = str(horizon.flags.get("device_type") or "")
    if device in ("cpu", "mps"):
        processes = call.gpus or 1  # the command itself trains on the CPU: probe it there
    elif plan.facts.is_target or not plan.facts.count:
        why = "--target-gpu plans for GPUs that are not here" if plan.facts.is_target else \
            f"no GPU here ({plan.facts.reason})"
        raise ProbeSkip(f"{why}: --probe runs the training on the GPUs it will use")
    elif plan.facts.count < settings.gpus:
        raise ProbeSkip(f"the plan needs {settings.gpus} GPUs, {plan.facts.count} are here")
    else:
        device, processes = "cuda", settings.gpus
    return probe(call, settings.checkout, base_train_spec(settings.checkout),
                 base_dir=settings.base_dir, env=launch_environ(settings), processes=processes,
                 device=device or "cuda", steps=settings.probe_steps,
                 total_batch=horizon.total_batch_size, device_batch=horizon.device_batch_size,
                 seq_len=horizon.max_seq_len, timeout=settings.probe_timeout, progress=progress)


def probe_verdict(probe_result: tuple, plan, predicted=None) -> Finding:
    """The probe check's Finding: skipped (and why), or what the probe found; `predicted` is the
    Time row's FLOPs estimate of the whole run (its time per step is compared)."""
    result, why_not = probe_result
    if result is None:
        return Finding("skip", f"probe: {why_not}")
    step = predicted.seconds / plan.run.num_iterations if predicted else None
    return probe_finding(result, plan, step)


def _gib(mib: float) -> str:
    return f"{mib / 1024:.1f} GiB"


def probe_finding(result: ProbeResult, plan, predicted_step: float = None) -> Finding:
    """The hardware step's verdict on a probe that ran."""
    first, where = result.first, f"{result.processes} {result.device} process(es)"
    if first.oom:
        if result.fits:
            ran = next(r for r in result.runs if r.ran)
            peak = f", peak {_gib(ran.peak_mib)}" if ran.peak_mib else ""
            fix = (f"--device-batch-size {result.fits} ran ({len(ran.steps)} steps{peak}); "
                   f"use it: {result.fixed_command}")
        else:
            tried = ", ".join(str(r.device_batch_size) for r in result.runs)
            fix = (f"device batch sizes {tried} all ran out of memory: use more or larger GPUs, "
                   "a smaller --depth or a shorter --max-seq-len")
        return Finding("fail", f"probe: out of memory at --device-batch-size "
                               f"{result.planned_batch} on {where} (the estimate said "
                               f"{plan.estimate.required / 2**30:.1f} GiB would fit); {fix}")
    if first.timed_out and not first.steps:
        return Finding("fail", f"probe: no training step within {result.timeout:.0f} s "
                               f"(--probe-timeout) on {where}; last output: {_last(first)}")
    if not first.ran and not first.timed_out:
        return Finding("fail", f"probe: the base training exited with code {first.code} on {where} "
                               f"after {len(first.steps)} step(s): {_last(first)}")
    parts = [f"probe ran {len(first.steps)} steps on {where} at --device-batch-size "
             f"{result.planned_batch}: {first.step_seconds:.3g} s per step"]
    if predicted_step:
        parts[-1] += f" (predicted {predicted_step:.3g} s, {first.step_seconds / predicted_step - 1:+.0%})"
    parts.append(f"{first.tok_per_sec:,.0f} tok/s")
    if first.peak_mib:
        estimate = plan.estimate.peak_allocated / 2**20
        parts.append(f"peak memory per rank {_gib(first.peak_mib)} (estimated {_gib(estimate)}, "
                     f"{first.peak_mib / estimate - 1:+.0%})")
    elif result.device != "cuda":
        parts.append("memory not measured on the CPU")
    else:
        parts.append("peak memory not printed (this version evaluates at its last step, so the "
                     "probe stops before it)")
    if first.timed_out:
        return Finding("warn", "; ".join(parts) + f"; but it timed out before step "
                                                  f"{first.steps[-1].total}")
    return Finding("ok", "; ".join(parts))


_EXCEPTION = re.compile(r"^(?:\[rank\d+\]:\s*)?((?:[\w.]+\.)?\w*(?:Error|Exception|Interrupt)\b.*)$")


def _last(run: ProbeRun) -> str:
    """The child's own exception (torchrun ends with a summary block of its own), else the last
    line that says something."""
    lines = [line.strip() for line in run.tail if line.strip()]
    for line in reversed(lines):
        m = _EXCEPTION.match(line)
        if m and "ChildFailedError" not in line:
            return m.group(1)[:300]
    said = [line for line in lines if not set(line) <= set("=-")]
    return said[-1][:300] if said else "no output"
