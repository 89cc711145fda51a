"""User rules in the gitleaks TOML format, so teams can reuse the file they already keep.

Supported: `[[rules]]` with `id`, `description`, `regex` (Go RE2 syntax, compiled with
google-re2 when installed, else Python `re`), `secretGroup`, `entropy` (a finding needs
entropy above it, as in gitleaks), `keywords` (one must occur in the lower-cased document,
the gitleaks per-fragment gate), and allowlists: `[[rules.allowlists]]` (or the older
`[rules.allowlist]`) and the global `[allowlist]` / `[[allowlists]]`, each with `regexes`,
`regexTarget` (secret, match or line), `stopwords` and `condition` (OR, AND). `paths` and
`commits` do not apply to documents in a shard: an allowlist made only of them never matches,
and a rule with only a `path` (no regex) is skipped. Anything malformed raises RuleError
naming the file and the rule.
"""

import re
from pathlib import Path

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10, which nanochat's own checkout pins
    import tomli as tomllib

from preflight.secrets.errors import RuleError
from preflight.secrets.heuristics import shannon_entropy
from preflight.secrets.rule import Rule

try:
    import re2
except ImportError:  # Python re reads most RE2 syntax too
    re2 = None

CUSTOM_PRIORITY = 65  # above the generic rules, below private keys and exact cloud formats


def _compile(regex):
    if re2 is not None:
        opts = re2.Options()
        opts.log_errors = False
        opts.max_mem = 64 << 20
        return re2.compile(regex.encode(), opts)
    return re.compile(regex.encode())


def _line_of(row, start, end):
    return row[row.rfind(b"\n", 0, start) + 1: (row.find(b"\n", end) + 1 or len(row) + 1) - 1]


def _allowlist(where, spec):
    """A predicate (secret, match, line) -> bool for one gitleaks allowlist table."""
    if not isinstance(spec, dict):
        raise RuleError(f"{where}: an allowlist must be a table")
    target = spec.get("regexTarget", "secret")
    if target not in ("secret", "match", "line"):
        raise RuleError(f"{where}: regexTarget {target!r} must be secret, match or line")
    condition = str(spec.get("condition", "OR")).upper()
    if condition not in ("OR", "AND"):
        raise RuleError(f"{where}: condition {condition!r} must be OR or AND")
    try:
        regexes = [_compile(r) for r in spec.get("regexes", [])]
    except Exception as e:
        raise RuleError(f"{where}: bad allowlist regex: {e}") from None
    stopwords = [str(w).lower().encode() for w in spec.get("stopwords", [])]
    inapplicable = bool(spec.get("paths") or spec.get("commits"))

    def allowed(secret, match, line):
        text = {"secret": secret, "match": match, "line": line}[target]
        checks = []
        if regexes:
            checks.append(any(r.search(text) for r in regexes))
        if stopwords:
            checks.append(any(w in secret.lower() for w in stopwords))
        if inapplicable:
            checks.append(False)
        if not checks:
            return False
        return all(checks) if condition == "AND" else any(checks)

    return allowed


def _allowlists(where, table, single, plural):
    specs = []
    if single in table:
        specs.append(table[single])
    if plural in table:
        if not isinstance(table[plural], list):
            raise RuleError(f"{where}: {plural} must be an array of tables")
        specs += table[plural]
    return [_allowlist(where, s) for s in specs]


# Ordinary IaC lines: a secret rule that matches most of them would flag every document.
_PROBE = (b"resource \"aws_s3_bucket\" \"logs\" {", b"  bucket = \"app-logs\"", b"}",
          b"apiVersion: apps/v1", b"kind: Deployment", b"  replicas: 3", b"# comment",
          b"FROM python:3.12-slim", b"RUN pip install -r requirements.txt", b"[default]", b"x")


def _refuse_if_everywhere(where, regex, pattern):
    """A rule that matches the empty string, or most ordinary lines, would report every
    document of the dataset: refuse it in one line."""
    if pattern.search(b"") is not None:
        raise RuleError(f"{where}: regex {regex!r} matches the empty string, so it would flag "
                        f"every document; make it require at least one character")
    if sum(pattern.search(line) is not None for line in _PROBE) > len(_PROBE) // 2:
        raise RuleError(f"{where}: regex {regex!r} matches ordinary lines such as "
                        f"'kind: Deployment' and '}}', so it would flag every document; "
                        f"anchor it on the secret's prefix or key name")


def _rule(path, spec, global_allow):
    if not isinstance(spec, dict) or not isinstance(spec.get("id"), str) or not spec["id"]:
        raise RuleError(f"{path}: every [[rules]] entry needs a string id")
    rid = spec["id"]
    where = f"{path}: rule {rid!r}"
    regex = spec.get("regex")
    if regex is None:
        return None  # a path-only rule: nothing to match inside a document
    if not isinstance(regex, str):
        raise RuleError(f"{where}: regex must be a string")
    try:
        pattern = _compile(regex)
    except Exception as e:
        why = e.args[0] if e.args else e
        why = why.decode("utf-8", "replace") if isinstance(why, bytes) else str(why)
        raise RuleError(f"{where}: bad regex {regex!r}: {why}") from None
    _refuse_if_everywhere(where, regex, pattern)
    group = spec.get("secretGroup")
    if group is not None and (not isinstance(group, int) or not 0 <= group <= pattern.groups):
        raise RuleError(f"{where}: secretGroup {group!r} is not a group of the regex")
    try:
        entropy = float(spec.get("entropy", 0.0))
    except (TypeError, ValueError):
        raise RuleError(f"{where}: entropy must be a number") from None
    keywords = [str(k).lower().encode() for k in spec.get("keywords", [])]
    allows = _allowlists(where, spec, "allowlist", "allowlists") + global_allow

    def check(secret, row, m, ctx):
        if keywords and not any(k in row.lower() for k in keywords):
            return False
        if entropy and shannon_entropy(secret) <= entropy:
            return False
        raw = secret.encode()
        line = _line_of(row, m.start(), m.end())
        return not any(a(raw, m.group(0), line) for a in allows)

    return Rule(id=rid, description=str(spec.get("description", rid)), prefilter=regex,
                placeholder="REDACTED_" + re.sub(r"[^A-Z0-9]+", "_", rid.upper()),
                pattern=pattern, group=group, check=check, priority=CUSTOM_PRIORITY)


def load_rule_file(path):
    """The rules of one gitleaks-format TOML file, as a tuple of Rule."""
    try:
        data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as e:
        raise RuleError(f"{path}: cannot read rule file: {e.strerror}") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as e:
        raise RuleError(f"{path}: not valid TOML: {e}") from None
    global_allow = _allowlists(f"{path}: global allowlist", data, "allowlist", "allowlists")
    specs = data.get("rules", [])
    if not isinstance(specs, list):
        raise RuleError(f"{path}: rules must be an array of tables ([[rules]])")
    rules = [_rule(path, spec, global_allow) for spec in specs]
    return tuple(r for r in rules if r is not None)
