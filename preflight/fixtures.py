"""Session fixtures: the facts each step checks, computed once per run and recorded in the summary.

Data flows one way: settings -> facts (dataset, tokenizer, model) -> checks -> summary. A fixture
that cannot compute its fact fails with one line naming the file at fault.
"""

import time

import pytest

from . import report, sizing as sizing_mod
from .argparse_reader import UNKNOWN
from .cache import JsonCache, cache_key, file_identity
from .config import parse_depth_table
from .dataset_rules import no_shards_message
from .datapass import pass_for_settings
from .horizon import HorizonError, horizon_from_call
from .launcher import launch_candidates, launch_environ
from .params import count_params, model_shape
from .plugin import SETTINGS, SUMMARY
from .script_lint import base_train_of, calls_of
from .secrets import SecretsConfigError
from .shards import list_shards
from .tokenizer import (TokenizerError, check_token_bytes, compression, find_tokenizer,
                        load_tokenizer, roundtrip_failures)
from .tokenizer_rules import roundtrip_sample


@pytest.fixture(scope="session")
def settings(pytestconfig):
    return pytestconfig.stash[SETTINGS]


@pytest.fixture(scope="session")
def summary(pytestconfig):
    return pytestconfig.stash[SUMMARY]


def _progress_writer(config, label: str):
    """Progress lines on the real terminal, also while pytest captures output."""
    capman = config.pluginmanager.getplugin("capturemanager")
    terminal = config.pluginmanager.getplugin("terminalreporter")
    state = {"last": 0.0}

    def progress(done: int, total: int, name: str):
        now = time.monotonic()
        if name == "cache" or (done < total and now - state["last"] < 0.5):
            return
        state["last"] = now
        with capman.global_and_fixture_disabled():
            terminal.write_line(f"[preflight] {label}: {done}/{total} shards ({name})")

    return progress


@pytest.fixture(scope="session")
def shards(settings):
    return list_shards(settings.data_dir)


@pytest.fixture(scope="session")
def data_pass(pytestconfig, settings, shards, summary):
    """Step 1 and 2's single streaming pass (stats, samples, secret findings), cached."""
    if not shards:
        pytest.fail(no_shards_message(settings), pytrace=False)
    try:
        result = pass_for_settings(settings, shards,
                                   progress=_progress_writer(pytestconfig, "reading data"))
    except SecretsConfigError as exc:  # a bad custom rule or baseline file
        pytest.fail(str(exc), pytrace=False)
    train, val = result.train, result.val
    summary.facts["dataset"] = dict(
        data_dir=str(settings.data_dir), shards=len(shards), validation_shard=shards[-1].name,
        documents=result.total("rows"), bytes_on_disk=result.total("size"),
        train_text_bytes=result.total("text_bytes", train),
        val_text_bytes=result.total("text_bytes", val), empty_documents=result.total("empty_docs"),
        cached_shards=result.cached)
    summary.row("Dataset", f"{len(shards)} shards, {result.total('rows'):,} docs, "
                           f"{sizing_mod.human_bytes(result.total('text_bytes'))} text",
                f"train {sizing_mod.human_bytes(result.total('text_bytes', train))} / val "
                f"{sizing_mod.human_bytes(result.total('text_bytes', val))} ({shards[-1].name}); "
                f"{sizing_mod.human_bytes(result.total('size'))} on disk in {settings.data_dir}")
    svg = report.histogram_svg(result.length_hist(), "Document length distribution (all shards)")
    if svg:
        summary.plots["doc_lengths"] = svg
    return result


@pytest.fixture(scope="session")
def tokenizer(settings, summary):
    """Step 3: the tokenizer nanochat will load, loaded without executing pickled code."""
    try:
        path = find_tokenizer(settings.tokenizer_dir, settings.checkout.era.tok_train_command)
        tok = load_tokenizer(path)
    except TokenizerError as exc:
        summary.row("Tokenizer", "unusable", str(exc), "fail")
        pytest.fail(str(exc), pytrace=False)
    summary.facts["tokenizer"] = dict(path=str(path), n_vocab=tok.n_vocab, name=tok.name)
    summary.row("Tokenizer", f"{tok.n_vocab:,} tokens", f"{path}")
    return tok


def _cached(settings, parts, compute):
    """compute(), remembered across runs under a key of everything it depends on."""
    cache = JsonCache(settings.cache_dir / "facts")
    key = cache_key(*parts)
    value = cache.get(key)
    if value is None:
        value = compute()
        cache.put(key, value)
    return value


@pytest.fixture(scope="session")
def token_bytes_report(settings, tokenizer):
    """token_bytes.pt checked against the tokenizer (None when the file is missing)."""
    path = settings.tokenizer_dir / "token_bytes.pt"
    if not path.is_file():
        return None

    def compute():
        found = check_token_bytes(tokenizer, path)
        return dict(problems=found.problems, convention=found.convention)

    return _cached(settings, ("token_bytes", file_identity(path), file_identity(tokenizer.path)),
                   compute)


@pytest.fixture(scope="session")
def roundtrip(settings, tokenizer, data_pass):
    """(documents tried, indexes that do not survive decode(encode(doc)))."""
    docs = roundtrip_sample(data_pass)
    bad = _cached(settings, ("roundtrip", file_identity(tokenizer.path), data_pass.key),
                  lambda: roundtrip_failures(tokenizer, docs))
    return len(docs), bad


