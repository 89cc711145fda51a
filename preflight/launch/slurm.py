"""Submit the chosen training command to a Slurm cluster with submitit (the other launch target).

`launch.py --slurm` checks the cluster (partition, nodes, GPUs per node), runs the same checklist and
asks the same confirmation, then hands the command to `submit`, which returns at once with the job id
and log paths (`--wait` follows the job to its end: preflight.launch.slurm_wait). In the job, one
task per node runs `run_job`: first the hardware check of its node against the plan
(preflight.hardware.node_check; every node waits for the others' verdict, and a red one stops them all
before training), then the command in the nanochat checkout, its output (stderr merged) streamed to
the task's log. The task exits with the command's exit code, so Slurm records it. Slurm's time-limit
warning becomes a SIGTERM to the run; scancel and the time limit reach it from Slurm directly; each
task leaves a verdict file beside its log, and the first task says what the run saved.

A single node runs the command as is. Several nodes need a torchrun command: its `--standalone`
becomes a c10d rendezvous on the job's first node, written inside the job, where the hostnames are
known. A shell script is refused on several nodes: each node would run the whole script, downloads
and all.

Without Slurm, `sbatch_preview` shows the #SBATCH text that would be submitted (for --dry-run), and
tests inject `submitit.AutoExecutor(folder, cluster="local")` into `submit`.
"""

import argparse
import contextlib
import json
import math
import os
import re
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace

import cloudpickle  # submitit's own pickler; it ships with submitit
import submitit
import submitit.slurm.slurm

from preflight.config import positive_int
from preflight.hardware.node_check import check_node, report_lines
from preflight.hardware.probe import probe
from preflight.launch.checkpoints import saved_lines
from preflight.util.atomic_write import write_json_atomic

DEFAULT_TIME = "12:00:00"
DEFAULT_FOLDER = "reports/slurm"
DEFAULT_RDZV_PORT = 29500
NODE_CHECK_WAIT_S = 600   # how long a node waits for the other nodes' hardware checks

# `launch.py --slurm --wait` exits with the command's exit code, or with one of these (README)
EXIT_NODE_CHECK = 120     # the hardware check in the job stopped it before training
EXIT_CANCELLED = 121      # scancel, or preempted
EXIT_NODE_FAIL = 122      # a node failed (NODE_FAIL, BOOT_FAIL)
EXIT_OUT_OF_MEMORY = 123  # OUT_OF_MEMORY
EXIT_TIME_LIMIT = 124     # TIMEOUT, DEADLINE, or stopped at the time-limit warning (as timeout(1))
EXIT_UNKNOWN = 125        # the job's end could not be read (or scancel failed)
EXIT_DETACHED = 130       # Ctrl+C without cancelling: the job keeps running

# torchrun's options that take no value (torch/distributed/run.py, the `check_env` actions)
_TORCHRUN_FLAGS = {"--standalone", "-m", "--module", "--no-python", "--no_python", "--run-path",
                   "--run_path", "--virtual-local-rank", "--virtual_local_rank"}
# options that would fight the rendezvous written here for several nodes
_RENDEZVOUS_OPTIONS = {"--nnodes", "--node-rank", "--node_rank", "--rdzv-backend", "--rdzv_backend",
                       "--rdzv-endpoint", "--rdzv_endpoint", "--rdzv-id", "--rdzv_id",
                       "--master-addr", "--master_addr", "--master-port", "--master_port"}
_NPROC_OPTIONS = {"--nproc-per-node", "--nproc_per_node"}
# #SBATCH keys that have their own option here; --slurm-option must not set them behind its back
_OWN_SBATCH_KEYS = {"time": "--time", "nodes": "--nodes", "partition": "--partition",
                    "account": "--account", "qos": "--qos", "cpus-per-task": "--cpus-per-task",
                    "gpus-per-node": "--gpus", "ntasks-per-node": "(one task per node)",
                    "job-name": "(set from the command)", "output": "--slurm-folder",
                    "error": "--slurm-folder", "chdir": "(the nanochat checkout)"}
