"""`preflight info`: Step 1's dataset report on its own (the checklist's pass and cache)."""

import sys

from preflight.checklist.finding import OK
from preflight.config import add_options, settings_from_args
from preflight.data import verdicts
from preflight.data.datapass import pass_for_settings
from preflight.data.shards import list_shards
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
    settings = data_settings(args)
    shards = list_shards(args.data_dir)
    print(f"nanochat:   {settings.checkout.label}")
    print(f"data dir:   {args.data_dir}")
    if not shards:
        print(verdicts.no_shards_message(settings))
        return 1
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
    for finding in found:
        if finding is not OK:
            print(f"{'FAIL' if finding.status == 'fail' else 'warning'}: {finding.message}")
    return 1 if any(f.status == "fail" for f in found) else 0


def add_info_parser(sub):
    info = sub.add_parser("info", help=cmd_info.__doc__)
    add_options(info.add_argument, "data")
    info.set_defaults(func=cmd_info)
