"""`launch.py --slurm --wait`: follow a submitted job to its end and return its verdict as an exit code.

While the job waits and runs: its state as it changes (PENDING with Slurm's reason, RUNNING on which
nodes) and the new lines of its log. At the end: the job's exit code, or a code of its own for an end
the command did not choose (EXIT_* in preflight.launch.slurm, listed in the README), with what the
in-job hardware check found and what the run saved. Ctrl+C asks whether to cancel the job; without a
yes the job keeps running and the launcher says how to follow it.

The state comes from `scontrol show job` (live; Slurm keeps an ended job for MinJobAge, 5 minutes
by default), else from `sacct`.
"""

import re
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import NamedTuple

from preflight.launch.checkpoints import saved_lines
from preflight.launch.slurm import (EXIT_CANCELLED, EXIT_DETACHED, EXIT_NODE_CHECK, EXIT_NODE_FAIL,
                                    EXIT_OUT_OF_MEMORY, EXIT_TIME_LIMIT, EXIT_UNKNOWN, JobInfo,
                                    read_verdict)

# states after which a job never runs again (a requeued job goes back to PENDING instead)
FINAL_STATES = {"BOOT_FAIL", "CANCELLED", "COMPLETED", "DEADLINE", "FAILED", "NODE_FAIL",
                "OUT_OF_MEMORY", "PREEMPTED", "REVOKED", "SPECIAL_EXIT", "TIMEOUT"}
STATE_CODES = {  # an end the command did not choose -> (exit code, what happened)
    "CANCELLED": (EXIT_CANCELLED, "cancelled (scancel)"),
    "PREEMPTED": (EXIT_CANCELLED, "preempted"),
    "REVOKED": (EXIT_CANCELLED, "revoked (it ran on another cluster)"),
    "TIMEOUT": (EXIT_TIME_LIMIT, "its time limit was reached"),
    "DEADLINE": (EXIT_TIME_LIMIT, "its deadline was reached"),
    "NODE_FAIL": (EXIT_NODE_FAIL, "a node failed"),
    "BOOT_FAIL": (EXIT_NODE_FAIL, "a node failed to boot"),
    "OUT_OF_MEMORY": (EXIT_OUT_OF_MEMORY, "out of memory"),
}
LOG_POLL_S = 1.0


class JobState(NamedTuple):
    state: str              # PENDING, RUNNING, COMPLETED, FAILED, CANCELLED, TIMEOUT, ... UNKNOWN
    exit_code: int = 0      # the batch script's exit code (Slurm's ExitCode=<this>:<signal>)
    signal: int = 0         # the signal that ended it, if one did
    reason: str = ""        # why it waits (Resources, Priority, ...)
    nodes: str = ""

    @property
    def final(self) -> bool:
        return self.state in FINAL_STATES


def _run(*argv) -> subprocess.CompletedProcess:
    try:
        return subprocess.run(argv, capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired) as e:
        return subprocess.CompletedProcess(argv, 1, "", str(e))


def _exit_pair(text: str) -> tuple:
    code, _, sig = (text or "0:0").partition(":")
    return (int(code) if code.isdigit() else 0), (int(sig) if sig.isdigit() else 0)


def job_state(job_id: str) -> JobState:
    """What Slurm says about the job now; state UNKNOWN when neither scontrol nor sacct knows it."""
    done = _run("scontrol", "show", "job", "-o", str(job_id))
    for line in done.stdout.splitlines() if done.returncode == 0 else ():
        record = dict(re.findall(r"(\w+)=(\S*)", line))
        if record.get("JobId") == str(job_id):
            code, sig = _exit_pair(record.get("ExitCode"))
            nodes = record.get("NodeList", "")
            return JobState(record.get("JobState", "UNKNOWN"), code, sig,
                            record.get("Reason", ""), "" if nodes == "(null)" else nodes)
    done = _run("sacct", "-j", str(job_id), "-X", "-n", "-P", "-o", "State,ExitCode,NodeList")
    for line in done.stdout.splitlines() if done.returncode == 0 else ():
        state, exit_code, nodes = (line.split("|") + ["", "", ""])[:3]
        if state:
            code, sig = _exit_pair(exit_code)
            return JobState(state.split()[0], code, sig, "", nodes)   # "CANCELLED by 0"
    return JobState("UNKNOWN")


def _still_completing(job_id: str) -> bool:
    """Slurm may say CANCELLED or TIMEOUT while the job's processes are still being ended."""
    return bool(_run("squeue", "-h", "-j", str(job_id), "-t", "CG", "-o", "%i").stdout.strip())


def outcome(state: JobState, verdicts: list) -> tuple:
    """(exit code, what happened) for a job that ended in `state`, its tasks' verdicts read."""
    red = [v for v in verdicts if v.get("check_failed")]
    if red:
        hosts = ", ".join(f"{v['host']} (task {v['task']})" for v in red)
        return EXIT_NODE_CHECK, f"the hardware check on {hosts} stopped it before training"
    if state.state == "COMPLETED":
        return 0, "completed"
    if state.state in STATE_CODES:
        return STATE_CODES[state.state]
    if state.state == "FAILED":
        if any(v.get("stopped_by") == "SIGUSR2" for v in verdicts):
            return EXIT_TIME_LIMIT, "the run was stopped at the time-limit warning"
        if state.exit_code:
            return state.exit_code, "the command failed"
        if state.signal:
            return 128 + state.signal, f"killed by signal {state.signal}"
    return EXIT_UNKNOWN, f"it ended in state {state.state}, exit code {state.exit_code}:{state.signal}"


