"""Lint a launch script against the user's checkout, so every stage of it can start.

nanochat's argparse exits at the first bad flag, often an hour in, when a later stage (SFT) starts.
This module runs `bash -n` for syntax, reads the script (`script_facts`, over `bash_reader`), checks
every Python program it starts against the checkout (`lint_calls.check_call`: the module exists,
it compiles, its own-package imports exist, every flag is accepted by its parser). It also reports:
- `read` prompts that stop a run without a terminal, or abort it under `set -e` at end-of-input;
- `NANOCHAT_BASE_DIR` pointing elsewhere than the validated base dir when a stage starts;
- `ln -s` data hookups that silently do the wrong thing given the folders that exist right now;
- shards looked for in another folder than the one nanochat reads (`lint_data`);
- a stage that dies at its first checkpoint save (a torch dtype in its metadata, `lint_checkpoint`);
- no `--save-every` on a base training longer than an hour at the planned speed;
- network-needing steps when the machine looks offline (see `looks_offline`);
- a multi-stage script without `set -e`, or stages piped into `tee` without `pipefail`.
Straight-line reading: loops run once in the reader's mind, `cd` is not followed (paths are
relative to the checkout root, where nanochat's scripts must be started), functions are linted
where they are defined.
"""

import os
import re
import shutil
import subprocess
from pathlib import Path

from preflight.checklist.finding import Finding
from preflight.launch.candidates import launch_environ
from preflight.readers.argparse_reader import UNKNOWN, read_parser
from preflight.readers.bash_reader import VAR_NAME, Command, ShellReadError
from preflight.checkout import HEAD, Checkout
from preflight.hardware.gpus import parse_target
from preflight.hardware.speed import SPEEDRUN_GPU, NoEstimate, estimate
from preflight.sizing.horizon import HorizonError, base_train_spec, horizon_from_call
from preflight.launch.lint_calls import (OWN_PACKAGES, Call, FileCache, check_call, parse_command,
                           path_of, show)
from preflight.launch.lint_checkpoint import dtype_in_metadata
from preflight.launch.lint_data import data_folder_problems
from preflight.launch.script_facts import Stage, protected, read_script

# FA3 comes from the Hugging Face Hub through `kernels` (nanochat/flash_attention.py).
FA3_REPOS = ("varunneal/flash-attention-3", "kernels-community/flash-attn3")
# A stage this long without --save-every loses everything to a crash or Ctrl+C.
SAVE_EVERY_HOURS = 1.0

# ----------------------------------------------------------------------------------------------
# Whole-script facts: syntax, offline, network steps of a stage.

def bash_syntax(path: Path) -> list:
    """`bash -n` on the script: one error per syntax problem bash reports."""
    bash = shutil.which("bash")
    name = Path(path).name
    if not bash:
        return [Finding("warn", f"{name}: bash not found; shell syntax not checked", 0, "no-bash")]
    try:
        proc = subprocess.run([bash, "-n", str(path)], capture_output=True, text=True, timeout=30)
    except subprocess.TimeoutExpired:
        return [Finding("warn", f"{name}: bash -n did not finish in 30 s", 0, "no-bash")]
    if proc.returncode == 0:
        return []
    problems = []
    for raw in proc.stderr.splitlines():
        m = re.search(r"line (\d+): (.*)", raw)
        if m and ("error" in m.group(2) or "unexpected" in m.group(2)):
            problems.append(Finding("fail", f"{name}:{m.group(1)}: shell syntax: {m.group(2)}", int(m.group(1)), "syntax"))
    last = (proc.stderr.strip().splitlines() or [f"exit status {proc.returncode}"])[-1]
    return problems or [Finding("fail", f"{name}: bash -n fails: {last}", 0, "syntax")]


def looks_offline(environ=None) -> str:
    """Why this machine looks offline ('' when it does not), from local state only.

    Signals: HF_HUB_OFFLINE / HF_DATASETS_OFFLINE / TRANSFORMERS_OFFLINE set to a true value, or no
    default route in /proc/net/route and /proc/net/ipv6_route (Linux). Nothing is sent: a machine
    with a default route but a firewall in the way still looks online.
    """
    environ = os.environ if environ is None else environ
    for name in ("HF_HUB_OFFLINE", "HF_DATASETS_OFFLINE", "TRANSFORMERS_OFFLINE"):
        if environ.get(name, "").strip().lower() in ("1", "true", "yes", "on"):
            return f"{name}={environ[name]}"
    try:
        v4 = Path("/proc/net/route").read_text().splitlines()[1:]
    except OSError:
        return ""
    try:
        v6 = Path("/proc/net/ipv6_route").read_text().splitlines()
    except OSError:
        v6 = []
    default4 = any(len(f) > 3 and f[1] == "00000000" and int(f[3], 16) & 1
                   for f in (line.split() for line in v4))
    default6 = any(len(f) > 9 and f[0] == "0" * 32 and f[1] == "00" and f[9] != "lo"
                   for f in (line.split() for line in v6))
    return "" if default4 or default6 else "no default network route (/proc/net/route)"


