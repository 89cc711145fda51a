"""A small on-disk JSON cache keyed by file identity, so an unchanged dataset is not re-read.

What it trusts: a file whose resolved path, size, mtime, ctime, inode and device are all unchanged
has unchanged content (a restored mtime cannot fool it: ctime is set by the kernel on every write
and cannot be set back), and an entry whose checksum matches was written whole by this cache under
its key. Anything else (an edited, truncated or foreign entry) is a miss, recomputed and rewritten.
Entries describe the user's training data, so they are private: files 0600 in folders 0700.
"""

import contextlib
import hashlib
import json
import os
import shutil
from pathlib import Path

from preflight.util.atomic_write import atomic_path

PRIVATE_DIR, PRIVATE_FILE = 0o700, 0o600


def file_identity(path: Path) -> list:
    """What identifies a file's content cheaply: resolved path, size, mtime, ctime, inode and
    device."""
    st = os.stat(path)
    return [str(Path(path).resolve()), st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino,
            st.st_dev]


def cache_key(*parts) -> str:
    return hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()


def _checksum(key: str, payload: bytes) -> str:
    return hashlib.sha256(key.encode() + b"\0" + payload).hexdigest()


def make_private_dir(folder: Path) -> None:
    """Create `folder` (and missing parents) with mode 0700; tighten it when it already exists."""
    folder = Path(folder)
    if not folder.is_dir():
        if not folder.parent.is_dir():
            make_private_dir(folder.parent)
        with contextlib.suppress(FileExistsError):  # created meanwhile by another run
            folder.mkdir(mode=PRIVATE_DIR)
    if folder.stat().st_mode & 0o777 != PRIVATE_DIR:  # the umask, or an older version's folder
        os.chmod(folder, PRIVATE_DIR)


class JsonCache:
    """One JSON file per key under a folder, in groups (by default the key's first two characters;
    a caller may group entries by what they describe, so that `drop` forgets all of them).
    Unreadable, edited or missing entries are simply misses."""

    def __init__(self, folder: Path):
        self.folder = Path(folder)
        self._root = str(self.folder)  # plain strings: a warm run looks up thousands of entries

    def _path(self, key: str, group: str = None) -> str:
        return os.path.join(self._root, group or key[:2], f"{key}.json")

    def get(self, key: str, group: str = None):
        try:
            with open(self._path(key, group), "rb") as f:
                header, _, payload = f.read().partition(b"\n")
            if header.decode() != f"{key} {_checksum(key, payload)}":
                return None
            return json.loads(payload)
        except (OSError, ValueError):  # UnicodeDecodeError is a ValueError
            return None

    def put(self, key: str, value, group: str = None) -> None:
        """Atomic, private write; a cache that cannot be written (read-only home, full disk) is
        skipped."""
        path = Path(self._path(key, group))
        payload = json.dumps(value).encode()
        try:
            make_private_dir(path.parent)
            with atomic_path(path) as tmp:
                fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE)
                with os.fdopen(fd, "wb") as f:
                    f.write(f"{key} {_checksum(key, payload)}\n".encode() + payload)
        except OSError:
            pass

    def drop(self, group: str) -> None:
        """Forget every entry of `group`."""
        shutil.rmtree(self.folder / group, ignore_errors=True)


def cached(folder: Path, parts: tuple, compute):
    """compute(), remembered across runs under a key of everything it depends on (`parts`)."""
    cache = JsonCache(folder)
    key = cache_key(*parts)
    value = cache.get(key)
    if value is None:
        value = compute()
        cache.put(key, value)
    return value
