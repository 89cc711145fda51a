"""Row offsets, lengths and nulls read from an Arrow string array's buffers agree with pyarrow's
own kernels, and a scan-only worker reads a shard with null rows without importing pandas."""

import subprocess
import sys

import pyarrow as pa
import pyarrow.compute as pc
from hypothesis import given, settings, strategies as st

from preflight.data.shard_writer import write_shard
from preflight.util.arrow_text import null_mask, text_lengths, text_offsets

TEXTS = st.lists(st.one_of(st.none(), st.text(max_size=12)), max_size=40)


@settings(max_examples=300, deadline=None)
@given(TEXTS, st.booleans(), st.integers(0, 40), st.integers(0, 40))
def test_lengths_and_nulls_match_pyarrows_kernels(texts, large, start, length):
    arr = pa.array(texts, type=pa.large_string() if large else pa.string()).slice(start, length)
    want = pc.fill_null(pc.binary_length(arr), 0).to_pylist()
    assert text_lengths(arr).tolist() == want
    mask = null_mask(arr)
    assert (mask.tolist() if mask is not None else [False] * len(arr)) == arr.is_null().to_pylist()
    offsets = text_offsets(arr)
    data = arr.buffers()[2]
    for i, text in enumerate(arr.to_pylist()):  # every non-null row's bytes sit at its offsets
        if text is not None:
            assert data.to_pybytes()[offsets[i]:offsets[i + 1]] == text.encode()


def test_an_empty_array_with_an_empty_offsets_buffer():
    empty = pa.Array.from_buffers(pa.string(), 0, [None, pa.py_buffer(b""), pa.py_buffer(b"")])
    empty.validate(full=True)  # valid Arrow: an empty array needs no offsets
    assert text_offsets(empty).tolist() == [0] and text_lengths(empty).tolist() == []


def test_a_scan_only_worker_reads_null_rows_without_pandas(tmp_path):
    """The worker server of `preflight scan` does not preload pandas (0.13 s): reading a shard
    with null documents must not import it in each worker either."""
    shard = tmp_path / "shard_00000.parquet"
    write_shard(shard, ["password = 'Vq8rLm2Xk7Zp'\n", None, "plain\n"] * 100, row_group_size=64)
    code = ("import importlib, sys\n"
            "from preflight.data.workers import WORKER_PRELOAD\n"
            "for m in WORKER_PRELOAD: importlib.import_module(m)\n"
            "from preflight.data.datapass import read_shard\n"
            "from preflight.secrets import ScannerConfig\n"
            f"facts = read_shard({str(shard)!r}, ScannerConfig(), sample_bytes=1000)\n"
            "assert facts.null_docs == 100 and facts.null_rows[:2] == [1, 4], facts\n"
            "assert len(facts.findings) == 100, facts\n"
            "print('pandas' in sys.modules)\n")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "False"