def _hf_hub_cache(environ) -> Path:
    if environ.get("HF_HUB_CACHE"):
        return Path(environ["HF_HUB_CACHE"]).expanduser()
    home = environ.get("HF_HOME") or os.path.join(environ.get("XDG_CACHE_HOME") or
                                                  os.path.expanduser("~/.cache"), "huggingface")
    return Path(home).expanduser() / "hub"


def _network_needs(call: Call, checkout: Checkout, base_dir: Path, environ, files) -> list:
    """What a stage downloads when it starts, given what is already on disk."""
    path = checkout.module_path(call.target) if call.kind == "module" else None
    spec = files.spec(path) if path else None
    values = spec.parse(call.args).values if spec and not isinstance(spec, str) else {}
    needs = []
    target = call.target
    if target == "nanochat.dataset":
        count = values.get("num_files")
        data_dir = checkout.data_dir_candidates(base_dir)[0]
        if not isinstance(count, int) or count < 0 or not all(
                (data_dir / f"shard_{i:05d}.parquet").is_file() for i in range(count)):
            needs.append(f"downloads dataset shards into {data_dir}")
    bundle_missing = not (base_dir / "eval_bundle").is_dir()
    if target == "scripts.base_train":
        every = values.get("core_metric_every", 2000)
        if bundle_missing and (not isinstance(every, int) or every > 0):
            needs.append(f"downloads eval_bundle.zip at the first CORE eval (no "
                         f"{base_dir / 'eval_bundle'}; or pass --core-metric-every=-1)")
        attention = checkout.source_path("flash_attention")
        cache = _hf_hub_cache(environ)
        if attention.is_file() and "get_kernel" in attention.read_text(errors="replace") and \
                not any((cache / ("models--" + r.replace("/", "--"))).is_dir() for r in FA3_REPOS):
            needs.append(f"fetches the FA3 kernel from the Hugging Face Hub (not in {cache}); "
                         "offline it silently falls back to slow SDPA: use --window-pattern=L")
        run = values.get("run", "dummy")
        if isinstance(run, str) and UNKNOWN not in run and run != "dummy" and \
                environ.get("WANDB_MODE") != "offline":
            needs.append(f"logs to wandb (--run={show(run)}); set WANDB_MODE=offline or "
                         "--run=dummy")
    if target == "scripts.base_eval" and bundle_missing and \
            "core" in str(values.get("eval", "core")):
        needs.append("downloads eval_bundle.zip for the CORE metric")
    if target in ("scripts.chat_sft", "scripts.mid_train", "scripts.chat_eval", "scripts.chat_rl"):
        task_data = base_dir / "task_data"
        if checkout.era is not HEAD or not task_data.is_dir():
            needs.append("downloads task datasets (SmolTalk, MMLU, GSM8K, ...) from the Hugging "
                         "Face Hub unless they are cached")
    return needs

# ----------------------------------------------------------------------------------------------
# Judging what was read.

def _is_ours(call: Call, checkout: Checkout) -> bool:
    if call.kind == "file":
        return True
    top = call.target.split(".")[0]
    return top in OWN_PACKAGES or (checkout.root / top).exists()


def _base_dir_problems(facts, name, base_dir: Path, checkout) -> list:
    problems, seen = [], set()
    wanted = Path(base_dir).expanduser().resolve()
    for stage in facts.stages:
        if not _is_ours(stage.call, checkout):
            continue
        value = stage.base_dir
        key = (stage.base_dir_line, value)
        if key in seen:
            continue
        seen.add(key)
        if value is None:
            problems.append(Finding("warn", f"{name}:{stage.base_dir_line or stage.call.line}: "
                                    "NANOCHAT_BASE_DIR is only known at run time; the checklist "
                                    f"validated {wanted}", stage.base_dir_line or stage.call.line, "base-dir"))
            continue
        actual = path_of(value, checkout.root).resolve()
        if actual != wanted:
            line = stage.base_dir_line or stage.call.line
            how = f"starts {stage.call.target} without NANOCHAT_BASE_DIR, so nanochat uses " \
                f"{actual}" if stage.base_dir_default else f"sets NANOCHAT_BASE_DIR to {actual}"
            problems.append(Finding("fail", f"{name}:{line}: the script {how}, but the "
                                    f"checklist validated {wanted}: the run would train on data "
                                    "nobody checked", line, "base-dir"))
    return problems


