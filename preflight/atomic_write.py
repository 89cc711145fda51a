"""Atomic file replacement: write beside the target, fsync, rename; the old file survives a crash."""

import contextlib
import os
from pathlib import Path


@contextlib.contextmanager
def atomic_path(path: Path):
    """Yield a temporary path next to `path`; on success it replaces `path` atomically.

    The temporary name ends in `.tmp` and starts with a dot, so nanochat's shard listing (which
    skips `*.tmp`) never sees a half-written parquet file. On an exception it is removed.
    """
    path = Path(path)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        yield tmp
        fd = os.open(tmp, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
    _fsync_dir(path.parent)


def _fsync_dir(folder: Path) -> None:
    # the rename is only durable once the directory entry is on disk; not every filesystem allows it
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