# submitit's generic parameter names → the names _make_sbatch_string takes
_SBATCH_NAMES = {"name": "job_name", "timeout_min": "time", "tasks_per_node": "ntasks_per_node"}


class SlurmError(Exception):
    """A one-line reason not to submit (no Slurm here, a refused request, sbatch said no)."""


@dataclass(frozen=True)
class JobInfo:
    job_id: str
    stdout_path: Path       # the job's output (stderr is merged into it)
    sbatch_preview: str     # the #SBATCH file as submitted; None on a non-Slurm executor
    job: object = field(default=None, repr=False, compare=False)  # the submitit Job, to wait on


# ----------------------------------------------------------------------------------------------
# The command-line options launch.py adds

def parse_time(text: str) -> int:
    """Slurm wall time → whole minutes: `90`, `12:00:00` (H:MM:SS) or `1-12:00:00` (D-HH[:MM[:SS]]).

    `12:30` is refused: Slurm reads it as minutes:seconds, which is rarely what was meant.
    """
    text = text.strip()
    days = hours = minutes = seconds = 0
    if m := re.fullmatch(r"(\d+)", text):
        minutes = int(m[1])
    elif m := re.fullmatch(r"(\d+):([0-5]\d):([0-5]\d)", text):
        hours, minutes, seconds = int(m[1]), int(m[2]), int(m[3])
    elif m := re.fullmatch(r"(\d+)-(\d+)(?::([0-5]\d)(?::([0-5]\d))?)?", text):
        days, hours, minutes, seconds = int(m[1]), int(m[2]), int(m[3] or 0), int(m[4] or 0)
    else:
        raise argparse.ArgumentTypeError(
            f"invalid time {text!r}: write minutes (720), H:MM:SS (12:00:00) or D-HH:MM:SS (1-00:00:00)")
    total = math.ceil((((days * 24 + hours) * 60 + minutes) * 60 + seconds) / 60)
    if total <= 0:
        raise argparse.ArgumentTypeError(f"invalid time {text!r}: it must be at least one minute")
    return total


def parse_sbatch_option(text: str) -> tuple:
    """`KEY=VALUE` or `KEY` (a flag such as `exclusive`) → an extra #SBATCH line's (key, value)."""
    key, sep, value = text.strip().lstrip("-").partition("=")
    key = key.replace("_", "-")
    if not re.fullmatch(r"[A-Za-z][A-Za-z0-9-]*", key):
        raise argparse.ArgumentTypeError(f"invalid #SBATCH option {text!r}: write KEY=VALUE or KEY")
    if sep and not value.isprintable():   # a line break would end the #SBATCH line early
        raise argparse.ArgumentTypeError(f"invalid #SBATCH option {text!r}: the value must be "
                                         f"printable text on one line")
    if key in _OWN_SBATCH_KEYS:
        raise argparse.ArgumentTypeError(
            f"#SBATCH --{key} is set by launch.py itself: use {_OWN_SBATCH_KEYS[key]}")
    return key, (value if sep else True)


def _port(text: str) -> int:
    value = positive_int(text)
    if value > 65535:
        raise argparse.ArgumentTypeError(f"{value} is not a TCP port (1-65535)")
    return value


