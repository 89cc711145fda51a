"""launch.py --slurm against a real one-node Slurm cluster: slurm-wlm and munge, started for the
session by tests/slurm_cluster.py (as root; installed with apt-get when missing), with 8 GPUs as
generic resources backed by placeholder devices, so jobs get CUDA_VISIBLE_DEVICES but no NVML.

The launcher is a real subprocess on a green workspace; its jobs run where `preflight` cannot be
imported (a --slurm-setup line puts a refusing package first on PYTHONPATH), so every job proves
that its code travelled by value. Where the node must pass the hardware check, the job finds a
stand-in `pynvml` (tests/nvml_standin) reporting the planned GPUs. The training command is a
stand-in that records the signals it gets and leaves checkpoints as nanochat names them.

Skipped where no cluster can start (not root, no apt-get); PREFLIGHT_REQUIRE_SLURM=1 (CI) makes
that a failure.
"""

import json
import os
import queue
import re
import shutil
import signal
import subprocess
import sys
import threading
import time

import pytest

import slurm_cluster
from preflight.launch import slurm_wait
from preflight.launch.slurm import (EXIT_CANCELLED, EXIT_DETACHED, EXIT_NODE_CHECK,
                                    EXIT_TIME_LIMIT, JobInfo)
from workspaces import ROOT

GIB = 2**30
H100 = dict(name="NVIDIA H100 80GB HBM3", memory=81559 * 2**20, free=81000 * 2**20,
            capability=[9, 0])
# the stand-in training: a checkpoint at step 5, then it runs until a signal; SIGTERM starts a
# save of step 10 that it does not finish (model file, no meta file) and ends the run
TRAIN = r'''import os, signal, sys, time
from pathlib import Path
folder = Path(os.environ["NANOCHAT_BASE_DIR"]) / "base_checkpoints" / "d12"
folder.mkdir(parents=True, exist_ok=True)
record = Path(sys.argv[1])
def note(text):
    with open(record, "a") as f:
        f.write(text + "\n")
for name in ("model_000005.pt", "meta_000005.json", "optim_000005_rank0.pt", "optim_000005_rank1.pt"):
    (folder / name).write_bytes(b"saved")
def on_term(signum, frame):
    note(signal.Signals(signum).name)
    (folder / "model_000010.pt").write_bytes(b"cut")
    sys.exit(143)
signal.signal(signal.SIGTERM, on_term)
usr2 = "ignored" if signal.getsignal(signal.SIGUSR2) == signal.SIG_IGN else "default"
note(f"started job={os.environ.get('SLURM_JOB_ID')} gpus={os.environ.get('CUDA_VISIBLE_DEVICES')} usr2={usr2}")
print("training: step 5 saved", flush=True)
if len(sys.argv) > 2:
    sys.exit(int(sys.argv[2]))
while True:
    time.sleep(0.1)
'''


@pytest.fixture(scope="session")
def cluster(tmp_path_factory):
    try:
        c = slurm_cluster.start(tmp_path_factory.mktemp("slurm"), gpus=8, cpus=8)
    except slurm_cluster.ClusterUnavailable as e:
        if os.environ.get("PREFLIGHT_REQUIRE_SLURM") == "1":
            pytest.fail(f"PREFLIGHT_REQUIRE_SLURM=1 but no test Slurm cluster could start: {e}",
                        pytrace=False)
        pytest.skip(f"no test Slurm cluster here: {e.reason}")
    yield c
    c.stop()


@pytest.fixture
def slurm_env(cluster, monkeypatch):
    """This process talks to the test cluster (SLURM_CONF, the sacct stand-in first on PATH)."""
    for key in [k for k in os.environ if k.startswith("SLURM_")]:
        monkeypatch.delenv(key)
    for key, value in cluster.env.items():
        monkeypatch.setenv(key, value)
    return cluster


