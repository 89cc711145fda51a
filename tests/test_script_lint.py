"""Launch-script lint: real bash scripts against miniature checkouts written here (real `bash -n`)."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from lint_helpers import GUARD, flat_base_train, make_checkout, param_cache, write
from preflight.readers.argparse_reader import UNKNOWN
from preflight.readers.bash_reader import Shell, read_commands
from preflight.checkout import load_checkout
from preflight.launch.lint_calls import parse_command
from preflight.launch.lint import find_calls, lint_command, lint_script, looks_offline
from preflight.sizing.horizon import horizon_from_call

NC = Path(os.environ.get("NANOCHAT_CHECKOUTS", "/nonexistent"))
pytestmark = pytest.mark.skipif(shutil.which("bash") is None, reason="needs bash")


@pytest.fixture(scope="session")
def cache(tmp_path_factory):
    return param_cache(tmp_path_factory)


@pytest.fixture
def ws(tmp_path):
    """A HEAD-era checkout, a HOME and a validated base dir under it (nanochat's default)."""
    home = tmp_path / "home"
    base = home / ".cache" / "nanochat"
    (base / "base_data_climbmix").mkdir(parents=True)
    checkout = make_checkout(tmp_path / "nanochat")
    env = {"HOME": str(home), "PATH": os.environ.get("PATH", "/usr/bin:/bin")}
    return dict(checkout=checkout, home=home, base=base, env=env, tmp=tmp_path)


def lint(ws, text, name="run.sh", **kw):
    path = write(ws["checkout"].root / "runs" / name, text)
    kw.setdefault("offline", "")
    kw.setdefault("environ", ws["env"])
    kw.setdefault("tokens_per_sec_per_gpu", 1e9)  # fast enough that no run needs --save-every
    return lint_script(path, ws["checkout"], ws["base"], **kw)


def kinds(problems, status=None):
    return [p.kind for p in problems if status in (None, p.status)]


CLEAN = """\
#!/bin/bash
set -euo pipefail
export NANOCHAT_BASE_DIR="$HOME/.cache/nanochat"
WANDB_RUN="${WANDB_RUN:-dummy}"
python -m nanochat.dataset -n 2
python -m scripts.tok_train --max-chars=20000000 --vocab-size 4096
torchrun --standalone --nproc_per_node=8 -m scripts.base_train -- \\
    --depth=12 \\
    --device-batch-size=16 --fp8 \\
    --run=$WANDB_RUN --save-every=500
torchrun --standalone --nproc_per_node=8 -m scripts.chat_sft -- --run="$WANDB_RUN"
torchrun --standalone --nproc_per_node=8 -m scripts.chat_eval -- -i sft
"""

# ----------------------------------------------------------------------------------------------
# The scenarios of the issue.

def test_clean_script_passes(ws):
    assert lint(ws, CLEAN) == []


def test_renamed_flag_names_line_flag_and_closest(ws):
    problems = lint(ws, CLEAN.replace("--device-batch-size=16", "--device_batch_size=16"))
    assert kinds(problems) == ["unknown-flag"]
    p = problems[0]
    assert p.status == "fail" and p.line == 9
    assert "run.sh:9" in p.message and "--device_batch_size" in p.message
    assert "closest valid flag: --device-batch-size" in p.message


def test_abbreviated_flags(ws):
    problems = lint(ws, CLEAN.replace("--save-every=500", "--save-every=500 --model d12")
                    .replace('--run="$WANDB_RUN"', '--run="$WANDB_RUN" --model=x'))
    by_kind = {p.kind: p for p in problems}
    assert by_kind["abbreviation"].status == "warn" and "--model-tag" in \
        by_kind["abbreviation"].message
    assert by_kind["ambiguous"].status == "fail" and by_kind["ambiguous"].line == 11
    assert "--model-tag" in by_kind["ambiguous"].message and "--model-step" in \
        by_kind["ambiguous"].message


def test_fork_sft_flags_that_never_existed(ws):
    problems = lint(ws, CLEAN.replace('--run="$WANDB_RUN"',
                                      "--base-model=d24 --data=iac --max-steps=1000"))
    assert kinds(problems) == ["unknown-flag"] * 3
    assert all("chat_sft" in p.message and p.line == 11 for p in problems)


def test_missing_modules(ws):
    problems = lint(ws, CLEAN + "torchrun -m scripts.mid_train -- --run=x\n"
                    "python -m nanochat.report generate\npython -m pip --version\n")
    assert [(p.kind, p.line) for p in problems] == [("no-module", 13), ("no-module", 14)]
    assert "no scripts/mid_train.py" in problems[0].message
    assert "nanochat/report.py" in problems[1].message


def test_syntax_error_comes_from_bash(ws):
    problems = lint(ws, CLEAN + "if [ -n \"$X\" ]; then\n  echo yes\nfi\nfi\n")
    assert [(p.kind, p.line) for p in problems] == [("syntax", 16)]
    assert "unexpected token" in problems[0].message


def test_file_calls_must_compile(ws):
    write(ws["checkout"].root / "dev" / "train_tok.py", 'import sys\nDOC = """truncated\n')
    problems = lint(ws, CLEAN + "python dev/train_tok.py --vocab-size 4096\n"
                    "python dev/absent.py\n")
    assert [(p.kind, p.line) for p in problems] == [("no-compile", 13), ("no-file", 14)]
    assert "SyntaxError" in problems[0].message


def test_imports_of_deleted_modules(ws):
    write(ws["checkout"].root / "scripts" / "chat_web.py",
          GUARD + "from nanochat.report import get_report\nimport nanochat.common\n")
    problems = lint(ws, CLEAN + "python -m scripts.chat_web\n")
    assert kinds(problems) == ["missing-import"] and "nanochat.report" in problems[0].message


def test_plain_python_keeps_the_double_dash(ws):
    problems = lint(ws, CLEAN.replace("torchrun --standalone --nproc_per_node=8 -m scripts.chat_eval",
                                      "python -m scripts.chat_eval"))
    assert kinds(problems) == ["stray-dashes"]


def test_read_prompt_under_set_e(ws):
    prompt = 'read -p "Continue training? [y/N] " ANSWER\n'
    assert [(p.kind, p.status, p.line) for p in lint(ws, CLEAN + prompt)] == \
        [("read-prompt", "fail", 13)]
    guarded = CLEAN + prompt.strip() + " || true\n"
    assert [(p.kind, p.status) for p in lint(ws, guarded)] == [("read-prompt", "warn")]
    assert lint(ws, guarded + 'ANSWER="${ANSWER:-n}"\n') == []
    assert lint(ws, CLEAN + "while read -r line; do echo $line; done < /etc/hostname\n") == []
    interactive = lint(ws, CLEAN + prompt, interactive=True)
    assert [p.status for p in interactive] == ["warn"]


def test_read_prompt_without_set_e(ws):
    script = "python -m scripts.tok_train\n" + 'read -p "depth? " DEPTH\n'
    assert kinds(lint(ws, script)) == ["read-prompt"]
    assert lint(ws, script + 'DEPTH=${DEPTH:-12}\n') == []


def test_base_dir_override(ws):
    problems = lint(ws, CLEAN.replace('"$HOME/.cache/nanochat"', "/scratch/elsewhere"))
    assert [(p.kind, p.line) for p in problems] == [("base-dir", 3)]
    assert "/scratch/elsewhere" in problems[0].message and str(ws["base"]) in problems[0].message
    per_command = lint(ws, CLEAN.replace("python -m scripts.tok_train",
                                         "NANOCHAT_BASE_DIR=/tmp/x python -m scripts.tok_train"))
    assert [(p.kind, p.line) for p in per_command] == [("base-dir", 6)]


def test_base_dir_from_the_launch_environment(ws):
    script = CLEAN.replace('"$HOME/.cache/nanochat"', '"${NANOCHAT_BASE_DIR:-$HOME/x}"')
    elsewhere = ws["tmp"] / "validated"
    env = dict(ws["env"], NANOCHAT_BASE_DIR=str(elsewhere))
    path = write(ws["checkout"].root / "runs" / "env.sh", script)
    assert lint_script(path, ws["checkout"], elsewhere, environ=env, offline="",
                       tokens_per_sec_per_gpu=1e9) == []
    assert kinds(lint(ws, script)) == ["base-dir"]  # unset: $HOME/x is not the validated dir
    assert kinds(lint(ws, CLEAN.replace("export NANOCHAT_BASE_DIR", "OTHER"))) == []


def test_silent_symlink_into_a_real_folder(ws):
    data = ws["tmp"] / "iac_data"
    data.mkdir()
    hookup = f'DATA_DIR={data}\nln -s "$DATA_DIR" ~/.cache/nanochat/base_data_climbmix\n'
    problems = lint(ws, CLEAN + hookup)
    assert "silent-symlink" in kinds(problems, "fail")
    assert any(f"{ws['base']}/base_data_climbmix/iac_data" in p.message for p in problems)
    moved = lint(ws, CLEAN + "rm -rf ~/.cache/nanochat/base_data_climbmix\n" + hookup,
                 data_dir=data)
    assert moved == []


def test_symlink_made_folder_and_followed_link(ws):
    data = ws["tmp"] / "iac_data"
    data.mkdir()
    (ws["base"] / "base_data_climbmix").rmdir()
    script = CLEAN + f"mkdir -p $NANOCHAT_BASE_DIR/base_data_climbmix\nln -s {data} " \
        "$NANOCHAT_BASE_DIR/base_data_climbmix\n"
    assert "silent-symlink" in kinds(lint(ws, script, data_dir=data))
    (ws["base"] / "base_data_climbmix").symlink_to(ws["tmp"])
    followed = lint(ws, CLEAN + f"ln -sf {data} $NANOCHAT_BASE_DIR/base_data_climbmix\n",
                    data_dir=data)
    assert "ln -sfn" in followed[0].message
    assert lint(ws, CLEAN + f"ln -sfn {data} $NANOCHAT_BASE_DIR/base_data_climbmix\n",
                data_dir=data) == []


def test_data_link_to_unvalidated_or_ignored_folder(ws):
    data, other = ws["tmp"] / "iac_data", ws["tmp"] / "other"
    data.mkdir()
    other.mkdir()
    (ws["base"] / "base_data_climbmix").rmdir()
    unchecked = lint(ws, CLEAN + f"ln -sfn {other} $NANOCHAT_BASE_DIR/base_data_climbmix\n",
                     data_dir=data)
    assert kinds(unchecked) == ["data-link"] and "nobody checked" in unchecked[0].message
    (ws["base"] / "base_data_climbmix").mkdir()
    ignored = lint(ws, CLEAN + f"ln -sfn {data} $NANOCHAT_BASE_DIR/base_data\n", data_dir=data)
    assert any("is ignored" in p.message for p in ignored)


def test_no_set_e_and_lost_pipe_status(ws):
    no_e = CLEAN.replace("set -euo pipefail\n", "")
    problems = lint(ws, no_e)
    assert kinds(problems) == ["no-errexit"] and "line 6 scripts.base_train" in problems[0].message
    chained = "python -m scripts.tok_train && \\\n  python -m scripts.chat_sft\n"
    assert lint(ws, chained) == []
    piped = CLEAN.replace("set -euo pipefail", "set -e").replace(
        "--save-every=500", "--save-every=500 2>&1 | tee train.log")
    assert kinds(lint(ws, piped)) == ["pipefail"]


def test_save_every_on_long_runs(ws, cache):
    no_saves = CLEAN.replace(" --save-every=500", "").replace("--depth=12", "--depth=24")
    slow = lint(ws, no_saves, tokens_per_sec_per_gpu=None, cache_dir=cache)
    assert kinds(slow) == ["no-save-every"]
    # the validated speed model (speed.py): tokens x FLOPs / (8 x H100's dense fp8 peak x its fit)
    h = horizon_from_call(["--depth=24", "--fp8"], ws["checkout"], ws["checkout"].era.default_vocab,
                          None, cache_dir=cache)
    from preflight.hardware.speed import UTILISATION
    hours = h.tokens * h.flops_per_token / (8 * 1978.9e12 * UTILISATION[("H100-80GB", "fp8")]) / 3600
    assert f"runs ~{hours:.1f} h ({h.tokens / 1e9:.2f}B tokens" in slow[0].message
    assert "on 8x H100-80GB, 29.5% of the dense fp8 peak" in slow[0].message
    assert lint(ws, CLEAN, tokens_per_sec_per_gpu=None, cache_dir=cache) == []
    assert lint(ws, no_saves, tokens_per_sec_per_gpu=1e9, cache_dir=cache) == []


def test_offline_steps(ws):
    script = CLEAN + "curl -L -o $NANOCHAT_BASE_DIR/identity.jsonl https://example.org/x.jsonl\n"
    problems = lint(ws, script, offline="HF_HUB_OFFLINE=1")
    messages = " ".join(p.message for p in problems if p.kind == "offline")
    assert "dataset shards" in messages and "eval_bundle" in messages
    assert "task datasets" in messages and "https://example.org/x.jsonl" in messages
    assert {p.status for p in problems} == {"warn"}
    (ws["base"] / "eval_bundle").mkdir()
    assert "eval_bundle" not in " ".join(p.message for p in lint(ws, script, offline="x"))
    assert lint(ws, script, offline="") == []


def test_looks_offline_reads_the_hub_variables():
    assert looks_offline({"HF_HUB_OFFLINE": "1"}) == "HF_HUB_OFFLINE=1"
    assert looks_offline({"TRANSFORMERS_OFFLINE": "true"}).startswith("TRANSFORMERS_OFFLINE")
    assert looks_offline({"HF_HUB_OFFLINE": "0"}) in ("", "no default network route "
                                                      "(/proc/net/route)")


def test_configurator_era_scripts(tmp_path):
    checkout = make_checkout(tmp_path / "v0", era="v0")
    path = write(tmp_path / "speedrun.sh", "set -e\n"
                 "torchrun --standalone --nproc_per_node=8 -m scripts.base_train -- --depth=20 \\\n"
                 "  --device-batch-size=16 --run $WANDB_RUN\n")
    problems = lint_script(path, checkout, tmp_path / "base", environ={"HOME": str(tmp_path)},
                           offline="", tokens_per_sec_per_gpu=1e12)
    assert [(p.kind, p.line) for p in problems if p.kind != "base-dir"] == \
        [("unknown-flag", 3), ("configurator-form", 3)]
    assert "--device_batch_size" in problems[-2].message or "--device_batch_size" in \
        problems[-1].message


def test_lint_command_for_a_generated_launch(ws, cache):
    argv = ["torchrun", "--standalone", "--nproc_per_node=8", "-m", "scripts.base_train", "--",
            "--depth=12", "--save-every=1000"]
    assert lint_command(argv, ws["checkout"], cache_dir=cache) == []
    bad = lint_command(argv[:-1] + ["--save_every=1000"], ws["checkout"], cache_dir=cache)
    assert [(p.kind, p.line) for p in bad][0] == ("unknown-flag", 0)
    assert kinds(lint_command(["echo", "hi"], ws["checkout"])) == ["not-a-launch"]

# ----------------------------------------------------------------------------------------------
# Reading bash.

def test_commands_continuations_operators_heredocs_and_blocks():
    text = """\
A=1 B="two words" python -m scripts.x \\
   --flag=1 && echo ok; sleep 1 & # a comment
cat <<EOF > notes.txt
python -m scripts.never_run
EOF
if [ -z "$RUN" ]; then RUN=dummy; fi
for d in 12 24; do echo $d; done
case "$MODE" in
  fast|quick) python -m scripts.fast ;;
  *) python -m scripts.slow ;;
esac
log() { echo "$1"; }
"""
    commands = read_commands(text)
    words = [[w.literal or "<exp>" for w in c.words] for c in commands]
    assert words[0][:3] == ["python", "-m", "scripts.x"] and commands[0].after == "&&"
    assert [n for n, _ in commands[0].assigns] == ["A", "B"] and commands[0].line == 1
    assert commands[2].after == "&" and words[2] == ["sleep", "1"]
    assert ["python", "-m", "scripts.never_run"] not in words
    assert commands[4].condition and commands[5].conditional  # if test, then-branch
    assert ["python", "-m", "scripts.fast"] in words and ["python", "-m", "scripts.slow"] in words
    assert commands[-1].conditional and words[-1][0] == "echo"  # a function body


def test_calls_resolve_variables_and_wrappers(tmp_path):
    checkout = make_checkout(tmp_path / "nc")
    path = write(tmp_path / "s.sh", """\
NPROC=4
EXTRA="--fp8 --depth=26"
DEPTH=$((2 * 12))
if [ -n "$X" ]; then NPROC=2; fi
nohup env OMP_NUM_THREADS=1 torchrun --nproc_per_node $NPROC -m scripts.base_train -- $EXTRA \\
  --depth=$DEPTH --run="$UNSET_VAR"
uv run --extra gpu python -m scripts.tok_train --vocab-size=${VOCAB:-32768}
""")
    calls = find_calls(path, checkout, {"HOME": str(tmp_path)})
    train, tok = calls
    assert train.launcher == "torchrun" and train.gpus is None  # NPROC changed in a branch
    assert train.args[:3] == ["--fp8", "--depth=26", "--depth=24"]
    assert train.args[3] == f"--run={UNKNOWN}" and train.arg_lines == [5, 5, 6, 6]
    assert tok.launcher == "uv run python" and tok.args == ["--vocab-size=32768"]


def test_parse_command_forms():
    assert parse_command(["python3", "-u", "-m", "scripts.a", "--x"]).args == ["--x"]
    assert parse_command(["python", "-m", "torch.distributed.run", "--nproc-per-node=2",
                          "-m", "scripts.a", "--", "--y"]).args == ["--y"]
    assert parse_command(["torchrun", "dev/train.py", "--z"]).kind == "file"
    assert parse_command(["python", "-c", "print(1)"]) is None
    assert parse_command(["timeout", "-s", "INT", "10h", "python", "x.py"]).target == "x.py"
    assert parse_command(["bash", "x.sh"]) is None


_VARS = {"V1": "plain", "V2": "two  words", "V3": ""}
_segment = st.one_of(
    st.text(alphabet="abcXYZ019_-.=/:@%+,", min_size=1, max_size=4),
    st.text(alphabet="ab $\"\\*?~ ", max_size=4).map(lambda t: "'" + t + "'"),
    st.lists(st.one_of(st.text(alphabet="ab '*~", min_size=1, max_size=3),
                       st.sampled_from(['\\"', "\\$", "\\\\", "$V1", "${V2}", "$V3"])),
             max_size=3).map(lambda parts: '"' + "".join(parts) + '"'),
    st.sampled_from(["$V1", "$V2", "${V2}", "$V3", "${V3:-dflt}", "${NOPE:-x y}", "${V1:+alt}",
                     "${V1-z}", "\\ ", "\\$", "\\'", "$((3 * 4))", "$((V1 + 1))"]),
)
_word = st.lists(_segment, min_size=1, max_size=3).map("".join)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(words=st.lists(_word, min_size=1, max_size=4), tilde=st.booleans())
def test_word_expansion_agrees_with_bash(words, tilde):
    if tilde:
        words = ["~/d" + words[0]] + words[1:]
    line = " ".join(words)
    env = dict(_VARS, HOME="/home/someone", PATH=os.environ.get("PATH", "/usr/bin:/bin"))
    proc = subprocess.run(["bash", "-c", "printf '%s\\0' START " + line], env=env,
                          capture_output=True, timeout=10)
    assert proc.returncode == 0, proc.stderr
    real = proc.stdout.decode().split("\0")[1:-1]
    shell = Shell(env)
    (command,) = read_commands("printf '%s\\0' START " + line)
    mine = [f for w in command.words[3:] for f in shell.expand(w)]
    if UNKNOWN not in "".join(mine):  # `$((V1 + 1))`: bash reads "plain" as 0, we say unknown
        assert mine == real

# ----------------------------------------------------------------------------------------------
# The real checkouts, when this machine has them.

needs_checkouts = pytest.mark.skipif(not all((NC / era).is_dir() for era in ("head", "feb", "v0")),
                                     reason="set NANOCHAT_CHECKOUTS to a folder of real checkouts (head, feb, v0)")


@needs_checkouts
def test_real_head_speedrun(tmp_path, cache):
    home = tmp_path / "home"
    problems = lint_script(NC / "head/runs/speedrun.sh", load_checkout(NC / "head"),
                           home / ".cache/nanochat", environ={"HOME": str(home)}, offline="",
                           cache_dir=cache)
    assert kinds(problems, "fail") == []
    assert sorted(kinds(problems)) == ["no-errexit", "no-save-every"]


@needs_checkouts
def test_iac_look_alike_against_the_feb_checkout(tmp_path, cache):
    home = tmp_path / "home"
    base = home / ".cache" / "nanochat"
    (base / "base_data").mkdir(parents=True)  # Feb-era dataset.py creates it on import
    data = base / "iac_data"
    data.mkdir()
    path = write(tmp_path / "speedrun_iac.sh", """\
#!/bin/bash
set -e
DATA_DIR="$HOME/.cache/nanochat/iac_data"
if [ -L ~/.cache/nanochat/base_data ]; then rm ~/.cache/nanochat/base_data; fi
ln -s "$DATA_DIR" ~/.cache/nanochat/base_data
read -p "Start training? (y/n) " -n 1 -r
NPROC=8
torchrun --standalone --nproc_per_node=$NPROC -m scripts.base_train -- --depth=24 \\
    --device-batch-size=16 --save-every=3000 --target-param-data-ratio=12
torchrun --standalone --nproc_per_node=$NPROC -m scripts.chat_sft -- \\
    --base-model=$HOME/.cache/nanochat/base_checkpoints/d24 --data=iac --max-steps=2000
python -m nanochat.report generate
""")
    problems = lint_script(path, load_checkout(NC / "feb"), base, data_dir=data,
                           environ={"HOME": str(home)}, offline="", cache_dir=cache)
    errors = [(p.kind, p.line) for p in problems if p.status == "fail"]
    assert ("silent-symlink", 5) in errors and ("read-prompt", 6) in errors
    assert [k for k, line in errors if line == 11] == ["unknown-flag"] * 3

# ----------------------------------------------------------------------------------------------
# The IaC fork: shards looked for in another folder, config.yaml flags, a save that always crashes.

@pytest.fixture
def fork(tmp_path, cache):
    """The fork's stand-in checkout, a HOME and its default base dir with an (empty) base_data, as
    the fork's dataset.py leaves it after any import."""
    home = tmp_path / "home"
    base = home / ".cache" / "nanochat"
    (base / "base_data").mkdir(parents=True)
    checkout = make_checkout(tmp_path / "fork", "flat")
    env = {"HOME": str(home), "PATH": os.environ.get("PATH", "/usr/bin:/bin")}
    return dict(checkout=checkout, home=home, base=base, env=env, tmp=tmp_path, cache=cache,
                script=checkout.root / "runs" / "speedrun_iac.sh")


def lint_fork(fork, script=None, **kw):
    kw.setdefault("offline", "")
    kw.setdefault("environ", fork["env"])
    kw.setdefault("tokens_per_sec_per_gpu", 1e9)
    kw.setdefault("cache_dir", fork["cache"])
    return lint_script(script or fork["script"], fork["checkout"], fork["base"], **kw)


def test_fork_looks_for_shards_where_its_dataset_does_not_read(fork):
    problems = lint_fork(fork)
    found = [p for p in problems if p.kind == "data-folder"]
    assert [(p.status, p.line) for p in found] == [("fail", 4)]  # `if [ ! -d "$DATA_DIR" ]`
    iac, base_data = fork["base"] / "iac_data", fork["base"] / "base_data"
    message = found[0].message
    assert f"expects the shards in {iac}, but dataset.py reads {base_data}" in message
    assert "does not exist, so the script stops there" in message and "\n" not in message
    # with the shards in iac_data and base_data gone, the run would train on unchecked data
    iac.mkdir()
    base_data.rmdir()
    again = [p.message for p in lint_fork(fork) if p.kind == "data-folder"]
    assert len(again) == 1 and f"links {base_data} to it, so the run trains on {iac}" in again[0]


def test_fork_agrees_with_itself_when_base_data_links_to_iac_data(fork):
    iac, base_data = fork["base"] / "iac_data", fork["base"] / "base_data"
    iac.mkdir()
    base_data.rmdir()
    base_data.symlink_to(iac)
    problems = lint_fork(fork, data_dir=base_data)
    assert not [p for p in problems if p.kind in ("data-folder", "data-link", "silent-symlink")]


@pytest.mark.parametrize("dtype_in_metadata, dump", [
    (True, "json.dump(meta_data, f, indent=2)"),
    (False, "json.dump(meta_data, f, indent=2)"),
    (True, "json.dump(meta_data, f, indent=2, default=str)"),  # writes the dtype as text
])
def test_checkpoint_crash_is_what_really_happens(fork, dtype_in_metadata, dump):
    """The lint's verdict against running the stand-in's save for real (GUARD cut off)."""
    root = fork["checkout"].root
    source = flat_base_train(dtype_in_metadata)
    write(root / "scripts" / "base_train.py", source)
    manager = root / "checkpoint_manager.py"
    manager.write_text(manager.read_text().replace("json.dump(meta_data, f, indent=2)", dump))
    problems = [p for p in lint_fork(fork) if p.kind == "checkpoint-crash"]
    runnable = write(fork["tmp"] / "run_base_train.py", source.replace(GUARD, ""))
    env = dict(os.environ, NANOCHAT_BASE_DIR=str(fork["tmp"] / "run"), PYTHONPATH=str(root))
    proc = subprocess.run([sys.executable, str(runnable), "--depth=2", "--n-embd=64"], cwd=root,
                          env=env, capture_output=True, text=True, timeout=120)
    crashed = "TypeError: Object of type dtype is not JSON serializable" in proc.stderr
    assert crashed == (dtype_in_metadata and "default" not in dump), proc.stderr[-2000:]
    assert (proc.returncode != 0) == crashed, proc.stderr[-2000:]
    assert bool(problems) == crashed
    if crashed:
        assert problems[0].status == "fail" and problems[0].line == 14  # the torchrun line
        assert "metadata['model_config']['model_dtype'] (amp_dtype), a torch dtype" in \
            problems[0].message and "checkpoint_manager.py:6 writes with json.dump" in \
            problems[0].message


@pytest.mark.parametrize("assignments, proven", [
    ("amp_dtype = torch.bfloat16 if cuda else torch.float16", True),
    ("if cuda:\n    amp_dtype = torch.bfloat16\nelse:\n    amp_dtype = torch.float32", True),
    ("if cuda:\n    amp_dtype = torch.bfloat16\nelse:\n    amp_dtype = 'float32'", False),
    ("amp_dtype = 'bfloat16'", False),
])
def test_a_dtype_must_be_certain_to_be_reported(tmp_path, assignments, proven):
    """Only a variable that is a torch dtype on every path proves the crash."""
    from preflight.launch.lint_checkpoint import dtype_in_metadata
    manager = write(tmp_path / "checkpoint_manager.py", "import json\ndef save_checkpoint("
                    "d, step, model_data, optimizer_data, meta_data, rank=0):\n"
                    "    json.dump(meta_data, open('m.json', 'w'))\n")
    script = write(tmp_path / "train.py", f"import torch\ncuda = True\n{assignments}\n"
                   "cfg = {'dtype': amp_dtype}\nsave_checkpoint('d', 1, {}, None, "
                   "{'step': 1, 'model_config': cfg})\n")
    found = dtype_in_metadata(script, manager)
    assert (found is not None) == proven
    if proven:
        assert (found.path, found.variable) == ("metadata['model_config']['dtype']", "amp_dtype")


def test_fork_modules_live_at_the_top_level(fork):
    write(fork["checkout"].root / "scripts" / "tok_train.py",
          GUARD + "import argparse\nfrom nanochat.tokenizer import RustBPETokenizer\n"
                  "argparse.ArgumentParser().parse_args()\n")
    write(fork["checkout"].root / "tokenizer.py", "class RustBPETokenizer: pass\n")
    path = write(fork["tmp"] / "prep.sh", "set -e\npython -m nanochat.dataset -n 8\n"
                                          "python -m scripts.tok_train\n")
    problems = {p.kind: p for p in lint_fork(fork, path)}
    assert problems["no-module"].line == 2 and \
        "closest: dataset (this checkout keeps nanochat's modules at the top level)" in \
        problems["no-module"].message
    assert problems["missing-import"].line == 3 and "nanochat.tokenizer" in \
        problems["missing-import"].message


def test_flags_set_through_config_yaml(fork):
    root = fork["checkout"].root
    call = "torchrun --nproc_per_node=2 -m scripts.base_train -- --save-every=500 "
    silent = write(fork["tmp"] / "a.sh", "set -e\n" + call + "--depth=20\n")
    [replaced] = [p for p in lint_fork(fork, silent) if p.kind == "config-override"]
    assert replaced.status == "warn" and replaced.line == 2 and "--depth=20" in replaced.message
    missing = write(fork["tmp"] / "b.sh", "set -e\n" + call + "--config=configs/iac.yaml\n")
    assert [p.status for p in lint_fork(fork, missing) if p.kind == "config-missing"] == ["warn"]
    (root / "config.yaml").write_text("model:\n  hidden_size: 512\n  num_hidden_layers: '8'\n")
    typed = write(fork["tmp"] / "c.sh", "set -e\n" + call + "--depth=4\n")
    assert [p.status for p in lint_fork(fork, typed) if p.kind == "config-type"] == []  # given
    typed.write_text("set -e\n" + call + "\n")
    assert [p.status for p in lint_fork(fork, typed) if p.kind == "config-type"] == ["fail"]


needs_forks = pytest.mark.skipif(not all((NC / n).is_dir() for n in ("iac_head", "pr493")),
                                 reason="set NANOCHAT_CHECKOUTS to a folder with iac_head, pr493")


@needs_forks
@pytest.mark.parametrize("name", ["iac_head", "pr493"])
def test_real_fork_speedrun_iac(tmp_path, cache, name):
    home = tmp_path / "home"
    base = home / ".cache" / "nanochat"
    (base / "base_data").mkdir(parents=True)
    problems = lint_script(NC / name / "runs/speedrun_iac.sh", load_checkout(NC / name), base,
                           environ={"HOME": str(home)}, offline="", cache_dir=cache)
    errors = [(p.kind, p.line) for p in problems if p.status == "fail"]
    expected = [("data-folder", 33), ("silent-symlink", 68), ("read-prompt", 96),
                ("unknown-flag", 104), ("unknown-flag", 105), ("unknown-flag", 109)]
    if name == "iac_head":  # PR #493 keeps February's base_train, which saves fine
        expected.insert(2, ("checkpoint-crash", 73))
    assert errors == expected
    message = next(p.message for p in problems if p.kind == "data-folder")
    assert str(base / "iac_data") in message and str(base / "base_data") in message
