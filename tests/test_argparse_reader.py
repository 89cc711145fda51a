"""The static argparse reader against the parser shapes nanochat uses, and against argparse itself."""

import os
import contextlib
import io
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from lint_helpers import BASE_TRAIN_ARGPARSE, BASE_TRAIN_CONFIGURATOR, GUARD, write
from preflight.readers.argparse_reader import UNKNOWN, ParserReadError, read_parser

NC = Path(os.environ.get("NANOCHAT_CHECKOUTS", "/nonexistent"))


def spec_of(tmp_path, source, name="script.py"):
    return read_parser(write(tmp_path / name, source))


def head_train(tmp_path):
    return spec_of(tmp_path, BASE_TRAIN_ARGPARSE.replace("{ratio}", "12")
                   .replace("{total_batch}", "-1"), "base_train.py")

# ----------------------------------------------------------------------------------------------
# Reading the parser shapes nanochat uses.

def test_reads_groups_types_store_true_defaults_and_dashes(tmp_path):
    spec = head_train(tmp_path)
    assert spec.kind == "argparse" and spec.complete
    depth = spec.option("depth")  # added through an argument group
    assert depth.strings == ("--depth",) and depth.type_name == "int" and depth.default == 20
    assert spec.option("fp8").nargs == 0 and spec.option("fp8").default is False
    assert spec.option("eval_tokens").default == 80 * 524288  # an arithmetic default
    assert spec.option("fp8_recipe").choices == ("rowwise", "tensorwise")
    assert spec.option("model_tag").default is None
    assert spec.defaults()["target_param_data_ratio"] == 12
    assert spec.resolve("--help").action == "help"  # argparse adds -h/--help itself


def test_short_and_long_names_required_and_main_block(tmp_path):
    spec = spec_of(tmp_path, GUARD + '''
if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument('-i', '--source', type=str, required=True, help="sft|rl")
    parser.add_argument('-x', '--max_problems', type=int, default=None)
    args = parser.parse_args()
''')
    source = spec.option("source")
    assert source.strings == ("-i", "--source") and source.required
    assert spec.option("max_problems").strings == ("-x", "--max_problems")
    assert spec.parse(["-i", "sft"]).ok
    missing = spec.parse([])
    assert not missing.ok and "requires --source" in missing.issues[0].message


def test_positional_with_choices_as_in_report_py(tmp_path):
    spec = spec_of(tmp_path, '''
parser = argparse.ArgumentParser()
parser.add_argument("command", nargs="?", default="generate", choices=["generate", "reset"])
args = parser.parse_args()
''')
    assert spec.parse(["reset"]).values["command"] == "reset"
    assert spec.parse([]).values["command"] == "generate"
    bad = spec.parse(["resett"])
    assert not bad.ok and "'resett' is not one of 'generate', 'reset'" in bad.issues[0].message


def test_boolean_optional_action_set_defaults_and_mutually_exclusive_group(tmp_path):
    spec = spec_of(tmp_path, '''
p = argparse.ArgumentParser(allow_abbrev=False, add_help=False)
g = p.add_mutually_exclusive_group()
g.add_argument("--compile", action=argparse.BooleanOptionalAction, default=True)
p.add_argument("--steps", type=int)
p.set_defaults(steps=7)
p.parse_args()
''')
    assert spec.parse(["--no-compile"]).values["compile"] is False
    assert spec.defaults()["steps"] == 7
    assert spec.resolve("--help") is None
    assert not spec.parse(["--ste=3"]).ok  # allow_abbrev=False


def test_parse_known_args_tolerates_unknown_flags(tmp_path):
    spec = spec_of(tmp_path, "import argparse\np = argparse.ArgumentParser()\n"
                   "p.add_argument('--a')\nargs, rest = p.parse_known_args()\n")
    assert spec.known_args_only and spec.parse(["--b=1", "--a", "x"]).ok


def test_dynamic_arguments_make_the_spec_incomplete(tmp_path):
    spec = spec_of(tmp_path, "import argparse\np = argparse.ArgumentParser()\n"
                   "for name in ('a', 'b'):\n    p.add_argument('--' + name)\np.parse_args()\n")
    assert not spec.complete
    result = spec.parse(["--a=1"])
    assert result.ok and result.issues[0].severity == "warning"


