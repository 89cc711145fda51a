"""A throwaway one-node Slurm cluster for tests (stdlib only, no pytest; the session fixture in
tests/test_slurm_cluster.py starts one).

    cluster = start(tmpdir, gpus=8)       # installs slurm-wlm + munge when missing (root only)
    env = cluster.client_env()            # os.environ + SLURM_CONF and the sacct stand-in on PATH
    job_id = cluster.sbatch("--gres=gpu:8", "--wrap", "echo hi")
    cluster.wait_job(job_id)              # -> JobState(state="COMPLETED", exit_code=0, signal=0)
    cluster.job_state(job_id)             # the same, without waiting
    cluster.stop()

Everything the cluster owns lives under `tmpdir` (config, state, spool, logs, the job-completion
log, the placeholder GPU devices), except munged's socket, which lives in a short private folder
under /tmp: munged insists that every folder above its socket is searchable by all (pytest's tmp
folders are 0700), and a Unix socket path must stay under 108 bytes. Each `start` makes its own
munge key, ports and state, so each pytest session can start its own cluster. Two clusters cannot
run at the same time on one host: both slurmd would be the same node (the host's name).

The daemons run in the foreground (`-F`/`-D`) as children of this process, in their own session,
so `stop()` knows their pids, reaps them, and can never hit someone else's daemon. The daemons
carry PREFLIGHT_TEST_SLURM=<tmpdir> in their environment; a slurmstepd (slurmd empties its
environment) is known by its working folder, <tmpdir>/run. `stop()` also ends any such process
still alive, with its descendants (a job left behind), and `stop_leftovers(tmpdir)` does the
same for a cluster whose owner died without calling stop().

There is no accounting database (AccountingStorageType=accounting_storage/none), so the real
`sacct` only says "Slurm accounting storage is disabled". Job state and exit code come from
`scontrol show job` while the controller keeps the job (MinJobAge is a day) and from the
jobcomp/filetxt log after that. submitit polls `sacct` to learn that a job which wrote no result
(cancelled, timed out, killed) has ended, and would otherwise wait forever; so `start` writes a
small `sacct` stand-in into <tmpdir>/bin, first on `Cluster.env["PATH"]`, that answers submitit's
query (`sacct -o JobID,State,NodeList --parsable2 -j ID ...`) from those same two sources.
"""

import atexit
import os
import re
import secrets
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import NamedTuple

PACKAGES = ("slurm-wlm", "munge")
DAEMONS = ("munged", "slurmctld", "slurmd")
CLIENTS = ("sbatch", "srun", "squeue", "sinfo", "scontrol", "scancel")
CLUSTER_MARKER = "PREFLIGHT_TEST_SLURM"
PARTITION = "debug"
GPU_TYPE = "h100"
# states after which a job never runs again (PENDING, RUNNING, COMPLETING, ... are not here)
FINAL_STATES = {"BOOT_FAIL", "CANCELLED", "COMPLETED", "DEADLINE", "FAILED", "NODE_FAIL",
                "OUT_OF_MEMORY", "PREEMPTED", "TIMEOUT", "SPECIAL_EXIT", "REVOKED"}
_SBIN_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"


class ClusterUnavailable(RuntimeError):
    """No cluster could be started here; `reason` says why in one line (a test skips on it),
    `details` holds the daemons' last log lines or apt's output when there are some."""

    def __init__(self, reason: str, details: str = ""):
        super().__init__(reason + (f"\n{details}" if details else ""))
        self.reason = reason
        self.details = details


class JobState(NamedTuple):
    state: str              # COMPLETED, FAILED, CANCELLED, TIMEOUT, NODE_FAIL, RUNNING, PENDING ...
    exit_code: int          # the batch script's exit status (Slurm's ExitCode=<this>:<signal>)
    signal: int = 0         # the signal that ended it, if one did (ExitCode=0:9 -> 9)


# ------------------------------------------------------------------------------------------------
# Packages

def _which(name):
    return shutil.which(name, path=os.environ.get("PATH", "") + os.pathsep + _SBIN_PATH)


def _missing_programs():
    return [name for name in DAEMONS + CLIENTS + ("munge",) if _which(name) is None]


