"""preflight.launch.slurm with real submitit and real subprocesses, no cluster: local jobs that run
real commands (and the hardware check before them, on GPUs a stand-in NVML reports); the #SBATCH
text; the multi-node torchrun rewrite; and submissions through stand-ins for `sbatch`/`srun` (shell
scripts on PATH) whose job is then started the way srun starts it, as two "nodes" on this machine
that wait for each other's hardware check and rendezvous with a real torchrun.
(tests/test_slurm_cluster.py runs the launcher against a real Slurm.)"""

import argparse
import importlib.util
import json
import os
import re
import shlex
import signal
import socket
import stat
import subprocess
import sys
import time
from types import SimpleNamespace

import pytest
import submitit
from hypothesis import given, strategies as st

from preflight.launch import slurm
from preflight.launch.cli import parse_args
from preflight.launch.slurm import EXIT_NODE_CHECK, EXIT_TIME_LIMIT, SlurmError
from preflight.launch.slurm_wait import verdicts_of
from workspaces import ROOT

GIB = 2**30
H100 = dict(name="NVIDIA H100 80GB HBM3", memory=80 * GIB, free=79 * GIB, capability=[9, 0])
# what a checklist planned for 2x H100 per node (the shape node_check.node_plan returns)
PLAN = dict(gpus=2, planned_gpu=dict(name="H100-80GB", memory=80 * GIB, capability=[9, 0],
                                     source="target"),
            compute_dtype="bfloat16", fp8=False, device_batch_size=32, required=60 * GIB,
            required_by_batch={32: 60 * GIB, 16: 35 * GIB, 8: 22 * GIB})

TORCHRUN = ["torchrun", "--standalone", "--nproc_per_node=8", "-m", "scripts.base_train", "--",
            "--depth=20", "--save-every=1000"]
# what the job's command records, so the test sees the cwd and environment it really ran with
RECORD = ("import json, os, sys; print('hello from the run'); "
          "json.dump({'cwd': os.getcwd(), 'base': os.environ.get('NANOCHAT_BASE_DIR'), "
          "'cuda': os.environ.get('CUDA_VISIBLE_DEVICES')}, open(sys.argv[1], 'w'))")


def slurm_args(*argv):
    args, extra = parse_args(list(argv))  # launch.py's own parser
    assert not extra
    return args


def fake_nvml(*gpus) -> str:
    """FAKE_NVML for tests/nvml_standin: these GPUs, a driver for CUDA 12.4."""
    return json.dumps(dict(gpus=list(gpus), driver="550.54.15", cuda=12040))


@pytest.fixture
def job_dirs(tmp_path, monkeypatch):
    """A checkout and base dir; jobs run where `preflight` cannot be imported (a shadowing package
    on PYTHONPATH refuses, also over an installed copy), so a job that runs at all proves its
    function travelled by value, as it must to compute nodes without the project. The stand-in
    NVML comes next on PYTHONPATH; it reports the GPUs in FAKE_NVML (none: no driver)."""
    shadow = tmp_path / "shadow" / "preflight"
    shadow.mkdir(parents=True)
    (shadow / "__init__.py").write_text("raise ImportError('preflight is not on the nodes')\n")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("PYTHONPATH", f"{shadow.parent}{os.pathsep}{ROOT / 'tests' / 'nvml_standin'}")
    monkeypatch.delenv("FAKE_NVML", raising=False)
    assert subprocess.run([sys.executable, "-c", "import preflight"], capture_output=True).returncode
    (tmp_path / "checkout").mkdir()
    (tmp_path / "base").mkdir()
    return SimpleNamespace(root=tmp_path, checkout=tmp_path / "checkout", base=tmp_path / "base")


def local_submit(dirs, argv, *args, node_plan=None, saved_in=None):
    """A job on submitit's local executor; with a node_plan it asks for the plan's GPUs (the local
    executor numbers them in CUDA_VISIBLE_DEVICES, as Slurm does)."""
    executor = submitit.AutoExecutor(folder=dirs.root / "jobs", cluster="local")
    env = dict(os.environ, NANOCHAT_BASE_DIR=str(dirs.base))
    gpus = node_plan["gpus"] if node_plan else 0
    return slurm.submit(argv, cwd=dirs.checkout, env=env, gpus_per_node=gpus,
                        args=slurm_args("--time", "1", *args), executor=executor,
                        node_plan=node_plan, saved_in=saved_in)


