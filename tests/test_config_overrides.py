"""A YAML config that replaces a script's flags after argparse (the IaC fork's config.yaml): read
from the script's source, replayed on parsed flags, and checked against really running such a
block."""

import os
import sys

import pytest
import yaml
from hypothesis import HealthCheck, given, settings, strategies as st

from lint_helpers import FLAT_FILES, flat_base_train, write
from preflight.readers.argparse_reader import read_parser


@pytest.fixture
def fork(tmp_path):
    """The fork's base_train stand-in and its config.yaml in a checkout folder."""
    write(tmp_path / "config.yaml", FLAT_FILES["config.yaml"])
    return read_parser(write(tmp_path / "scripts" / "base_train.py", flat_base_train())), tmp_path


def issues(result, kind=None):
    return [i for i in result.issues if kind in (None, i.kind)]


def test_reads_the_override_block(fork):
    spec, _ = fork
    assert spec.config.dest == "config"
    assert [(r.dest, r.when, r.where) for r in spec.config.rules] == [
        ("depth", 20, "model.num_hidden_layers"), ("n_embd", -1, "model.hidden_size"),
        ("n_head", -1, "model.num_attention_heads"), ("n_kv_head", -1, "model.num_key_value_heads"),
        ("max_seq_len", 2048, "model.max_position_embeddings"),
        ("device_batch_size", 32, "training.batch_size_per_gpu"),
        ("weight_decay", 0.2, "training.weight_decay")]


def test_flags_left_at_their_default_take_the_yaml_values(fork):
    spec, root = fork
    result = spec.parse(["--depth=6", "--device-batch-size=4"], cwd=root)
    assert result.ok and issues(result) == []
    values = result.values
    assert (values["depth"], values["device_batch_size"]) == (6, 4)          # given: kept
    assert (values["n_embd"], values["n_head"], values["n_kv_head"]) == (512, 4, 2)
    assert (values["max_seq_len"], values["weight_decay"]) == (1024, 0.1)
    assert [a.dest for a in result.applied] == ["n_embd", "n_head", "n_kv_head", "max_seq_len",
                                                "weight_decay"]
    assert spec.parse(["--depth=6"]).values["n_embd"] == -1  # no cwd: argparse alone


def test_a_given_flag_equal_to_its_default_is_replaced_and_said(fork):
    spec, root = fork
    result = spec.parse(["--depth=20"], cwd=root)
    assert result.values["depth"] == 8
    [warning] = issues(result, "config-override")
    assert warning.severity == "warning" and "--depth=20" in warning.message
    assert "model.num_hidden_layers (8)" in warning.message


def test_config_file_problems(fork):
    spec, root = fork
    missing = spec.parse(["--config=nope.yaml"], cwd=root)
    assert [i.kind for i in missing.issues] == ["config-missing"] and missing.values["n_embd"] == -1
    assert str(root / "nope.yaml") in missing.issues[0].message
    assert spec.parse(["--config="], cwd=root).issues == []  # no file on purpose: no overrides
    (root / "config.yaml").write_text("model:\n\thidden_size: 512\n")  # a tab on line 2
    [broken] = spec.parse([], cwd=root).issues
    assert broken.severity == "error" and broken.kind == "config-yaml"
    assert broken.message.startswith("config.yaml:2 is not valid YAML")
    (root / "config.yaml").write_text("model:\n  hidden_size: '512'\n  num_hidden_layers: 6.5\n")
    typed = spec.parse([], cwd=root)
    assert sorted(i.kind for i in typed.issues) == ["config-type", "config-type"]
    assert all(i.severity == "error" for i in typed.issues)
    assert any("model.hidden_size = '512' (str) for --n-embd, which takes int" in i.message
               for i in typed.issues)
    (root / "config.yaml").write_text("training:\n  learning_rate: 0.001\n")
    untouched = spec.parse([], cwd=root)
    assert untouched.applied == [] and untouched.issues == []


def test_without_pyyaml_it_says_so(fork, monkeypatch):
    spec, root = fork
    monkeypatch.setitem(sys.modules, "yaml", None)
    [warning] = spec.parse([], cwd=root).issues
    assert warning.kind == "config-unread" and "pip install pyyaml" in warning.message


