"""The hardware check a Slurm job runs on its node before training (preflight.hardware.node_check):
the node's probed GPUs against the plan made on the login node. Plans are hand-written, or come
from the real hardware plan of nanochat's d20 (whose known 80 GB limit is batch 16)."""

import json

from hypothesis import given, settings, strategies as st

from preflight.hardware.gpus import parse_target
from preflight.hardware.node_check import check_node, node_plan, report_lines
from preflight.hardware.probe import Gpu, GpuFacts, GpuProcess, target_facts
from test_hardware_plan import d20, home, target_plan  # noqa: F401 - fixtures

GIB = 2**30
H100 = ("NVIDIA H100 80GB HBM3", 80 * GIB, (9, 0))
PLAN = dict(gpus=2, planned_gpu=dict(name="H100-80GB", memory=80 * GIB, capability=[9, 0],
                                     source="target"),
            compute_dtype="bfloat16", fp8=False, device_batch_size=32, required=60 * GIB,
            required_by_batch={32: 60 * GIB, 16: 35 * GIB, 8: 22 * GIB})


def node(*gpus, free=None, busy=(), source="nvml"):
    """GpuFacts of a node: (name, memory, capability) per GPU, all with `free` bytes free."""
    return GpuFacts(gpus=tuple(Gpu(i, name, memory, memory - GIB if free is None else free, cap)
                               for i, (name, memory, cap) in enumerate(gpus)),
                    source=source, driver_version="550.54.15", cuda_driver_version="12.4",
                    torch_version="2.13.0", torch_cuda_version="12.4",
                    processes=tuple(GpuProcess(g, 4242, 3 * GIB, "python") for g in busy))


def failed(findings) -> dict:
    return {k: f.message for k, f in findings.items() if f.status == "fail"}


def test_a_node_as_planned_passes_every_check():
    findings = check_node(PLAN, node(H100, H100))
    assert {k: f.status for k, f in findings.items()} == dict(
        gpus="ok", model="ok", idle="ok", driver="ok", precision="ok", fp8="ok", memory="ok")
    assert findings["model"].message == ("2x NVIDIA H100 80GB HBM3 (80.0 GiB, capability 9.0), "
                                         "as planned for H100-80GB")


def test_what_a_node_can_get_wrong():
    a100 = ("NVIDIA A100-SXM4-80GB", 80 * GIB, (8, 0))
    v100 = ("Tesla V100-SXM2-32GB", 32 * GIB, (7, 0))
    assert failed(check_node(PLAN, node(H100))) == {
        "gpus": "1 GPU(s) visible (0: NVIDIA H100 80GB HBM3) but the plan needs 2 per node (is "
                "--gpus right? does the job ask for them?)"}
    assert failed(check_node(PLAN, node(H100, H100, busy=[1]))) == {
        "idle": "GPUs of this job are in use by other processes: GPU 1: pid 4242 python 3.0 GiB"}
    assert set(failed(check_node(PLAN, node(a100, a100)))) == {"model"}
    assert set(failed(check_node(PLAN, node(v100, v100)))) == {"model", "precision", "memory"}
    assert set(failed(check_node(PLAN, node(H100, a100)))) == {"model"}
    assert "the node's GPUs differ" in failed(check_node(PLAN, node(H100, a100)))["model"]
    assert failed(check_node(dict(PLAN, fp8=True), node(a100, a100)))["fp8"].startswith(
        "--fp8 needs capability 8.9+")
    # a busy GPU outside the job's share is not its business
    assert failed(check_node(PLAN, node(H100, H100, H100, busy=[2]))) == {}


def test_no_gpu_on_the_node_fails_with_the_probes_reason():
    findings = check_node(PLAN, GpuFacts(reason="no NVIDIA driver (libnvidia-ml not found)"))
    assert failed(findings) == {"gpus": "no GPU visible on this node, but the plan needs 2 per "
                                        "node: no NVIDIA driver (libnvidia-ml not found)"}
    assert {f.status for k, f in findings.items() if k != "gpus"} == {"skip"}


def test_a_bigger_gpu_than_planned_is_a_warning_and_an_unknown_plan_skips_the_model():
    h200 = ("NVIDIA H200", 141 * GIB, (9, 0))
    findings = check_node(PLAN, node(h200, h200))
    assert findings["model"].status == "warn" and failed(findings) == {}
    unplanned = check_node(dict(PLAN, planned_gpu=None), node(H100, H100))
    assert unplanned["model"].status == "skip" and failed(unplanned) == {}


def test_memory_uses_free_memory_or_says_it_knows_only_the_total():
    assert check_node(PLAN, node(H100, H100, free=64 * GIB))["memory"].status == "warn"  # tight
    torch_only = node(H100, H100, source="torch")
    torch_only = GpuFacts(gpus=tuple(Gpu(g.index, g.name, g.memory, None, g.capability)
                                     for g in torch_only.gpus), source="torch")
    assert "80.0 GiB total (free unknown)" in check_node(PLAN, torch_only)["memory"].message
    none_fits = check_node(PLAN, node(H100, H100, free=20 * GIB))["memory"]
    assert none_fits.status == "fail" and "no allowed device batch size fits" in none_fits.message


@settings(max_examples=60, deadline=None)
@given(free=st.integers(1, 100), table=st.dictionaries(st.sampled_from([1, 2, 4, 8, 16, 32, 64]),
                                                      st.integers(1, 100), min_size=1))
def test_the_advised_batch_is_the_largest_allowed_one_that_fits(free, table):
    plan = dict(PLAN, required_by_batch={d: gib * GIB for d, gib in table.items()},
                device_batch_size=max(table), required=table[max(table)] * GIB)
    memory = check_node(plan, node(H100, H100, free=free * GIB))["memory"]
    fitting = [d for d, gib in table.items() if gib <= free]
    if table[max(table)] > free:
        assert memory.status == "fail"
        advice = f"use --device-batch-size {max(fitting)}" if fitting else "no allowed"
        assert advice in memory.message
    else:
        assert memory.status != "fail"


def test_a_d20_plan_for_an_h200_on_an_h100_node_advises_batch_16(home, d20):  # noqa: F811
    # planned on the login node for 8x H200, where batch 32 fits; the job gets 8x H100 80GB
    plan = target_plan(home, d20, target="H200", gpus=8)
    assert plan.findings["memory"].status in ("ok", "warn")
    summary_facts = json.loads(json.dumps(plan.as_dict()))       # as launch.py reads them
    expect = node_plan(summary_facts, 8)
    findings = check_node(expect, target_facts(parse_target("H100-80GB"), 8))
    assert set(failed(findings)) == {"model", "memory"}
    assert findings["memory"].message.endswith("use --device-batch-size 16")
    assert "the plan is for H200" in findings["model"].message


def test_the_report_marks_failures():
    lines = report_lines(check_node(PLAN, node(H100)), "gpu-a17")
    assert lines[0] == "[preflight] hardware check on gpu-a17:"
    assert lines[1].startswith("  FAIL  gpus: 1 GPU(s) visible")
    assert lines[2].startswith("  ok    model: ")