def add_slurm_arguments(parser: argparse.ArgumentParser):
    """Add the --slurm options (one argument group) to launch.py's parser; returns the group."""
    g = parser.add_argument_group(
        "Slurm", "submit to a Slurm cluster instead of running here, after the same green "
                 "checklist and confirmation (run launch.py on the cluster's login node)")
    g.add_argument("--slurm", action="store_true", help="submit the run as a Slurm job")
    g.add_argument("--partition", help="Slurm partition (default: the cluster's)")
    g.add_argument("--account", help="Slurm account to charge")
    g.add_argument("--qos", help="Slurm quality of service")
    g.add_argument("--time", type=parse_time, default=DEFAULT_TIME,
                   help=f"wall time: minutes, H:MM:SS or D-HH:MM:SS (default {DEFAULT_TIME})")
    g.add_argument("--cpus-per-task", type=positive_int,
                   help="CPUs for the one task per node (default: the cluster's, often 1)")
    g.add_argument("--slurm-setup", action="append", default=[], metavar="LINE",
                   help="a shell line run in the checkout before the command, e.g. "
                        "'source .venv/bin/activate' (repeatable)")
    g.add_argument("--slurm-option", action="append", default=[], type=parse_sbatch_option,
                   metavar="KEY[=VALUE]", help="an extra #SBATCH option, e.g. exclusive, mem=0, "
                                               "constraint=h100 (repeatable)")
    g.add_argument("--slurm-folder", default=DEFAULT_FOLDER,
                   help="where submitit keeps the job's files and logs; must be on a filesystem "
                        "the nodes share (default: slurm/ in the reports folder)")
    g.add_argument("--rdzv-port", type=_port, default=DEFAULT_RDZV_PORT,
                   help=f"torchrun's rendezvous port on the first node, with --nodes > 1 "
                        f"(default {DEFAULT_RDZV_PORT})")
    g.add_argument("--wait", action="store_true",
                   help="follow the job to its end (state and log) and exit with its exit code, "
                        f"or {EXIT_NODE_CHECK} failed node check, {EXIT_CANCELLED} cancelled, "
                        f"{EXIT_NODE_FAIL} node failure, {EXIT_OUT_OF_MEMORY} out of memory, "
                        f"{EXIT_TIME_LIMIT} time limit; Ctrl+C asks whether to cancel the job")
    g.add_argument("--skip-node-check", action="store_true",
                   help="start training without checking the node's GPUs against the plan first")
    return g


# ----------------------------------------------------------------------------------------------
# Reading and rewriting a torchrun command

def torchrun_span(argv) -> tuple:
    """(start, end) of torchrun's own options in argv, or None when argv is not a torchrun command.

    `torchrun ...` and `python -m torch.distributed.run ...` count; the options end at the training
    script or module, so the training arguments after it are never touched.
    """
    argv = list(argv)
    if argv and Path(argv[0]).name == "torchrun":
        start = 1
    elif argv[1:3] == ["-m", "torch.distributed.run"] and Path(argv[0]).name.startswith("python"):
        start = 3
    else:
        return None
    i = start
    while i < len(argv) and argv[i].startswith("-"):
        i += 1 if "=" in argv[i] or argv[i] in _TORCHRUN_FLAGS else 2
    return start, min(i, len(argv))


def _option_values(options, names) -> list:
    """The values given to any of `names` in torchrun's options (`--x=v` and `--x v`)."""
    found = []
    for i, word in enumerate(options):
        name, sep, value = word.partition("=")
        if name in names:
            found.append(value if sep else (options[i + 1] if i + 1 < len(options) else ""))
    return found


def rendezvous_argv(argv, job_env, port: int = DEFAULT_RDZV_PORT) -> list:
    """The torchrun command for one node of a multi-node job: `--standalone` becomes a c10d
    rendezvous on the job's first host (`job_env` is a submitit.JobEnvironment or alike)."""
    start, end = torchrun_span(argv)
    options = [word for word in argv[start:end] if word != "--standalone"]
    rendezvous = [f"--nnodes={job_env.num_nodes}", f"--rdzv_id={job_env.job_id}",
                  "--rdzv_backend=c10d", f"--rdzv_endpoint={job_env.hostnames[0]}:{port}"]
    return [*argv[:start], *rendezvous, *options, *argv[end:]]


