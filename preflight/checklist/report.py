"""Rendering the summary: terminal lines, an HTML block for pytest-html, reports/summary.json."""

import html
from pathlib import Path

from preflight.checklist.summary import Summary
from preflight.util.atomic_write import write_json_atomic

STATUS_MARK = {"ok": "ok", "warn": "WARN", "fail": "FAIL"}
STATUS_COLOR = {"ok": "#1a7f37", "warn": "#9a6700", "fail": "#cf222e"}


def terminal_lines(summary: Summary) -> list:
    """The summary table as plain lines: row name, value, status, then the details below."""
    lines = []
    for name, value, details, status in summary.table():
        lines.append(f"{name:<12} {value}  [{STATUS_MARK[status]}]")
        if details:
            lines.append(f"{'':<12} {details}")
    if summary.warnings:
        lines.append(f"Warnings ({len(summary.warnings)}):")
        lines.extend(f"  - {message}" for _, _, message in summary.warnings)
    if summary.not_run:
        lines.append(f"Not run (stopped early): {len(summary.not_run)} checks")
        lines.extend(f"  - {nodeid}" for nodeid in summary.not_run)
    return lines


def write_summary(reports_dir: Path, summary: Summary) -> Path:
    path = Path(reports_dir) / "summary.json"
    write_json_atomic(path, summary.to_json())
    return path


def histogram_svg(counts: list, title: str, width: int = 560, height: int = 180) -> str:
    """A bar chart of log2-binned document lengths as inline SVG (bin i: < 2**i bytes)."""
    nonzero = [i for i, c in enumerate(counts) if c]
    if not nonzero:
        return ""
    lo, hi = nonzero[0], nonzero[-1]
    bins = counts[lo:hi + 1]
    peak = max(bins)
    bar_w = (width - 40) / len(bins)
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height + 40}" '
             f'role="img" aria-label="{html.escape(title)}">',
             f'<text x="10" y="14" font-size="13" font-family="sans-serif">{html.escape(title)}</text>']
    for j, count in enumerate(bins):
        h = (height - 30) * count / peak
        x = 30 + j * bar_w
        label = _bin_label(lo + j)
        parts.append(f'<rect x="{x:.1f}" y="{height - h:.1f}" width="{bar_w * 0.9:.1f}" '
                     f'height="{h:.1f}" fill="#4c72b0"><title>{label}: {count:,} docs</title></rect>')
        if len(bins) <= 16 or j % 2 == 0:
            parts.append(f'<text x="{x + bar_w * 0.45:.1f}" y="{height + 14}" font-size="9" '
                         f'text-anchor="middle" font-family="sans-serif">{label}</text>')
    parts.append(f'<text x="{width / 2}" y="{height + 34}" font-size="11" text-anchor="middle" '
                 f'font-family="sans-serif">document length (bytes, upper bound of bin)</text></svg>')
    return "".join(parts)


def _bin_label(i: int) -> str:
    if i == 0:
        return "0"
    n = 2 ** i
    for div, suffix in ((2**20, "M"), (2**10, "K")):
        if n >= div:
            return f"{n // div}{suffix}"
    return str(n)


def html_block(summary: Summary) -> str:
    """The summary table, warnings, plots and the not-run list for the top of the HTML report."""
    rows = "".join(
        f'<tr><td><b>{html.escape(n)}</b></td><td>{html.escape(v)}</td>'
        f'<td style="color:{STATUS_COLOR[s]}"><b>{STATUS_MARK[s]}</b></td>'
        f'<td>{html.escape(d)}</td></tr>' for n, v, d, s in summary.table())
    parts = ['<h2>Pre-flight summary</h2>',
             '<table class="preflight-summary" border="1" cellpadding="4" '
             'style="border-collapse:collapse"><tr><th>Check</th><th>Result</th><th>Status</th>'
             f'<th>Details</th></tr>{rows}</table>']
    if summary.warnings:
        items = "".join(f"<li><code>{html.escape(c)}</code> {html.escape(m)} "
                        f"<small>({html.escape(n)})</small></li>" for n, c, m in summary.warnings)
        parts.append(f"<h3>Warnings ({len(summary.warnings)})</h3><ul>{items}</ul>")
    if summary.not_run:
        items = "".join(f"<li>{html.escape(n)}</li>" for n in summary.not_run)
        parts.append(f"<h3>Not run (stopped early)</h3><ul>{items}</ul>")
    parts.extend(_section_html(section) for section in summary.sections.values())
    parts.extend(f"<div>{svg}</div>" for svg in summary.plots.values())
    return "".join(parts)


def _section_html(section) -> str:
    head = "".join(f"<th>{html.escape(c)}</th>" for c in section.columns)
    rows = "".join("<tr>" + "".join(f"<td>{html.escape(str(cell))}</td>" for cell in row) + "</tr>"
                   for row in section.rows)
    note = f"<p><small>{html.escape(section.note)}</small></p>" if section.note else ""
    return (f"<h3>{html.escape(section.title)}</h3><table border=\"1\" cellpadding=\"4\" "
            f"style=\"border-collapse:collapse\"><tr>{head}</tr>{rows}</table>{note}")
