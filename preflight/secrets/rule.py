"""What a rule is, and how a plain regex rule finds its secrets (the catalogue is `rules/`).

A rule has two regexes: `prefilter` (Hyperscan/RE2 syntax, no look-arounds) decides cheaply
whether a document can hold a finding at all; `pattern` (Python `re` over the document's
UTF-8 bytes, or RE2 for user rules) finds the exact secret, named group `s`. A rule with
structure beyond a regex (PEM blocks, base64 blobs, IP addresses, key = value assignments)
has a `finder` instead. A `locate` rule's prefilter fires once per occurrence, so Hyperscan
also says where, and the exact check reads only those lines. Like gitleaks, every built-in
rule carries generated true positives and hand-picked near misses right beside it
(`samples`, `near_misses`); the unit tests run both through the scanner.
"""

import re
from dataclasses import dataclass, field
from typing import Callable

from preflight.secrets.heuristics import is_placeholder, shannon_entropy

# Documented example values that are public on purpose.
KNOWN_EXAMPLES = frozenset({
    "AKIAIOSFODNN7EXAMPLE",
    "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
    # Azurite / Azure Storage Emulator well-known account key
    "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==",
    # Stripe documentation test keys
    "sk_test_4eC39HqLyjWDarjtT1zdp7dc", "sk_test_BQokikJOvBiI2HlWgH4olfQ2",
    # the jwt.io sample token
    "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwi"
    "aWF0IjoxNTE2MjM5MDIyfQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c",
})


@dataclass(frozen=True)
class Rule:
    """One detector. Either `pattern` (+ optional `check`) or `finder` does the exact work."""

    id: str
    description: str
    prefilter: object               # None: only reported by other rules' finders
    placeholder: str
    pattern: object = None          # compiled regex over bytes; group `group` is the secret
    group: object = "s"             # None: the first non-empty group, else the whole match
    entropy: float = 0.0            # minimum Shannon entropy (bits/char) of the secret
    check: Callable = None          # check(secret: str, row: bytes, match, ctx) -> bool
    finder: Callable = None         # finder(row, ctx, windows) -> iterable of (start, end, rule_id)
    caseless: bool = False          # the prefilter ignores case
    locate: bool = False            # the prefilter fires once per occurrence: Hyperscan reports
                                    # where, and the exact check only reads those lines
    lookback: int = 0               # ...and the lines up to this many bytes before
    lookahead: int = 0              # ...and this many lines after
    placeholders: bool = True       # drop templated and placeholder values
    priority: int = 50              # the higher wins when two findings overlap
    replace: Callable = None        # replace(secret: str) -> str, instead of `placeholder`
    samples: Callable = None        # samples(rng) -> [Sample], true positives
    near_misses: tuple = field(default=(), repr=False)


def bounded(core, boundary):
    """The regex (bytes) for a token `core` not inside a longer run of `boundary` characters;
    an escaped newline, tab or return before it (`\\nTOKEN` in a JSON string) and an `=` (the
    assignment in `KEY=TOKEN`, never a token's first character) are boundaries."""
    before = boundary.replace("=", "") or boundary
    return re.compile(rf"(?:(?<![{before}])|(?<=\\[nrt]))(?P<s>{core})(?![{boundary}])".encode())


def spans(row, windows):
    """The (pos, endpos) ranges of `row` to read: the windows, or all of it."""
    return windows or ((0, len(row)),)


def find_hits(rule, row, ctx, windows=None):
    """Yield (start, end, rule_id) for every verified secret of `rule` in the UTF-8 `row`,
    reading only `windows` ((pos, endpos) line ranges from the prefilter) when given."""
    if rule.finder is not None:
        yield from rule.finder(row, ctx, windows)
        return
    for pos, endpos in spans(row, windows):
        yield from _pattern_hits(rule, row, ctx, pos, endpos)


def _pattern_hits(rule, row, ctx, pos, endpos):
    for m in rule.pattern.finditer(row, pos, endpos):
        start, end = m.span(_secret_group(rule, m))
        if start < 0 or start == end:
            continue
        secret = row[start:end].decode("utf-8", "replace")
        if secret in KNOWN_EXAMPLES:
            continue
        if rule.entropy and shannon_entropy(secret) < rule.entropy:
            continue
        if rule.placeholders and is_placeholder(secret):
            continue
        if rule.check is not None and not rule.check(secret, row, m, ctx):
            continue
        yield start, end, rule.id


def _secret_group(rule, m):
    """The rule's group, or (group None, as in gitleaks) the first non-empty group or 0."""
    if rule.group is not None:
        return rule.group
    for g in range(1, rule.pattern.groups + 1):
        start, end = m.span(g)
        if end > start >= 0:
            return g
    return 0