def check_request(argv, *, gpus_per_node: int, nodes: int) -> None:
    """Raise SlurmError (one line) for a request that cannot run as asked."""
    span = torchrun_span(argv)
    options = list(argv[span[0]:span[1]]) if span else []
    for value in _option_values(options, _NPROC_OPTIONS):
        if gpus_per_node > 0 and value.isdigit() and int(value) != gpus_per_node:
            raise SlurmError(f"the command starts {value} processes per node (--nproc_per_node="
                             f"{value}) but the job asks for {gpus_per_node} GPUs per node")
    if nodes == 1:
        return
    if span is None:
        raise SlurmError(f"--nodes {nodes} needs a torchrun command: {shlex.join(argv)} is not one, "
                         f"and a shell script cannot be split across nodes safely; use --nodes 1")
    clashing = sorted({w.partition("=")[0] for w in options} & _RENDEZVOUS_OPTIONS)
    if clashing:
        raise SlurmError(f"--nodes {nodes} writes torchrun's rendezvous itself, but the command "
                         f"already sets {', '.join(clashing)}; remove it or use --nodes 1")


# ----------------------------------------------------------------------------------------------
# What runs inside the job (pickled by value: the nodes need submitit, not this package)

# the modules whose functions travel by value into the job: run_job and everything it calls (a
# module object itself would travel by name, so the job's code imports functions, not modules)
BY_VALUE = tuple(sys.modules[name] for name in (
    __name__, "preflight.hardware.node_check", "preflight.hardware.probe", "preflight.hardware.plan",
    "preflight.hardware.precision", "preflight.checklist.finding", "preflight.util.format",
    "preflight.util.atomic_write", "preflight.launch.checkpoints"))


def verdict_path(folder, job_id, task) -> Path:
    """Where a task of the job leaves its verdict: beside its log in the job's folder."""
    return Path(folder) / f"{job_id}_{task}_verdict.json"


def read_verdict(path) -> dict:
    try:
        return json.loads(Path(path).read_text())
    except (OSError, ValueError):
        return {}


def _log(line: str) -> None:
    print(f"[preflight] {line}", flush=True)


class _Stop:
    """Slurm's time-limit warning (SIGUSR2, `--signal=USR2@90`) and SIGTERM (scancel, the time
    limit, preemption), caught from the task's start: one that comes during the hardware check
    keeps the run from starting, one that comes during the run stops it. The run itself gets
    SIGTERM: for the warning from here; scancel and the time limit send it to every process of the
    job already, the run included, and a second one could cut torchrun's own shutdown short."""

    SIGNALS = (signal.SIGUSR2, signal.SIGTERM)

    def __init__(self):
        self.by = None          # the name of the first stopping signal
        self.group = None       # the run's process group, once it runs
        self.under_slurm = "SLURM_JOB_ID" in os.environ
        self.previous = {s: signal.signal(s, self._caught) for s in self.SIGNALS}

    def _caught(self, signum, _frame):      # no printing here: the task may be inside a write
        self.by = self.by or signal.Signals(signum).name
        if self.group is not None and (signum != signal.SIGTERM or not self.under_slurm):
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.group, signal.SIGTERM)

    def start(self, argv, cwd: str, env: dict) -> subprocess.Popen:
        """Popen argv in its own process group. The warning goes to every process of the job
        step and would kill a script that does not handle it: the run inherits "ignore" (a
        warning in the moment around the start is lost: the time limit's SIGTERM still comes)."""
        signal.signal(signal.SIGUSR2, signal.SIG_IGN)
        try:
            proc = subprocess.Popen(argv, cwd=cwd, env=env, stdout=subprocess.PIPE,
                                    stderr=subprocess.STDOUT, start_new_session=True)
        finally:
            signal.signal(signal.SIGUSR2, self._caught)
        self.group = proc.pid
        return proc

    def restore(self) -> None:
        for s, handler in self.previous.items():
            signal.signal(s, handler)


