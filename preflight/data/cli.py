"""`preflight info`: Step 1's dataset report on its own (the checklist's pass and cache), and
`preflight dedup`: the shards rewritten without their duplicates."""

import sys
from pathlib import Path

from preflight.checklist.finding import OK
from preflight.config import add_options, settings_from_args
from preflight.data import verdicts
from preflight.data.shards import list_shards
from preflight.data.workers import start_early
from preflight.util.format import human_bytes


def progress(done, total, name):
    print(f"  {done}/{total} shards ({name})", file=sys.stderr)


def data_settings(args, **extra):
    """Settings of a data command; args.data_dir becomes the folder actually read."""
    settings = settings_from_args(args, **extra)
    args.data_dir = args.data_dir or settings.data_dir
    return settings


def cmd_info(args) -> int:
    """Step 1's dataset report on its own."""
    given = args.data_dir
    settings = data_settings(args)
    shards = list_shards(args.data_dir)
    print(f"nanochat:   {settings.checkout.label}")
    print(f"data dir:   {args.data_dir}")
    if not shards:
        print(verdicts.no_shards_message(settings, given))
        return 1
    start_early(shards)
    from preflight.secrets.scanner import build_scanner_soon
    build_scanner_soon(settings)
    from preflight.data.datapass import pass_for_settings
    from preflight.data.duplicates import duplicates_for_settings, row_text
    dp = pass_for_settings(settings, shards, progress=progress)
    train, val = dp.train, dp.val
    print(f"shards:     {len(shards)} ({len(train)} train + validation {shards[-1].name})")
    print(f"documents:  {dp.total('rows'):,} ({dp.total('empty_docs'):,} empty)")
    print(f"on disk:    {human_bytes(dp.total('size'))}")
    print(f"text:       {human_bytes(dp.total('text_bytes', train))} train, "
          f"{human_bytes(dp.total('text_bytes', val))} val (UTF-8)")
    print(f"row groups: {dp.total('row_groups')} ({min(s.row_groups for s in dp.shards)} to "
          f"{max(s.row_groups for s in dp.shards)} per shard)")
    found = [verdicts.two_shards(shards), *(verdicts.readable(dp, kind) for kind in
             ("open", "schema", "decode")), verdicts.no_null_documents(dp),
             verdicts.ranks_fed(dp, settings.ranks),
             *verdicts.hygiene(settings, shards, dp)]
    if not dp.errors:
        report = duplicates_for_settings(settings, shards, dp)
        print(f"duplicates: {row_text(report)[0]}")
        found += [verdicts.validation_not_in_training(settings, report),
                  *verdicts.duplicate_shares(settings, report)]
    for finding in found:
        if finding is not OK:
            print(f"{'FAIL' if finding.status == 'fail' else 'warning'}: {finding.message}")
    return 1 if any(f.status == "fail" for f in found) else 0


def add_info_parser(sub):
    info = sub.add_parser("info", help=cmd_info.__doc__)
    add_options(info.add_argument, "data")
    info.set_defaults(func=cmd_info)


DEDUP_AUDIT_LOG = "dedup-audit.jsonl"


def cmd_dedup(args) -> int:
    """Remove exact (with --near, also near) copies; validation loses what training holds."""
    from preflight.data.dedup_rewrite import run_dedup
    from preflight.data.duplicates import minhash_config
    settings = data_settings(args)
    return run_dedup(args.data_dir, near=args.near, config=minhash_config(settings),
                     jaccard=settings["dup_near_jaccard"], ranks=settings.ranks,
                     dry_run=args.dry_run, backup_dir=args.backup_dir, no_backup=args.no_backup,
                     audit_log=args.audit_log or settings.reports_dir / DEDUP_AUDIT_LOG,
                     cache_root=settings.cache_dir)


def add_dedup_parser(sub):
    dedup = sub.add_parser(
        "dedup", help="rewrite the shards without duplicates (run with --dry-run first)",
        description="Rewrite the shards without exact copies (with --near, also near copies), "
                    "keeping each document's first occurrence and removing from the validation "
                    "shard every document training holds. Refuses when a planned rank (--gpus) "
                    "would be left without a row group.")
    add_options(dedup.add_argument, "data")
    dedup.add_argument("--near", action="store_true",
                       help="also remove near copies (MinHash LSH; ini dup_near_* options)")
    add_rewrite_options(dedup, dry_run="print what would go, per shard", backup="dedup-<time>",
                        audit=f"every removed row (default REPORTS_DIR/{DEDUP_AUDIT_LOG})")
    dedup.set_defaults(func=cmd_dedup)


def add_rewrite_options(parser, *, dry_run, backup, audit):
    """The options of a command that rewrites shards in place (`dedup`, `sanitize`)."""
    parser.add_argument("--dry-run", action="store_true", help=f"{dry_run}; change nothing")
    parser.add_argument("--no-backup", action="store_true",
                        help="in place: do not keep the original shards")
    parser.add_argument("--backup-dir", type=Path,
                        help=f"where originals go (default DATA_DIR/.preflight-backup/{backup})")
    parser.add_argument("--audit-log", type=Path, help=f"JSON-lines record of {audit}")
