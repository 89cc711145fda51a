"""Step 7, what to launch: the checkout's scripts, or a base-training command generated from the
sizing, and the reminders that go with it.
"""

import math
import os
import shlex
from dataclasses import dataclass
from pathlib import Path

from preflight.readers.argparse_reader import ParserReadError, read_parser
from preflight.sizing.horizon import HorizonError, horizon_from_call


@dataclass(frozen=True)
class LaunchCandidate:
    path: Path          # a script file in the checkout, or None for a generated command
    argv: tuple         # the command to run (for a script: bash <script>)
    description: str

    @property
    def command(self) -> str:
        return shlex.join(self.argv)


def data_ratio(settings, sizing):
    """The --target-param-data-ratio that keeps the run within max_epochs_warn passes over the
    data (None when the version's default already does)."""
    cap = settings["max_epochs_warn"] * sizing.train_tokens / sizing.params.horizon
    if cap >= settings.checkout.era.default_ratio or cap <= 0:
        return None
    scale = 10 ** (1 - math.floor(math.log10(cap)))  # two significant digits, rounded down
    return math.floor(cap * scale) / scale


def generated_command(settings, sizing, device_batch_size: int = None):
    """`torchrun ... -m scripts.base_train -- --depth=D ...` with the detected version's flag names:
    a data ratio that keeps the passes over the data sane and about ten checkpoints per run."""
    flag, known = settings.checkout.flag, _base_train_options(settings.checkout)
    args = [f"{flag('depth')}={sizing.depth}"]
    ratio = data_ratio(settings, sizing)
    if ratio and "target_param_data_ratio" in known:
        args.append(f"{flag('target-param-data-ratio')}={ratio:g}")
    if device_batch_size:
        args.append(f"{flag('device-batch-size')}={device_batch_size}")
    if "save_every" in known:  # 2025 nanochat has no periodic saves at all
        try:
            iterations = horizon_from_call(args, settings.checkout, sizing.vocab_size, None,
                                           cache_dir=settings.cache_dir / "params").iterations
        except HorizonError:
            iterations = 10_000
        args.append(f"{flag('save-every')}={max(iterations // 10, 1)}")
    return ("torchrun", "--standalone", f"--nproc_per_node={settings.gpus}", "-m",
            "scripts.base_train", "--", *args)


def _base_train_options(checkout) -> set:
    """The option names (dests) the checkout's base_train accepts; all we may use when unreadable."""
    path = checkout.module_path("scripts.base_train")
    try:
        return {o.dest for o in read_parser(path).options} if path else {"target_param_data_ratio",
                                                                        "save_every"}
    except ParserReadError:
        return {"target_param_data_ratio", "save_every"}


def launch_candidates(settings, sizing, device_batch_size: int = None) -> list:
    """The --script given, else the checkout's scripts best first; the generated command last."""
    if settings.script:
        path = Path(settings.script)
        if not path.is_absolute():
            path = settings.checkout.root / path
        return [LaunchCandidate(path, ("bash", str(path)), f"{settings.script} (chosen)")]
    found = [LaunchCandidate(p, ("bash", str(p)), what) for p, what in settings.checkout.scripts()]
    custom = LaunchCandidate(None, generated_command(settings, sizing, device_batch_size),
                             f"custom base training for d{sizing.depth} on {settings.gpus} GPU(s)")
    return found + [custom]


def reminders(settings, command: str, script, depth: int) -> list:
    """What to watch during the run, true for the detected nanochat version."""
    text = Path(script).read_text(errors="replace") if script else command
    saves = "save-every" in text or "save_every" in text
    ckpt = settings.base_dir / "base_checkpoints" / f"d{depth}"
    if "save_every" not in _base_train_options(settings.checkout):
        ctrl_c = ("Ctrl+C stops the run and LOSES everything: this nanochat version saves a "
                  "checkpoint only at the last step.")
    elif saves:
        ctrl_c = ("Ctrl+C stops the run; nanochat saves no checkpoint on Ctrl+C, only every "
                  "--save-every steps and at the last step.")
    else:
        ctrl_c = ("Ctrl+C stops the run and LOSES everything: nanochat saves no checkpoint on "
                  "Ctrl+C and this command sets no --save-every, so only the last step is saved.")
    return [
        "Watch the validation loss (val bpb): started here, launch.py warns after 3 evaluations "
        "without improvement (--plateau-evals), and --stop-on-plateau stops the run right after "
        "the next checkpoint.",
        f"Checkpoints go to {settings.base_dir / 'base_checkpoints'}/<model tag, default "
        f"d<depth>> (here {ckpt} unless the script sets --model-tag).",
        ctrl_c,
    ]


def launch_environ(settings) -> dict:
    """The environment a launch starts with: ours plus the validated base dir."""
    return dict(os.environ, NANOCHAT_BASE_DIR=str(settings.base_dir))