def ended(info) -> dict:
    """The verdict the job's (only) task left, once the job is over."""
    info.job.wait()
    (verdict,) = verdicts_of(info)
    return verdict


# ----------------------------------------------------------------------------------------------
# Real jobs on submitit's local executor

def test_a_green_command_runs_in_the_checkout_with_the_base_dir(job_dirs, monkeypatch):
    # the submitting machine's GPU list must not clobber the one the job's node was given
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "0,1")
    marker = job_dirs.root / "ran.json"
    info = local_submit(job_dirs, [sys.executable, "-c", RECORD, str(marker)])
    assert info.job.result() == 0
    assert json.loads(marker.read_text()) == {
        "cwd": str(job_dirs.checkout), "base": str(job_dirs.base), "cuda": ""}
    assert "hello from the run" in info.stdout_path.read_text()
    assert info.sbatch_preview is None and info.job_id == info.job.job_id


def test_a_failing_command_ends_the_job_with_its_exit_code_and_its_output_in_the_log(job_dirs):
    code = "import sys; print('step 1 of 10', flush=True); sys.exit(3)"
    info = local_submit(job_dirs, [sys.executable, "-c", code])
    assert ended(info)["exit_code"] == 3
    log = info.stdout_path.read_text()
    assert "step 1 of 10" in log and "[preflight] the command exited with code 3 on " in log


def test_a_program_missing_on_the_node_fails_with_a_hint(job_dirs):
    info = local_submit(job_dirs, ["no-such-torchrun", "--standalone"])
    assert ended(info)["exit_code"] == 127
    log = info.stdout_path.read_text()
    assert "cannot start 'no-such-torchrun'" in log and "--slurm-setup" in log


def test_the_hardware_check_runs_in_the_job_and_a_green_one_starts_the_run(job_dirs,
                                                                          monkeypatch):
    monkeypatch.setenv("FAKE_NVML", fake_nvml(H100, H100))
    marker = job_dirs.root / "ran.json"
    info = local_submit(job_dirs, [sys.executable, "-c", RECORD, str(marker)], node_plan=PLAN)
    verdict = ended(info)
    assert verdict["exit_code"] == 0 and not verdict["check_failed"] and marker.exists()
    statuses = {c["key"]: c["status"] for c in verdict["check"]}
    assert statuses.pop("driver") in ("ok", "warn")     # it judges this machine's torch build
    assert statuses == dict(gpus="ok", model="ok", idle="ok", precision="ok", fp8="ok", memory="ok")


def test_a_node_without_the_planned_gpus_never_starts_the_run(job_dirs):
    marker = job_dirs.root / "ran.json"     # no FAKE_NVML: the stand-in finds no driver
    info = local_submit(job_dirs, [sys.executable, "-c", RECORD, str(marker)], node_plan=PLAN)
    verdict = ended(info)
    assert verdict["check_failed"] and "exit_code" not in verdict and not marker.exists()
    assert [c["key"] for c in verdict["check"] if c["status"] == "fail"] == ["gpus"]
    log = info.stdout_path.read_text()
    assert re.search(r"FAIL +gpus: no GPU visible on this node, but the plan needs 2 per node", log)
    assert f"the job stops before training (exit code {EXIT_NODE_CHECK})" in log


# ----------------------------------------------------------------------------------------------
# The #SBATCH preview