def _ln_parts(argv):
    """(options, [operands], target_dir) of an ln command line."""
    options, operands, target_dir, args = set(), [], None, iter(argv[1:])
    for arg in args:
        if arg == "-t" or arg.startswith("--target-directory"):
            target_dir = arg.split("=", 1)[1] if "=" in arg else next(args, None)
        elif arg.startswith("--"):
            options.add({"--symbolic": "s", "--force": "f", "--no-dereference": "n",
                         "--no-target-directory": "T"}.get(arg, arg))
        elif arg.startswith("-") and len(arg) > 1:
            options.update(arg[1:])
        else:
            operands.append(arg)
    return options, operands, target_dir


def _link_problems(facts, name, checkout, base_dir: Path, data_dir: Path) -> list:
    problems = []
    root = checkout.root
    run_base = Path(base_dir).expanduser().resolve()
    for command, argv, errexit, removed, made in facts.links:
        options, operands, target_dir = _ln_parts(argv)
        if "s" not in options or not operands or any(UNKNOWN in o for o in operands) or target_dir:
            continue
        if len(operands) > 2:
            continue  # several sources into a folder: not a data hookup
        source = operands[0]
        link = path_of(operands[1] if len(operands) == 2 else Path(source).name, root)
        at = f"{name}:{command.line}"
        gone = removed.get(link)
        is_link = link.is_symlink() and gone is None
        real_dir = (link in made) or (link.is_dir() and not link.is_symlink() and
                                      gone != "recursive")
        inside = link / Path(source.rstrip("/")).name
        if real_dir and "T" not in options:
            problems.append(Finding("fail", f"{at}: `ln -s {source} {link}`: {link} "
                                    "already exists as a real folder, so ln quietly creates "
                                    f"{inside} inside it and nanochat keeps reading the old "
                                    f"folder; move it away first (rm -r / mv) or point "
                                    "NANOCHAT_BASE_DIR elsewhere", command.line, "silent-symlink"))
            continue
        if is_link and link.is_dir() and "n" not in options:
            problems.append(Finding("fail", f"{at}: `ln -s {source} {link}`: {link} "
                                    f"is a link to a folder, and without -n ln follows it and "
                                    f"creates {Path(os.path.realpath(link)) / inside.name} "
                                    "instead of replacing it; use ln -sfn", command.line, "silent-symlink"))
            continue
        if (is_link or (link.exists() and gone is None)) and "f" not in options:
            status = "fail" if errexit and not protected(command, False) else "warn"
            effect = "and set -e aborts the script" if status == "fail" else \
                "and the script carries on with the old link"
            problems.append(Finding(status, f"{at}: `ln -s {source} {link}`: "
                                    f"{link} already exists, so ln fails with 'File exists' "
                                    f"{effect}", command.line, "symlink-exists"))
        problems += _data_link_problems(command, at, checkout, source, link, run_base, data_dir)
    return problems


def _data_link_problems(command, at, checkout, source, link, run_base, data_dir) -> list:
    """A link that hooks data into a base dir: is it the data the checklist validated?"""
    if link.name not in checkout.data_dir_names:
        return []
    problems = []
    base = link.parent.resolve()
    if base != run_base:
        problems.append(Finding("warn", f"{at}: links data into {base}, but the "
                                f"run's base dir is {run_base}: nanochat will not read it", command.line, "base-dir"))
        return problems
    preferred = [base / n for n in checkout.data_dir_names]
    earlier = [p for p in preferred[:preferred.index(base / link.name)] if p.is_dir()]
    if earlier:
        problems.append(Finding("fail", f"{at}: nanochat reads {earlier[0]} when it "
                                f"exists, so this link to {link.name} is ignored", command.line, "data-link"))
    target = path_of(source, link.parent).resolve()  # a relative link resolves from its folder
    if Path(data_dir).resolve() != target:
        problems.append(Finding("fail", f"{at}: the script points {link} at "
                                f"{target}, but the checklist validated {Path(data_dir).resolve()}"
                                ": the run would train on data nobody checked", command.line, "data-link"))
    return problems