class Launcher:
    """launch.py as a subprocess whose output is read as it comes."""

    def __init__(self, ws, cluster, *args, gpus=None):
        shadow = ws.root / "shadow"
        (shadow / "preflight").mkdir(parents=True, exist_ok=True)
        (shadow / "preflight" / "__init__.py").write_text(
            "raise ImportError('preflight is not on the nodes')\n")
        env = {k: v for k, v in os.environ.items() if not k.startswith("SLURM_")}
        env.update(cluster.env, PREFLIGHT_CACHE_DIR=str(ws.root / "cache"))
        env.pop("NANOCHAT_BASE_DIR", None)
        env.pop("FAKE_NVML", None)
        if gpus is not None:
            env["FAKE_NVML"] = json.dumps(dict(gpus=gpus, driver="550.54.15", cuda=12040))
        # the job's Python: no preflight, and the NVML stand-in
        setup = f"export PYTHONPATH={shadow}:{ROOT / 'tests' / 'nvml_standin'}"
        cmd = [sys.executable, str(ROOT / "launch.py"), "--slurm", "--yes",
               f"--base-dir={ws.base}", f"--nanochat-dir={ws.checkout}", "--gpus=2",
               "--target-gpu=H100", f"--reports-dir={ws.root / 'reports'}", "-q",
               "--slurm-setup", setup, *args]
        self.proc = subprocess.Popen(cmd, cwd=ws.root, env=env, stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        self.output = ""
        self._new = queue.Queue()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self):
        # chunks, not lines: a question waits for its answer on an unfinished line
        for chunk in iter(lambda: os.read(self.proc.stdout.fileno(), 65536), b""):
            self.output += chunk.decode(errors="replace")
            self._new.put(chunk)
        self._new.put(None)

    def answer(self, text: str) -> None:
        self.proc.stdin.write(text + "\n")
        self.proc.stdin.flush()

    def wait_for(self, pattern: str, timeout: float = 120) -> re.Match:
        deadline = time.monotonic() + timeout
        while True:
            if m := re.search(pattern, self.output):
                return m
            try:
                if self._new.get(timeout=max(0.0, deadline - time.monotonic())) is None:
                    raise AssertionError(f"launch.py ended without {pattern!r}:\n{self.output}")
            except queue.Empty:
                raise AssertionError(f"no {pattern!r} within {timeout} s:\n{self.output}") from None

    def job_id(self) -> str:
        return self.wait_for(r"Submitted Slurm job (\d+)")[1]

    def finish(self, timeout: float = 180) -> int:
        """launch.py's exit code, once it has ended and all its output is read."""
        code = self.proc.wait(timeout)
        self._reader.join(10)
        return code


def stand_in(ws, exit_code=None) -> object:
    """The checkout's speedrun.sh runs the stand-in training; returns its signal record."""
    record = ws.root / "signals.txt"
    (ws.checkout / "runs").mkdir(exist_ok=True)
    (ws.checkout / "runs" / "train_standin.py").write_text(TRAIN)
    extra = "" if exit_code is None else f" {exit_code}"
    (ws.checkout / "runs" / "speedrun.sh").write_text(
        f'#!/usr/bin/env bash\nexec python3 "$(dirname "$0")/train_standin.py" {record}{extra}\n')
    return record


def wait_for_file(path, text: str, timeout: float = 120) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if path.exists() and text in path.read_text():
            return path.read_text()
        time.sleep(0.2)
    raise AssertionError(f"{path} never said {text!r}: "
                         f"{path.read_text() if path.exists() else '(missing)'}")


def known_jobs(cluster) -> set:
    """Every job the controller knows, ended ones included (MinJobAge is a day)."""
    out = cluster.run("scontrol", "show", "job", "-o").stdout
    return set(re.findall(r"^JobId=(\d+)", out, re.M))


# ----------------------------------------------------------------------------------------------

def test_a_green_checklist_submits_a_job_that_runs_the_script_and_wait_returns_its_code(
        cluster, workspace):
    record = stand_in(workspace, exit_code=3)
    launcher = Launcher(workspace, cluster, "--wait", "--time=5", gpus=[H100, H100])
    assert launcher.finish() == 3, launcher.output
    job = launcher.job_id()
    # the script ran in the job, on the GPUs Slurm gave it, after the node passed its check
    assert record.read_text().startswith(f"started job={job} gpus=0,1 ")
    assert re.search(r"ok +gpus: 2 GPU\(s\) visible", launcher.output)
    assert re.search(r"ok +model: 2x NVIDIA H100 80GB HBM3 .* as planned", launcher.output)
    assert "training: step 5 saved" in launcher.output          # the log, streamed
    assert cluster.job_state(job) == ("FAILED", 3, 0)            # Slurm's own record agrees
    assert f"Slurm job {job} ended FAILED: the command failed; exit code 3." in launcher.output


def test_a_red_checklist_submits_nothing(cluster, workspace):
    record = stand_in(workspace, exit_code=0)
    shutil.rmtree(workspace.tokenizer)
    before, queued = known_jobs(cluster), cluster.run("squeue", "-h").stdout
    launcher = Launcher(workspace, cluster, "--wait", gpus=[H100, H100])
    assert launcher.finish() == 1, launcher.output
    assert "Not launching" in launcher.output and "Submitted" not in launcher.output
    assert known_jobs(cluster) == before and cluster.run("squeue", "-h").stdout == queued
    assert not record.exists()


def test_on_the_placeholder_gpu_node_the_check_stops_the_job_before_training(cluster, workspace):
    record = stand_in(workspace, exit_code=0)
    launcher = Launcher(workspace, cluster, "--wait", "--time=5")   # no NVML: no GPU to see
    assert launcher.finish() == EXIT_NODE_CHECK, launcher.output
    job = launcher.job_id()
    assert not record.exists()                                   # the training never started
    assert re.search(r"FAIL +gpus: no GPU visible on this node, but the plan needs 2 per node",
                     launcher.output)
    assert f"the hardware check on {cluster.host} (task 0) stopped it before training; exit " \
           f"code {EXIT_NODE_CHECK}." in launcher.output
    assert cluster.job_state(job) == ("FAILED", EXIT_NODE_CHECK, 0)


