"""Step 2's fixture: the secret findings of the data pass, less the reviewed ones, reported."""

import pytest

from preflight.secrets.baseline import apply_baseline
from preflight.secrets.findings import write_findings
from preflight.util.safe_repr import FindingList


@pytest.fixture(scope="session")
def secret_findings(settings, data_pass, summary):
    """The findings the baseline does not suppress; findings.jsonl and .sarif are written."""
    kept, suppressed = apply_baseline(data_pass.findings, settings.secrets_baseline)
    try:
        jsonl, sarif = write_findings(kept, settings.reports_dir)
    except OSError as exc:  # a full disk
        pytest.fail(f"cannot write the findings to {settings.reports_dir}: {exc.strerror or exc}",
                    pytrace=False)
    summary.facts["secrets"] = dict(findings=len(kept), baseline_suppressed=suppressed,
                                    jsonl=str(jsonl), sarif=str(sarif))
    summary.row("Secrets", f"{len(kept)} finding(s)",
                f"{suppressed} suppressed by the baseline; all findings in {jsonl}")
    return FindingList(kept)