def _node_verdicts(job, verdict: dict, stop: _Stop) -> list:
    """Every task's verdict on its node's hardware check, once all are written (this one's first);
    a task that has not written one within NODE_CHECK_WAIT_S counts as failed. A stopping signal
    ends the wait."""
    write_json_atomic(verdict_path(job.paths.folder, job.job_id, job.global_rank), verdict)
    deadline = time.monotonic() + NODE_CHECK_WAIT_S
    while not stop.by:
        found = {task: read_verdict(verdict_path(job.paths.folder, job.job_id, task))
                 for task in range(job.num_tasks)}
        # a verdict of an earlier run of a requeued job does not count
        found = {task: v for task, v in found.items() if v.get("restart") == verdict["restart"]}
        if len(found) == job.num_tasks:
            return list(found.values())
        if time.monotonic() > deadline:
            silent = dict(host="a node that never reported", check_failed=True, check=[dict(
                key="reported", status="fail",
                message=f"no hardware check within {NODE_CHECK_WAIT_S} s")])
            return [*found.values(), *(dict(silent, task=task) for task in range(job.num_tasks)
                                       if task not in found)]
        time.sleep(1)
    return [verdict]


def _check_node(node_plan: dict, env: dict, job, verdict: dict, stop: _Stop) -> None:
    """The hardware check of this node against the plan; exits the task with EXIT_NODE_CHECK,
    before anything starts, when this node or another one fails it."""
    findings = check_node(node_plan, probe(env))
    for line in report_lines(findings, verdict["host"]):
        print(line, flush=True)
    verdict.update(check=[dict(key=k, status=f.status, message=f.message)
                          for k, f in findings.items()],
                   check_failed=any(f.status == "fail" for f in findings.values()))
    red = [v for v in _node_verdicts(job, verdict, stop) if v.get("check_failed")]
    if red:
        hosts = ", ".join(f"{v['host']} (task {v['task']})" for v in red)
        _log(f"the hardware check failed on {hosts}: the job stops before training "
             f"(exit code {EXIT_NODE_CHECK})")
        sys.exit(EXIT_NODE_CHECK)   # SystemExit passes submitit's handler: Slurm records the code


def _run_command(argv, cwd: str, env: dict, stop: _Stop) -> int:
    """Run argv, its output (stderr merged) streamed to this task's log; its exit code, 128 + N
    for a run killed by signal N as shells report it, 127 when it cannot start."""
    try:
        proc = stop.start(argv, cwd, env)
    except OSError as e:
        _log(f"cannot start {argv[0]!r} in {cwd}: {e.strerror} (is its environment active? see "
             f"--slurm-setup)")
        return 127
    try:
        out = sys.stdout.buffer
        for chunk in iter(lambda: proc.stdout.read1(65536), b""):
            out.write(chunk)
            out.flush()
        code = proc.wait()
    finally:
        if proc.poll() is None:     # this task is being torn down: do not orphan the run
            proc.terminate()
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
    return 128 - code if code < 0 else code


def run_job(argv, cwd: str, env_updates: dict, rdzv_port: int = None, node_plan: dict = None,
            saved_in: tuple = None) -> int:
    """One task of the job: check this node against node_plan (None: no check), run argv in cwd
    with the node's environment plus env_updates, and exit with its exit code (EXIT_TIME_LIMIT when
    the time-limit warning stopped it). rdzv_port: rewrite for several nodes. saved_in: (checkpoint
    folder, ranks), for the first task to say what the run saved. Leaves a verdict file."""
    job = submitit.JobEnvironment()
    stop = _Stop()
    try:
        _run_task(job, stop, argv, cwd, env_updates, rdzv_port, node_plan, saved_in)
    finally:
        stop.restore()
    return 0


