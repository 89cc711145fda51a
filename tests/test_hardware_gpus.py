"""GPU targets, the probe without a GPU, and `preflight gpus`."""

import argparse
import json
import subprocess
import sys

import pytest
from hypothesis import given, strategies as st

from preflight.hardware.cli import add_gpus_parser
from preflight.hardware.gpus import GPU_TABLE, GiB, parse_target
from preflight.hardware.probe import Gpu, cuda_version_text, probe, target_facts, visible_subset


@pytest.mark.parametrize("text,name", [
    ("H100-80GB", "H100-80GB"), ("h100", "H100-80GB"), ("NVIDIA H100 80GB HBM3", "H100-80GB"),
    ("H200", "H200"), ("a100_80gb", "A100-80GB"), ("Tesla T4", "T4"), ("rtx 4090", "RTX-4090"),
    ("RTX 6000 Ada", "RTX-6000-ADA"), ("B200", "B200"), ("L40S", "L40S"), ("V100-32GB", "V100-32GB"),
])
def test_table_names_and_spellings(text, name):
    assert parse_target(text).name == name


def test_table_facts_that_decide_precision():
    assert parse_target("H100-80GB").capability == (9, 0)
    assert parse_target("A100-40GB").capability == (8, 0)
    assert parse_target("L4").capability == (8, 9)
    assert parse_target("V100-16GB").capability == (7, 0)
    assert round(parse_target("H100-80GB").memory / GiB, 1) == 79.6  # what NVML reports


def test_custom_form():
    spec = parse_target("80GB,9.0")
    assert (spec.memory, spec.capability) == (80 * GiB, (9, 0))
    assert parse_target(" 24 GiB , 8.6 ").capability == (8, 6)


@pytest.mark.parametrize("text,expect", [
    ("H10", "ambiguous"), ("A100", "A100-80GB or A100-40GB"), ("B100", "close names: B"),
    ("teapot", "preflight gpus"), ("", "empty GPU target"), ("0GB,9.0", "positive"),
])
def test_bad_targets_say_what_to_write(text, expect):
    with pytest.raises(ValueError, match=expect):
        parse_target(text)


@given(st.sampled_from(GPU_TABLE), st.data())
def test_any_alias_in_any_spelling_parses(spec, data):
    name = data.draw(st.sampled_from((spec.name, *spec.aliases)))
    sep = data.draw(st.sampled_from(["-", "_", " ", ""]))
    spelled = "".join(c.lower() if data.draw(st.booleans()) else c for c in name).replace("-", sep)
    assert parse_target(spelled) == spec


@given(st.integers(1, 4096), st.integers(1, 12), st.integers(0, 9))
def test_custom_form_round_trips(gb, major, minor):
    spec = parse_target(f"{gb}GB,{major}.{minor}")
    assert (spec.memory, spec.capability) == (gb * GiB, (major, minor))


@given(st.text(max_size=30))
def test_parser_never_crashes(text):
    try:
        parse_target(text)
    except ValueError as exc:
        assert str(exc)

# ----------------------------------------------------------------------------------------------
# The probe.

def _devices():
    return [Gpu(i, f"GPU{i}", 80 * GiB, 70 * GiB, (9, 0), f"GPU-{i}aaa-{i}") for i in range(4)]


def test_visible_devices_filter_and_renumber():
    devices = _devices()
    assert visible_subset(devices, None)[0] == tuple(devices)
    chosen, note = visible_subset(devices, "2,0")
    assert [(g.index, g.name) for g in chosen] == [(0, "GPU2"), (1, "GPU0")] and not note
    chosen, _ = visible_subset(devices, "GPU-3aaa")
    assert [g.name for g in chosen] == ["GPU3"]


def test_visible_devices_stop_at_a_bad_entry_like_cuda():
    chosen, note = visible_subset(_devices(), "1,7,2")
    assert [g.name for g in chosen] == ["GPU1"] and "'7'" in note
    assert visible_subset(_devices(), "")[0] == ()


def test_cuda_version_text():
    assert cuda_version_text(12080) == "12.8" and cuda_version_text(11040) == "11.4"
    assert cuda_version_text(0) == ""


def test_no_gpu_gives_a_reason_not_an_error():
    facts = probe(environ={"CUDA_VISIBLE_DEVICES": ""})
    if facts.count:
        pytest.skip("CUDA_VISIBLE_DEVICES='' did not hide this machine's GPUs from torch")
    assert facts.gpus == () and facts.reason


def test_probe_without_nvidia_ml_py_falls_back_to_torch(monkeypatch):
    monkeypatch.setitem(sys.modules, "pynvml", None)  # import pynvml -> ImportError
    facts = probe(environ={"CUDA_VISIBLE_DEVICES": ""})
    assert facts.source in ("torch", "none")
    if not facts.count:
        assert "nvidia-ml-py is not installed" in facts.reason


def test_target_facts_plan_n_copies():
    facts = target_facts(parse_target("H100-80GB"), 8)
    assert facts.is_target and facts.count == 8 and {g.name for g in facts.gpus} == {"H100-80GB"}

# ----------------------------------------------------------------------------------------------
# `preflight gpus`.

def _run(argv, capsys):
    parser = argparse.ArgumentParser(prog="preflight")
    add_gpus_parser(parser.add_subparsers())
    args = parser.parse_args(argv)
    code = args.func(args)
    return code, capsys.readouterr().out


def test_gpus_lists_the_table(capsys):
    code, out = _run(["gpus"], capsys)
    assert code == 0
    assert all(spec.name in out for spec in GPU_TABLE) and "80GB,9.0" in out


def test_gpus_json_with_probe(capsys):
    code, out = _run(["gpus", "--json", "--probe"], capsys)
    data = json.loads(out)
    assert code == 0 and {"H100-80GB", "H200", "T4"} <= {row["name"] for row in data["table"]}
    assert "source" in data["probe"] and "count" in data["probe"]


def test_probe_without_a_gpu_does_not_import_torch():
    """Importing torch costs seconds; on a machine with no GPU driver nothing needs it."""
    code = ("import sys; sys.modules['pynvml'] = None\n"
            "from preflight.hardware.probe import _gpu_driver_present, probe\n"
            "facts = probe()\n"
            "print(_gpu_driver_present(), facts.count, 'torch' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    driver, count, imported = out.stdout.split()
    if driver == "True":
        pytest.skip("this machine has a GPU driver: torch is the probe's fallback here")
    assert (count, imported) == ("0", "False")


def test_torch_versions_read_without_importing_it():
    import torch
    from preflight.hardware.probe import _torch_versions
    assert _torch_versions() == dict(torch_version=torch.__version__,
                                     torch_cuda_version=torch.version.cuda or "")
