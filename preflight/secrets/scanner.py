"""The scanner: a cheap per-document prefilter over all rules, then exact checks on hits.

Stage 1 asks, for every document of an Arrow string array, which rules can possibly match.
With Hyperscan (Vectorscan) all prefilters sit in one database in single-match mode and each
document is scanned on its own: scanning the concatenated Arrow buffer would let `^`, `$`
and boundaries see the neighbouring row. Without Hyperscan, pyarrow's RE2 kernels compute
the same row x rule candidates, one vectorised pass per rule. Stage 2 runs each candidate
rule's exact finder on that document in Python, resolves overlaps (the more specific rule
wins) and turns what is left into masked findings.

numpy and pyarrow are imported where arrays are read, so that a scanner can be compiled
(`build_scanner_soon`) while its caller is still importing them.
"""

import bisect
import contextlib
import hashlib
import json
import threading
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from preflight.secrets.errors import RuleError, SecretsConfigError
from preflight.secrets.findings import make_finding
from preflight.secrets.ipranges import DEFAULT_ALLOWED_IPS, net_ranges, parse_allowed
from preflight.secrets.rule import find_hits
from preflight.secrets.rules import RULES_VERSION, builtin_rules

try:
    import hyperscan
except ImportError:  # the pyarrow engine gives the same results, slower
    hyperscan = None

ENGINES = ("auto", "hyperscan", "pyarrow")


@dataclass(frozen=True)
class ScannerConfig:
    """Everything that decides what the scanner reports. Frozen and picklable."""

    rule_files: tuple = ()                  # gitleaks-format TOML files with extra rules
    allow_ips: tuple = DEFAULT_ALLOWED_IPS  # public IPs/CIDRs that are not findings
    b64_min_len: int = 64                   # shortest base64 run that is decoded and checked
    b64_min_entropy: float = 4.5            # and its minimum Shannon entropy (bits/char)
    engine: str = field(default="auto", compare=False)  # same results whatever the engine

    def __post_init__(self):
        object.__setattr__(self, "rule_files", tuple(str(p) for p in self.rule_files))
        object.__setattr__(self, "allow_ips", tuple(self.allow_ips))
        if self.engine not in ENGINES:
            raise SecretsConfigError(f"secrets engine {self.engine!r}: choose one of {ENGINES}")
        if self.b64_min_len < 16 or self.b64_min_len > 1000:
            raise SecretsConfigError(f"b64_min_len {self.b64_min_len}: must be 16..1000")

    def key(self):
        """A stable hash of everything that changes results (for the data-pass cache)."""
        files = []
        for path in self.rule_files:
            try:
                files.append(hashlib.sha256(Path(path).read_bytes()).hexdigest())
            except OSError as e:
                raise RuleError(f"{path}: cannot read rule file: {e.strerror}") from None
        payload = {"rules_version": RULES_VERSION, "code": _code_digest(), "rule_files": files,
                   "allow_ips": sorted(self.allow_ips),
                   "b64": [self.b64_min_len, round(self.b64_min_entropy, 6)]}
        return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()[:32]


@lru_cache(maxsize=1)
def _code_digest():
    here = Path(__file__).parent
    h = hashlib.sha256()
    for path in sorted(here.rglob("*.py")):  # the rules and the code that applies them
        h.update(path.relative_to(here).as_posix().encode() + path.read_bytes())
    return h.hexdigest()


_BUILDING = threading.Lock()  # one build at a time: a second caller waits for the first's


def build_scanner(cfg):
    """The Scanner for `cfg`, compiled once per process and configuration."""
    with _BUILDING:
        return _build(cfg, cfg.key(), cfg.engine)


def build_scanner_soon(settings):
    """Start building the scanner of the checklist `settings` in a thread: Hyperscan compiles
    (~0.2 s) without the GIL, so the caller's imports go on meanwhile. A failure (a bad rule
    file) is left to the caller's own build_scanner, which waits for this one."""
    def build():
        with contextlib.suppress(Exception):
            build_scanner(scanner_config(settings))
    threading.Thread(target=build, name="build_scanner", daemon=True).start()


def scanner_config(settings):
    """The secret scanner's configuration from the checklist settings."""
    options = {}
    if settings.secrets_allow_ips:
        options["allow_ips"] = DEFAULT_ALLOWED_IPS + tuple(settings.secrets_allow_ips)
    if settings["secrets_b64_min_len"]:
        options["b64_min_len"] = int(settings["secrets_b64_min_len"])
    if settings["secrets_b64_min_entropy"]:
        options["b64_min_entropy"] = settings["secrets_b64_min_entropy"]
    return ScannerConfig(rule_files=tuple(settings.secrets_rules), **options)