def test_scripts_without_an_override_block(tmp_path):
    text = "import argparse, os, yaml\np = argparse.ArgumentParser()\n" \
           "p.add_argument('--config', default='c.yaml')\nargs = p.parse_args()\n" \
           "if os.path.exists(args.config):\n    print(yaml.safe_load(open(args.config)))\n"
    assert read_parser(write(tmp_path / "s.py", text)).config is None

# ----------------------------------------------------------------------------------------------
# Property: for random flags, YAML files and override blocks, the replay agrees with running the
# block for real (in this process: it is code written here).

NAMES = ("alpha", "beta", "gamma", "delta")
VALUES = {"int": st.integers(-3, 3), "float": st.sampled_from([-1.0, 0.0, 0.2, 2.5]),
          "str": st.sampled_from(["", "a", "b"])}
YAML_VALUES = st.one_of(st.integers(-3, 3), st.sampled_from([0.2, 2.5, -1.0]),
                        st.sampled_from(["a", "x", "3"]), st.booleans(), st.none())


@st.composite
def cases(draw):
    kinds = {name: draw(st.sampled_from(sorted(VALUES))) for name in NAMES}
    defaults = {name: draw(VALUES[kind]) for name, kind in kinds.items()}
    rules = []
    for name in draw(st.lists(st.sampled_from(NAMES), unique=True, max_size=4)):
        section = draw(st.sampled_from(["model", "training"]))
        when = draw(st.sampled_from(["default", "always"]))
        rules.append((name, section, f"{name}_key", when))
    config = {section: {f"{name}_key": draw(YAML_VALUES)
                        for name in draw(st.lists(st.sampled_from(NAMES), unique=True))}
              for section in draw(st.lists(st.sampled_from(["model", "training"]), unique=True))}
    given_names = draw(st.lists(st.sampled_from(NAMES), unique=True))
    args = [f"--{n}={draw(VALUES[kinds[n]])}" for n in given_names]
    return kinds, defaults, rules, config, args


def _source(kinds, defaults, rules) -> str:
    lines = ["import argparse, os, yaml", "parser = argparse.ArgumentParser()",
             "parser.add_argument('--config', type=str, default='c.yaml')"]
    lines += [f"parser.add_argument('--{n}', type={kinds[n]}, default={defaults[n]!r})"
              for n in NAMES]
    lines += ["args = parser.parse_args(ARGV)", "if os.path.exists(args.config):",
              "    with open(args.config) as f:", "        cfg = yaml.safe_load(f)",
              "    def get_val(section, key, default):",
              "        if cfg and section in cfg and key in cfg[section]:",
              "            return cfg[section][key]",
              "        return default"]
    for name, section, key, when in rules:
        assign = f"args.{name} = get_val({section!r}, {key!r}, args.{name})"
        lines.append(f"    if args.{name} == {defaults[name]!r}: {assign}" if when == "default"
                     else f"    {assign}")
    return "\n".join(lines) + "\n"


def _type_ok(value, kind) -> bool:
    if kind == "int":
        return type(value) is int
    if kind == "float":
        return type(value) in (int, float)
    return type(value) is str


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(case=cases())
def test_replay_agrees_with_running_the_block(tmp_path_factory, case):
    kinds, defaults, rules, config, args = case
    root = tmp_path_factory.mktemp("case")
    source = _source(kinds, defaults, rules)
    (root / "c.yaml").write_text(yaml.safe_dump(config))
    spec = read_parser(write(root / "train.py", source))
    assert spec.config is not None or not rules
    mine = spec.parse(args, cwd=root)
    namespace, cwd = {"ARGV": args}, os.getcwd()
    try:
        os.chdir(root)  # the block opens its config relative to where the script starts
        exec(source, namespace)
    finally:
        os.chdir(cwd)
    real = vars(namespace["args"])
    wrong_types = {i.message.split(" = ")[0].split()[-1] for i in mine.issues
                   if i.kind == "config-type"}
    for name in NAMES:
        rule_key = f"{name}_key"
        if any(rule_key in where for where in wrong_types):
            assert not _type_ok(real[name], kinds[name]), (name, real[name])
        else:
            assert mine.values[name] == real[name] and type(mine.values[name]) is \
                type(real[name]), (name, source, config, args)
