"""One writer per data folder: an exclusive advisory lock (flock) on `<folder>/.preflight.lock`,
taken by everything that rewrites shards. A second writer is refused at once, with one line naming
the holder's pid and command; the kernel releases the lock when its holder dies (kill -9 included)."""

import contextlib
import fcntl
import os
from pathlib import Path

LOCK_NAME = ".preflight.lock"


class FolderLocked(RuntimeError):
    """Another process holds the folder's lock; the message names it."""


@contextlib.contextmanager
def folder_lock(folder: Path, command: str, doing: str = "being rewritten"):
    """Hold `folder`'s lock for the duration of the block (FolderLocked when another process has
    it; `doing` says what the holder does to the folder, in the message)."""
    path = Path(folder) / LOCK_NAME
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 200, 0).decode(errors="replace").strip() or "unknown"
            raise FolderLocked(f"{folder} is {doing} by another process (pid and command: "
                               f"{holder}); wait for it to finish, then run this again") from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()} {command}\n".encode(), 0)
        try:
            yield
        finally:
            os.ftruncate(fd, 0)
    finally:
        os.close(fd)  # closing the descriptor releases the lock