@lru_cache(maxsize=8)
def _build(cfg, key, engine):
    from preflight.secrets.gitleaks import load_rule_file
    try:
        allowed = parse_allowed(cfg.allow_ips)
    except ValueError as e:
        raise SecretsConfigError(str(e)) from None
    rules = list(builtin_rules(cfg.b64_min_len, cfg.b64_min_entropy, cfg.allow_ips))
    for path in cfg.rule_files:
        rules += load_rule_file(path)
    seen = set()
    for rule in rules:
        if rule.id in seen:
            raise RuleError(f"rule id {rule.id!r} is defined twice (custom rules need new ids)")
        seen.add(rule.id)
    if engine == "auto":
        engine = "hyperscan" if hyperscan is not None else "pyarrow"
    if engine == "hyperscan" and hyperscan is None:
        raise SecretsConfigError("secrets engine 'hyperscan': the hyperscan package is missing")
    prefilter = _HyperscanPrefilter(rules, key) if engine == "hyperscan" else _ArrowPrefilter(rules)
    return Scanner(tuple(rules), allowed, prefilter)


# ----------------------------------------------------------------------------------------------
# stage 1: prefilters

def _string_chunks(arr):
    """(chunk, offset of its first row) for a (Large)StringArray or ChunkedArray of strings."""
    import pyarrow as pa
    chunks = arr.chunks if isinstance(arr, pa.ChunkedArray) else [arr]
    base = 0
    for chunk in chunks:
        if not (pa.types.is_string(chunk.type) or pa.types.is_large_string(chunk.type)):
            chunk = chunk.cast(pa.large_string())
        yield chunk, base
        base += len(chunk)


def _row_views(chunk):
    """A memoryview of the chunk's UTF-8 data, the row offsets (a list) and the null rows."""
    import numpy as np

    from preflight.util.arrow_text import null_mask, text_offsets
    data = chunk.buffers()[2]
    view = memoryview(data) if data is not None else memoryview(b"")
    nulls = null_mask(chunk)  # a null row reads as empty, whatever its offsets say
    return view, text_offsets(chunk).tolist(), set(np.flatnonzero(nulls).tolist()) \
        if nulls is not None else set()


class _HyperscanPrefilter:
    """All rules' prefilters in one Hyperscan block-mode database, one scan per document.

    A plain rule's prefilter is single-match (does the document qualify?); a `locate` rule's
    reports every end offset, and its exact check then reads only the lines around them.
    """

    def __init__(self, rules, key=None):
        self.always = []  # rules whose prefilter Hyperscan cannot compile: every document
        self.n = n = len(rules)
        entries = []  # (expression, id, flags)
        for i, rule in enumerate(rules):
            if rule.prefilter is not None:
                flag = hyperscan.HS_FLAG_CASELESS if rule.caseless else 0
                if not rule.locate:
                    flag |= hyperscan.HS_FLAG_SINGLEMATCH
                entries.append((rule.prefilter.encode(), i + n if rule.locate else i, flag))
        self.db = _load_compiled(key)
        if self.db is None:
            try:  # one compile; only when it fails is each prefilter tried on its own
                self.db = self._compile(entries)
                _store_compiled(key, self.db)
            except hyperscan.error:
                self.db = self._compile(self._compilable(entries))
        self.scratch = hyperscan.Scratch(self.db)

    @staticmethod
    def _compile(entries):
        db = hyperscan.Database(mode=hyperscan.HS_MODE_BLOCK)
        db.compile(expressions=[e[0] for e in entries], ids=[e[1] for e in entries],
                   flags=[e[2] for e in entries])
        return db

    def _compilable(self, entries):
        """The entries Hyperscan compiles (a single-match one perhaps in prefilter mode); the
        others' rules go to `always`."""
        kept = []
        for expr, ident, flag in entries:
            locate = ident >= self.n
            if _hs_compiles(expr.decode(), flag):
                kept.append((expr, ident, flag))
            elif not locate and _hs_compiles(expr.decode(), flag | hyperscan.HS_FLAG_PREFILTER):
                kept.append((expr, ident, flag | hyperscan.HS_FLAG_PREFILTER))
            else:
                self.always.append(ident - self.n if locate else ident)
        return kept

    def candidates(self, chunk):
        """Yield (row index, row bytes view, {rule index: match ends or None}) per candidate row."""
        view, offs, nulls = _row_views(chunk)
        found = []
        on_match = lambda rule, start, end, flags, row: found.append((row, rule, end))  # noqa: E731
        scan, scratch = self.db.scan, self.scratch
        for i in range(len(chunk)):
            s, e = offs[i], offs[i + 1]
            if e > s and i not in nulls:
                scan(view[s:e], match_event_handler=on_match, context=i, scratch=scratch)
        yield from _group(found, view, offs, nulls, self.always, self.n)

    def candidates_bytes(self, data):
        """{rule index: match ends or None} for the bytes `data`."""
        found = []
        self.db.scan(data, match_event_handler=lambda r, s, e, f, c: found.append((0, r, e)),
                     scratch=self.scratch)
        view = memoryview(data)
        for _, _, rules in _group(found, view, [0, len(data)], set(), self.always, self.n):
            return rules
        return {}