def _run_task(job, stop, argv, cwd, env_updates, rdzv_port, node_plan, saved_in) -> None:
    # Python children block-buffer into a pipe; unbuffered, the log can be followed live
    env = {**os.environ, "PYTHONUNBUFFERED": "1", **env_updates}
    verdict = dict(host=socket.gethostname(), task=job.global_rank,
                   restart=os.environ.get("SLURM_RESTART_COUNT", "0"))
    if node_plan is not None:
        _check_node(node_plan, env, job, verdict, stop)
    if rdzv_port is not None:
        argv = rendezvous_argv(argv, job, rdzv_port)
    if stop.by:
        code = None
        _log(f"{stop.by} came before the run started: nothing was started")
    else:
        _log(f"on {verdict['host']}, in {cwd}: {shlex.join(argv)}")
        code = _run_command(argv, cwd, env, stop)
        if stop.by:
            _log(f"{stop.by} stopped the run")
    verdict.update(exit_code=code, stopped_by=stop.by)
    if saved_in and job.global_rank == 0:
        verdict["saved"] = saved_lines(*saved_in)
        for line in verdict["saved"]:
            _log(line)
    write_json_atomic(verdict_path(job.paths.folder, job.job_id, job.global_rank), verdict)
    if stop.by == "SIGUSR2":
        _log(f"stopped at the time-limit warning (the run's exit code: {code}); the job ends "
             f"with {EXIT_TIME_LIMIT}")
        sys.exit(EXIT_TIME_LIMIT)   # SystemExit passes submitit's handler: Slurm records the code
    if code is None:
        sys.exit(128 + signal.SIGTERM)
    if code:
        _log(f"the command exited with code {code} on {verdict['host']}: {shlex.join(argv)}")
        sys.exit(code)


# ----------------------------------------------------------------------------------------------
# Submission and its preview

def _job_name(argv) -> str:
    span = torchrun_span(argv)
    if span and span[1] < len(argv):
        word = argv[span[1]]
        return "nanochat-" + (Path(word).stem if word.endswith(".py") else word.split(".")[-1])
    scripts = [w for w in argv if w.endswith((".sh", ".py"))]
    return "nanochat-" + (Path(scripts[0]).stem if scripts else Path(argv[0]).name)


def _parameters(argv, *, gpus_per_node: int, args, cwd) -> dict:
    """The submitit parameters (generic names, Slurm ones prefixed `slurm_`)."""
    params = {"name": _job_name(argv), "timeout_min": args.time, "nodes": args.nodes,
              "tasks_per_node": 1, "gpus_per_node": gpus_per_node}
    if args.cpus_per_task:
        params["cpus_per_task"] = args.cpus_per_task
    for key in ("partition", "account", "qos"):
        if getattr(args, key):
            params[f"slurm_{key}"] = getattr(args, key)
    if args.slurm_setup:
        params["slurm_setup"] = list(args.slurm_setup)
    # the setup lines ("source .venv/bin/activate") mean the checkout, not where launch.py started
    extra = {"chdir": str(cwd)} if cwd is not None else {}
    extra.update(dict(args.slurm_option))
    if extra:
        params["slurm_additional_parameters"] = extra
    return params


def _job_folder(folder) -> Path:
    return Path(folder).expanduser().resolve() / "%j"   # one folder per job id


def _shown_command(argv, *, nodes: int, port: int, cwd, node_check: bool) -> str:
    if nodes > 1:
        placeholder = SimpleNamespace(num_nodes=nodes, job_id="<job id>", hostnames=["<first node>"])
        argv = rendezvous_argv(argv, placeholder, port)
    where = f"in {cwd}" if cwd is not None else "in the checkout"
    check = (f"# each task first checks its node's GPUs against the plan; a failed check on any "
             f"node ends the job before training (exit code {EXIT_NODE_CHECK})\n"
             if node_check else "")
    return (f"{check}# each of the {nodes} task(s) (one per node) then runs, {where}:\n"
            f"#   {shlex.join(argv)}")


