"""Step 4's fixtures: tokens, depth and exact parameters (`sizing`), and the run's horizon."""

import pytest

from preflight.config import parse_depth_table
from preflight.readers.argparse_reader import UNKNOWN
from preflight.sizing.horizon import HorizonError, horizon_from_call
from preflight.sizing.meta_worker import close_all
from preflight.sizing.params import count_params, model_shape, prefetch_model
from preflight.sizing.plan import Sizing, estimate_tokens, recommend_depth
from preflight.util.format import human


@pytest.fixture(scope="session", autouse=True)
def model_worker(settings):
    """Start the checkout's meta-device model worker before Step 1, so that importing torch there
    overlaps the data pass; closed at the end of the run."""
    prefetch_model(settings.checkout, settings.cache_dir / "params")
    yield
    close_all()


@pytest.fixture(scope="session")
def sizing(settings, data_pass, tokenizer, bytes_per_token, summary):
    """Tokens, depth, exact parameters, ratio and epochs."""
    bpt = bytes_per_token["train"]
    train_tokens = estimate_tokens(data_pass.total("text_bytes", data_pass.train), bpt)
    val_tokens = estimate_tokens(data_pass.total("text_bytes", data_pass.val),
                                 bytes_per_token["val"] or bpt)
    depth = recommend_depth(train_tokens, parse_depth_table(settings["depth_by_tokens"]))
    shape = model_shape(settings.checkout, depth, tokenizer.n_vocab)
    params = count_params(settings.checkout, shape, cache_dir=settings.cache_dir / "params")
    result = Sizing(train_tokens, val_tokens, bpt, depth, tokenizer.n_vocab, params,
                    settings["tokens_per_param"])
    summary.facts["sizing"] = dict(
        train_tokens=train_tokens, val_tokens=val_tokens, bytes_per_token=bpt, depth=depth,
        model_dim=shape.model_dim, n_head=shape.n_head, vocab_size=tokenizer.n_vocab,
        params_total=params.total, params_horizon=params.horizon, params_groups=params.groups,
        params_source=params.source, param_token_ratio=result.param_token_ratio,
        chinchilla_tokens=result.chinchilla_tokens, epochs=result.epochs)
    summary.row("Model", f"d{depth}: {human(params.total)} parameters ({params.total:,})",
                f"width {shape.model_dim}, {shape.n_head} heads, vocab {tokenizer.n_vocab:,}; "
                f"{human(params.horizon)} counted for the horizon ({params.horizon_basis}); "
                f"for {human(train_tokens)} train tokens; source: {params.source}")
    summary.row("Param/Token", f"{result.param_token_ratio:.2f}",
                f"{human(params.horizon)} params / {human(train_tokens)} train tokens")
    summary.row("Est. epochs", f"{result.epochs:.1f}",
                f"Chinchilla-optimal {human(result.chinchilla_tokens)} tokens "
                f"({settings['tokens_per_param']:g} per parameter) over {human(train_tokens)} "
                f"train tokens")
    return result


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
                f"{where}: {h.describe()} over {human(sizing.train_tokens)} train "
                f"tokens{beside}")
    summary.facts["horizon"] = dict(
        where=where, depth=h.depth, iterations=h.iterations, total_batch_size=h.total_batch_size,
        auto_batch=h.auto_batch, tokens=h.tokens, flops_per_token=h.flops_per_token,
        epochs=h.epochs, basis=h.basis,
        params=h.params, param_source=h.param_source, notes=h.notes,
        flags={k: str(v).replace(UNKNOWN, "$…") for k, v in h.flags.items()})
    return h, None