# The compiled database, kept between runs and shared by the pass's worker processes (each would
# spend ~0.2 s compiling it): <cache dir>/scanner/<config key>-<hyperscan version>.db. Hyperscan
# checks a serialized database (a damaged one raises, and is compiled and stored again).

def _compiled_path(key):
    from preflight.config import default_cache_dir
    return default_cache_dir() / "scanner" / f"{key}-{hyperscan.__version__}.db"


def _load_compiled(key):
    if key is None:
        return None
    try:
        payload = _compiled_path(key).read_bytes()
    except OSError:
        return None
    try:
        return hyperscan.loadb(payload, hyperscan.HS_MODE_BLOCK)
    except hyperscan.error:
        return None


def _store_compiled(key, db):
    """Best effort: a cache that cannot be written (read-only home, full disk) is skipped."""
    if key is None:
        return
    from preflight.util.atomic_write import atomic_path
    from preflight.util.cache import PRIVATE_FILE, make_private_dir
    payload = hyperscan.dumpb(db)
    path = _compiled_path(key)
    try:
        make_private_dir(path.parent)
        with atomic_path(path) as tmp:
            tmp.write_bytes(payload)
            tmp.chmod(PRIVATE_FILE)
    except OSError:
        pass


def _hs_compiles(pattern, flag):
    try:
        hyperscan.Database().compile(expressions=[pattern.encode()], ids=[0], flags=[flag])
        return True
    except hyperscan.error:
        return False


def _group(found, view, offs, nulls, always, n_rules):
    """Per candidate row: {rule index: match ends (locate rules) or None}."""
    by_row = {}
    for row, rule, end in found:
        rules = by_row.setdefault(row, {})
        if rule >= n_rules:
            rules.setdefault(rule - n_rules, []).append(end)
        else:
            rules[rule] = None
    if always:
        for i in range(len(offs) - 1):
            if offs[i + 1] > offs[i] and i not in nulls:
                rules = by_row.setdefault(i, {})
                for rule in always:
                    rules[rule] = None
    for row in sorted(by_row):
        yield row, view[offs[row]:offs[row + 1]], by_row[row]


class _ArrowPrefilter:
    """The fallback: one pyarrow (RE2) `match_substring_regex` pass per rule, no locations."""

    def __init__(self, rules):
        import pyarrow as pa
        import pyarrow.compute as pc  # 0.1 s: only this engine needs it
        self.rules = rules
        self.always = []
        probe = pa.array(["x"])
        for i, rule in enumerate(rules):
            if rule.prefilter is None:
                continue
            try:
                pc.match_substring_regex(probe, rule.prefilter, ignore_case=rule.caseless)
            except pa.ArrowInvalid:
                self.always.append(i)

    def candidates(self, chunk):
        import numpy as np
        import pyarrow.compute as pc
        view, offs, nulls = _row_views(chunk)
        found = []
        for i, rule in enumerate(self.rules):
            if i in self.always or rule.prefilter is None:
                continue
            mask = pc.match_substring_regex(chunk, rule.prefilter, ignore_case=rule.caseless)
            for row in np.flatnonzero(mask.fill_null(False).to_numpy(zero_copy_only=False)):
                found.append((int(row), i, 0))
        yield from _group(found, view, offs, nulls, self.always, len(self.rules))

    def candidates_bytes(self, data):
        import pyarrow as pa
        chunk = pa.array([bytes(data)], type=pa.binary()).cast(pa.large_string(), safe=False)
        for _, _, rules in self.candidates(chunk):
            return rules
        return {}


