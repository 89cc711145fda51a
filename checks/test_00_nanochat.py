"""Before anything: which nanochat this run is for, and where it will read its data."""

import warnings

import pytest

from preflight.warnings import CheckoutWarning

pytestmark = pytest.mark.summary_row("Nanochat")


def test_nanochat_checkout_found(settings):
    if not settings.checkout.detected:
        warnings.warn(f"no nanochat checkout at {settings.checkout.root} (pass --nanochat-dir or run "
                      f"from the checkout): assuming the {settings.checkout.era.label} layout",
                      CheckoutWarning)