def test_configurator_globals(tmp_path):
    spec = spec_of(tmp_path, BASE_TRAIN_CONFIGURATOR)
    assert spec.kind == "configurator"
    assert spec.option("eval_tokens").default == 20 * 524288
    assert spec.option("config_keys") is None  # not a literal: the configurator's assert rejects it
    assert spec.parse(["--depth=26", "--model_tag=big"]).values["depth"] == 26
    dashed = spec.parse(["--device-batch-size=16"])
    assert dashed.issues[0].closest == "--device_batch_size"
    spaced = spec.parse(["--depth", "20"])
    assert [i.kind for i in spaced.issues] == ["configurator-form"]
    typed = spec.parse(["--target_param_data_ratio=10.5"])
    assert "int" in typed.issues[0].message and "float" in typed.issues[0].message
    assert spec.parse([f"--run={UNKNOWN}"]).ok


def test_scripts_without_a_parser(tmp_path):
    assert spec_of(tmp_path, "print('hi')\n").kind == "none"
    ignored = spec_of(tmp_path, "print('hi')\n").parse(["--x"])
    assert ignored.ok and ignored.issues[0].kind == "ignored"
    assert spec_of(tmp_path, "import sys\nprint(sys.argv[1])\n").kind == "opaque"


def test_unparseable_and_missing_files_give_one_line_reasons(tmp_path):
    broken = write(tmp_path / "broken.py", 'import argparse\ntext = """never closed\n')
    with pytest.raises(ParserReadError, match=r"broken.py: line 2: does not parse"):
        read_parser(broken)
    with pytest.raises(ParserReadError, match="cannot read it"):
        read_parser(tmp_path / "absent.py")

# ----------------------------------------------------------------------------------------------
# Replaying argparse: the forms a launch script uses.

@pytest.mark.parametrize("args, values", [
    (["--depth=24", "--fp8"], {"depth": 24, "fp8": True}),
    (["--depth", "24"], {"depth": 24}),
    (["--num-iterations", "-1"], {"num_iterations": -1}),
    (["--model", "x"], {"model_tag": "x"}),  # unique prefix
    (["--target-flops=-1e18"], {"target_flops": -1e18}),
])
def test_accepted_forms(tmp_path, args, values):
    result = head_train(tmp_path).parse(args)
    assert result.ok
    assert {k: result.values[k] for k in values} == values


@pytest.mark.parametrize("args, kind, text", [
    (["--device_batch_size=16"], "unknown-flag", "closest valid flag: --device-batch-size"),
    (["--d", "3"], "ambiguous", "could be"),
    (["--fp8=1"], "explicit-value", "takes no value"),
    (["--depth"], "missing-value", "expects a value"),
    (["--depth", "deep"], "bad-value", "expects int"),
    (["--target-flops", "-1e18"], "missing-value", "expects a value"),  # argparse reads an option
    (["--", "--depth=3"], "unrecognized", "takes no positional"),
])
def test_rejected_forms(tmp_path, args, kind, text):
    result = head_train(tmp_path).parse(args)
    assert not result.ok
    assert result.issues[0].kind == kind and text in result.issues[0].message


def test_abbreviations_warn_and_closest_names_the_flag(tmp_path):
    spec = head_train(tmp_path)
    assert spec.parse(["--model", "x"]).issues[0].kind == "abbreviation"
    assert spec.resolve("--model=x").dest == "model_tag"
    assert spec.resolve("--d") is None  # ambiguous
    assert spec.closest("--device_batch_size") == "--device-batch-size"
    assert spec.closest("--max-steps") == "--max-seq-len"


def test_unknown_runtime_values_are_not_judged(tmp_path):
    result = head_train(tmp_path).parse([f"--depth={UNKNOWN}", UNKNOWN])
    assert result.ok and result.values["depth"] == UNKNOWN

# ----------------------------------------------------------------------------------------------
# Property: for random parsers and argument lists, the replay agrees with the real argparse.

_flag_names = st.sampled_from([("alpha",), ("alpine",), ("beta",), ("be",), ("dry-run",), ("x",),
                               ("gamma-ray", "gamma_ray"), ("n", "num-files"), ("v",)])