def ensure_installed(timeout: float = 900) -> None:
    """Install slurm-wlm and munge with apt-get when a program is missing (root only)."""
    missing = _missing_programs()
    if not missing:
        return
    if os.geteuid() != 0:
        raise ClusterUnavailable(f"Slurm is not installed ({', '.join(missing)} missing) and "
                                 f"installing it needs root")
    apt = _which("apt-get")
    if apt is None:
        raise ClusterUnavailable(f"Slurm is not installed ({', '.join(missing)} missing) and "
                                 f"there is no apt-get to install it")
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive", PATH=_SBIN_PATH)
    # keep the packages' maintainer scripts from starting the system's own munge/slurm services
    # (Docker images usually have this file already; it is created only for the install)
    policy = Path("/usr/sbin/policy-rc.d")
    made_policy = False
    if not policy.exists():
        try:
            policy.write_text("#!/bin/sh\nexit 101\n")
            policy.chmod(0o755)
            made_policy = True
        except OSError:
            pass
    try:
        for argv in ([apt, "update", "-q"],
                     [apt, "install", "-y", "-q", "--no-install-recommends", *PACKAGES]):
            try:
                done = subprocess.run(argv, env=env, stdin=subprocess.DEVNULL, capture_output=True,
                                      text=True, timeout=timeout)
            except subprocess.TimeoutExpired:
                raise ClusterUnavailable(f"{shlex.join(argv)} took over {timeout:.0f} s") from None
            if done.returncode != 0:
                tail = (done.stdout + done.stderr).strip().splitlines()[-15:]
                raise ClusterUnavailable(f"{shlex.join(argv)} failed with exit code "
                                         f"{done.returncode}", "\n".join(tail))
    finally:
        if made_policy:
            policy.unlink(missing_ok=True)
    missing = _missing_programs()
    if missing:
        raise ClusterUnavailable(f"after installing {' '.join(PACKAGES)}, still missing: "
                                 f"{', '.join(missing)}")


# ------------------------------------------------------------------------------------------------
# Configuration

def _free_ports(count):
    """`count` distinct TCP ports that are free right now (the kernel picks them)."""
    sockets = []
    try:
        for _ in range(count):
            s = socket.socket()
            s.bind(("127.0.0.1", 0))
            sockets.append(s)
        return [s.getsockname()[1] for s in sockets]
    finally:
        for s in sockets:
            s.close()


def _node_hardware(slurmd, cpus=None):
    """CPUs/sockets/cores/threads/RealMemory as slurmd itself sees them (`slurmd -C`). `cpus`
    declares that many CPUs instead: with SlurmdParameters=config_overrides a node may claim more
    than it has, so that a job asking for 32 CPUs, or several jobs at once, fit on a small VM."""
    out = subprocess.run([slurmd, "-C"], capture_output=True, text=True, timeout=60).stdout
    fields = dict(re.findall(r"(\w+)=(\S+)", out.splitlines()[0] if out else ""))
    keep = ("CPUs", "Boards", "SocketsPerBoard", "CoresPerSocket", "ThreadsPerCore", "RealMemory")
    hardware = {k: fields[k] for k in keep if k in fields}
    if "CPUs" not in hardware:
        hardware = {"CPUs": str(os.cpu_count() or 1)}
    if "RealMemory" in hardware:    # leave some slack so that the node is never short of memory
        hardware["RealMemory"] = str(max(1, int(hardware["RealMemory"]) - 512))
    if cpus:
        hardware = {"CPUs": str(cpus), **{k: v for k, v in hardware.items() if k == "RealMemory"}}
    return hardware


