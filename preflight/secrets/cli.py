"""`preflight scan` (Step 2 on its own: the checklist's scan, cache and reports, exit 1 on
findings) and `preflight sanitize` (rewrite the shards with typed placeholders)."""

import sys
from pathlib import Path

from preflight.config import add_options
from preflight.data.cli import add_rewrite_options, data_settings, progress
from preflight.data.shards import list_shards
from preflight.data.verdicts import no_shards_message
from preflight.data.workers import start_early
from preflight.util.lock import FolderLocked, folder_lock

AUDIT_LOG_NAME = "sanitize-audit.jsonl"


def cmd_scan(args) -> int:
    """Step 2 on its own: same scan, same cache, same outputs, exit 1 on findings."""
    given = args.data_dir
    settings = data_settings(args)
    shards = list_shards(args.data_dir)
    if not shards:
        print(no_shards_message(settings, given), file=sys.stderr)
        return 2
    start_early(shards, duplicates=False)
    from preflight.secrets.scanner import build_scanner_soon
    build_scanner_soon(settings)  # compiles while the rest is imported
    from preflight.data.datapass import pass_for_settings
    from preflight.secrets.baseline import apply_baseline, update_baseline
    from preflight.secrets.findings import failure_message, write_findings
    dp = pass_for_settings(settings, shards, duplicates=False, progress=progress)  # secrets only
    kept, suppressed = apply_baseline(dp.findings, settings.secrets_baseline)
    if args.update_baseline:
        added = update_baseline(args.update_baseline, kept)
        print(f"{added} finding(s) added to the baseline {args.update_baseline} "
              f"({len(kept) - added} already in it, {suppressed} in --secrets-baseline); review "
              f"its notes, delete the lines of real secrets (then sanitize), keep the rest")
        return 0
    settings.reports_dir.mkdir(parents=True, exist_ok=True)
    try:
        with folder_lock(settings.reports_dir, "preflight scan", doing="being written"):
            jsonl, sarif = write_findings(kept, settings.reports_dir)
    except FolderLocked as exc:  # a checklist run writing its reports there
        print(f"preflight: {exc}", file=sys.stderr)
        return 2
    if kept:
        print(failure_message(kept, args.data_dir))
    else:
        print(f"no secrets found in {len(shards)} shards ({suppressed} suppressed by the baseline)")
    print(f"findings: {jsonl}, {sarif}")
    return 1 if kept else 0


def cmd_sanitize(args) -> int:
    """Replace every secret the scan finds with a typed placeholder."""
    data_dir_given = args.data_dir is not None
    settings = data_settings(args)
    if not data_dir_given and not list_shards(args.data_dir):
        print(no_shards_message(settings), file=sys.stderr)
        return 2
    from preflight.secrets.baseline import load_baseline
    from preflight.secrets.sanitize import run_sanitize
    from preflight.secrets.scanner import build_scanner, scanner_config
    scanner = build_scanner(scanner_config(settings))
    reviewed = load_baseline(settings.secrets_baseline) if settings.secrets_baseline else frozenset()
    audit_log = args.audit_log or settings.reports_dir / AUDIT_LOG_NAME
    return run_sanitize(args.data_dir, scanner, dry_run=args.dry_run, output_dir=args.output_dir,
                        backup_dir=args.backup_dir, no_backup=args.no_backup, reviewed=reviewed,
                        audit_log=audit_log, cache_root=settings.cache_dir)


def add_scan_parsers(sub):
    scan = sub.add_parser("scan", help=cmd_scan.__doc__)
    sanitize = sub.add_parser(
        "sanitize", help="replace secrets in the shards with typed placeholders",
        description="Replace every secret found by the scan with a typed placeholder. "
                    "Run with --dry-run first.")
    for parser in (scan, sanitize):
        add_options(parser.add_argument, "data")
        add_options(parser.add_argument, "scan")
    add_options(scan.add_argument, "review")
    add_rewrite_options(sanitize, dry_run="print what would change per shard and rule",
                        backup="<time>",
                        audit=f"replacements (default REPORTS_DIR/{AUDIT_LOG_NAME})")
    sanitize.add_argument("--output-dir", type=Path,
                          help="write every shard (changed or not) here instead of in place")
    scan.set_defaults(func=cmd_scan)
    sanitize.set_defaults(func=cmd_sanitize)