def test_ctrl_c_asks_and_yes_cancels_the_job_whose_training_gets_sigterm(cluster, workspace):
    record = stand_in(workspace)
    launcher = Launcher(workspace, cluster, "--wait", "--time=5", "--skip-node-check")
    job = launcher.job_id()
    wait_for_file(record, "started")
    launcher.wait_for(rf"job {job}: RUNNING")
    launcher.proc.send_signal(signal.SIGINT)
    launcher.wait_for(rf"Cancel Slurm job {job}\?")
    launcher.answer("yes")
    assert launcher.finish() == EXIT_CANCELLED, launcher.output
    assert record.read_text().splitlines()[1:] == ["SIGTERM"]
    assert cluster.job_state(job).state == "CANCELLED"
    assert "saved: last checkpoint step 5 in " in launcher.output
    assert "saved: step 10 was cut short" in launcher.output


def test_ctrl_c_and_no_leaves_the_job_running_and_scancel_reaches_the_training(
        cluster, workspace):
    record = stand_in(workspace)
    launcher = Launcher(workspace, cluster, "--wait", "--time=5", gpus=[H100, H100])
    job = launcher.job_id()
    wait_for_file(record, "started")
    launcher.wait_for(rf"job {job}: RUNNING")
    launcher.proc.send_signal(signal.SIGINT)
    launcher.wait_for(rf"Cancel Slurm job {job}\?")
    launcher.answer("no")
    assert launcher.finish() == EXIT_DETACHED, launcher.output
    assert f"Job {job} keeps running" in launcher.output
    assert cluster.job_state(job).state == "RUNNING"
    cluster.run("scancel", job)                                  # the user's own scancel
    assert cluster.wait_job(job).state == "CANCELLED"
    assert record.read_text().splitlines()[1:] == ["SIGTERM"]


def test_a_time_limit_ends_with_the_time_limit_code(cluster, slurm_env, workspace, tmp_path):
    # Slurm looks at time limits in one pass every 30 s; both jobs here end in the same pass.
    # launch.py's job asks for a warning 90 s before its limit (submitit's --signal=USR2@90); its
    # limit drops to 1 minute once the training runs, so that the next pass sends the warning to
    # every process of the step, the training included (with --time 1 from the start, the pass
    # could come while the job still checks its node: then nothing starts, as a test in
    # test_slurm.py shows)
    record = stand_in(workspace)
    launcher = Launcher(workspace, cluster, "--wait", "--time=5", gpus=[H100, H100])
    job = launcher.job_id()
    wait_for_file(record, "started")
    slurm_env.run("scontrol", "update", f"JobId={job}", "TimeLimit=1")
    # Slurm's own TIMEOUT: a plain job whose limit is set to "now" once it runs
    plain = slurm_env.sbatch("--wrap", "echo begun; sleep 300", cwd=tmp_path)
    deadline = time.monotonic() + 60
    while slurm_env.job_state(plain).state != "RUNNING" and time.monotonic() < deadline:
        time.sleep(0.2)
    slurm_env.run("scontrol", "update", f"JobId={plain}", "TimeLimit=0")
    assert launcher.finish(timeout=150) == EXIT_TIME_LIMIT, launcher.output
    lines = record.read_text().splitlines()
    assert lines[0].endswith("usr2=ignored") and lines[1:] == ["SIGTERM"]
    assert "the run was stopped at the time-limit warning; exit code 124." in launcher.output
    assert "saved: last checkpoint step 5 in " in launcher.output
    followed = tmp_path / "follow.txt"
    with open(followed, "w") as out:
        code = slurm_wait.follow(JobInfo(plain, tmp_path / f"slurm-{plain}.out", None), out=out)
    assert code == EXIT_TIME_LIMIT
    assert "begun" in followed.read_text()
    assert f"Slurm job {plain} ended TIMEOUT" in followed.read_text()


@pytest.mark.parametrize("args, reason", [
    (["--nodes", "2"], r"--nodes 2: partition debug has 1 node\(s\) \(\w+\); ask for at most 1,"),
    (["--gpus", "9"], r"--gpus 9: the nodes of partition debug have at most 8 GPU\(s\) \(gres\)$"),
    (["--partition", "nope"], r"scontrol show partition nope: .*nope not found$"),
], ids=["nodes", "gpus", "partition"])
def test_what_the_partition_cannot_run_is_refused_before_the_checklist(cluster, workspace, args,
                                                                       reason):
    before = known_jobs(cluster)
    launcher = Launcher(workspace, cluster, "--wait", *args)
    assert launcher.finish() == 2, launcher.output
    assert re.search(rf"^Not submitting: {reason}", launcher.output, re.M), launcher.output
    assert "pre-flight summary" not in launcher.output           # the checklist never ran
    assert known_jobs(cluster) == before