def _slurm_conf(*, host, paths, ports, hardware, gpus, munge_socket, kill_wait, over_time_limit,
                enforce_part_limits):
    node = " ".join(f"{k}={v}" for k, v in hardware.items())
    gres = f" Gres=gpu:{GPU_TYPE}:{gpus}" if gpus else ""
    return f"""\
# written by slurm_cluster.py: a one-node throwaway test cluster
ClusterName=preflighttest
SlurmctldHost={host}(127.0.0.1)
SlurmctldPort={ports[0]}
SlurmdPort={ports[1]}
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket={munge_socket}
StateSaveLocation={paths['state']}
SlurmdSpoolDir={paths['spool']}
SlurmctldPidFile={paths['run']}/slurmctld.pid
SlurmdPidFile={paths['run']}/slurmd.pid
SlurmctldLogFile={paths['log']}/slurmctld.log
SlurmdLogFile={paths['log']}/slurmd.log
SlurmctldDebug=info
SlurmdDebug=info
PlugStackConfig={paths['etc']}/plugstack.conf
MailProg=/bin/true
MpiDefault=none
# no cgroups (containers, gVisor): processes are tracked by walking /proc
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
# no accounting database, so no sacct: final states come from scontrol and the jobcomp log
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/filetxt
JobCompLoc={paths['jobcomp']}
MinJobAge=86400
SelectType=select/cons_tres
# memory is no resource: jobs never wait for memory, nothing is enforced (no cgroups either, so
# OUT_OF_MEMORY cannot happen here)
SelectTypeParameters=CR_Core
JobAcctGatherType=jobacct_gather/none
GresTypes=gpu
# ALL: a request that no partition can ever run (--nodes 2 here) is refused by sbatch at once;
# NO (Slurm's default) accepts it and leaves it PENDING (PartitionNodeLimit) for ever
EnforcePartLimits={enforce_part_limits}
SchedulerType=sched/backfill
ReturnToService=2
SlurmdParameters=config_overrides
# quick, predictable endings: SIGKILL {kill_wait} s after SIGTERM, no grace past the time limit
KillWait={kill_wait}
OverTimeLimit={over_time_limit}
InactiveLimit=0
Waittime=0
MessageTimeout=10
SlurmdTimeout=300
NodeName={host} NodeAddr=127.0.0.1 {node}{gres} State=UNKNOWN
PartitionName={PARTITION} Nodes={host} Default=YES MaxTime=INFINITE State=UP
"""


def _with_settings(text, settings):
    lines = text.splitlines()
    for key, value in settings.items():
        line = f"{key}={value}"
        at = [i for i, old in enumerate(lines) if old.split("=", 1)[0].lower() == key.lower()]
        if at:
            lines[at[0]] = line
        else:
            lines.insert(next(i for i, old in enumerate(lines) if old.startswith("NodeName=")),
                         line)
    return "\n".join(lines) + "\n"


def _gres_conf(host, devices, gpus):
    if not gpus:
        return "AutoDetect=off\n"
    files = f"{devices}/nvidia[0-{gpus - 1}]" if gpus > 1 else f"{devices}/nvidia0"
    return f"AutoDetect=off\nNodeName={host} Name=gpu Type={GPU_TYPE} File={files}\n"


# the `sacct` stand-in that submitit polls (there is no accounting); see the module docstring
_SACCT_SHIM = r'''#!{python}
"""sacct stand-in for a test cluster without accounting (written by slurm_cluster.py).

Answers `sacct -o FIELDS --parsable2 [-n] -j ID ...` from `scontrol show job` and the jobcomp
log. Fields: JobID, JobName, State, ExitCode, NodeList, Partition, Start, End, Elapsed.
"""
import re, subprocess, sys

JOBCOMP = {jobcomp!r}
NAMES = {{"JobID": "JobId", "JobName": "Name", "State": "JobState", "ExitCode": "ExitCode",
          "NodeList": "NodeList", "Partition": "Partition", "Start": "StartTime",
          "End": "EndTime", "Elapsed": "RunTime"}}


def records(ids):
    found = {{}}
    try:
        with open(JOBCOMP, errors="replace") as lines:
            for line in lines:
                rec = dict(re.findall(r"(\w+)=(\S*)", line))
                if rec.get("JobId") in ids:
                    found[rec["JobId"]] = rec
    except OSError:
        pass
    for job_id in ids:
        out = subprocess.run(["scontrol", "show", "job", "-o", job_id], capture_output=True,
                             text=True).stdout
        for line in out.splitlines():
            rec = dict(re.findall(r"(\w+)=(\S*)", line))
            if rec.get("JobId"):
                found[rec["JobId"]] = rec
    return [found[i] for i in ids if i in found]


args, fields, ids, header = sys.argv[1:], ["JobID", "JobName", "State", "ExitCode"], [], True
i = 0
while i < len(args):
    a = args[i]
    if a in ("-o", "--format", "-j", "--jobs") and i + 1 < len(args):
        if a in ("-o", "--format"):
            fields = args[i + 1].split(",")
        else:
            ids += args[i + 1].split(",")
        i += 2
        continue
    if a.startswith("--format="):
        fields = a.split("=", 1)[1].split(",")
    elif a.startswith("--jobs="):
        ids += a.split("=", 1)[1].split(",")
    elif a in ("-n", "--noheader"):
        header = False
    i += 1
fields = [f.split("%")[0] for f in fields]
if header:
    print("|".join(fields))
for rec in records(list(dict.fromkeys(i.split("_")[0].split(".")[0] for i in ids))):
    print("|".join(rec.get(NAMES.get(f, f), "") for f in fields))
'''