def test_the_preview_shows_resources_setup_and_the_rewritten_command(tmp_path):
    args = slurm_args("--partition", "gpu", "--account", "proj", "--qos", "high", "--nodes", "2",
                      "--time", "1-00:00:00", "--cpus-per-task", "32", "--slurm-option", "exclusive",
                      "--slurm-setup", "source .venv/bin/activate", "--slurm-setup", "export A=1")
    text = slurm.sbatch_preview(TORCHRUN, gpus_per_node=8, args=args, folder=tmp_path / "sl",
                                cwd="/data/nanochat")
    lines = text.splitlines()
    for flag in ("--nodes=2", "--gpus-per-node=8", "--time=1440", "--partition=gpu",
                 "--account=proj", "--qos=high", "--ntasks-per-node=1", "--cpus-per-task=32",
                 "--exclusive", "--chdir=/data/nanochat", "--job-name=nanochat-base_train"):
        assert f"#SBATCH {flag}" in lines, flag
    setup = lines.index("source .venv/bin/activate")
    assert lines[setup + 1] == "export A=1"
    assert setup < next(i for i, line in enumerate(lines) if line.startswith("srun "))
    shown = lines[-1].removeprefix("#   ")
    assert shlex.split(shown) == [
        "torchrun", "--nnodes=2", "--rdzv_id=<job id>", "--rdzv_backend=c10d",
        "--rdzv_endpoint=<first node>:29500", "--nproc_per_node=8", *TORCHRUN[3:]]


def test_a_single_node_preview_shows_the_command_as_is(tmp_path):
    text = slurm.sbatch_preview(["bash", "runs/speedrun.sh"], gpus_per_node=8, args=slurm_args(),
                                folder=tmp_path)
    assert "#SBATCH --nodes=1" in text and "#SBATCH --time=720" in text
    assert text.rstrip().endswith("#   bash runs/speedrun.sh")


def test_without_the_private_api_the_preview_is_a_one_line_note(tmp_path, monkeypatch):
    monkeypatch.delattr(submitit.slurm.slurm, "_make_sbatch_string")
    text = slurm.sbatch_preview(TORCHRUN, gpus_per_node=8, args=slurm_args(), folder=tmp_path)
    assert "#SBATCH --" not in text and text.startswith("# (no #SBATCH preview")
    assert len(text.splitlines()[0]) < 200 and shlex.join(TORCHRUN) in text


# ----------------------------------------------------------------------------------------------
# Several nodes: the torchrun rewrite and what is refused

def test_the_rewrite_puts_a_c10d_rendezvous_on_the_first_host():
    node = SimpleNamespace(hostnames=["gpu-a17", "gpu-a18"], num_nodes=2, node=1, job_id="4242")
    assert slurm.rendezvous_argv(TORCHRUN, node, 29600) == [
        "torchrun", "--nnodes=2", "--rdzv_id=4242", "--rdzv_backend=c10d",
        "--rdzv_endpoint=gpu-a17:29600", "--nproc_per_node=8", "-m", "scripts.base_train", "--",
        "--depth=20", "--save-every=1000"]
    module_form = ["python3", "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", "8",
                   "train.py", "--standalone"]
    assert slurm.rendezvous_argv(module_form, node) == [
        "python3", "-m", "torch.distributed.run", "--nnodes=2", "--rdzv_id=4242",
        "--rdzv_backend=c10d", "--rdzv_endpoint=gpu-a17:29500", "--nproc_per_node", "8",
        "train.py", "--standalone"]


OPTIONS = st.sampled_from([["--standalone"], ["--nproc_per_node=8"], ["--nproc-per-node", "4"],
                           ["--max_restarts", "0"], ["--no-python"], ["--log-dir=/tmp/x"],
                           ["--tee", "3"], ["--run-path"]])
TARGETS = st.sampled_from([["-m", "scripts.base_train"], ["train.py"], ["-m", "--standalone", "x"]])
WORDS = st.lists(st.one_of(st.sampled_from(["--", "--standalone", "--nnodes=3", "-m", "x.py"]),
                           st.text(max_size=8)), max_size=6)


@given(options=st.lists(OPTIONS, max_size=5), target=TARGETS, tail=WORDS,
       nodes=st.integers(2, 64), host=st.from_regex(r"[a-z][a-z0-9-]{0,15}", fullmatch=True))
def test_the_rewrite_touches_only_torchruns_own_options(options, target, tail, nodes, host):
    flat = [word for option in options for word in option]
    argv = ["torchrun", *flat, *target, *tail]
    node = SimpleNamespace(hostnames=[host], num_nodes=nodes, node=0, job_id="7")
    out = slurm.rendezvous_argv(argv, node)
    start, end = slurm.torchrun_span(out)
    _, old_end = slurm.torchrun_span(argv)
    assert out[end:] == argv[old_end:]                      # script, module and its arguments
    assert out[start:start + 4] == [f"--nnodes={nodes}", "--rdzv_id=7", "--rdzv_backend=c10d",
                                    f"--rdzv_endpoint={host}:29500"]
    assert out[start + 4:end] == [w for w in argv[1:old_end] if w != "--standalone"]


