"""`launch.py --slurm --wait` without a cluster: the exit code for each way a job can end, the log
followed line by line, Slurm's state read from scontrol or else sacct (stand-ins on PATH), a node's
GPUs read from sinfo's gres, and what a stopped run saved. (tests/test_slurm_cluster.py follows
real jobs.)"""

import os
import stat

import pytest
from hypothesis import given, strategies as st

from preflight.launch import slurm_wait
from preflight.launch.checkpoints import saved_lines
from preflight.launch.slurm import _gpus_of
from preflight.launch.slurm_wait import JobState, outcome

RAN = dict(host="gpu-a17", task=0, exit_code=0, stopped_by=None)


@pytest.mark.parametrize("state, verdicts, code", [
    (JobState("COMPLETED"), [RAN], 0),
    (JobState("FAILED", 3), [dict(RAN, exit_code=3)], 3),
    (JobState("FAILED", 0, 9), [], 137),                          # SIGKILLed: as shells say
    (JobState("FAILED", 124), [dict(RAN, exit_code=143, stopped_by="SIGUSR2")], 124),
    (JobState("CANCELLED", 0, 15), [dict(RAN, exit_code=143, stopped_by="SIGTERM")], 121),
    (JobState("PREEMPTED"), [], 121),
    (JobState("TIMEOUT", 0, 9), [], 124),
    (JobState("DEADLINE"), [], 124),
    (JobState("NODE_FAIL"), [], 122),
    (JobState("BOOT_FAIL"), [], 122),
    (JobState("OUT_OF_MEMORY", 0, 9), [], 123),
    (JobState("FAILED", 120), [dict(host="gpu-a17", task=1, check_failed=True)], 120),
    (JobState("CANCELLED"), [dict(host="gpu-a17", task=0, check_failed=True)], 120),
    (JobState("FAILED"), [], 125),                                # failed, but no code to give
    (JobState("SPECIAL_EXIT"), [], 125),
    (JobState("UNKNOWN"), [], 125),
])
def test_each_end_has_its_exit_code(state, verdicts, code):
    assert outcome(state, verdicts)[0] == code


def test_the_log_is_followed_by_whole_lines(tmp_path):
    log = tmp_path / "1_0_log.out"
    tail = slurm_wait._LogTail(log)
    assert tail.lines() == []                                     # not there yet
    log.write_bytes(b"step 1\nstep 2\nstep")
    assert tail.lines() == ["step 1", "step 2"]
    assert tail.lines() == []
    with open(log, "ab") as f:
        f.write(b" 3\n\xff broken\nlast words")
    assert tail.lines() == ["step 3", "\ufffd broken"]
    assert tail.lines(final=True) == ["last words"]


def stand_ins(tmp_path, monkeypatch, **bodies):
    for name, body in bodies.items():
        tool = tmp_path / name
        tool.write_text(f"#!/bin/sh\n{body}\n")
        tool.chmod(tool.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv("PATH", f"{tmp_path}{os.pathsep}{os.environ['PATH']}")


def test_the_state_comes_from_scontrol_else_from_sacct(tmp_path, monkeypatch):
    stand_ins(tmp_path, monkeypatch,
              scontrol='echo "JobId=42 JobName=nanochat-speedrun JobState=PENDING '
                       'Reason=Resources ExitCode=0:0 NodeList=(null)"',
              sacct="echo never asked; exit 1")
    assert slurm_wait.job_state("42") == JobState("PENDING", 0, 0, "Resources", "")
    stand_ins(tmp_path, monkeypatch,
              scontrol='echo "slurm_load_jobs error: Invalid job id specified" >&2; exit 1',
              sacct='echo "CANCELLED by 0|0:15|gpu-a[17-18]"')
    assert slurm_wait.job_state("42") == JobState("CANCELLED", 0, 15, "", "gpu-a[17-18]")
    stand_ins(tmp_path, monkeypatch, sacct="exit 1")
    assert slurm_wait.job_state("42").state == "UNKNOWN"


GRES = st.tuples(st.sampled_from(["gpu", "gpu:h100", "gpu:a100_80g", "nvme", "shard:h100"]),
                 st.integers(0, 16), st.sampled_from(["", "(S:0-1)", "(S:0)"]))


@given(st.lists(GRES, max_size=4))
def test_gpus_per_node_come_from_the_gres_text(parts):
    text = ",".join(f"{name}:{count}{socket}" for name, count, socket in parts) or "(null)"
    assert _gpus_of(text) == sum(count for name, count, _ in parts if name.split(":")[0] == "gpu")


def test_what_was_saved(tmp_path):
    folder = tmp_path / "base_checkpoints" / "d20"
    assert saved_lines(folder, 8) == [f"saved: no complete checkpoint in {folder} (the script "
                                      f"saves every --save-every steps and at its last step)"]
    folder.mkdir(parents=True)
    for name in ("model_001000.pt", "meta_001000.json", "model_002000.pt", "meta_002000.json",
                 *(f"optim_002000_rank{r}.pt" for r in range(6)), "model_002500.pt"):
        (folder / name).write_bytes(b"x")
    assert saved_lines(folder, 8) == [
        f"saved: last checkpoint step 2000 in {folder} (model, meta, optimizer state of 6/8 "
        f"ranks; resuming needs all 8)",
        "saved: step 2500 was cut short (model_002500.pt without meta_002500.json): remove it "
        "before resuming, nanochat would load it"]
    assert saved_lines(folder, 6)[0].endswith("(model, meta, optimizer state of 6/6 ranks)")
