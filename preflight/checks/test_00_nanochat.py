"""Step 0, before anything: which nanochat this run is for, and where it will read its data."""

import pytest

from preflight.checklist.settle import settle
from preflight.checklist.warnings import CheckoutWarning
from preflight.checkout import checkout_verdict
from preflight.launch.lint_data import data_folder_verdict

pytestmark = pytest.mark.summary_row("Nanochat")


def test_nanochat_checkout_found(settings):
    settle(checkout_verdict(settings), CheckoutWarning)


def test_script_reads_the_data_folder(settings):
    settle(data_folder_verdict(settings), CheckoutWarning)