def _read_problems(facts, name, interactive: bool) -> list:
    problems = []
    for command, argv, errexit in facts.reads:
        options = " ".join(a for a in argv[1:] if a.startswith("-"))
        redirected = any(op in ("<", "<<", "<<<", "<&") for op, _ in command.redirects)
        if redirected or command.before in ("|", "|&") or command.condition or "-u" in options:
            continue  # reads a file or a pipe, not a person
        variables = [a for a in argv[1:] if VAR_NAME.fullmatch(a)] or ["REPLY"]
        has_default = any(v in facts.defaults_used for v in variables)
        at = f"{name}:{command.line}"
        if errexit and not protected(command, False):
            status = "warn" if interactive else "fail"
            problems.append(Finding(status, f"{at}: `read` prompts under set -e: "
                                    "without a terminal (nohup, a scheduler, launch.py) it meets "
                                    "end-of-input, returns 1 and set -e aborts the script here; "
                                    "remove the prompt or write `read ... || true`", command.line, "read-prompt"))
        elif not interactive and not has_default and "-t" not in options:
            problems.append(Finding("warn", f"{at}: `read` waits for an answer "
                                    f"and, without a terminal, gets an empty one ({variables[0]} "
                                    "has no ${VAR:-default})", command.line, "read-prompt"))
    return problems


def _errexit_problems(facts, name, checkout) -> list:
    stages = [s for s in facts.stages if _is_ours(s.call, checkout) and s.command.after != "&"]
    problems = []
    unguarded = [s for s in stages if not s.errexit and not s.command.condition
                 and s.command.after not in ("&&", "||")]
    if unguarded and len(stages) > 1 and unguarded[0] is not stages[-1]:
        first = unguarded[0]
        later = [s for s in stages if s.call.line > first.call.line][:3]
        note = " (the -e on the #! line is ignored by `bash script.sh`)" if facts.shebang_e else ""
        problems.append(Finding("warn", f"{name}: no `set -e`{note}: if "
                                f"{first.call.target} (line {first.call.line}) fails, the later "
                                "stages still run on its missing outputs ("
                                + ", ".join(f"line {s.call.line} {s.call.target}" for s in later)
                                + ")", first.call.line, "no-errexit"))
    for stage in stages:
        if stage.errexit and stage.command.after in ("|", "|&") and not stage.pipefail:
            problems.append(Finding("warn", f"{name}:{stage.call.line}: "
                                    f"{stage.call.target} is piped (e.g. into tee): its failure is "
                                    "invisible to set -e without `set -o pipefail`", stage.call.line, "pipefail"))
    return problems


def _planned_rate(horizon, gpu: str, ranks: int, tokens_per_sec_per_gpu) -> tuple:
    """(tokens/s of all ranks, how it was planned): the validated speed model (speed.py) on `gpu`,
    else on the speedrun's H100; or the speed given."""
    if tokens_per_sec_per_gpu:
        return tokens_per_sec_per_gpu * ranks, f"{ranks} GPU(s), speed as given"
    precision = "fp8" if horizon.flags.get("fp8") is True else "bf16"
    try:
        planned = estimate(horizon.tokens, horizon.flops_per_token, gpu, ranks, precision)
    except NoEstimate:
        planned = estimate(horizon.tokens, horizon.flops_per_token, SPEEDRUN_GPU, ranks, precision)
    return planned.rate, planned.basis()


def _save_every_problems(stage, name, checkout, vocab_size, gpus, gpu, tokens_per_sec_per_gpu,
                         cache_dir) -> list:
    call = stage.call
    every = base_train_spec(checkout).parse(call.args, cwd=checkout.root).values.get("save_every")
    if isinstance(every, str) or (isinstance(every, int) and every > 0):
        return []  # saves, or a value only known at run time: no need to size the model
    try:
        horizon = horizon_from_call(call, checkout, vocab_size, None, cache_dir=cache_dir)
    except HorizonError:
        return []
    ranks = call.gpus or gpus
    rate, basis = _planned_rate(horizon, gpu, ranks, tokens_per_sec_per_gpu)
    hours = horizon.tokens / rate / 3600
    if hours <= SAVE_EVERY_HOURS:
        return []
    spec = read_parser(checkout.module_path("scripts.base_train")) \
        if checkout.module_path("scripts.base_train") else None
    has_flag = spec is None or spec.option("save_every") is not None
    fix = f"add {checkout.flag('save-every')}=N" if has_flag else \
        "this nanochat version has no --save-every at all"
    return [Finding("warn", f"{name}:{call.line}: base training runs ~{hours:.1f} h "
                    f"({horizon.tokens / 1e9:.2f}B tokens at ~{rate / ranks / 1e3:.0f}k "
                    f"tokens/s/GPU on {basis}) and saves only at the end: a crash or Ctrl+C loses "
                    f"everything ({fix})", call.line, "no-save-every")]


