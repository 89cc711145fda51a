"""`preflight info|scan|sanitize|gpus`: the helper commands, each one step of the checklist alone."""

import argparse
import sys
from pathlib import Path

from . import dataset_rules
from .config import build_settings, positive_int
from .datapass import pass_for_settings
from .secrets import SecretsConfigError
from .shards import list_shards
from .sizing import human_bytes


def _progress(done, total, name):
    print(f"  {done}/{total} shards ({name})", file=sys.stderr)


def _common(p):
    p.add_argument("--base-dir", help="nanochat base dir (default: $NANOCHAT_BASE_DIR, else "
                                      "~/.cache/nanochat)")
    p.add_argument("--nanochat-dir", help="the nanochat checkout (default: the current directory)")
    p.add_argument("--data-dir", type=Path, help="read shards from here instead of the base dir's")
    p.add_argument("--gpus", type=positive_int, help="planned ranks (default: the GPUs here, else 8)")


def _settings(args, **extra):
    settings = build_settings(base_dir=args.base_dir, nanochat_dir=args.nanochat_dir,
                              gpus=args.gpus, **extra)
    args.data_dir = args.data_dir or settings.data_dir
    return settings


def cmd_info(args) -> int:
    """Step 1's dataset report on its own."""
    settings = _settings(args)
    shards = list_shards(args.data_dir)
    print(f"nanochat:   {settings.checkout.label}")
    print(f"data dir:   {args.data_dir}")
    if not shards:
        print(dataset_rules.no_shards_message(settings))
        return 1
    dp = pass_for_settings(settings, shards, progress=_progress)  # the checklist's pass and cache
    train, val = dp.train, dp.val
    print(f"shards:     {len(shards)} ({len(train)} train + validation {shards[-1].name})")
    print(f"documents:  {dp.total('rows'):,} ({dp.total('empty_docs'):,} empty)")
    print(f"on disk:    {human_bytes(dp.total('size'))}")
    print(f"text:       {human_bytes(dp.total('text_bytes', train))} train, "
          f"{human_bytes(dp.total('text_bytes', val))} val (UTF-8)")
    print(f"row groups: {dp.total('row_groups')} ({min(s.row_groups for s in dp.shards)} to "
          f"{max(s.row_groups for s in dp.shards)} per shard)")
    problems = [s.error for s in dp.errors]
    if len(shards) < 2:
        problems.append("only one shard: nanochat's train split would be empty")
    starved = dataset_rules.starved_ranks_message(dp, settings.ranks)
    problems += [starved] if starved else []
    for line in problems:
        print(f"FAIL: {line}")
    for line in dataset_rules.hygiene_warnings(settings, shards, dp):
        print(f"warning: {line}")
    return 1 if problems else 0


def cmd_scan(args) -> int:
    """Step 2 on its own: same scan, same cache, same outputs, exit 1 on findings."""
    from .secrets import apply_baseline, failure_message, write_findings
    thresholds = {name: value for name, value in (("secrets_b64_min_len", args.b64_min_len),
                  ("secrets_b64_min_entropy", args.b64_min_entropy)) if value is not None}
    settings = _settings(args, secrets_rules=tuple(args.rules), secrets_baseline=args.baseline,
                         secrets_allow_ips=tuple(args.allow_ip), reports_dir=args.reports_dir,
                         thresholds=thresholds)
    shards = list_shards(args.data_dir)
    if not shards:
        print(dataset_rules.no_shards_message(settings), file=sys.stderr)
        return 2
    dp = pass_for_settings(settings, shards, progress=_progress)
    kept, suppressed = apply_baseline(dp.findings, settings.secrets_baseline)
    jsonl, sarif = write_findings(kept, settings.reports_dir)
    if kept:
        print(failure_message(kept, args.data_dir))
    else:
        print(f"no secrets found in {len(shards)} shards ({suppressed} suppressed by the baseline)")
    print(f"findings: {jsonl}, {sarif}")
    return 1 if kept else 0


def build_parser() -> argparse.ArgumentParser:
    from .hardware.cli import add_gpus_parser
    from .secrets.sanitize_cli import add_sanitize_parser
    parser = argparse.ArgumentParser(prog="preflight", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    info = sub.add_parser("info", help=cmd_info.__doc__)
    _common(info)
    info.set_defaults(func=cmd_info)
    scan = sub.add_parser("scan", help=cmd_scan.__doc__)
    _common(scan)
    scan.add_argument("--rules", action="append", type=Path, default=[],
                      help="extra rules in gitleaks TOML format (repeatable)")
    scan.add_argument("--baseline", type=Path, help="file of reviewed finding fingerprints")
    scan.add_argument("--allow-ip", action="append", default=[], metavar="IP_OR_CIDR",
                      help="a public address that is not a secret (added to the resolvers)")
    scan.add_argument("--b64-min-len", type=int, help="shortest base64 blob decoded and rescanned")
    scan.add_argument("--b64-min-entropy", type=float, help="least entropy of such a blob")
    scan.add_argument("--reports-dir", type=Path, default=Path("reports"))
    scan.set_defaults(func=cmd_scan)
    add_sanitize_parser(sub)
    add_gpus_parser(sub)
    for name, p in sub.choices.items():
        if name == "sanitize":
            _common(p)
    return parser


def main(argv=None) -> int:
    args = build_parser().parse_args(argv)
    if args.command == "sanitize":
        _settings(args)
    try:
        return args.func(args)
    except KeyboardInterrupt:
        return 130
    except (ValueError, SecretsConfigError) as exc:  # bad options or rule files: one line
        print(f"preflight: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:  # e.g. a reports folder that is a file
        print(f"preflight: {exc.filename or ''}: {exc.strerror or exc}", file=sys.stderr)
        return 2
