"""Launch-script lint: real bash scripts against miniature checkouts written here (real `bash -n`)."""

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from lint_helpers import GUARD, make_checkout, param_cache, write
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