# ------------------------------------------------------------------------------------------------
# The cluster

def _parse_record(text):
    return dict(re.findall(r"(\w+)=(\S*)", text))


def _job_state_of(record):
    state = record.get("JobState", "UNKNOWN")
    code, _, sig = record.get("ExitCode", "0:0").partition(":")
    return JobState(state, int(code or 0), int(sig or 0))


class Cluster:
    def __init__(self, root: Path, host: str, conf: Path, env: dict, paths: dict):
        self.root = root                # the tmpdir given to start()
        self.host = host                # the node's name (this machine's short hostname)
        self.conf = conf                # slurm.conf (gres.conf lies next to it)
        self.env = env                  # what a client needs on top of os.environ
        self.paths = paths              # etc, state, spool, run, log, dev, jobs, bin, jobcomp
        self.partition = PARTITION
        self.procs = {}                 # daemon name -> Popen
        self.startup_s = None           # seconds start() took (packages already installed)
        self._socket_dir = None
        self._stopped = False

    # ---- clients
    def client_env(self, base=None) -> dict:
        """A full environment for a client (`base`: os.environ by default) that talks to this
        cluster; SLURM_* variables of an outer job are dropped."""
        base = dict(os.environ if base is None else base)
        env = {k: v for k, v in base.items() if not k.startswith("SLURM_")}
        env.update(self.env)
        return env

    def run(self, *argv, check=False, timeout=60, env=None, **kwargs):
        """Run a Slurm client against this cluster (`cluster.run("sinfo")`); text output."""
        return subprocess.run(list(argv), env=self.client_env(env), capture_output=True,
                              text=True, check=check, timeout=timeout, **kwargs)

    def sbatch(self, *args, cwd=None) -> str:
        """Submit with sbatch (`--parsable` added) from `cwd` (default <tmpdir>/jobs); return the
        job id, or raise RuntimeError with sbatch's own message."""
        done = self.run("sbatch", "--parsable", *args, cwd=cwd or self.paths["jobs"])
        if done.returncode != 0:
            raise RuntimeError(done.stderr.strip() or f"sbatch exited with {done.returncode}")
        return done.stdout.strip().split(";")[0]

    def scontrol_record(self, job_id) -> dict:
        """`scontrol show job -o ID` as a dict; {} once the controller has forgotten the job."""
        job_id = str(job_id)
        done = self.run("scontrol", "show", "job", "-o", job_id)
        if done.returncode == 0:
            for line in done.stdout.splitlines():
                record = _parse_record(line)
                if record.get("JobId") == job_id:
                    return record
        return {}

    def jobcomp_record(self, job_id) -> dict:
        """The job's line in the jobcomp/filetxt log (written as it ends) as a dict; {}."""
        job_id, jobcomp = str(job_id), Path(self.paths["jobcomp"])
        if jobcomp.exists():
            for line in reversed(jobcomp.read_text(errors="replace").splitlines()):
                record = _parse_record(line)
                if record.get("JobId") == job_id:
                    return record
        return {}

    def job_info(self, job_id) -> dict:
        """What Slurm still knows about the job: scontrol's record, else the jobcomp line."""
        return self.scontrol_record(job_id) or self.jobcomp_record(job_id)

    def job_state(self, job_id) -> JobState:
        """(state, exit_code, signal): ('COMPLETED', 0, 0), ('FAILED', 3, 0), ('CANCELLED', 0, 9),
        ('TIMEOUT', 0, 0), ('RUNNING', 0, 0) ...; ('UNKNOWN', 0, 0) for an unknown id."""
        return _job_state_of(self.job_info(job_id))

    def wait_job(self, job_id, timeout=120, poll=0.5) -> JobState:
        """Wait until the job has ended for good (a final state, no longer COMPLETING: its
        processes are gone and its CPUs/GPUs free again); return its JobState."""
        deadline = time.monotonic() + timeout
        while True:
            info = self.job_info(job_id)
            state = _job_state_of(info)
            if state.state in FINAL_STATES and "COMPLETING" not in info.get("JobState", ""):
                if not _node_still_completing(self, job_id):
                    return state
            if time.monotonic() > deadline:
                raise TimeoutError(f"job {job_id} still {state.state} after {timeout} s")
            time.sleep(poll)

    def node_state(self) -> str:
        """The node's state as sinfo prints it: idle, mixed, allocated, down*, ..."""
        done = self.run("sinfo", "-h", "-N", "-n", self.host, "-o", "%T")
        return done.stdout.strip() or f"(sinfo: {done.stderr.strip()})"

    def logs(self, lines=30) -> str:
        """The last lines of each daemon's log, for error messages."""
        parts = []
        for name in sorted(Path(self.paths["log"]).glob("*")):
            if name.name == "jobcomp.txt":
                continue
            text = name.read_text(errors="replace").splitlines()[-lines:]
            parts.append(f"--- {name.name} ---\n" + "\n".join(text))
        return "\n".join(parts)

    # ---- stopping
    def stop(self, timeout=20) -> None:
        """Cancel every job, stop the daemons and whatever they left running. Idempotent."""
        if self._stopped:
            return
        self._stopped = True
        ctld = self.procs.get("slurmctld")
        if ctld is not None and ctld.poll() is None:
            try:
                self.run("scancel", "--quiet", f"--partition={self.partition}", timeout=20)
                deadline = time.monotonic() + 10
                while time.monotonic() < deadline and self.run(
                        "squeue", "-h", "-o", "%i", timeout=20).stdout.split():
                    time.sleep(0.5)
            except (OSError, subprocess.SubprocessError):
                pass
        for name in ("slurmd", "slurmctld", "munged"):
            proc = self.procs.get(name)
            if proc is None or proc.poll() is not None:
                continue
            proc.terminate()
            try:
                proc.wait(timeout)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(10)
        _kill_marked(str(self.root))
        if self._socket_dir:
            shutil.rmtree(self._socket_dir, ignore_errors=True)
        atexit.unregister(self.stop)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()


