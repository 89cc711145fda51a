"""Step 0, before anything: which nanochat this run is for, and where it will read its data."""

import pytest

from preflight.checklist.settle import settle
from preflight.checklist.warnings import CheckoutWarning
from preflight.checkout import checkout_verdict

pytestmark = pytest.mark.summary_row("Nanochat")


def test_nanochat_checkout_found(settings):
    settle(checkout_verdict(settings), CheckoutWarning)
