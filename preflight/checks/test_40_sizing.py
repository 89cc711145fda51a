"""Step 4, Sizing: tokens, depth, exact parameters, param/token ratio, epochs, and the launch's
own horizon (iterations, tokens, passes over this data)."""

import pytest

from preflight.checklist.settle import settle
from preflight.checklist.warnings import SizingWarning
from preflight.sizing import verdicts

pytestmark = pytest.mark.summary_row("Param/Token")


def test_parameter_count_is_consistent(sizing):
    settle(verdicts.parameter_groups(sizing), SizingWarning)


def test_param_token_ratio(settings, sizing):
    settle(verdicts.param_token_ratio(settings, sizing), SizingWarning)


@pytest.mark.summary_row("Est. epochs")
def test_epochs(settings, sizing):
    settle(verdicts.epochs(settings, sizing), SizingWarning)


@pytest.mark.summary_row("Horizon")
def test_horizon(settings, sizing, horizon):
    settle(verdicts.horizon_passes(settings, sizing, horizon), SizingWarning)