def _node_still_completing(cluster, job_id):
    done = cluster.run("squeue", "-h", "-j", str(job_id), "-t", "CG", "-o", "%i")
    return bool(done.stdout.strip())


# ------------------------------------------------------------------------------------------------
# Processes

def _processes():
    """{pid: (ppid, environ bytes, cwd)} of every process we can read."""
    table = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            environ = (entry / "environ").read_bytes()
            cwd = os.readlink(entry / "cwd")
        except (OSError, IndexError, ValueError):
            continue
        table[int(entry.name)] = (ppid, environ, cwd)
    return table


def _marked_pids(marker_value):
    """The cluster's processes, with all their descendants (jobs): the daemons carry
    CLUSTER_MARKER=marker_value in their environment; slurmstepd starts with an empty one, but
    keeps slurmd's working folder, <tmpdir>/run. Never this process or its ancestors."""
    needle = b"\0" + f"{CLUSTER_MARKER}={marker_value}".encode() + b"\0"
    run_dir = f"{marker_value}/run"
    table = _processes()
    ours, pid = set(), os.getpid()
    while pid > 1 and pid not in ours:
        ours.add(pid)
        pid = table.get(pid, (0,))[0]
    found = {p for p, (_, environ, cwd) in table.items()
             if needle in b"\0" + environ or cwd == run_dir}
    while True:
        children = {p for p, (ppid, *_) in table.items() if ppid in found} - found
        if not children:
            break
        found |= children
    return sorted(p for p in found - ours if _alive(p))


def _alive(pid):
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state != "Z"