def test_a_shell_script_is_refused_on_several_nodes(job_dirs):
    for attempt in (lambda a: slurm.sbatch_preview(["bash", "runs/speedrun.sh"], gpus_per_node=8,
                                                   args=a, folder=job_dirs.root),
                    lambda a: local_submit(job_dirs, ["bash", "runs/speedrun.sh"], "--nodes", "2")):
        with pytest.raises(SlurmError, match="cannot be split across nodes") as refused:
            attempt(slurm_args("--nodes", "2"))
        assert "\n" not in str(refused.value)
    assert not list(job_dirs.root.glob("jobs/*.pkl"))       # nothing was submitted


@pytest.mark.parametrize("argv, gpus, nodes, reason", [
    (TORCHRUN, 4, 1, "starts 8 processes per node .* asks for 4 GPUs"),
    (["torchrun", "--nnodes=2", "--nproc_per_node=8", "train.py"], 8, 2, "already sets --nnodes"),
    (["torchrun", "--master_addr", "h", "train.py"], 8, 3, "already sets --master_addr"),
])
def test_requests_that_cannot_run_as_asked_are_refused(argv, gpus, nodes, reason):
    with pytest.raises(SlurmError, match=reason):
        slurm.check_request(argv, gpus_per_node=gpus, nodes=nodes)


# ----------------------------------------------------------------------------------------------
# The options

