"""Recall on another scanner's own test samples: CredSweeper's tests/samples, judged by the
findings its test suite expects (tests/data/output.json, ML on).

    python bench/bench_third_party.py --credsweeper DIR   # a checkout of Samsung/CredSweeper

A finding of this project that overlaps the expected value on its line counts as found. The
samples are CredSweeper's: code in many languages and prose notes as well as config files, so
its rules for UUIDs, salts, nonces, bucket names and the like (not secrets here) stay below 100%
by design. It prints the overall recall, then each CredSweeper rule below 100%.
"""

import argparse
import json
import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT)]

from preflight.secrets import ScannerConfig, build_scanner  # noqa: E402


def expected_spans(checkout: Path):
    """(CredSweeper rule, sample path, byte start, byte end) of every expected value found on
    its line (values CredSweeper reports transformed, e.g. decoded, are left out)."""
    for item in json.loads((checkout / "tests/data/output.json").read_text()):
        line = item["line_data_list"][0]
        path = checkout / line["path"].removeprefix("./")
        lines = path.read_bytes().split(b"\n")
        number = line["line_num"] - 1
        if not 0 <= number < len(lines):
            continue
        value = line["value"].encode()
        at = lines[number].find(value[:40])
        if at >= 0:
            start = sum(len(x) + 1 for x in lines[:number]) + at
            yield item["rule"], path, start, start + len(value)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--credsweeper", type=Path, required=True,
                    help="a Samsung/CredSweeper checkout")
    args = ap.parse_args(argv)
    scanner = build_scanner(ScannerConfig())
    found, per_rule = {}, defaultdict(lambda: [0, 0])
    for rule, path, start, end in expected_spans(args.credsweeper):
        if path not in found:
            found[path] = scanner.scan_text(path.read_bytes())
        hit = any(f.start < end and f.end > start for f in found[path])
        per_rule[rule][0] += 1
        per_rule[rule][1] += hit
    total = sum(n for n, _ in per_rule.values())
    hits = sum(h for _, h in per_rule.values())
    print(f"CredSweeper's samples: {hits} of {total} expected values found ({hits / total:.1%}) "
          f"in {len(found)} files")
    for rule, (n, h) in sorted(per_rule.items(), key=lambda kv: kv[1][1] - kv[1][0]):
        if h < n:
            print(f"  {rule:40} {h:4d} of {n:4d}")


if __name__ == "__main__":
    main()