def _checkpoint_problems(call, name, checkout, crashes: dict) -> list:
    """A stage whose checkpoint metadata json.dump cannot write (see lint_checkpoint)."""
    path = checkout.module_path(call.target) if call.kind == "module" else \
        path_of(call.target, checkout.root)
    if path is None or not path.is_file():
        return []
    if path not in crashes:
        crashes[path] = dtype_in_metadata(path, checkout.source_path("checkpoint_manager"))
    found = crashes[path]
    if found is None:
        return []
    script = path.relative_to(checkout.root) if path.is_relative_to(checkout.root) else path
    held = f" ({found.variable})" if found.variable else ""
    return [Finding("fail", f"{name}:{call.line}: {call.target} dies at its first checkpoint save "
                    f"(--save-every, else the last step): {script}:{found.call_line} puts "
                    f"{found.path}{held}, a torch dtype ({found.dtype}, line {found.dtype_line}), "
                    f"into the metadata that {checkout.source_path('checkpoint_manager').name}:"
                    f"{found.dump_line} writes with json.dump: TypeError: Object of type dtype is "
                    "not JSON serializable", call.line, "checkpoint-crash")]


def _lint_stages(stages, name, checkout, base_dir, *, vocab_size, gpus, environ, offline,
                 tokens_per_sec_per_gpu, cache_dir, gpu=SPEEDRUN_GPU) -> list:
    files, problems, crashes = FileCache(), [], {}
    for stage in stages:
        call = stage.call
        found = check_call(call, checkout, name, files)
        problems += found
        if _is_ours(call, checkout) and not any(p.status == "fail" for p in found):
            problems += _checkpoint_problems(call, name, checkout, crashes)
        if call.kind == "module" and call.target == "scripts.base_train":
            problems += _save_every_problems(stage, name, checkout, vocab_size, gpus, gpu,
                                             tokens_per_sec_per_gpu, cache_dir)
        if offline and _is_ours(call, checkout):
            stage_base = path_of(stage.base_dir, checkout.root) if stage.base_dir else base_dir
            for need in _network_needs(call, checkout, stage_base, environ, files):
                problems.append(Finding("warn", f"{name}:{call.line}: the machine "
                                        f"looks offline ({offline}), but {call.target} {need}", call.line, "offline"))
    return problems


def lint_script(path, checkout: Checkout, base_dir, *, data_dir=None, vocab_size=None, gpus=8,
                environ=None, interactive=False, offline=None, tokens_per_sec_per_gpu=None,
                cache_dir=None, gpu=SPEEDRUN_GPU) -> list:
    """Every problem that would stop `path` (a bash launch script) or make it lose work.

    base_dir/data_dir: what the checklist validated (data_dir defaults to the era's data folder
    under base_dir). environ: the environment the script will start with (default os.environ).
    interactive: True when a person will sit at the terminal. offline: None = `looks_offline()`,
    or a reason string / '' to force it. gpu: the GPU model planned (our GPU table's name);
    tokens_per_sec_per_gpu: planned speed (default: speed.py's validated model on `gpu`).
    """
    path = Path(path)
    name = path.name
    environ = dict(os.environ if environ is None else environ)
    base_dir = Path(base_dir).expanduser()
    data_dir = Path(data_dir) if data_dir else checkout.data_dir(base_dir)
    offline = looks_offline(environ) if offline is None else offline
    problems = bash_syntax(path)
    try:
        facts = read_script(path, checkout, environ)
    except ShellReadError as e:
        return problems + [Finding("fail", f"{name}: cannot read the script: {e}", 0, "unreadable")]
    except OSError as e:
        return [Finding("fail", f"{name}: cannot read the script: {e.strerror}", 0, "unreadable")]
    problems += _lint_stages(facts.stages, name, checkout, base_dir,
                             vocab_size=vocab_size or checkout.era.default_vocab, gpus=gpus,
                             environ=environ, offline=offline,
                             tokens_per_sec_per_gpu=tokens_per_sec_per_gpu, cache_dir=cache_dir,
                             gpu=gpu)
    problems += _base_dir_problems(facts, name, base_dir, checkout)
    problems += _link_problems(facts, name, checkout, base_dir, data_dir)
    problems += data_folder_problems(facts, name, checkout, data_dir)
    problems += _read_problems(facts, name, interactive)
    problems += _errexit_problems(facts, name, checkout)
    if offline:
        problems += [Finding("warn", f"{name}:{line}: the machine looks offline "
                             f"({offline}), but this step {what}", line, "offline")
                     for line, what in facts.downloads]
    return sorted(problems, key=lambda p: (p.line, p.status != "fail"))


