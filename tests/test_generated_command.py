"""The base-training command the checklist generates is built from the checkout's own parser, and
passes the checklist's own lint, for every nanochat era and any amount of data."""

import ast
import math
import os
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from lint_helpers import flat_base_train, make_checkout, param_cache, write
from preflight.config import build_settings
from preflight.launch.candidates import generated_command, launch_candidates
from preflight.launch.lint import lint_command, offered
from preflight.readers.argparse_reader import read_parser
from preflight.sizing.horizon import base_train_spec, horizon_from_call
from preflight.sizing.params import count_params, model_shape
from workspaces import era_workspace, run_checklist

NC = Path(os.environ.get("NANOCHAT_CHECKOUTS", "/nonexistent"))
ERAS = ("head", "feb", "jan", "v0", "dec", "flat")
GPUS = 8


@pytest.fixture(scope="module")
def eras(tmp_path_factory):
    """Settings for a stand-in checkout of every era, sharing one parameter-count cache."""
    cache = param_cache(tmp_path_factory)
    out = {}
    for era in ERAS:
        root = tmp_path_factory.mktemp(era)
        # the fork's base_train without its checkpoint crash, which no command can avoid
        fixed = {"scripts/base_train.py": flat_base_train(False)} if era == "flat" else {}
        make_checkout(root / "nanochat", era, fixed)
        out[era] = build_settings(base_dir=root / "base", nanochat_dir=root / "nanochat",
                                  gpus=GPUS, cache_dir=cache)
    return out


def _sizing(settings, tokens, depth, vocab):
    shape = model_shape(settings.checkout, depth, vocab)
    params = count_params(settings.checkout, shape, cache_dir=settings.cache_dir / "params")
    return SimpleNamespace(depth=depth, train_tokens=tokens, params=params, vocab_size=vocab,
                           shape=shape)


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(era=st.sampled_from(ERAS), exponent=st.floats(3, 12), depth=st.sampled_from([4, 20]),
       dbs=st.sampled_from([None, 1, 16]))
