"""`preflight sanitize`: the command-line wiring of the shard sanitizer.

The lead's CLI adds --base-dir/--nanochat-dir/--data-dir to every subcommand and resolves
them into args.data_dir; `python -m preflight.secrets --data-dir DIR` runs the
same command on its own.
"""

import argparse
import sys
from pathlib import Path

from .baseline import load_baseline
from .errors import SecretsConfigError
from .ipranges import DEFAULT_ALLOWED_IPS
from .sanitize import run_sanitize
from .scanner import ScannerConfig, build_scanner

DEFAULT_AUDIT_LOG = Path("reports") / "sanitize-audit.jsonl"


def add_sanitize_flags(parser):
    """The sanitize options (everything except where the data is)."""
    parser.add_argument("--dry-run", action="store_true",
                        help="print what would change per shard and rule; change nothing")
    parser.add_argument("--output-dir", type=Path,
                        help="write every shard (changed or not) here instead of in place")
    parser.add_argument("--no-backup", action="store_true",
                        help="in place: do not keep the original shards")
    parser.add_argument("--backup-dir", type=Path,
                        help="where originals go (default DATA_DIR/.preflight-backup/<time>)")
    parser.add_argument("--rules", action="append", type=Path, default=[], metavar="TOML",
                        help="extra rules in gitleaks TOML format (repeatable)")
    parser.add_argument("--baseline", type=Path,
                        help="fingerprints of reviewed findings to leave alone")
    parser.add_argument("--allow-ip", action="append", default=[], metavar="IP_OR_CIDR",
                        help="a public address that is not a secret (added to the resolvers)")
    parser.add_argument("--b64-min-len", type=int, default=ScannerConfig.b64_min_len)
    parser.add_argument("--b64-min-entropy", type=float, default=ScannerConfig.b64_min_entropy)
    parser.add_argument("--audit-log", type=Path, default=None,
                        help=f"JSON-lines record of replacements (default {DEFAULT_AUDIT_LOG})")


def add_sanitize_parser(subparsers):
    """Register `sanitize` on an argparse subparsers object; its handler returns an exit code."""
    parser = subparsers.add_parser(
        "sanitize", help="replace secrets in the shards with typed placeholders",
        description="Replace every secret found by the scan with a typed placeholder. "
                    "Run with --dry-run first.")
    add_sanitize_flags(parser)
    parser.set_defaults(func=run_from_args)


def run_from_args(args):
    """Build the scanner from args and sanitize args.data_dir; return the exit code."""
    try:
        cfg = ScannerConfig(rule_files=tuple(args.rules or ()),
                            allow_ips=DEFAULT_ALLOWED_IPS + tuple(args.allow_ip or ()),
                            b64_min_len=args.b64_min_len, b64_min_entropy=args.b64_min_entropy)
        scanner = build_scanner(cfg)
        reviewed = load_baseline(args.baseline) if args.baseline else frozenset()
    except SecretsConfigError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    audit_log = args.audit_log or Path(getattr(args, "reports_dir", None) or "reports") / \
        DEFAULT_AUDIT_LOG.name
    return run_sanitize(args.data_dir, scanner, dry_run=args.dry_run, output_dir=args.output_dir,
                        backup_dir=args.backup_dir, no_backup=args.no_backup, reviewed=reviewed,
                        audit_log=audit_log)


def main(argv=None):
    """Stand-alone entry point: `python -m preflight.secrets --data-dir DIR ...`."""
    parser = argparse.ArgumentParser(prog="preflight-sanitize", description=__doc__)
    parser.add_argument("--data-dir", type=Path, required=True, help="folder of *.parquet shards")
    add_sanitize_flags(parser)
    args = parser.parse_args(argv)
    args.data_dir = args.data_dir.resolve()
    return run_from_args(args)
