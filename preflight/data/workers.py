"""The data pass's worker processes: forked from a forkserver that imported their modules once,
and started early (while the caller still imports and collects), so those imports overlap.

Light on purpose: importing this module imports nothing heavy.
"""

import os
import sys
from multiprocessing import forkserver, get_context

# Shards on disk below these sizes are read in the caller's process: measured on 2 cores, one
# process reads text at over 1 GB/s but scans it for secrets at about 300 MB/s.
PARALLEL_MIN_BYTES = 16 << 20
PARALLEL_MIN_BYTES_NO_SCAN = 256 << 20
# What every worker imports, imported once in the forkserver instead (~0.3-0.5 CPU-s a worker).
WORKER_PRELOAD = ("preflight.data.datapass", "preflight.secrets.scanner", "numpy", "pyarrow.parquet",
                  "preflight.util.arrow_text")
# ...and what fingerprinting duplicates adds: pyarrow.compute, and pandas because pyarrow's array
# constructors import it on first use (0.23 s that `preflight scan`, which needs neither, would
# wait for).
DEDUP_PRELOAD = ("preflight.data.dedup", "pyarrow.compute", "pandas")


def worker_context(duplicates: bool = True):
    """The multiprocessing context of the pass's workers (forkserver on Linux, else spawn). The
    forkserver's imports are those of the first call that starts it."""
    ctx = get_context("forkserver" if sys.platform.startswith("linux") else "spawn")
    if ctx.get_start_method() == "forkserver":  # workers fork with these already imported
        ctx.set_forkserver_preload(list(WORKER_PRELOAD + (DEDUP_PRELOAD if duplicates else ())))
    return ctx


def start_early(shards: list, duplicates: bool = True) -> None:
    """Start the forkserver now when the shards are big enough for a scanning pass to use
    workers; its imports (~0.4 s) then run beside the caller's instead of before the pass.
    `duplicates`: whether the pass will fingerprint documents (False: `preflight scan`)."""
    try:
        size = sum(os.stat(p).st_size for p in shards)
    except OSError:  # the pass reports the file in one line
        return
    context = worker_context(duplicates)
    if size > PARALLEL_MIN_BYTES and context.get_start_method() == "forkserver":
        forkserver.ensure_running()
