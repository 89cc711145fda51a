"""Step 2, Secrets: no secret in the training data (the scan shares Step 1's pass)."""

import pytest

from preflight.checklist.settle import settle
from preflight.checklist.warnings import SecretsWarning
from preflight.secrets.findings import verdict

pytestmark = pytest.mark.summary_row("Secrets")


def test_no_secrets_in_data(settings, secret_findings):
    settle(verdict(secret_findings, settings.data_dir), SecretsWarning)
