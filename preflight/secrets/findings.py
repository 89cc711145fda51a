"""A finding, how it is shown without the secret, and the reports it is written to.

A finding never holds the secret: only its place (shard, row, byte span), its rule, a masked
preview (at most a quarter of the value, and never more than four characters of it) and a
fingerprint (a truncated SHA-256 of rule and value: stable across runs, so a baseline can
name it, and one-way). Findings go to `findings.jsonl` (one JSON object a line) and
`findings.sarif` (SARIF 2.1.0 for CI code-scanning views), both written atomically.
"""

import hashlib
import json
import shlex
from collections import Counter
from dataclasses import asdict, dataclass, fields
from pathlib import Path

from preflight.checklist.finding import OK, fail
from preflight.util.atomic_write import write_text_atomic
from preflight.secrets.rules import RULES_VERSION

FINGERPRINT_CHARS = 24
SARIF_SCHEMA = ("https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/"
                "sarif-schema-2.1.0.json")


@dataclass(frozen=True)
class SecretFinding:
    """One secret in one document: where it is, which rule found it, how to refer to it."""

    shard: str
    row: int
    start: int
    end: int
    rule: str
    preview: str
    fingerprint: str

    def to_dict(self):
        """A JSON-safe dict (the fields above)."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data):
        """The inverse of to_dict; extra keys are ignored."""
        return cls(**{f.name: data[f.name] for f in fields(cls)})


def mask(secret):
    """A preview that shows at most a quarter (and at most 4 characters) of `secret`."""
    shown = min(4, len(secret) // 4)
    head = secret[:shown].replace("\n", " ").replace("\r", " ")
    return f"{head}{'*' * min(8, len(secret) - shown)} ({len(secret)} chars)"


def fingerprint(rule, secret):
    """Stable one-way id of a rule and secret value (same value, same rule: same id)."""
    digest = hashlib.sha256(f"preflight-secrets\0{rule}\0{secret}".encode("utf-8", "replace"))
    return digest.hexdigest()[:FINGERPRINT_CHARS]


def make_finding(shard, row, start, end, rule, secret):
    """A SecretFinding for `secret` (str), computing its preview and fingerprint."""
    return SecretFinding(shard, row, start, end, rule, mask(secret), fingerprint(rule, secret))


# ----------------------------------------------------------------------------------------------
# reports

def _rule_descriptions():
    from preflight.secrets.rules import builtin_rules
    return {r.id: r.description for r in builtin_rules()}


def sarif_document(findings):
    """The SARIF 2.1.0 log (a dict) for `findings`."""
    descriptions = _rule_descriptions()
    rule_ids = sorted({f.rule for f in findings})
    index = {r: i for i, r in enumerate(rule_ids)}
    rules = [{"id": r, "name": r, "shortDescription": {"text": descriptions.get(r, r)},
              "defaultConfiguration": {"level": "error"}} for r in rule_ids]
    results = [{
        "ruleId": f.rule, "ruleIndex": index[f.rule], "level": "error",
        "message": {"text": f"{f.rule} in {f.shard} row {f.row}, bytes {f.start}-{f.end}: "
                            f"{f.preview}"},
        "locations": [{
            # Parquet has no lines: the row (1-based) stands in for the line CI shows.
            "physicalLocation": {"artifactLocation": {"uri": f.shard},
                                 "region": {"startLine": f.row + 1}},
            "logicalLocations": [{"fullyQualifiedName": f"{f.shard}/rows/{f.row}",
                                  "kind": "element"}]}],
        "partialFingerprints": {"secretFingerprint/v1": f.fingerprint},
        "properties": {"row": f.row, "start": f.start, "end": f.end},
    } for f in findings]
    return {"$schema": SARIF_SCHEMA, "version": "2.1.0", "runs": [{
        "tool": {"driver": {"name": "nanochat-preflight-secrets", "version": RULES_VERSION,
                            "rules": rules}},
        "columnKind": "utf16CodeUnits", "results": results}]}


def write_findings(findings, reports_dir):
    """Write reports_dir/findings.jsonl and findings.sarif atomically; return both paths."""
    reports_dir = Path(reports_dir)
    jsonl = reports_dir / "findings.jsonl"
    sarif = reports_dir / "findings.sarif"
    write_text_atomic(jsonl, "".join(json.dumps(f.to_dict()) + "\n" for f in findings))
    write_text_atomic(sarif, json.dumps(sarif_document(findings)) + "\n")  # C encoder: no indent
    return jsonl, sarif


def failure_message(findings, data_dir, first=10):
    """The check's failure text: counts per rule, the first findings, and the remedy."""
    per_rule = Counter(f.rule for f in findings)
    shards = len({f.shard for f in findings})
    width = max(map(len, per_rule), default=0)
    lines = [f"{len(findings)} secret finding(s) in {shards} shard(s):"]
    lines += [f"  {rule:<{width}}  {n}" for rule, n in per_rule.most_common()]
    lines.append(f"First {min(first, len(findings))}:")
    lines += [f"  {f.shard} row {f.row} bytes {f.start}-{f.end}  {f.rule}  {f.preview}  "
              f"[{f.fingerprint}]" for f in findings[:first]]
    where = shlex.quote(str(data_dir))
    lines += [
        "All findings: reports/findings.jsonl (and findings.sarif for CI).",
        "Remedy: see what the sanitizer would change, then apply it:",
        f"  preflight sanitize --data-dir {where} --dry-run",
        f"  preflight sanitize --data-dir {where}",
        "Reviewed false positives: `preflight scan --update-baseline FILE` writes their "
        "fingerprints with notes; keep FILE and pass --secrets-baseline FILE.",
    ]
    return "\n".join(lines)


def verdict(findings, data_dir):
    """Step 2's finding: any secret left in the data fails the run."""
    return fail(failure_message(findings, data_dir)) if findings else OK