def sbatch_preview(argv, *, gpus_per_node: int, args, folder, cwd=None) -> str:
    """The #SBATCH file `submit` would hand to sbatch, then the command each task runs.

    Needs no cluster. Uses submitit's private `_make_sbatch_string`; when a submitit version lacks
    it, a one-line note stands in for the #SBATCH text. Raises SlurmError for a refused request.
    """
    argv = list(argv)
    check_request(argv, gpus_per_node=gpus_per_node, nodes=args.nodes)
    shown = _shown_command(argv, nodes=args.nodes, port=args.rdzv_port, cwd=cwd,
                           node_check=not args.skip_node_check)
    params = _parameters(argv, gpus_per_node=gpus_per_node, args=args, cwd=cwd)
    kwargs = {_SBATCH_NAMES.get(k, k.removeprefix("slurm_")): v for k, v in params.items()}
    job_folder = _job_folder(folder)
    # the same line SlurmExecutor writes: it unpickles and runs run_job on each task
    command = " ".join([shlex.quote(sys.executable), "-u -m submitit.core._submit",
                        shlex.quote(str(job_folder))])
    make = getattr(submitit.slurm.slurm, "_make_sbatch_string", None)
    try:
        text = make(command=command, folder=job_folder, **kwargs) if make else None
    except TypeError:   # its private signature changed
        text = None
    if text is None:
        text = (f"# (no #SBATCH preview: submitit {submitit.__version__} has no usable "
                f"_make_sbatch_string; the job asks for {args.nodes} node(s) x {gpus_per_node} GPU(s), "
                f"{args.time} min)\n")
    return f"{text.rstrip()}\n\n{shown}\n"


def _first_line(error: BaseException) -> str:
    lines = [line.strip() for line in str(error).splitlines() if line.strip()]
    return lines[0] if lines else type(error).__name__


def require_slurm() -> None:
    """Raise SlurmError (one line) unless sbatch and srun are on PATH; cheap, so launch.py can
    call it before the checklist rather than after."""
    missing = [tool for tool in ("sbatch", "srun") if shutil.which(tool) is None]
    if missing:
        raise SlurmError(f"Slurm is not available on this machine (no {' or '.join(missing)} on "
                         f"PATH): run launch.py --slurm on the cluster's login node")


def _slurm_records(*argv) -> list:
    """`scontrol show ... -o` as one dict per line; SlurmError with scontrol's own words."""
    try:
        done = subprocess.run(["scontrol", *argv, "-o"], capture_output=True, text=True,
                              timeout=60)
    except (OSError, subprocess.TimeoutExpired) as e:
        raise SlurmError(f"scontrol {' '.join(argv)} failed: {e}") from None
    if done.returncode != 0:
        said = (done.stderr or done.stdout).strip().splitlines()
        raise SlurmError(f"scontrol {' '.join(argv)}: "
                         f"{said[0] if said else f'exit code {done.returncode}'}")
    return [dict(re.findall(r"(\w+)=(\S*)", line)) for line in done.stdout.splitlines()
            if line.strip()]


def _gpus_of(gres: str) -> int:
    """GPUs in a node's gres, as sinfo's %G prints it: `gpu:h100:8(S:0-1)` -> 8; `(null)` -> 0."""
    return sum(int(n) for n in re.findall(r"(?:^|,)gpu(?::[^:,(]+)?:(\d+)", gres))


