"""Fixtures for the secret scanner tests; puts this folder on sys.path for `iac_text`."""

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from engines import ENGINES  # noqa: E402
from preflight.secrets import ScannerConfig, build_scanner  # noqa: E402


@pytest.fixture(scope="session", params=ENGINES)
def any_scanner(request):
    """The default scanner, once per available engine."""
    return build_scanner(ScannerConfig(engine=request.param))


@pytest.fixture(scope="session")
def scanner():
    """The default scanner with the best engine available."""
    return build_scanner(ScannerConfig())
