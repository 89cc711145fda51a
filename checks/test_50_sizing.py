"""Phase 3, Steps 5-6: tokens, depth, exact parameters, param/token ratio and epochs."""

import warnings

import pytest

from preflight.sizing import human
from preflight.warnings import SizingWarning

pytestmark = pytest.mark.summary_row("Param/Token")


def test_parameter_count_is_consistent(sizing):
    params = sizing.params
    assert params.total == sum(params.groups.values()) > 0, f"bad parameter groups: {params.groups}"
    assert params.horizon <= params.total, "horizon parameters exceed the total"


def test_param_token_ratio(settings, sizing):
    ratio = sizing.param_token_ratio
    if ratio > settings["param_token_extreme"]:
        warnings.warn(f"extreme overfitting risk: {ratio:.1f} parameters per train token "
                      f"(d{sizing.depth}, {human(sizing.params.horizon)} params, "
                      f"{human(sizing.train_tokens)} tokens); get more data or train a smaller "
                      f"model", SizingWarning)
    elif ratio > settings["param_token_warn"]:
        warnings.warn(f"moderate overfitting risk: {ratio:.1f} parameters per train token",
                      SizingWarning)


@pytest.mark.summary_row("Est. epochs")
def test_epochs(settings, sizing):
    if sizing.epochs > settings["max_epochs_warn"]:
        warnings.warn(f"a Chinchilla-optimal d{sizing.depth} run needs "
                      f"{human(sizing.chinchilla_tokens)} tokens: {sizing.epochs:.1f} passes over "
                      f"your {human(sizing.train_tokens)} train tokens", SizingWarning)
