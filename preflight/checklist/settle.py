"""How a check settles its step's Finding: `ok` passes, `warn` passes with one of our warnings,
`skip` skips with the reason as a sentence, `fail` fails with the reason and no traceback (the
message names the file, row or flag at fault)."""

import warnings

import pytest


def settle(finding, warning_class, stacklevel: int = 2):
    """Pass, warn, skip or fail the calling check according to `finding`; returns it."""
    if finding.status == "skip":
        pytest.skip(finding.message)
    if finding.status == "warn":
        warnings.warn(finding.message, warning_class, stacklevel=stacklevel)
    if finding.status == "fail":
        pytest.fail(finding.message, pytrace=False)
    return finding


def settle_all(findings, warning_class) -> None:
    """Every warning of a list, then the first failure or skip (a check that reports several)."""
    findings = list(findings)
    for f in findings:
        if f.status == "warn":
            settle(f, warning_class, stacklevel=3)
    for f in findings:
        if f.status in ("fail", "skip"):
            settle(f, warning_class, stacklevel=3)