def line_windows(row, ends, lookback=0, lookahead=0):
    """Merged (start, end) byte ranges of the lines holding each match's last byte, widened
    to whole lines `lookback` bytes further back and `lookahead` lines further on."""
    windows = []
    for e in sorted(set(ends)):
        last = max(e - 1, 0)
        start = row.rfind(b"\n", 0, max(last - lookback, 0)) + 1
        stop = row.find(b"\n", last)
        for _ in range(lookahead):
            stop = row.find(b"\n", stop + 1) if stop >= 0 else -1
        stop = len(row) if stop < 0 else stop
        if windows and start <= windows[-1][1]:
            windows[-1] = (windows[-1][0], max(windows[-1][1], stop))
        else:
            windows.append((start, stop))
    return windows


# ----------------------------------------------------------------------------------------------
# stage 2: exact checks

class ScanContext:
    """What finders may consult: allowed IPs, the recursion depth and a rescan for decoded text."""

    def __init__(self, scanner, depth):
        self.scanner, self.depth = scanner, depth
        self.allowed_ranges = scanner.allowed_ranges

    def rescan(self, data):
        """Verified hits in decoded bytes (one level deeper)."""
        return self.scanner.hits(data, depth=self.depth + 1)

    def priority(self, rule_id):
        return self.scanner.priority[rule_id]


def resolve_overlaps(hits, priority):
    """Drop hits that overlap a higher-priority (then longer, then earlier) hit; sort by start."""
    starts, kept = [], []  # kept never overlap, so neighbours by start decide
    for hit in sorted(set(hits), key=lambda h: (-priority[h[2]], h[0] - h[1], h[0])):
        i = bisect.bisect_left(starts, hit[0])
        if (i and kept[i - 1][1] > hit[0]) or (i < len(kept) and kept[i][0] < hit[1]):
            continue
        starts.insert(i, hit[0])
        kept.insert(i, hit)
    return kept


class Scanner:
    """Compiled rules plus a prefilter engine. Build it with build_scanner(cfg)."""

    def __init__(self, rules, allowed_nets, prefilter):
        self.rules = rules
        self.by_id = {r.id: r for r in rules}
        self.priority = {r.id: r.priority for r in rules}
        self.allowed_nets = allowed_nets
        self.allowed_ranges = net_ranges(allowed_nets)
        self.prefilter = prefilter
        self.engine = "hyperscan" if isinstance(prefilter, _HyperscanPrefilter) else "pyarrow"
        self._contexts = {}

    def _ctx(self, depth):
        if depth not in self._contexts:
            self._contexts[depth] = ScanContext(self, depth)
        return self._contexts[depth]

    def _verify(self, row, candidates, depth):
        ctx = self._ctx(depth)
        hits = []
        for i, ends in candidates.items():
            rule = self.rules[i]
            windows = line_windows(row, ends, rule.lookback, rule.lookahead) if ends else None
            hits.extend(find_hits(rule, row, ctx, windows))
        return resolve_overlaps(hits, self.priority) if len(hits) > 1 else hits

    def hits(self, text, depth=0):
        """Verified (start, end, rule_id) byte spans in one document (str or UTF-8 bytes)."""
        data = text.encode("utf-8") if isinstance(text, str) else bytes(text)
        return self._verify(data, self.prefilter.candidates_bytes(data), depth)

    def scan_text(self, text, shard="", row=0):
        """Findings in one document (str or UTF-8 bytes)."""
        data = text.encode("utf-8") if isinstance(text, str) else bytes(text)
        return [make_finding(shard, row, s, e, rule, data[s:e].decode("utf-8", "replace"))
                for s, e, rule in self.hits(data)]

    def scan_array(self, arr, shard="", row_offset=0):
        """Findings in every document of a pyarrow string array (row = row_offset + index)."""
        findings = []
        for chunk, base in _string_chunks(arr):
            for i, view, candidates in self.prefilter.candidates(chunk):
                row = bytes(view)
                for s, e, rule in self._verify(row, candidates, 0):
                    findings.append(make_finding(shard, row_offset + base + i, s, e, rule,
                                                 row[s:e].decode("utf-8", "replace")))
        return findings
