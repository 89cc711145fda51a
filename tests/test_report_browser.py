"""The HTML report as a person sees it: rendered by a real headless Chromium (Debian's `chromium`,
which .ci/run installs), with the summary table, the warnings, the plot and skip reasons that read
as sentences."""

import os
import shutil
import subprocess
from html.parser import HTMLParser

import pytest

from workspaces import run_checklist

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.skipif(
    CHROMIUM is None and not os.environ.get("PREFLIGHT_REQUIRE_BROWSER"),
    reason="no chromium here (.ci/run installs Debian's chromium; set PREFLIGHT_REQUIRE_BROWSER=1 "
           "to make this a failure)")


class Dom(HTMLParser):
    """The rendered page's summary rows, warnings list items, skip reasons and SVG bars."""

    def __init__(self):
        super().__init__()
        self.rows, self.skips, self.warnings, self.bars = [], [], [], 0
        self._in = None
        self._cells = None

    def handle_starttag(self, tag, attrs):
        cls = dict(attrs).get("class") or ""
        if tag == "table" and "preflight-summary" in cls:
            self._in = "summary"
        elif tag == "tr" and self._in == "summary":
            self._cells = []
        elif tag == "td" and self._cells is not None:
            self._cells.append("")
        elif tag == "div" and "skip-reason" in cls:
            self.skips.append("")
            self._in = "skip"
        elif tag == "li" and self._in == "warnings":
            self.warnings.append("")
        elif tag == "ul" and self._in == "after-warnings":
            self._in = "warnings"
        elif tag == "rect":
            self.bars += 1

    def handle_endtag(self, tag):
        if tag == "tr" and self._cells:
            self.rows.append(self._cells)
            self._cells = None
        elif tag == "table" and self._in == "summary":
            self._in = None
        elif tag in ("div", "ul") and self._in in ("skip", "warnings"):
            self._in = None

    def handle_data(self, data):
        if self._cells is not None and self._cells:
            self._cells[-1] += data
        elif self._in == "skip":
            self.skips[-1] += data
        elif self._in == "warnings" and self.warnings:
            self.warnings[-1] += data
        elif data.startswith("Warnings ("):
            self._in = "after-warnings"


def _chromium(tmp_path, *args):
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
             "--disable-background-networking", "--disable-component-update", "--disable-sync",
             f"--user-data-dir={tmp_path / 'profile'}", "--virtual-time-budget=5000"]
    return subprocess.run([CHROMIUM, *flags, *args], capture_output=True, text=True, timeout=120)


def test_the_report_renders_in_a_real_browser(workspace, tmp_path):
    assert CHROMIUM, "PREFLIGHT_REQUIRE_BROWSER is set but chromium is not installed"
    (workspace.data / "shard_00009.parquet.tmp").write_bytes(b"partial")  # a DataWarning
    run = run_checklist(workspace, env_extra={"CUDA_VISIBLE_DEVICES": ""})  # GPU checks skip
    assert run.code == 0, run.output
    report = workspace.root / "reports" / "report.html"
    rendered = _chromium(tmp_path, "--dump-dom", report.as_uri())
    assert rendered.returncode == 0, rendered.stderr
    dom = Dom()
    dom.feed(rendered.stdout)
    table = {cells[0].strip(): cells for cells in dom.rows}
    assert {"Nanochat", "Dataset", "Secrets", "Tokenizer", "Model", "Horizon", "Hardware",
            "Launch"} <= set(table), table.keys()
    assert table["Dataset"][2].strip() == "WARN" and table["Secrets"][2].strip() == "ok"
    assert any("leftover *.tmp" in w for w in dom.warnings), dom.warnings
    assert dom.bars >= 3  # the document-length plot drew its bars
    skipped = [n for n, outcome in run.outcomes.items() if outcome == "skipped"]
    assert skipped and len(dom.skips) == len(skipped)
    for reason in dom.skips:
        assert reason[0].isalnum() and "Skipped:" not in reason and "('" not in reason, reason
    shot = tmp_path / "report.png"
    _chromium(tmp_path, "--window-size=1400,2000", f"--screenshot={shot}", report.as_uri())
    assert shot.stat().st_size > 20_000  # a page was drawn, not a blank
