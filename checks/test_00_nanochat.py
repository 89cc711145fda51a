"""Before anything: which nanochat this run is for, and where it will read its data."""

import warnings

import pytest

from preflight.warnings import CheckoutWarning

pytestmark = pytest.mark.summary_row("Nanochat")


def test_nanochat_checkout_found(settings):
    checkout = settings.checkout
    if checkout.detected:
        return
    message = (f"no nanochat checkout at {checkout.root} (no nanochat/dataset.py): pass "
               f"--nanochat-dir or run from the checkout")
    assert not settings.nanochat_dir_given, message
    warnings.warn(f"{message}; assuming the {checkout.era.label} layout", CheckoutWarning)