def test_generated_command_passes_its_own_lint(eras, era, exponent, depth, dbs):
    settings = eras[era]
    checkout, vocab = settings.checkout, 65536 if era in ("v0", "dec") else 32768
    sizing = _sizing(settings, int(10 ** exponent), depth, vocab)
    argv = list(generated_command(settings, sizing, dbs))
    args = argv[6:]
    problems = lint_command(argv, checkout, base_dir=settings.base_dir, vocab_size=vocab,
                            gpus=GPUS, cache_dir=settings.cache_dir / "params")
    assert [p.message for p in problems if p.status == "fail"] == [], argv
    # the run is the model that was sized (a config file does not swap it) ...
    values = base_train_spec(checkout).parse(args, cwd=checkout.root).values
    assert values["depth"] == depth and values.get("device_batch_size") == (dbs or 32)
    if "n_embd" in values:
        assert (values["n_embd"], values["max_seq_len"]) == (-1, 2048)
    # ... for at most max_epochs_warn passes over the data (one step is the least there is)
    h = horizon_from_call(args, checkout, vocab, sizing.train_tokens,
                          cache_dir=settings.cache_dir / "params")
    cap = settings["max_epochs_warn"]
    assert h.iterations >= 1 and (h.epochs <= cap or h.iterations == 1), (argv, h.epochs)
    every = values.get("save_every")
    if every is not None:
        assert every == max(h.iterations // 10, 1)


def test_2025_configurator_never_gets_a_float_for_an_int(eras):
    """The issue's case: 4 passes over 30M tokens is ratio 0.16 at d12, but this configurator
    asserts type(value) == type(default), and the default is the int 20."""
    settings = eras["v0"]
    argv = generated_command(settings, _sizing(settings, 30_000_000, 12, 65536))
    assert argv[6:] == ("--depth=12", f"--num_iterations={4 * 30_000_000 // 2 ** 19}")
    bigger = generated_command(settings, _sizing(settings, 200_000_000, 12, 65536))[6:]
    ratio = 4 * 200_000_000 / count_params(settings.checkout, model_shape(
        settings.checkout, 12, 65536)).horizon
    assert bigger == ("--depth=12", f"--target_param_data_ratio={math.floor(ratio)}")


def test_floats_are_written_so_a_configurator_reads_floats(tmp_path):
    checkout = make_checkout(tmp_path / "c", "v0", {"scripts/base_train.py": (
        "depth = 20\ntarget_param_data_ratio = 20.0\ndevice_batch_size = 32\n"
        "exec(open('nanochat/configurator.py').read())\n")})
    settings = build_settings(base_dir=tmp_path / "b", nanochat_dir=checkout.root, gpus=2)
    # 4 passes over 234M tokens: ratio 5.04 at d12 (185,597,952 params), two digits down: 5.0,
    # which must not be written `5` (an int to literal_eval, and the configurator asserts float)
    argv = generated_command(settings, _sizing(settings, 234_000_000, 12, 65536))
    assert "--target_param_data_ratio=5.0" in argv


def test_the_fork_runs_without_its_config_yaml_model(eras):
    argv = generated_command(eras["flat"], _sizing(eras["flat"], 10 ** 9, 4, 32768))
    assert "--config=" in argv  # else config.yaml would make it d8 at width 512


def test_a_generated_command_that_fails_its_lint_is_not_offered_beside_a_script(tmp_path):
    """The fork's base_train always crashes at its first save: its scripts are linted (and fail),
    the generated command is withheld; alone, it stays so that Step 6 fails on it."""
    checkout = make_checkout(tmp_path / "fork", "flat")
    settings = build_settings(base_dir=tmp_path / "base", nanochat_dir=checkout.root, gpus=2,
                              cache_dir=tmp_path / "cache")
    sizing = _sizing(settings, 10 ** 8, 12, 32768)
    plan, withheld = offered(launch_candidates(settings, sizing), settings, 32768)
    assert [c.path.name for c in plan] == ["speedrun_iac.sh"]
    assert len(withheld) == 1 and "dies at its first checkpoint save" in withheld[0][1]
    (checkout.root / "runs" / "speedrun_iac.sh").unlink()
    alone, none = offered(launch_candidates(settings, sizing), settings, 32768)
    assert [c.path for c in alone] == [None] and none == []


def test_2025_checklist_offers_the_command_without_warning_it_would_stop(green_template, tmp_path):
    ws = era_workspace(green_template, tmp_path / "ws", "v0")
    write(ws.checkout / "speedrun.sh", "set -e\ntorchrun --standalone --nproc_per_node=2 -m "
                                       "scripts.base_train -- --depth=4\n")
    run = run_checklist(ws, env_extra={"HOME": str(ws.root / "home")})
    assert run.code == 0, run.output[-3000:]
    offers = run.summary["facts"]["launch"]
    custom = offers[-1]
    assert custom["description"].startswith("custom base training for d12")
    assert "--num_iterations=" in custom["command"] or "--target_param_data_ratio=" in \
        custom["command"]
    assert "would stop" not in run.output


@pytest.mark.parametrize("name", ["v0", "dec"])
def test_real_2025_configurators_accept_the_command(eras, name):
    """The real configurator of the checkout, executed on the generated flags (as base_train
    does: its globals, then `exec(open('nanochat/configurator.py').read())`)."""
    root = NC / name
    if not root.is_dir():
        pytest.skip(f"no real checkout at {root} (set NANOCHAT_CHECKOUTS)")
    settings = build_settings(base_dir=root / "no-base", nanochat_dir=root, gpus=GPUS,
                              cache_dir=eras["v0"].cache_dir)
    spec = read_parser(root / "scripts" / "base_train.py")
    source = (root / "nanochat" / "configurator.py").read_text()
    for tokens in (10 ** 5, 3 * 10 ** 7, 3 * 10 ** 8, 10 ** 11):
        args = list(generated_command(settings, _sizing(settings, tokens, 12, 65536))[6:])
        namespace = {**spec.defaults(), "__name__": "configurator"}
        saved = sys.argv
        sys.argv = ["base_train.py", *args]
        try:
            exec(compile(source, "configurator.py", "exec"), namespace)
        finally:
            sys.argv = saved
        for arg in args:
            key, value = arg[2:].split("=")
            assert namespace[key] == ast.literal_eval(value)