def lint_command(argv: list, checkout: Checkout, *, base_dir=None, vocab_size=None, gpus=8,
                 environ=None, offline="", tokens_per_sec_per_gpu=None, cache_dir=None,
                 gpu=SPEEDRUN_GPU) -> list:
    """Problems of one generated command (`torchrun ... -m scripts.base_train -- --depth=12`)."""
    call = parse_command(argv, 0)
    shown = " ".join(argv)
    if call is None:
        return [Finding("fail", f"`{shown}` starts no Python program this checklist can "
                        "check", 0, "not-a-launch")]
    environ = dict(os.environ if environ is None else environ)
    stage = Stage(call, Command(0), True, True, None, 0)
    base_dir = Path(base_dir).expanduser() if base_dir else Path("~/.cache/nanochat").expanduser()
    return _lint_stages([stage], "command", checkout, base_dir,
                        vocab_size=vocab_size or checkout.era.default_vocab, gpus=gpus,
                        environ=environ, offline=offline,
                        tokens_per_sec_per_gpu=tokens_per_sec_per_gpu, cache_dir=cache_dir,
                        gpu=gpu)


def find_calls(path, checkout: Checkout, environ=None) -> list:
    """The Python programs a script starts, in order (Call objects with resolved arguments)."""
    return [stage.call for stage in read_script(Path(path), checkout, environ).stages]


def base_train_of(calls: list):
    """The first base-training call among `calls`, or None."""
    return next((c for c in calls if c.kind == "module" and c.target == "scripts.base_train"), None)

# ----------------------------------------------------------------------------------------------
# launch.py's candidates (a script file, or a generated command).

def calls_of(candidate, checkout: Checkout, environ=None) -> list:
    """The Python programs a LaunchCandidate starts (its script's calls, or its one command)."""
    if candidate.path is not None:
        return find_calls(candidate.path, checkout, environ)
    call = parse_command(list(candidate.argv))
    return [call] if call else []


def _planned_gpu(settings) -> str:
    """--target-gpu's table name, else the speedrun's GPU (the lint probes nothing)."""
    try:
        return parse_target(settings.target_gpu).name if settings.target_gpu else SPEEDRUN_GPU
    except ValueError:
        return SPEEDRUN_GPU


def lint_candidate(candidate, settings, vocab_size=None, environ=None) -> list:
    """lint_script / lint_command for a LaunchCandidate, as launch.py would start it."""
    environ = launch_environ(settings) if environ is None else environ
    common = dict(vocab_size=vocab_size, gpus=settings.gpus, environ=environ,
                  cache_dir=settings.cache_dir / "params", gpu=_planned_gpu(settings))
    if candidate.path is not None:
        return lint_script(candidate.path, settings.checkout, settings.base_dir,
                           data_dir=settings.data_dir, **common)
    return lint_command(list(candidate.argv), settings.checkout, base_dir=settings.base_dir,
                        offline=looks_offline(environ), **common)


def offered(plan: list, settings, vocab_size=None) -> tuple:
    """(the plan launch.py may offer, [(candidate, first error)] withheld): a generated command
    that fails its own lint is never offered beside a script; alone, it stays, so that Step 6
    fails on it and nothing is launched."""
    kept, withheld = [], []
    for candidate in plan:
        if candidate.path is None and kept:
            errors = [f for f in lint_candidate(candidate, settings, vocab_size)
                      if f.status == "fail"]
            if errors:
                withheld.append((candidate, errors[0].message))
                continue
        kept.append(candidate)
    return kept, withheld
