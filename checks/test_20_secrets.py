"""Phase 1, Step 2: no secrets in the training data (the scan shares Step 1's pass)."""

import pytest

from preflight.secrets import apply_baseline, failure_message, write_findings

pytestmark = pytest.mark.summary_row("Secrets")


def test_no_secrets_in_data(settings, data_pass, summary):
    kept, suppressed = apply_baseline(data_pass.findings, settings.secrets_baseline)
    jsonl, sarif = write_findings(kept, settings.reports_dir)
    summary.facts["secrets"] = dict(findings=len(kept), baseline_suppressed=suppressed,
                                    jsonl=str(jsonl), sarif=str(sarif))
    summary.row("Secrets", f"{len(kept)} finding(s)",
                f"{suppressed} suppressed by the baseline; all findings in {jsonl}")
    assert not kept, failure_message(kept, settings.data_dir)
