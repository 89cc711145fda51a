"""The HTML report of a watched run, made from its reports/run-<time>.jsonl: loss and val bpb
against step as inline SVG, the warnings, and how the run ended. The launcher writes it when the
run ends; `preflight run-report reports/run-<time>.jsonl` makes it again at any time (also while
the run is still going, or after a crash left the journal's last line half-written).
"""

import html
import json
from pathlib import Path

from preflight.util.atomic_write import write_text_atomic


def read_journal(path: Path) -> tuple:
    """(records, number of lines that are not JSON records)."""
    records, bad = [], 0
    for line in Path(path).read_text(encoding="utf-8", errors="replace").splitlines():
        try:
            record = json.loads(line)
        except ValueError:
            bad += 1
            continue
        if isinstance(record, dict) and "event" in record:
            records.append(record)
        else:
            bad += 1
    return records, bad


def line_svg(points: list, title: str, ylabel: str, width: int = 640, height: int = 220) -> str:
    """A line plot of (step, value) points as inline SVG; '' when there are none."""
    points = [(x, y) for x, y in points if y is not None]
    if not points:
        return ""
    xs, ys = [p[0] for p in points], [p[1] for p in points]
    x0, x1 = min(xs), max(xs) if max(xs) > min(xs) else min(xs) + 1
    y0, y1 = min(ys), max(ys) if max(ys) > min(ys) else min(ys) + 1
    left, top, w, h = 60, 24, width - 80, height - 60

    def at(x, y):
        return left + (x - x0) / (x1 - x0) * w, top + h - (y - y0) / (y1 - y0) * h

    path = " ".join(f"{px:.1f},{py:.1f}" for px, py in (at(x, y) for x, y in points))
    dots = "".join(f'<circle cx="{px:.1f}" cy="{py:.1f}" r="2.5" fill="#4c72b0"><title>step {x}: '
                   f'{y:.6g}</title></circle>' for (x, y), (px, py) in
                   zip(points, (at(x, y) for x, y in points))) if len(points) <= 200 else ""
    font = 'font-family="sans-serif"'
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" role="img" '
            f'aria-label="{html.escape(title)}">'
            f'<text x="10" y="16" font-size="13" {font}>{html.escape(title)}</text>'
            f'<rect x="{left}" y="{top}" width="{w}" height="{h}" fill="none" stroke="#bbb"/>'
            f'<polyline points="{path}" fill="none" stroke="#4c72b0" stroke-width="1.5"/>{dots}'
            f'<text x="{left - 4}" y="{top + 10}" font-size="10" text-anchor="end" {font}>{y1:.4g}</text>'
            f'<text x="{left - 4}" y="{top + h}" font-size="10" text-anchor="end" {font}>{y0:.4g}</text>'
            f'<text x="{left}" y="{top + h + 14}" font-size="10" {font}>{x0}</text>'
            f'<text x="{left + w}" y="{top + h + 14}" font-size="10" text-anchor="end" {font}>{x1}</text>'
            f'<text x="{left + w / 2}" y="{height - 6}" font-size="11" text-anchor="middle" {font}>step</text>'
            f'<text x="12" y="{top + h / 2}" font-size="11" {font} transform="rotate(-90 12 '
            f'{top + h / 2})" text-anchor="middle">{html.escape(ylabel)}</text></svg>')


def render(records: list, bad: int, source: Path) -> str:
    steps = [(r["step"], r.get("loss")) for r in records if r["event"] == "step"]
    vals = [(r["step"], r.get("bpb")) for r in records if r["event"] == "val"]
    warns = [r for r in records if r["event"] == "warn"]
    statuses = [r for r in records if r["event"] == "status"]
    end = next((r for r in reversed(records) if r["event"] == "end"), None)
    stop = next((r for r in records if r["event"] == "stop"), None)
    if end is None:
        outcome = "still running, or the launcher itself was killed (no end recorded)"
    else:
        outcome = f"ended with exit code {end['exit_code']} after {end['elapsed'] / 60:.1f} min"
    if stop:
        outcome += (f"; stopped on a plateau right after the checkpoint of step "
                    f"{stop['checkpoint_step']} in {stop['folder']}")
    esc = html.escape
    parts = [f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>nanochat run {esc(source.name)}"
             "</title></head><body style='font-family:sans-serif;max-width:900px'>",
             f"<h1>nanochat run</h1><p>{esc(str(source))}: {len(steps):,} steps, {len(vals)} "
             f"evaluations; {esc(outcome)}.</p>"]
    if bad:
        parts.append(f"<p>{bad} line(s) of the journal are not records and were skipped.</p>")
    if statuses:
        parts.append(f"<p>Last status: {esc(statuses[-1]['line'])}</p>")
    parts.append(line_svg(steps, "training loss (nanochat's smoothed loss)", "loss"))
    parts.append(line_svg(vals, "validation bits per byte", "val bpb"))
    if warns:
        parts.append("<h2>Warnings</h2><ul>" + "".join(
            f"<li>{esc(w['message'])}</li>" for w in warns) + "</ul>")
    parts.append("</body></html>")
    return "".join(parts)


def report_path(journal: Path, out: Path = None) -> Path:
    """Where the report of `journal` goes: `out`, else beside the journal."""
    return Path(out) if out else Path(journal).with_suffix(".html")


def write_run_report(journal: Path, out: Path = None) -> Path:
    """Write the HTML report of a run journal (beside it unless `out`); returns its path."""
    journal = Path(journal)
    records, bad = read_journal(journal)
    out = report_path(journal, out)
    write_text_atomic(out, render(records, bad, journal))
    return out


def add_run_report_parser(subparsers):
    p = subparsers.add_parser("run-report", help="write the HTML report (plots of loss and val bpb "
                                                 "against step) of a watched run's journal")
    p.add_argument("journal", type=Path, help="reports/run-<time>.jsonl")
    p.add_argument("--out", type=Path, help="the HTML file (default: beside the journal)")
    p.set_defaults(func=lambda args: _run(args))


def _run(args) -> int:
    if not args.journal.is_file():
        raise ValueError(f"{args.journal}: no such run journal")
    out = report_path(args.journal, args.out)
    if out.resolve() == args.journal.resolve():
        raise ValueError(f"{args.journal}: the report would overwrite the journal; pass --out")
    if not read_journal(args.journal)[0]:
        raise ValueError(f"{args.journal}: not a run journal (no watch event in it)")
    print(write_run_report(args.journal, out))
    return 0
