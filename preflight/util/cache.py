"""A small on-disk JSON cache keyed by file identity, so an unchanged dataset is not re-read."""

import hashlib
import json
import os
from pathlib import Path

from preflight.util.atomic_write import atomic_path


def file_identity(path: Path) -> list:
    """What identifies a file's content cheaply: resolved path, size, modification time."""
    st = os.stat(path)
    return [str(Path(path).resolve()), st.st_size, st.st_mtime_ns]


def cache_key(*parts) -> str:
    return hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()


class JsonCache:
    """One JSON file per key under a folder; unreadable or missing entries are simply misses."""

    def __init__(self, folder: Path):
        self.folder = Path(folder)

    def _path(self, key: str) -> Path:
        return self.folder / key[:2] / f"{key}.json"

    def get(self, key: str):
        try:
            return json.loads(self._path(key).read_text())
        except (OSError, ValueError):
            return None

    def put(self, key: str, value) -> None:
        """Atomic write; a cache that cannot be written (read-only home, full disk) is skipped."""
        path = self._path(key)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            with atomic_path(path) as tmp:
                tmp.write_text(json.dumps(value))
        except OSError:
            pass


def cached(folder: Path, parts: tuple, compute):
    """compute(), remembered across runs under a key of everything it depends on (`parts`)."""
    cache = JsonCache(folder)
    key = cache_key(*parts)
    value = cache.get(key)
    if value is None:
        value = compute()
        cache.put(key, value)
    return value
