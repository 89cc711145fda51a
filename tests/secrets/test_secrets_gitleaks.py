"""User rules in gitleaks TOML: matching, secretGroup, entropy, keywords, allowlists, errors."""

import pytest

from preflight.secrets import RuleError, ScannerConfig, build_scanner
from preflight.secrets.gitleaks import load_rule_file

RULES = r"""
title = "team rules"

[allowlist]
description = "global"
regexes = ['''^ACME-DOC-''']

[[rules]]
id = "acme-api-key"
description = "ACME API key"
regex = '''(?i)acme[_-]?key\s*[:=]\s*["']?(ACME-[A-Z0-9]{20})'''
secretGroup = 1
entropy = 3.0
keywords = ["acme"]

[[rules.allowlists]]
regexTarget = "line"
regexes = ['''# test fixture''']

[[rules.allowlists]]
stopwords = ["aaaaaaa"]

[[rules]]
id = "internal-token"
regex = '''itk_[a-f0-9]{32}'''
keywords = ["itk_"]
[rules.allowlist]
condition = "AND"
regexTarget = "match"
regexes = ['''itk_0''']
stopwords = ["dead"]

[[rules]]
id = "pkcs12-file"
path = '''\.p12$'''
"""


@pytest.fixture(scope="module")
def custom(tmp_path_factory):
    path = tmp_path_factory.mktemp("rules") / "gitleaks.toml"
    path.write_text(RULES)
    return build_scanner(ScannerConfig(rule_files=(path,)))


def _found(scanner, doc):
    data = doc.encode()
    return [(f.rule, data[f.start:f.end].decode()) for f in scanner.scan_text(doc)]


def test_rule_reports_its_secret_group(custom):
    assert _found(custom, "acme_key = ACME-7F3K9Q2M1X8B4N6V0Z5L\n") == [
        ("acme-api-key", "ACME-7F3K9Q2M1X8B4N6V0Z5L")]


def test_entropy_keywords_and_allowlists(custom):
    assert _found(custom, "acme_key = ACME-AAAAAAAAAAAAAAAAAAAA\n") == []  # entropy
    assert _found(custom, "acme_key = ACME-7F3K9Q2M1X8B4N6V0Z5L  # test fixture\n") == []
    assert _found(custom, "acme_key = ACME-7F3KAAAAAAAB4N6V0Z5L\n") == []  # stopword
    assert _found(custom, "x = ACME-DOC-1234567890ABCDEFGHIJ\n") == []  # global allowlist


def test_and_condition_needs_every_part(custom):
    token = "itk_" + "0dead" + "8c3f0a9b2e7d41f6a5c0b9e8d7f"
    assert _found(custom, f"t: {token}\n") == []
    other = "itk_" + "1dead" + "8c3f0a9b2e7d41f6a5c0b9e8d7f"
    assert _found(custom, f"t: {other}\n") == [("internal-token", other)]


def test_path_only_rules_are_skipped(tmp_path):
    path = tmp_path / "r.toml"
    path.write_text(RULES)
    assert [r.id for r in load_rule_file(path)] == ["acme-api-key", "internal-token"]


def test_custom_findings_get_a_typed_placeholder(custom):
    [rule] = [r for r in custom.rules if r.id == "acme-api-key"]
    assert rule.placeholder == "REDACTED_ACME_API_KEY"


@pytest.mark.parametrize("text, message", [
    ("[[rules]]\nid = 'x'\nregex = '(unclosed'\n", "rule 'x': bad regex"),
    ("[[rules]]\nregex = 'abc'\n", "needs a string id"),
    ("[[rules]]\nid = 'x'\nregex = 'a(b)'\nsecretGroup = 3\n", "secretGroup 3"),
    ("[[rules]]\nid = 'x'\nregex = 'ab'\nentropy = 'high'\n", "entropy must be a number"),
    ("[[rules]]\nid = 'x'\nregex = 'ab'\n[[rules.allowlists]]\nregexTarget = 'file'\n",
     "regexTarget"),
    ("rules = 3\n", "array of tables"),
    ("[[rules]\n", "not valid TOML"),
])
def test_bad_rule_files_name_the_file_and_rule(tmp_path, text, message):
    path = tmp_path / "rules.toml"
    path.write_text(text)
    with pytest.raises(RuleError, match=message) as err:
        load_rule_file(path)
    assert str(err.value).startswith(str(path))


@pytest.mark.parametrize("regex", ["x*", "(?:)", "[a-z]*", ".", ".+", r"\w+", r"\S"])
def test_rules_that_match_everywhere_are_refused_in_one_line(tmp_path, regex):
    path = tmp_path / "everywhere.toml"
    path.write_text(f"[[rules]]\nid = \"greedy\"\nregex = '''{regex}'''\n")
    with pytest.raises(RuleError) as err:
        load_rule_file(path)
    message = str(err.value)
    assert "\n" not in message and str(path) in message and "'greedy'" in message
    assert "every document" in message


@pytest.mark.parametrize("regex", [r"mycorp_[a-z0-9]{32}", r"password\s*=\s*\S{8,}", r"=", r"\d{6}"])
def test_specific_rules_are_accepted(tmp_path, regex):
    path = tmp_path / "ok.toml"
    path.write_text(f"[[rules]]\nid = \"fine\"\nregex = '''{regex}'''\n")
    assert [r.id for r in load_rule_file(path)] == ["fine"]
