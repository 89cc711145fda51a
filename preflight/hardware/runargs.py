"""The base_train settings the hardware plan depends on: batch, horizon, saves, FP8, model tag.

They come from the horizon of the base-training call (`preflight.horizon`, which reads the
checkout's own base_train parser), so the plan and the Horizon row agree on every number.
"""

from dataclasses import dataclass, field

from preflight.readers.argparse_reader import UNKNOWN
from preflight.sizing.horizon import Horizon


@dataclass(frozen=True)
class RunArgs:
    depth: int
    device_batch_size: int
    total_batch_size: int     # tokens per optimizer step, resolved (never -1)
    max_seq_len: int
    num_iterations: int
    save_every: int           # -1: only the last step saves
    fp8: bool
    model_tag: str = None
    shape_args: dict = field(default_factory=dict)  # aspect_ratio, head_dim, window_pattern (and
    #                                                 the IaC fork's n_embd, n_head, n_kv_head) set
    notes: tuple = field(default_factory=tuple)

    @property
    def checkpoint_subdir(self) -> str:
        return self.model_tag or f"d{self.depth}"


def run_args(horizon: Horizon) -> RunArgs:
    """RunArgs from a base-training call's horizon; run-time-only values fall back, with a note."""
    flags, notes = horizon.flags, [horizon.describe()]
    every = flags.get("save_every", -1)
    if not isinstance(every, int) or isinstance(every, bool):
        notes.append(f"--save-every={every!r} is known only at run time: planned as the final save only")
        every = -1
    tag = flags.get("model_tag")
    if tag is not None and (not isinstance(tag, str) or UNKNOWN in tag):
        notes.append("--model-tag is known only at run time: checkpoints planned under d<depth>")
        tag = None
    shape = {k: flags[k] for k, kind in (("aspect_ratio", int), ("head_dim", int), ("window_pattern", str),
                                          ("n_embd", int), ("n_head", int), ("n_kv_head", int))
             if isinstance(flags.get(k), kind) and not isinstance(flags[k], bool)
             and UNKNOWN not in str(flags[k])}
    return RunArgs(depth=horizon.depth, device_batch_size=horizon.device_batch_size,
                   total_batch_size=horizon.total_batch_size, max_seq_len=horizon.max_seq_len,
                   num_iterations=horizon.iterations, save_every=every,
                   fp8=flags.get("fp8") is True, model_tag=tag, shape_args=shape,
                   notes=tuple(notes))