class _LogTail:
    """The new complete lines of a growing file, from where the last call stopped."""

    def __init__(self, path: Path):
        self.path, self.offset = Path(path), 0

    def lines(self, final: bool = False) -> list:
        try:
            with open(self.path, "rb") as f:
                f.seek(self.offset)
                data = f.read()
        except OSError:
            return []
        if not final:   # a line being written stays for the next call
            data = data[:data.rfind(b"\n") + 1]
        self.offset += len(data)
        return data.decode(errors="replace").splitlines()


def _state_every(elapsed: float) -> float:
    """Seconds between two questions to slurmctld: often at first, rarely in a long run."""
    return 2.0 if elapsed < 60 else 10.0 if elapsed < 600 else 30.0


class Follower:
    """Follows one job: prints its state changes and new log lines to `out` until it ends."""

    def __init__(self, info: JobInfo, out=None):
        self.info, self.out = info, out or sys.stdout
        self.log = _LogTail(info.stdout_path)
        self.shown = None

    def _print(self, text: str) -> None:
        print(text, file=self.out, flush=True)

    def _show(self, state: JobState) -> None:
        key = (state.state, state.reason, state.nodes)
        if key == self.shown:
            return
        self.shown = key
        where = f" on {state.nodes}" if state.nodes and state.state == "RUNNING" else ""
        why = f" ({state.reason})" if state.reason not in ("", "None") and not state.final else ""
        self._print(f"[slurm] job {self.info.job_id}: {state.state}{where}{why}")

    def until_end(self) -> JobState:
        """Follow the job until it has ended and its processes are gone; its final state."""
        started = next_ask = time.monotonic()
        while True:
            now = time.monotonic()
            if now >= next_ask:
                state, next_ask = job_state(self.info.job_id), now + _state_every(now - started)
                self._show(state)
            for line in self.log.lines():
                self._print(line)
            if state.final and not _still_completing(self.info.job_id):
                break
            time.sleep(LOG_POLL_S)
        for line in self.log.lines(final=True):
            self._print(line)
        return job_state(self.info.job_id)


def verdicts_of(info: JobInfo) -> list:
    """The verdict files the job's tasks left beside their logs."""
    folder = Path(info.stdout_path).parent
    return [read_verdict(p) for p in sorted(folder.glob(f"{info.job_id}_*_verdict.json"))]


def _ask(prompt: str) -> str:
    try:
        return input(prompt)
    except (EOFError, KeyboardInterrupt):   # a second Ctrl+C at the question is a no
        return ""


def _last_words(info: JobInfo, state: JobState, saved_in, out) -> int:
    """Say how the job ended (the check's failures; the error log of a job whose task never got
    to write a verdict, e.g. its Python could not start; what was saved) and return its code."""
    verdicts = verdicts_of(info)
    code, what = outcome(state, verdicts)
    say = lambda text: print(text, file=out, flush=True)  # noqa: E731
    for v in verdicts:
        for item in v.get("check") or ():
            if item["status"] == "fail":
                say(f"  {v['host']}: {item['key']}: {item['message']}")
    ran = any(v.get("exit_code") is not None for v in verdicts)
    if code not in (0, EXIT_NODE_CHECK) and not ran:
        err = Path(info.stdout_path).with_suffix(".err")
        tail = err.read_text(errors="replace").splitlines()[-15:] if err.exists() else []
        if tail:
            say(f"--- the last lines of {err} ---\n" + "\n".join(tail))
    if saved_in and code != EXIT_NODE_CHECK:
        for line in saved_lines(*saved_in):
            say(line)
    say(f"Slurm job {info.job_id} ended {state.state}: {what}; exit code {code}.")
    return code


def follow(info: JobInfo, saved_in: tuple = None, out=None, ask=_ask) -> int:
    """Follow the job to its end and return launch.py's exit code for it (see `outcome`).

    saved_in: (checkpoint folder, ranks), to say what the run saved. Ctrl+C asks, through `ask`,
    whether to cancel the job: yes cancels it and follows it to its end; anything else leaves it
    running and returns EXIT_DETACHED."""
    out = out or sys.stdout
    say = lambda text: print(text, file=out, flush=True)  # noqa: E731
    follower = Follower(info, out)
    say(f"Following Slurm job {info.job_id} (Ctrl+C to stop following or cancel it); its log: "
        f"{info.stdout_path}")
    # Ctrl+C must reach the question even where SIGINT came in ignored (a background start)
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        return _follow(info, follower, saved_in, out, ask, say)
    finally:
        signal.signal(signal.SIGINT, previous)


def _follow(info, follower, saved_in, out, ask, say) -> int:
    try:
        state = follower.until_end()
    except KeyboardInterrupt:
        answer = ask(f"\nCancel Slurm job {info.job_id}? Type 'yes' to cancel it, anything else "
                     f"leaves it running: ")
        if answer.strip().lower() not in ("y", "yes"):
            say(f"Job {info.job_id} keeps running. Follow it: tail -f {info.stdout_path}; "
                f"cancel it: scancel {info.job_id}")
            return EXIT_DETACHED
        done = _run("scancel", info.job_id)
        if done.returncode != 0:
            say(f"scancel {info.job_id} failed: {(done.stderr or done.stdout).strip()}")
            return EXIT_UNKNOWN
        say(f"Cancelled job {info.job_id}; following it until it has stopped.")
        try:
            state = follower.until_end()
        except KeyboardInterrupt:
            say(f"Job {info.job_id} is being cancelled; check it with: scontrol show job "
                f"{info.job_id}")
            return EXIT_CANCELLED
    return _last_words(info, state, saved_in, out)