def _kill_marked(marker_value, grace=3.0):
    """SIGTERM, then SIGKILL, every live process of the cluster marked `marker_value`."""
    pids = _marked_pids(marker_value)
    for sig in (signal.SIGTERM, signal.SIGKILL):
        for pid in pids:
            try:
                os.kill(pid, sig)
            except ProcessLookupError:
                pass
        deadline = time.monotonic() + grace
        while pids and time.monotonic() < deadline:
            time.sleep(0.1)
            pids = [p for p in pids if _alive(p)]
        if not pids:
            return pids
    return pids


def stop_leftovers(tmpdir) -> list:
    """Kill whatever a cluster started under `tmpdir` left running (its Python process died
    without stop()); returns the pids that were signalled."""
    marker = str(Path(tmpdir).resolve())
    pids = _marked_pids(marker)
    _kill_marked(marker)
    try:    # munged's socket folder, named in slurm.conf
        conf = Path(marker, "etc", "slurm.conf").read_text()
        folder = Path(re.search(r"^AuthInfo=socket=(\S+)", conf, re.M)[1]).parent
        if folder.name.startswith("slurm-munge-"):
            shutil.rmtree(folder, ignore_errors=True)
    except (OSError, TypeError):
        pass
    return pids


def _running_slurmd():
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if (entry / "comm").read_text().strip() == "slurmd" and _alive(int(entry.name)):
                    pids.append(int(entry.name))
            except OSError:
                pass
    return pids


def _marker_of(pid):
    try:
        environ = Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
    except OSError:
        return None
    prefix = CLUSTER_MARKER.encode() + b"="
    for item in environ:
        if item.startswith(prefix):
            return item[len(prefix):].decode(errors="replace")
    return None


def _wait_for(ready, timeout, cluster, what):
    deadline = time.monotonic() + timeout
    while True:
        for name, proc in cluster.procs.items():
            if proc.poll() is not None:
                raise ClusterUnavailable(f"{name} exited with code {proc.returncode} while "
                                         f"waiting for {what}", cluster.logs())
        if ready():
            return
        if time.monotonic() > deadline:
            raise ClusterUnavailable(f"timed out after {timeout:.0f} s waiting for {what} "
                                     f"(node state: {cluster.node_state()})", cluster.logs())
        time.sleep(0.2)


# ------------------------------------------------------------------------------------------------
# Starting