@pytest.fixture(scope="session")
def bytes_per_token(settings, tokenizer, data_pass, summary):
    """Step 4: UTF-8 bytes per token on a deterministic sample of the user's train and val docs."""

    def compute():
        counts = {}
        for split in ("train", "val"):
            counts[split] = compression(tokenizer, data_pass.sample(split))
        return counts

    try:
        counts = _cached(settings, ("compression", file_identity(tokenizer.path), data_pass.key),
                         compute)
    except TokenizerError as exc:
        pytest.fail(str(exc), pytrace=False)
    result = {split: (b / t if t else 0.0) for split, (b, t) in counts.items()}
    summary.facts["tokenizer"].update(bytes_per_token=result, sample_bytes=counts)
    summary.rows["Tokenizer"].value += (f", {result['train']:.2f} bytes/token train, "
                                        f"{result['val']:.2f} val")
    return result


@pytest.fixture(scope="session")
def sizing(settings, data_pass, tokenizer, bytes_per_token, summary):
    """Steps 5-6: tokens, depth, exact parameters, ratio and epochs."""
    bpt = bytes_per_token["train"]
    train_tokens = sizing_mod.estimate_tokens(data_pass.total("text_bytes", data_pass.train), bpt)
    val_tokens = sizing_mod.estimate_tokens(data_pass.total("text_bytes", data_pass.val),
                                            bytes_per_token["val"] or bpt)
    depth = sizing_mod.recommend_depth(train_tokens, parse_depth_table(settings["depth_by_tokens"]))
    shape = model_shape(settings.checkout, depth, tokenizer.n_vocab)
    params = count_params(settings.checkout, shape, cache_dir=settings.cache_dir / "params")
    result = sizing_mod.Sizing(train_tokens, val_tokens, bpt, depth, tokenizer.n_vocab, params,
                               settings["tokens_per_param"])
    h = sizing_mod.human
    summary.facts["sizing"] = dict(
        train_tokens=train_tokens, val_tokens=val_tokens, bytes_per_token=bpt, depth=depth,
        model_dim=shape.model_dim, n_head=shape.n_head, vocab_size=tokenizer.n_vocab,
        params_total=params.total, params_horizon=params.horizon, params_groups=params.groups,
        params_source=params.source, param_token_ratio=result.param_token_ratio,
        chinchilla_tokens=result.chinchilla_tokens, epochs=result.epochs)
    summary.row("Model", f"d{depth}: {h(params.total)} parameters ({params.total:,})",
                f"width {shape.model_dim}, {shape.n_head} heads, vocab {tokenizer.n_vocab:,}; "
                f"{h(params.horizon)} counted for the horizon ({params.horizon_basis}); "
                f"for {h(train_tokens)} train tokens; source: {params.source}")
    summary.row("Param/Token", f"{result.param_token_ratio:.2f}",
                f"{h(params.horizon)} params / {h(train_tokens)} train tokens")
    summary.row("Est. epochs", f"{result.epochs:.1f}",
                f"Chinchilla-optimal {h(result.chinchilla_tokens)} tokens "
                f"({settings['tokens_per_param']:g} per parameter) over {h(train_tokens)} train tokens")
    return result


@pytest.fixture(scope="session")
def launch_plan(settings, sizing, summary):
    """What launch.py would run: the checkout's scripts, or a command generated from the sizing."""
    plan = launch_candidates(settings, sizing)
    summary.facts["launch"] = [dict(description=c.description, command=c.command,
                                    script=str(c.path) if c.path else None) for c in plan]
    summary.row("Launch", plan[0].description, plan[0].command)
    return plan


@pytest.fixture(scope="session")
def base_train_call(settings, launch_plan):
    """The scripts.base_train call of what launch.py would run first (None when it has none)."""
    return base_train_of(calls_of(launch_plan[0], settings.checkout, launch_environ(settings)))


@pytest.fixture(scope="session")
def horizon(settings, sizing, launch_plan, base_train_call, summary):
    """The run's horizon from the base-training flags: (Horizon, None) or (None, why not)."""
    chosen = launch_plan[0]
    if base_train_call is None:
        summary.row("Horizon", "no base training", f"{chosen.description} starts no "
                                                   "scripts.base_train")
        return None, f"{chosen.description} starts no base training: no horizon to check"
    where = (f"{chosen.path.name}:{base_train_call.line}" if chosen.path
             else "the generated command")
    try:
        h = horizon_from_call(base_train_call, settings.checkout, sizing.vocab_size,
                              sizing.train_tokens, cache_dir=settings.cache_dir / "params")
    except HorizonError as exc:
        summary.row("Horizon", "unknown", f"{where}: {exc}")
        return None, f"{where}: the training horizon cannot be computed: {exc}"
    estimate = summary.rows.get("Est. epochs")
    beside = f"; Chinchilla estimate {estimate.value} epochs" if estimate else ""
    passes = (f"{h.epochs:.1f} passes over your data" if h.epochs is not None
              else "passes unknown (no train tokens)")
    summary.row("Horizon", passes,
                f"{where}: {h.describe()} over {sizing_mod.human(sizing.train_tokens)} train "
                f"tokens{beside}")
    summary.facts["horizon"] = dict(
        where=where, depth=h.depth, iterations=h.iterations, total_batch_size=h.total_batch_size,
        auto_batch=h.auto_batch, tokens=h.tokens, epochs=h.epochs, basis=h.basis,
        params=h.params, param_source=h.param_source, notes=h.notes,
        flags={k: str(v).replace(UNKNOWN, "$…") for k, v in h.flags.items()})
    return h, None
