"""Findings: masking, fingerprints, JSON round trip, the reports, the failure text, baselines."""

import json

import pytest

from preflight.secrets import (BaselineError, SecretFinding, apply_baseline, failure_message,
                               fingerprint, mask, write_findings)
from preflight.secrets.findings import make_finding

SECRET = "ghp_aB3dE5fG7hI9jK1lM3nO5pQ7rS9tU1vW3xY5"


@pytest.mark.parametrize("secret", ["q", "abcd", "hunter22", SECRET, "x" * 2000,
                                    "-----BEGIN RSA PRIVATE KEY-----\nMIIE"])
def test_mask_shows_at_most_a_quarter_and_four_characters(secret):
    preview = mask(secret)
    shown = preview.split("*")[0]
    assert len(shown) <= min(4, len(secret) // 4) and secret[len(shown):] not in preview
    assert "\n" not in preview and f"({len(secret)} chars)" in preview


def test_fingerprint_is_stable_per_rule_and_value():
    # pinned: a baseline written by an earlier run (or version) must keep matching
    assert fingerprint("github-token", "hunter22") == "8c8455ce60eb12a33e0b0e0e"
    assert fingerprint("generic-secret", "é\0x") == "554697f2bac708355ad5d139"
    assert fingerprint("github-token", SECRET) != fingerprint("generic-secret", SECRET)
    assert SECRET not in fingerprint("github-token", SECRET)
    assert len(fingerprint("r", "v")) == 24


def test_finding_round_trips_through_json():
    f = make_finding("shard_00001.parquet", 7, 10, 50, "github-token", SECRET)
    assert SecretFinding.from_dict(json.loads(json.dumps(f.to_dict()))) == f
    assert SECRET not in json.dumps(f.to_dict())


def _findings():
    return [make_finding(f"shard_{i % 2:05d}.parquet", i, 3, 43, rule, f"{SECRET}{i}")
            for i, rule in enumerate(["github-token", "github-token", "ipv4-public"])]


def test_reports_are_written_atomically(tmp_path):
    findings = _findings()
    jsonl, sarif = write_findings(findings, tmp_path / "reports")
    lines = [json.loads(x) for x in jsonl.read_text().splitlines()]
    assert [SecretFinding.from_dict(x) for x in lines] == findings
    doc = json.loads(sarif.read_text())
    assert doc["version"] == "2.1.0" and "sarif-schema-2.1.0" in doc["$schema"]
    run = doc["runs"][0]
    assert [r["id"] for r in run["tool"]["driver"]["rules"]] == ["github-token", "ipv4-public"]
    assert [r["ruleId"] for r in run["results"]] == [f.rule for f in findings]
    first = run["results"][0]
    assert first["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == \
        "shard_00000.parquet"
    assert first["partialFingerprints"]["secretFingerprint/v1"] == findings[0].fingerprint
    assert SECRET not in jsonl.read_text() + sarif.read_text()
    assert sorted(p.name for p in (tmp_path / "reports").iterdir()) == \
        ["findings.jsonl", "findings.sarif"]
    write_findings([], tmp_path / "reports")
    assert jsonl.read_text() == ""


def test_failure_message_counts_lists_and_names_the_remedy(tmp_path):
    message = failure_message(_findings(), tmp_path / "my data")
    assert "3 secret finding(s) in 2 shard(s)" in message
    assert "github-token  2" in message and "ipv4-public" in message
    assert "shard_00000.parquet row 0 bytes 3-43" in message
    assert f"preflight sanitize --data-dir '{tmp_path / 'my data'}' --dry-run" in message
    assert SECRET not in message


def test_baseline_suppresses_reviewed_fingerprints(tmp_path):
    findings = _findings()
    path = tmp_path / ".secrets-baseline"
    path.write_text(f"# reviewed 2026-01-02\n\n{findings[2].fingerprint}  # public test IP\n")
    kept, suppressed = apply_baseline(findings, path)
    assert kept == findings[:2] and suppressed == 1
    assert apply_baseline(findings, None) == (findings, 0)


@pytest.mark.parametrize("text, message", [("not-a-fingerprint\n", ":1: 'not-a-fingerprint'"),
                                           (b"\xff\xfe", "not UTF-8")])
def test_bad_baseline_is_one_clear_error(tmp_path, text, message):
    path = tmp_path / "baseline"
    path.write_bytes(text if isinstance(text, bytes) else text.encode())
    with pytest.raises(BaselineError, match=message):
        apply_baseline(_findings(), path)
    with pytest.raises(BaselineError, match="cannot read"):
        apply_baseline(_findings(), tmp_path / "missing")