def check_cluster(args, gpus_per_node: int = None) -> None:
    """Raise SlurmError (one line) when this cluster cannot run the job as asked: no Slurm here, no
    such partition (or no default one), fewer nodes in it than --nodes, or nodes with fewer GPUs
    than gpus_per_node. Cheap, so launch.py calls it before the checklist. (Slurm itself refuses
    --nodes only where EnforcePartLimits is set; by default it leaves the job pending for ever.)"""
    require_slurm()
    records = _slurm_records("show", "partition", *([args.partition] if args.partition else []))
    name = args.partition
    if name is None:
        default = [r for r in records if r.get("Default") == "YES"]
        if not default:
            names = ", ".join(r.get("PartitionName", "?") for r in records) or "none"
            raise SlurmError(f"this cluster has no default partition: pass --partition "
                             f"(partitions: {names})")
        records, name = default, default[0].get("PartitionName")
    part = records[0]
    total = int(part.get("TotalNodes") or 0)
    limit = part.get("MaxNodes", "UNLIMITED")
    most = min(total, int(limit)) if limit.isdigit() else total
    if args.nodes > most:
        why = (f"has {total} node(s) ({part.get('Nodes', '?')})" if most == total else
               f"allows at most {most} node(s) per job")
        raise SlurmError(f"--nodes {args.nodes}: partition {name} {why}; ask for at most {most}, "
                         f"or choose another partition with --partition")
    if gpus_per_node:
        try:
            done = subprocess.run(["sinfo", "-h", "-N", "-p", name, "-o", "%G"],
                                  capture_output=True, text=True, timeout=60)
        except (OSError, subprocess.TimeoutExpired) as e:
            raise SlurmError(f"sinfo failed: {e}") from None
        most_gpus = max((_gpus_of(line) for line in done.stdout.split()), default=0)
        if done.returncode == 0 and most_gpus < gpus_per_node:
            raise SlurmError(f"--gpus {gpus_per_node}: the nodes of partition {name} have at most "
                             f"{most_gpus} GPU(s) (gres)")


def _slurm_executor(folder):
    require_slurm()
    try:
        return submitit.AutoExecutor(folder=_job_folder(folder), cluster="slurm")
    except RuntimeError as e:
        raise SlurmError(f"submitit cannot use Slurm here: {_first_line(e)}") from None


def submit(argv, *, cwd: Path, env: dict, gpus_per_node: int, args, executor=None,
           node_plan: dict = None, saved_in: tuple = None) -> JobInfo:
    """Submit argv as a job (one task per node) and return at once with its id and log paths.

    cwd: the nanochat checkout; env: the environment to run with (only what differs from this
    process's environment travels: the nodes keep their own CUDA_VISIBLE_DEVICES, SLURM_* ...).
    node_plan: what each node's GPUs must match before training (node_check.node_plan; None: no
    check). saved_in: (checkpoint folder, ranks), to report what the run saved.
    executor: a submitit executor to use instead of Slurm (tests: cluster="local").
    Raises SlurmError with a one-line reason when nothing was submitted.
    """
    argv, cwd = list(argv), Path(cwd).resolve()
    check_request(argv, gpus_per_node=gpus_per_node, nodes=args.nodes)
    if executor is None:
        executor = _slurm_executor(args.slurm_folder)
    try:
        executor.update_parameters(**_parameters(argv, gpus_per_node=gpus_per_node, args=args,
                                                 cwd=cwd))
    except (ValueError, AssertionError) as e:
        raise SlurmError(f"submitit refused the job's parameters: {_first_line(e)}") from None
    updates = {k: v for k, v in env.items() if os.environ.get(k) != v}
    rdzv_port = args.rdzv_port if args.nodes > 1 else None
    for module in BY_VALUE:
        cloudpickle.register_pickle_by_value(module)
    try:
        job = executor.submit(run_job, argv, str(cwd), updates, rdzv_port, node_plan,
                              None if saved_in is None else (str(saved_in[0]), saved_in[1]))
    except (submitit.core.utils.FailedJobError, submitit.core.utils.FailedSubmissionError,
            OSError) as e:
        raise SlurmError(f"the submission failed: {_first_line(e)}") from None
    finally:
        for module in BY_VALUE:
            cloudpickle.unregister_pickle_by_value(module)
    submitted = Path(job.paths.submission_file)
    return JobInfo(str(job.job_id), Path(job.paths.stdout),
                   submitted.read_text() if submitted.exists() else None, job)
