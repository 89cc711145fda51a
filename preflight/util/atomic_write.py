"""The one atomic writer: write beside the target, fsync, rename; the old file survives a crash.

Temporary names start with a dot and end in `.tmp`, so nanochat's shard listing (which skips
`*.tmp`) never sees a half-written parquet file; they carry the pid and a random part, so two
writers never share (or delete) each other's temporary file.
"""

import contextlib
import json
import os
import secrets
import shutil
from pathlib import Path


def temp_name(path: Path) -> Path:
    return path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")


def stale_temps(folder: Path, name: str = "*") -> list:
    """Temporary files this writer left in `folder` (for `name`, or any), e.g. after a kill."""
    return sorted(Path(folder).glob(f".{name}.*.tmp"))


@contextlib.contextmanager
def atomic_path(path: Path):
    """Yield a temporary path next to `path`; on success it replaces `path` atomically.

    On an exception the temporary file is removed and `path` is untouched.
    """
    path = Path(path)
    tmp = temp_name(path)
    try:
        yield tmp
        fsync_path(tmp)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
    fsync_dir(path.parent)


def write_text_atomic(path: Path, text: str) -> None:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_path(path) as tmp:
        tmp.write_text(text, encoding="utf-8")


def write_json_atomic(path: Path, data) -> None:
    write_text_atomic(path, json.dumps(data, indent=2, default=str))


def copy_atomic(src: Path, dst: Path) -> None:
    with atomic_path(dst) as tmp:
        shutil.copyfile(src, tmp)


def fsync_path(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def fsync_dir(folder: Path) -> None:
    # the rename is only durable once the directory entry is on disk; not every filesystem allows it
    with contextlib.suppress(OSError):
        fsync_path(folder)


def append_jsonl(path: Path, records: list) -> None:
    """Append one JSON line per record and fsync: an audit log survives a crash right after."""
    if not records:
        return
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a", encoding="utf-8") as f:
        f.writelines(json.dumps(r) + "\n" for r in records)
        f.flush()
        os.fsync(f.fileno())


def keep_original(src: Path, backup_dir: Path) -> None:
    """Keep `src` as it is now in `backup_dir` (a hard link, else an atomic copy) before it is
    rewritten; the first copy kept wins, so a rerun never backs up an already rewritten file."""
    backup_dir = Path(backup_dir)
    backup_dir.mkdir(parents=True, exist_ok=True)
    target = backup_dir / Path(src).name
    if target.exists():
        return
    try:
        os.link(src, target)
    except OSError:  # another filesystem, or no hard links
        copy_atomic(src, target)
    fsync_dir(backup_dir)