@given(h=st.integers(0, 500), m=st.integers(0, 59), s=st.integers(0, 59), d=st.integers(0, 30))
def test_wall_times_parse_to_whole_minutes_rounded_up(h, m, s, d):
    seconds = h * 3600 + m * 60 + s
    if seconds:
        assert slurm.parse_time(f"{h}:{m:02d}:{s:02d}") == -(-seconds // 60)
    if d or h:
        assert slurm.parse_time(f"{d}-{h}:{m:02d}:{s:02d}") == -(-(d * 86400 + seconds) // 60)
        assert slurm.parse_time(f"{d}-{h}") == (d * 24 + h) * 60
    assert slurm.parse_time(str(h + 1)) == h + 1


@given(st.text(max_size=12))
def test_any_time_text_parses_or_gets_a_one_line_reason(text):
    try:
        assert slurm.parse_time(text) > 0
    except argparse.ArgumentTypeError as e:
        assert "\n" not in str(e)


@pytest.mark.parametrize("bad", ["12:30", "0", "0:00:00", "1:60:00", "twelve hours", "-5"])
def test_bad_times_are_refused_by_the_parser_in_one_line(bad, capsys):
    with pytest.raises(SystemExit) as stop:
        slurm_args(f"--time={bad}")
    assert stop.value.code == 2
    assert capsys.readouterr().err.splitlines()[-1].startswith("launch.py: error: argument --time")


@given(st.text(max_size=16))
def test_any_sbatch_option_text_parses_or_gets_a_one_line_reason(text):
    try:
        key, value = slurm.parse_sbatch_option(text)
    except argparse.ArgumentTypeError as e:
        assert "\n" not in str(e)
    else:
        assert value is True or value.isprintable()
        assert slurm.parse_sbatch_option(f"{key}={value}" if value is not True else key) == (
            key, value)


def test_option_defaults_and_extra_sbatch_options(capsys):
    args = slurm_args("--slurm-option", "exclusive", "--slurm-option=--mem=0")
    assert (args.slurm, args.nodes, args.time, args.slurm_folder, args.slurm_setup) == (
        False, 1, 720, "reports/slurm", [])
    assert args.slurm_option == [("exclusive", True), ("mem", "0")]
    with pytest.raises(SystemExit):
        slurm_args("--slurm-option", "time=10")
    assert "use --time" in capsys.readouterr().err


# ----------------------------------------------------------------------------------------------
# Through sbatch and srun (stand-ins on PATH), then the job started as srun would start it

def fake_slurm(tmp_path, monkeypatch, sbatch_body):
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for name, body in (("srun", "exit 1"), ("sbatch", sbatch_body)):
        tool = bin_dir / name
        tool.write_text(f"#!/bin/sh\n{body}\n")
        tool.chmod(tool.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_without_slurm_submit_gives_a_one_line_reason(job_dirs, monkeypatch):
    monkeypatch.setenv("PATH", str(job_dirs.root))
    with pytest.raises(SlurmError, match=r"no sbatch or srun on PATH") as refused:
        slurm.submit(TORCHRUN, cwd=job_dirs.checkout, env={}, gpus_per_node=8, args=slurm_args())
    assert "\n" not in str(refused.value)


def test_sbatch_errors_come_back_as_one_line(job_dirs, monkeypatch):
    fake_slurm(job_dirs.root, monkeypatch,
               "echo 'sbatch: error: invalid partition specified: nope' >&2\n"
               "echo 'sbatch: error: Batch job submission failed' >&2\nexit 1")
    with pytest.raises(SlurmError) as refused:
        slurm.submit(TORCHRUN, cwd=job_dirs.checkout, env={}, gpus_per_node=8,
                     args=slurm_args("--partition", "nope", "--slurm-folder", "sl"))
    assert str(refused.value) == ("the submission failed: sbatch: error: invalid partition "
                                  "specified: nope")


def start_like_srun(info, dirs, node_envs: dict) -> list:
    """Start the submitted job's task on each "node" of {rank: extra environment} (here, all on
    this machine) as srun would: the command after `srun <its options>`, with that node's SLURM_*
    variables, in a job of two nodes."""
    srun_line = next(line for line in info.sbatch_preview.splitlines() if line.startswith("srun "))
    words = shlex.split(srun_line)
    command = words[words.index("-u") - 1:]
    nodes = []
    for rank, extra in node_envs.items():
        log = open(info.stdout_path.parent / f"{info.job_id}_{rank}_log.out", "w")
        node_env = dict(os.environ, SUBMITIT_EXECUTOR="slurm", SLURM_JOB_ID=info.job_id,
                        SLURM_NTASKS="2", SLURM_JOB_NUM_NODES="2", SLURM_NODEID=str(rank),
                        SLURM_PROCID=str(rank), SLURM_LOCALID="0", SLURM_JOB_NODELIST="localhost",
                        **extra)
        nodes.append(subprocess.Popen(command, cwd=dirs.checkout, env=node_env, stdout=log,
                                      stderr=subprocess.STDOUT))
        log.close()
    return nodes


def two_node_submit(dirs, monkeypatch, argv, gpus=1, node_plan=None):
    fake_slurm(dirs.root, monkeypatch, 'echo "Submitted batch job 4242"')
    args = slurm_args("--nodes", "2", "--rdzv-port", str(free_port()), "--slurm-folder", "sl")
    env = dict(os.environ, NANOCHAT_BASE_DIR=str(dirs.base))
    return slurm.submit(argv, cwd=dirs.checkout, env=env, gpus_per_node=gpus, args=args,
                        node_plan=node_plan), args


def test_the_submitted_batch_file_asks_for_the_job_and_runs_submitit_on_each_node(
        job_dirs, monkeypatch):
    argv = ["torchrun", "--standalone", "--nproc_per_node=1", "train.py"]
    info, _ = two_node_submit(job_dirs, monkeypatch, argv)
    lines = info.sbatch_preview.splitlines()
    for flag in ("--nodes=2", "--gpus-per-node=1", "--ntasks-per-node=1", "--time=720",
                 f"--chdir={job_dirs.checkout}", "--job-name=nanochat-train",
                 f"--output={job_dirs.root}/sl/%j/%j_0_log.out", "--signal=USR2@90"):
        assert f"#SBATCH {flag}" in lines, flag
    srun = shlex.split(next(line for line in lines if line.startswith("srun ")))
    assert srun[-5:] == [sys.executable, "-u", "-m", "submitit.core._submit",
                         f"{job_dirs.root}/sl/%j"]


@pytest.mark.skipif(importlib.util.find_spec("torch") is None, reason="needs torch's torchrun")
def test_a_two_node_job_rendezvouses_with_torchrun(job_dirs, monkeypatch):
    # workers that are plain shells: the agents' rendezvous is what is tested, not NCCL
    write_rank = 'echo "$RANK/$WORLD_SIZE/$GROUP_RANK" > "rank-$GROUP_RANK.txt"'
    argv = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node=1",
            "--no-python", "sh", "-c", write_rank]
    info, args = two_node_submit(job_dirs, monkeypatch, argv)
    assert info.job_id == "4242" and info.stdout_path.name == "4242_0_log.out"
    nodes = start_like_srun(info, job_dirs, {0: {}, 1: {}})
    assert [node.wait(timeout=120) for node in nodes] == [0, 0], info.stdout_path.read_text()
    ranks = sorted(p.read_text().strip() for p in job_dirs.checkout.glob("rank-*.txt"))
    assert ranks == ["0/2/0", "1/2/1"]
    assert info.job.results() == [0, 0]
    assert "--rdzv_endpoint=localhost:" in info.stdout_path.read_text()


def test_one_red_node_stops_every_node_before_training(job_dirs, monkeypatch):
    info, _ = two_node_submit(job_dirs, monkeypatch, ["torchrun", "--standalone",
                                                      "--nproc_per_node=2", "train.py"],
                              gpus=2, node_plan=PLAN)
    busy = {**H100, "processes": [[4242, 3 * GIB]]}
    (first,) = start_like_srun(info, job_dirs, {0: dict(FAKE_NVML=fake_nvml(H100, H100))})
    deadline = time.monotonic() + 60        # node 0 passes its check, then waits for node 1
    while not slurm.verdict_path(job_dirs.root / "sl" / "4242", "4242", 0).exists():
        assert time.monotonic() < deadline and first.poll() is None
        time.sleep(0.2)
    (second,) = start_like_srun(info, job_dirs, {1: dict(FAKE_NVML=fake_nvml(H100, busy))})
    assert [first.wait(timeout=120), second.wait(timeout=120)] == [EXIT_NODE_CHECK] * 2
    log = info.stdout_path.read_text()
    assert re.search(r"ok +idle: ", log) and "[preflight] on " not in log   # nothing started
    assert f"the hardware check failed on {socket.gethostname()} (task 1)" in log
    assert [v["check_failed"] for v in verdicts_of(info)] == [False, True]


def test_a_node_whose_partner_never_reports_stops_after_the_wait(job_dirs, monkeypatch):
    monkeypatch.setattr(slurm, "NODE_CHECK_WAIT_S", 1)    # travels with the pickled function
    info, _ = two_node_submit(job_dirs, monkeypatch, ["torchrun", "--standalone",
                                                      "--nproc_per_node=2", "train.py"],
                              gpus=2, node_plan=PLAN)
    (node,) = start_like_srun(info, job_dirs, {0: dict(FAKE_NVML=fake_nvml(H100, H100))})
    assert node.wait(timeout=60) == EXIT_NODE_CHECK
    assert "failed on a node that never reported (task 1)" in info.stdout_path.read_text()


def test_a_time_limit_warning_during_the_check_keeps_the_run_from_starting(job_dirs, monkeypatch):
    info, _ = two_node_submit(job_dirs, monkeypatch, ["torchrun", "--standalone",
                                                      "--nproc_per_node=2", "train.py"],
                              gpus=2, node_plan=PLAN)
    (node,) = start_like_srun(info, job_dirs, {0: dict(FAKE_NVML=fake_nvml(H100, H100))})
    deadline = time.monotonic() + 60        # it passed its check and waits for node 1
    while not slurm.verdict_path(job_dirs.root / "sl" / "4242", "4242", 0).exists():
        assert time.monotonic() < deadline and node.poll() is None
        time.sleep(0.2)
    node.send_signal(signal.SIGUSR2)        # as Slurm's --signal=USR2@90 would
    assert node.wait(timeout=60) == EXIT_TIME_LIMIT
    log = info.stdout_path.read_text()
    assert "SIGUSR2 came before the run started: nothing was started" in log
    assert "[preflight] on " not in log
    (verdict,) = verdicts_of(info)
    assert (verdict["stopped_by"], verdict["exit_code"]) == ("SIGUSR2", None)
