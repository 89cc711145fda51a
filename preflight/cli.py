"""`preflight`: the checklist (`check`), the launcher (`launch`), single steps on their own
(`info`, `dedup`, `scan`, `sanitize`, `gpus`), and the report of a watched run (`run-report`)."""

import argparse
import sys

from preflight.secrets.errors import SecretsConfigError


def cmd_check(argv) -> int:
    """The whole checklist, as `pytest checks -x` in a clone (pytest options pass through)."""
    from preflight.checklist.run import run_checklist
    return run_checklist(argv)


def cmd_launch(argv) -> int:
    """Run the checklist; on a green run, show the plan, confirm and launch (as launch.py)."""
    from preflight.launch.cli import main
    return main(argv)


PASS_THROUGH = {"check": cmd_check, "launch": cmd_launch}


def build_parser() -> argparse.ArgumentParser:
    from preflight.data.cli import add_dedup_parser, add_info_parser
    from preflight.hardware.cli import add_gpus_parser
    from preflight.launch.runreport import add_run_report_parser
    from preflight.secrets.cli import add_scan_parsers
    parser = argparse.ArgumentParser(prog="preflight", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    for name, func in PASS_THROUGH.items():
        sub.add_parser(name, help=func.__doc__, add_help=False)
    add_info_parser(sub)
    add_dedup_parser(sub)
    add_scan_parsers(sub)
    add_gpus_parser(sub)
    add_run_report_parser(sub)
    return parser


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    if argv and argv[0] in PASS_THROUGH:  # their options are the checklist's and pytest's
        return PASS_THROUGH[argv[0]](argv[1:])
    args = build_parser().parse_args(argv)
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
