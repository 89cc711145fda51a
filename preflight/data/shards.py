"""Which parquet files nanochat will read, listed exactly the way nanochat lists them."""

import re
from pathlib import Path

SHARD_NAME = re.compile(r"shard_(\d+)\.parquet$")


def list_shards(data_dir: Path) -> list:
    """Sorted `*.parquet` files directly in data_dir (symlinks followed, no recursion).

    nanochat: sorted(f for f in os.listdir(dir) if f.endswith('.parquet') and not f.endswith('.tmp')).
    The last one is the validation shard; all the others are train.
    """
    data_dir = Path(data_dir)
    if not data_dir.is_dir():
        return []
    names = sorted(f for f in (p.name for p in data_dir.iterdir())
                   if f.endswith(".parquet") and not f.endswith(".tmp"))
    return [data_dir / name for name in names]


def leftover_tmp_files(data_dir: Path) -> list:
    """Partial downloads nanochat leaves behind (`shard_x.parquet.tmp`)."""
    data_dir = Path(data_dir)
    return sorted(p for p in data_dir.glob("*.tmp")) if data_dir.is_dir() else []


def index_gaps(shards: list) -> list:
    """Missing indices among shard_NNNNN names; nanochat's pinned val shard (HEAD) is not a gap."""
    indices = sorted(int(m.group(1)) for m in (SHARD_NAME.match(p.name) for p in shards) if m)
    if len(indices) < 2:
        return []
    train = indices[:-1]  # the last shard may be pinned far away (shard_06542 in newer nanochat)
    present = set(train)
    return [i for i in range(train[0], train[-1] + 1) if i not in present]


def validation_by_number(shards: list):
    """The highest-numbered shard when it is not the one nanochat takes for validation (names
    without zero padding: nanochat sorts `shard_10` before `shard_9`), else None."""
    numbered = [(int(m.group(1)), p) for p, m in ((p, SHARD_NAME.match(p.name)) for p in shards) if m]
    if not numbered or not shards:
        return None
    highest = max(numbered, key=lambda item: item[0])[1]
    return highest if highest != shards[-1] else None
