"""Step 7, what to launch: the checkout's scripts, or a base-training command generated from the
sizing, and the reminders that go with it.
"""

import math
import os
import shlex
from dataclasses import dataclass
from pathlib import Path

from preflight.readers.argparse_reader import ParserReadError, read_parser
from preflight.sizing.horizon import HorizonError, base_train_spec, horizon_from_call


@dataclass(frozen=True)
class LaunchCandidate:
    path: Path          # a script file in the checkout, or None for a generated command
    argv: tuple         # the command to run (for a script: bash <script>)
    description: str

    @property
    def command(self) -> str:
        return shlex.join(self.argv)


def data_ratio(settings, sizing, default=None):
    """The --target-param-data-ratio that keeps the run within max_epochs_warn passes over the
    data, two significant digits rounded down (None when the default, base_train's own or else
    the era's, already does)."""
    cap = settings["max_epochs_warn"] * sizing.train_tokens / sizing.params.horizon
    if not isinstance(default, (int, float)) or isinstance(default, bool):
        default = settings.checkout.era.default_ratio
    if cap >= default or cap <= 0:
        return None
    scale = 10 ** (1 - math.floor(math.log10(cap)))
    return math.floor(cap * scale) / scale


def _flag(spec, dest: str, value):
    """`--name=value` as the parser spells the option and as its type reads the value, or None
    when the parser has no such option. A configurator asserts the type of the default, so a float
    must read back as one (`5.0`, not `5`)."""
    option = spec.option(dest)
    if option is None:
        return None
    if option.type_name == "int":
        text = str(int(value))
    elif option.type_name == "float":
        text = repr(float(value)) if spec.kind == "configurator" else f"{float(value):g}"
    else:
        text = str(value)
    return f"{option.name}={text}"


def _horizon_or_none(args, settings, sizing):
    try:
        return horizon_from_call(args, settings.checkout, sizing.vocab_size, None,
                                 cache_dir=settings.cache_dir / "params")
    except HorizonError:
        return None


def _horizon_args(spec, settings, sizing, args) -> list:
    """The flags that keep the run within max_epochs_warn passes over the data, in the parser's
    types: a ratio (rounded down to an int where the parser takes ints), else, when that is below 1
    or leaves no whole step, an iteration count (at least one step)."""
    ratio = data_ratio(settings, sizing, spec.defaults().get("target_param_data_ratio"))
    if ratio is None:
        return []
    option = spec.option("target_param_data_ratio")
    if option is not None:
        value = math.floor(ratio) if option.type_name == "int" else ratio
        flag = [_flag(spec, "target_param_data_ratio", value)]
        horizon = _horizon_or_none(args + flag, settings, sizing) if value > 0 else None
        if horizon is not None and horizon.iterations >= 1:
            return flag
    horizon = _horizon_or_none(args, settings, sizing)
    if spec.option("num_iterations") is None or horizon is None:
        return []
    passes = settings["max_epochs_warn"] * sizing.train_tokens
    return [_flag(spec, "num_iterations", max(1, int(passes // horizon.total_batch_size)))]


def generated_command(settings, sizing, device_batch_size: int = None):
    """`torchrun ... -m scripts.base_train -- --depth=D ...` built from the checkout's own parser
    (its flag names, types and ranges): a horizon that keeps the passes over the data sane, about
    ten checkpoints per run, and no config file that would change the model it was sized for."""
    spec = base_train_spec(settings.checkout)
    args = [_flag(spec, "depth", sizing.depth)]
    if device_batch_size and device_batch_size > 0:
        args.append(_flag(spec, "device_batch_size", device_batch_size))
    args = [a for a in args if a]
    if spec.config is not None and spec.parse(args, cwd=settings.checkout.root).applied:
        args.append(_flag(spec, spec.config.dest, ""))  # a path that never exists: no overrides
    args += [a for a in _horizon_args(spec, settings, sizing, args) if a]
    if spec.option("save_every") is not None:  # 2025 nanochat has no periodic saves at all
        horizon = _horizon_or_none(args, settings, sizing)
        iterations = horizon.iterations if horizon else 10_000
        args.append(_flag(spec, "save_every", max(iterations // 10, 1)))
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


def chosen_script(settings):
    """The script launch.py would run: --script (relative to the checkout), else the checkout's
    best one; None when it would run a generated command."""
    if settings.script:
        path = Path(settings.script)
        return path if path.is_absolute() else settings.checkout.root / path
    found = settings.checkout.scripts()
    return found[0][0] if found else None


def launch_candidates(settings, sizing, device_batch_size: int = None) -> list:
    """The --script given, else the checkout's scripts best first; the generated command last."""
    if settings.script:
        path = chosen_script(settings)
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