def start(tmpdir, gpus: int = 8, *, cpus: int = None, kill_wait: int = 2,
          over_time_limit: int = 0, enforce_part_limits: str = "ALL", settings: dict = None,
          install: bool = True, timeout: float = 90) -> Cluster:
    """Start munged, slurmctld and slurmd for a one-node cluster kept under `tmpdir`, wait until
    sinfo shows the node idle, and return the Cluster. Raises ClusterUnavailable(reason).

    gpus: GPUs the node declares (gres gpu:h100:N backed by links to /dev/null; 0 for none).
    cpus: CPUs the node declares (default: the machine's own, as `slurmd -C` sees them).
    kill_wait: seconds between SIGTERM and SIGKILL when a job is cancelled or times out.
    over_time_limit: minutes a job may run past its time limit.
    enforce_part_limits: EnforcePartLimits; ALL makes sbatch refuse what the partition cannot run.
    settings: other slurm.conf lines, {"TaskPlugin": "task/affinity"}: each replaces the line that
        sets the same key, or is added before the node line.
    install: apt-get install slurm-wlm and munge when missing (root only).
    """
    began = time.monotonic()
    if not sys.platform.startswith("linux"):
        raise ClusterUnavailable("a test Slurm cluster needs Linux")
    if os.geteuid() != 0:
        raise ClusterUnavailable("a test Slurm cluster needs root (slurmd must run as root)")
    if install:
        ensure_installed()
    elif _missing_programs():
        raise ClusterUnavailable(f"Slurm is not installed ({', '.join(_missing_programs())})")
    running = _running_slurmd()
    if running:
        owners = sorted({_marker_of(p) or "?" for p in running})
        raise ClusterUnavailable(
            f"a slurmd already runs on this host (pid {', '.join(map(str, running))}, started "
            f"under {', '.join(owners)}); one host holds one test cluster at a time (a leftover "
            f"one is ended by slurm_cluster.stop_leftovers(<that folder>))")

    root = Path(tmpdir).resolve()
    paths = {name: root / name
             for name in ("etc", "state", "spool", "run", "log", "dev", "jobs", "bin", "munge")}
    for path in paths.values():
        path.mkdir(parents=True, exist_ok=True)
    paths["jobcomp"] = paths["log"] / "jobcomp.txt"
    paths = {k: str(v) for k, v in paths.items()}
    host = socket.gethostname().split(".")[0]    # what slurmd calls this node

    # munged: a key of its own, its socket in a short folder that everybody may search
    socket_dir = tempfile.mkdtemp(prefix="slurm-munge-", dir="/tmp")
    os.chmod(socket_dir, 0o755)
    munge_socket = f"{socket_dir}/munge.sock"
    key = Path(paths["munge"]) / "munge.key"
    key.write_bytes(secrets.token_bytes(1024))
    key.chmod(0o400)

    # slurmd refuses a plain file ("is not a valid character or block device"); a link to
    # /dev/null is a character device, needs no mknod, and gives jobs CUDA_VISIBLE_DEVICES
    for i in range(gpus):
        device = Path(paths["dev"], f"nvidia{i}")
        device.unlink(missing_ok=True)
        device.symlink_to("/dev/null")
    conf = Path(paths["etc"]) / "slurm.conf"
    text = _slurm_conf(
        host=host, paths=paths, ports=_free_ports(2),
        hardware=_node_hardware(_which("slurmd"), cpus), gpus=gpus, munge_socket=munge_socket,
        kill_wait=kill_wait, over_time_limit=over_time_limit,
        enforce_part_limits=enforce_part_limits)
    conf.write_text(_with_settings(text, settings or {}))
    (Path(paths["etc"]) / "gres.conf").write_text(_gres_conf(host, paths["dev"], gpus))
    (Path(paths["etc"]) / "plugstack.conf").write_text("")   # not the system's SPANK plugins
    shim = Path(paths["bin"]) / "sacct"
    shim.write_text(_SACCT_SHIM.format(python=sys.executable, jobcomp=paths["jobcomp"]))
    shim.chmod(0o755)

    env = {"SLURM_CONF": str(conf),
           "PATH": paths["bin"] + os.pathsep + os.environ.get("PATH", _SBIN_PATH)}
    cluster = Cluster(root, host, conf, env, paths)
    cluster._socket_dir = socket_dir
    atexit.register(cluster.stop)

    daemon_env = {k: v for k, v in os.environ.items() if not k.startswith("SLURM_")}
    daemon_env.update({CLUSTER_MARKER: str(root), "SLURM_CONF": str(conf), "PATH": _SBIN_PATH})
    commands = {
        "munged": [_which("munged"), "--foreground", f"--key-file={key}",
                   f"--socket={munge_socket}", f"--pid-file={paths['run']}/munged.pid",
                   f"--log-file={paths['log']}/munged.log",
                   f"--seed-file={paths['munge']}/munged.seed"],
        "slurmctld": [_which("slurmctld"), "-D", "-f", str(conf)],
        "slurmd": [_which("slurmd"), "-D", "-f", str(conf), "-N", host],
    }
    try:
        for name, argv in commands.items():
            with open(Path(paths["log"]) / f"{name}.stdout", "wb") as out:
                cluster.procs[name] = subprocess.Popen(
                    argv, env=daemon_env, cwd=paths["run"], stdin=subprocess.DEVNULL, stdout=out,
                    stderr=subprocess.STDOUT, start_new_session=True)
            if name == "munged":
                _wait_for(lambda: os.path.exists(munge_socket), 20, cluster, "munged's socket")
            elif name == "slurmctld":
                _wait_for(lambda: "UP" in cluster.run("scontrol", "ping").stdout, 30, cluster,
                          "slurmctld to answer `scontrol ping`")
        _wait_for(lambda: cluster.node_state() == "idle", timeout, cluster,
                  f"node {host} to be idle in sinfo")
    except BaseException:
        cluster.stop()
        raise
    cluster.startup_s = time.monotonic() - began
    return cluster
