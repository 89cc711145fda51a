"""Step 4's judgements: parameters per token, passes over the data, and the run's horizon."""

from preflight.checklist.finding import OK, fail, warn
from preflight.util.format import human


def parameter_groups(sizing):
    params = sizing.params
    if not params.total == sum(params.groups.values()) > 0:
        return fail(f"bad parameter groups: {params.groups}")
    if params.horizon > params.total:
        return fail("horizon parameters exceed the total")
    return OK


def param_token_ratio(settings, sizing):
    ratio = sizing.param_token_ratio
    if ratio > settings["param_token_extreme"]:
        return warn(f"extreme overfitting risk: {ratio:.1f} parameters per train token "
                    f"(d{sizing.depth}, {human(sizing.params.horizon)} params, "
                    f"{human(sizing.train_tokens)} tokens); get more data or train a smaller model")
    if ratio > settings["param_token_warn"]:
        return warn(f"moderate overfitting risk: {ratio:.1f} parameters per train token")
    return OK


def epochs(settings, sizing):
    if sizing.epochs <= settings["max_epochs_warn"]:
        return OK
    return warn(f"a Chinchilla-optimal d{sizing.depth} run needs {human(sizing.chinchilla_tokens)} "
                f"tokens: {sizing.epochs:.1f} passes over your {human(sizing.train_tokens)} train "
                f"tokens")


def horizon_passes(settings, sizing, horizon):
    """The launch's own horizon: unknown, or far more passes over the data than a few epochs."""
    h, why_not = horizon
    if h is None:
        return warn(why_not)
    if h.epochs is not None and h.epochs > settings["max_epochs_warn"]:
        return warn(f"this script will make {h.epochs:.1f} passes over your data "
                    f"({human(h.tokens)} tokens over {human(sizing.train_tokens)}): expect "
                    "memorisation; lower --target-param-data-ratio or --num-iterations, or add data")
    return OK