_option = st.tuples(
    _flag_names,
    st.sampled_from(["store", "store_true", "count", "append", "store_const"]),
    st.sampled_from([None, "?", "+", 2]),
    st.sampled_from([None, "int", "float"]),
)


def _source(options):
    """argparse code for the options, one add_argument each, no clashing names or dests."""
    lines = ["import argparse", "parser = argparse.ArgumentParser()"]
    taken = set()
    for names, action, nargs, type_ in options:
        flags = [("-" if len(n) == 1 else "--") + n for n in names]
        dest = names[-1].replace("-", "_")
        if taken & set(flags + [dest]):
            continue
        taken |= set(flags + [dest])
        kwargs = [f"action={action!r}"]
        if action in ("store", "append"):
            kwargs += [f"nargs={nargs!r}"] if nargs is not None else []
            kwargs += [f"type={type_}"] if type_ else []
        if action == "store_const":
            kwargs.append("const=42")
        lines.append(f"parser.add_argument({', '.join(map(repr, flags))}, {', '.join(kwargs)})")
    return "\n".join(lines) + "\n"


def _real(source, args):
    space = {}
    exec(compile(source, "<generated>", "exec"), space)
    err = io.StringIO()
    try:
        with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
            return vars(space["parser"].parse_args(args))
    except SystemExit:
        return None


def _flags(options):
    return sorted({("-" if len(n) == 1 else "--") + n for names, *_ in options for n in names})


def _args_for(flags):
    """Arguments built from the parser's own flags: exact, abbreviated, =value, bundled, stray."""
    longs = [f for f in flags if f.startswith("--")]
    shorts = [f for f in flags if len(f) == 2]
    value = st.sampled_from(["3", "-1", "-2.5", "1e3", "word", "-x1", ""])
    pieces = [st.sampled_from(flags), value, st.just("--"), st.sampled_from(["--nope", "--help"])]
    if longs:
        pieces += [st.builds(lambda f, k: f[:k], st.sampled_from(longs), st.integers(3, 8)),
                   st.builds(lambda f, v: f"{f}={v}", st.sampled_from(longs), value)]
    if shorts:
        pieces += [st.builds(lambda f, v: f + v, st.sampled_from(shorts), st.sampled_from(["4", "=2"])),
                   st.builds(lambda a, b: a + b[1:], st.sampled_from(shorts), st.sampled_from(shorts))]
    return st.lists(st.one_of(*pieces), max_size=6)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(options=st.lists(_option, min_size=1, max_size=6), data=st.data())
def test_replay_agrees_with_argparse(tmp_path_factory, options, data):
    source = _source(options)
    args = data.draw(_args_for(_flags(options)), label="args")
    path = tmp_path_factory.mktemp("gen") / "gen.py"
    path.write_text(source)
    result = read_parser(path).parse(args)
    real = _real(source, args)
    assert result.ok == (real is not None), (source, args, result.issues)
    if real is not None:
        assert {k: result.values.get(k) for k in real} == real


# ----------------------------------------------------------------------------------------------
# The real checkouts, when this machine has them.

needs_checkouts = pytest.mark.skipif(not all((NC / era).is_dir() for era in ("head", "feb", "v0")),
                                     reason="set NANOCHAT_CHECKOUTS to a folder of real checkouts (head, feb, v0)")


@needs_checkouts
def test_real_head_base_train_and_chat_sft():
    spec = read_parser(NC / "head/scripts/base_train.py")
    assert spec.defaults()["target_param_data_ratio"] == 12
    assert spec.defaults()["total_batch_size"] == -1
    sft = read_parser(NC / "head/scripts/chat_sft.py")
    for flag in ("--base-model", "--data", "--max-steps"):  # the IaC fork's SFT call
        assert not sft.parse([flag + "=x"]).ok
    assert sft.parse(["--model", "x"]).issues[0].kind == "ambiguous"  # --model-tag, --model-step


@needs_checkouts
def test_real_v0_configurator_and_argparse_underscores():
    spec = read_parser(NC / "v0/scripts/base_train.py")
    assert spec.kind == "configurator" and spec.defaults()["target_param_data_ratio"] == 20
    assert read_parser(NC / "v0/scripts/tok_train.py").parse(["--max_chars=2000000000"]).ok
    assert not read_parser(NC / "head/scripts/tok_train.py").parse(["--max_chars=2"]).ok
