"""The torch-free reader of torch.save files, against real torch.save / torch.load."""

import pickle
import subprocess
import sys
import zipfile

import pytest
import torch
from hypothesis import HealthCheck, given, settings, strategies as st

from preflight.tokenizer.torch_file import NotReadable, read_tensor

DTYPES = [torch.int32, torch.int64, torch.int16, torch.int8, torch.uint8, torch.float32,
          torch.float64, torch.float16, torch.bool]


@st.composite
def saved_tensors(draw):
    """A tensor as torch.save writes it: possibly a view (offset, stride) into a larger storage."""
    dtype = draw(st.sampled_from(DTYPES))
    rows, cols = draw(st.integers(0, 6)), draw(st.integers(0, 7))
    base = torch.arange(rows * cols * 2 + 3, dtype=torch.int64) * draw(st.integers(-3, 3)) + 1
    base = (base % 2 == 0) if dtype is torch.bool else base.to(dtype)
    view = draw(st.sampled_from(["whole", "slice", "2d", "transposed", "step"]))
    if view == "whole":
        return base
    if view == "slice":
        return base[3:3 + rows]
    if view == "step":
        return base[1::3]
    grid = base[: rows * cols].reshape(rows, cols)
    return grid.t() if view == "transposed" else grid


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(tensor=saved_tensors())
def test_reads_what_torch_load_reads(tmp_path, tensor):
    path = tmp_path / "t.pt"
    torch.save(tensor, path)
    expected = torch.load(path, weights_only=True)
    got = read_tensor(path)
    assert got.dtype == str(expected.dtype).removeprefix("torch.")
    assert got.shape == tuple(expected.shape)
    assert got.values == expected.tolist()


def test_token_bytes_as_nanochat_writes_them(tmp_path):
    values = [0, 1, 2, 3, 300, 5] + [0] * 9
    torch.save(torch.tensor(values, dtype=torch.int32), tmp_path / "token_bytes.pt")
    got = read_tensor(tmp_path / "token_bytes.pt")
    assert (got.dtype, got.shape, got.values) == ("int32", (15,), values)


def test_does_not_import_torch(tmp_path):
    torch.save(torch.arange(5, dtype=torch.int32), tmp_path / "t.pt")
    code = ("import sys; from preflight.tokenizer.torch_file import read_tensor; "
            f"print(read_tensor({str(tmp_path / 't.pt')!r}).values, 'torch' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["[0,", "1,", "2,", "3,", "4]", "False"]


def _rewrite_pickle(path, new_pickle: bytes):
    with zipfile.ZipFile(path) as z:
        entries = {n: z.read(n) for n in z.namelist()}
    name = next(n for n in entries if n.endswith("/data.pkl"))
    entries[name] = new_pickle
    with zipfile.ZipFile(path, "w") as z:
        for n, data in entries.items():
            z.writestr(n, data)


class _RunsCode:
    def __init__(self, command):
        self.command = command

    def __reduce__(self):
        import os
        return os.system, (self.command,)


def test_code_in_the_pickle_is_refused_not_run(tmp_path):
    path = tmp_path / "t.pt"
    torch.save(torch.arange(3, dtype=torch.int32), path)
    marker = tmp_path / "pwned"
    _rewrite_pickle(path, pickle.dumps(_RunsCode(f"touch {marker}"), protocol=2))
    with pytest.raises(NotReadable, match="system"):
        read_tensor(path)
    assert not marker.exists()


def test_a_stride_past_the_storage_is_refused(tmp_path):
    """A crafted size/stride would make numpy read memory outside the file's bytes."""
    path = tmp_path / "t.pt"
    torch.save(torch.arange(4, dtype=torch.int32), path)
    with zipfile.ZipFile(path) as z:
        original = z.read(next(n for n in z.namelist() if n.endswith("/data.pkl")))
    # size (4,) stride (1,) -> size (4,) stride (1000,): K\x01\x85 is the stride tuple (1,)
    crafted = original.replace(b"K\x04\x85q\x06K\x01\x85", b"K\x04\x85q\x06M\xe8\x03\x85")
    assert crafted != original
    _rewrite_pickle(path, crafted)
    with pytest.raises(NotReadable, match="reaches element"):
        read_tensor(path)


@pytest.mark.parametrize("make, match", [
    (lambda p: torch.save(torch.arange(3), p, _use_new_zipfile_serialization=False), "zip format"),
    (lambda p: p.write_bytes(b"PK\x03\x04 truncated"), "zip format"),
    (lambda p: torch.save({"a": torch.zeros(2)}, p), "dict"),
    (lambda p: torch.save(torch.zeros(2, dtype=torch.bfloat16), p), "BFloat16Storage"),
])
def test_what_it_does_not_know_is_not_readable(tmp_path, make, match):
    path = tmp_path / "t.pt"
    make(path)
    with pytest.raises(NotReadable, match=match):
        read_tensor(path)
