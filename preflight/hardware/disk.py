"""Disk for the checkpoints a run will write, and whether the base dir can take them.

What one save writes (nanochat/checkpoint_manager.py): `model_<step>.pt` (rank 0: every parameter
in its stored dtype), `meta_<step>.json` (rank 0) and, since early 2026, one
`optim_<step>_rank<r>.pt` per rank holding that rank's optimizer shard (the 2025 code saved rank 0's
shard only). Saves happen every `--save-every` steps and at the last step, never deleted, so they
add up. The 2025 code saved only at the end.
"""

import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from preflight.sizing.params import ParamCount
from preflight.hardware.memory import adamw_state_bytes, muon_state_bytes, param_tensors
from preflight.hardware.precision import Recipe
from preflight.util.format import MiB

SAVE_OVERHEAD = MiB    # torch.save's zip/pickle framing and the meta json, per file (generous)
DISK_MARGIN = 0.10     # ask for this much more than the checkpoints themselves


@dataclass(frozen=True)
class CheckpointSize:
    model: int            # model_<step>.pt
    optim_per_rank: int   # optim_<step>_rank<r>.pt
    optim_files: int      # how many optimizer files one save writes

    @property
    def per_save(self) -> int:
        return self.model + self.optim_per_rank * self.optim_files + SAVE_OVERHEAD * (2 + self.optim_files)


def checkpoint_size(params: ParamCount, recipe: Recipe, ranks: int) -> CheckpointSize:
    """Bytes one save writes: the state dict, and each rank's optimizer shard."""
    tensors = param_tensors(params, recipe)
    model = sum(t.numel * t.itemsize for t in tensors)
    optim = adamw_state_bytes(tensors, ranks) + muon_state_bytes(tensors, ranks, recipe)
    files = 1 if recipe.optimizer == "split" else ranks
    return CheckpointSize(model, optim, files)


def save_count(num_iterations: int, save_every: int, every_step_saves: bool = True) -> int:
    """Saves over a run: steps save_every, 2*save_every, ... up to num_iterations, plus the last step."""
    if not every_step_saves or save_every is None or save_every <= 0 or num_iterations <= 0:
        return 1
    periodic = num_iterations // save_every
    return periodic + (0 if num_iterations % save_every == 0 else 1)


def nearest_existing(path: Path) -> Path:
    path = Path(path).expanduser().absolute()
    while not path.exists() and path != path.parent:
        path = path.parent
    return path


def writable(folder: Path) -> tuple:
    """(True, '') when a file can be created and removed in `folder` (or where it will be created)."""
    target = nearest_existing(folder)
    if not target.is_dir():
        return False, f"{target} is not a folder"
    try:
        fd, tmp = tempfile.mkstemp(dir=target, prefix=".preflight-write-test-")
        os.close(fd)
        os.unlink(tmp)
    except OSError as exc:
        return False, f"cannot create files in {target}: {exc.strerror or exc}"
    return True, ""


@dataclass(frozen=True)
class DiskPlan:
    checkpoint_dir: Path
    per_save: int
    saves: int
    needed: int           # with the margin
    free: int
    checked_at: Path      # the existing folder whose file system was measured
    writable: bool
    write_problem: str = ""

    @property
    def fits(self) -> bool:
        return self.needed <= self.free

    def as_dict(self) -> dict:
        return dict(checkpoint_dir=str(self.checkpoint_dir), per_save=self.per_save, saves=self.saves,
                    needed=self.needed, free=self.free, checked_at=str(self.checked_at),
                    writable=self.writable, write_problem=self.write_problem, fits=self.fits)


def plan_disk(base_dir: Path, checkpoint_dir: Path, size: CheckpointSize, saves: int,
              margin: float = DISK_MARGIN) -> DiskPlan:
    """Free space where the checkpoints go vs what the run will write; both folders writable."""
    where = nearest_existing(checkpoint_dir)
    free = shutil.disk_usage(where).free
    ok, problem = writable(base_dir)
    if ok:
        ok, problem = writable(checkpoint_dir)
    return DiskPlan(Path(checkpoint_dir), size.per_save, saves, int(size.per_save * saves * (1 + margin)),
                    free, where, ok, problem)
