"""What a stopped nanochat run saved: its last complete checkpoint, for the launcher's last word.

nanochat's save_checkpoint writes `model_NNNNNN.pt`, then `meta_NNNNNN.json` (rank 0), then
`optim_NNNNNN_rank<r>.pt` on every rank, into base_checkpoints/<model tag>/. A model file without its
meta file is a save cut short; nanochat's resume picks the highest model file, so such a file must
go before resuming, and resuming needs the optimizer state of every rank.

Runs in Slurm jobs too (pickled by value, see preflight.launch.slurm.BY_VALUE): standard library only.
"""

import re
from pathlib import Path

_MODEL = re.compile(r"model_(\d+)\.pt")


def saved_lines(folder, ranks: int) -> list:
    """One line on the last complete checkpoint in `folder` (or that there is none), and one per
    newer save that was cut short."""
    folder = Path(folder)
    names = {p.name for p in folder.iterdir()} if folder.is_dir() else set()
    steps = sorted(int(m[1]) for name in names if (m := _MODEL.fullmatch(name)))
    complete = [s for s in steps if f"meta_{s:06d}.json" in names]
    if not complete:
        lines = [f"saved: no complete checkpoint in {folder} (the script saves every --save-every "
                 f"steps and at its last step)"]
    else:
        last = complete[-1]
        shards = sum(f"optim_{last:06d}_rank{r}.pt" in names for r in range(ranks))
        resume = "" if shards == ranks else f"; resuming needs all {ranks}"
        lines = [f"saved: last checkpoint step {last} in {folder} (model, meta, optimizer state "
                 f"of {shards}/{ranks} ranks{resume})"]
    for step in steps:
        if step not in complete and (not complete or step > complete[-1]):
            lines.append(f"saved: step {step} was cut short (model_{step:06d}.pt without "
                         f"meta_{step:06d}.json): remove it before resuming, nanochat would load it")
    return lines
