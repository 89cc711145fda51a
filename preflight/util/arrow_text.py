"""Zero-copy views of an Arrow string array (not chunked): row offsets, lengths and nulls, read
from its buffers (pyarrow's compute kernels and to_numpy on booleans import pandas, 0.13 s)."""

import numpy as np
import pyarrow as pa


def text_offsets(arr) -> np.ndarray:
    """The n + 1 byte offsets of the rows into the array's data buffer."""
    wide = pa.types.is_large_string(arr.type) or pa.types.is_large_binary(arr.type)
    dtype = np.int64 if wide else np.int32
    if not len(arr):  # Arrow allows an empty array with an empty offsets buffer
        return np.zeros(1, dtype)
    return np.frombuffer(arr.buffers()[1], dtype=dtype, count=len(arr) + 1,
                         offset=arr.offset * dtype().itemsize)


def null_mask(arr) -> np.ndarray:
    """True for each null row (None when there is none), from the validity bitmap."""
    if not arr.null_count:
        return None
    bits = np.unpackbits(np.frombuffer(arr.buffers()[0], dtype=np.uint8), bitorder="little")
    return bits[arr.offset:arr.offset + len(arr)] == 0


def text_lengths(arr) -> np.ndarray:
    """Bytes per row, 0 for a null row (whatever its offsets say)."""
    lengths = np.diff(text_offsets(arr)).astype(np.int64)
    nulls = null_mask(arr)
    if nulls is not None:
        lengths[nulls] = 0
    return lengths
