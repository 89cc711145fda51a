"""Every built-in rule against its generated true positives and hand-picked near misses."""

import random

import pyarrow as pa
import pyarrow.compute as pc
import pytest

from preflight.secrets.rules import builtin_rules
from preflight.secrets.scanner import hyperscan

RULES = builtin_rules()
IDS = [r.id for r in RULES]


def test_rule_ids_are_unique_and_cover_every_family():
    assert len(IDS) == len(set(IDS))
    families = {"aws-access-key-id", "aws-secret-access-key", "gcp-api-key",
                "gcp-service-account-key", "azure-storage-account-key", "azure-sas-token",
                "azure-shared-access-key", "azure-ad-client-secret", "private-key",
                "github-token", "gitlab-token", "slack-token", "slack-webhook",
                "stripe-secret-key", "npm-token", "pypi-token", "terraform-cloud-token",
                "vault-token", "jwt", "docker-registry-auth", "url-credentials",
                "generic-secret", "ipv4-public", "ipv6-public", "base64-high-entropy"}
    assert families <= set(IDS)


@pytest.mark.parametrize("rule", RULES, ids=IDS)
def test_rule_finds_its_samples_in_every_context(rule, any_scanner):
    assert rule.samples is not None, "every built-in rule carries true positives"
    for seed in range(3):
        for sample in rule.samples(random.Random(seed)):
            doc, secret = sample[0], sample[1]
            expected = sample[2] if len(sample) > 2 else rule.id
            data = doc.encode()
            spans = [(data[f.start:f.end].decode(), f.rule) for f in any_scanner.scan_text(doc)]
            assert (secret, expected) in spans, f"{rule.id} missed in {doc[:120]!r}: {spans}"


@pytest.mark.parametrize("rule", [r for r in RULES if r.near_misses], ids=lambda r: r.id)
def test_rule_near_misses_are_clean(rule, any_scanner):
    for doc in rule.near_misses:
        found = [(f.rule, f.preview) for f in any_scanner.scan_text(doc)]
        assert found == [], f"{rule.id} near miss fired: {doc[:120]!r} -> {found}"


@pytest.mark.parametrize("rule", RULES, ids=IDS)
def test_prefilter_compiles_in_both_engines(rule):
    pc.match_substring_regex(pa.array(["x"]), rule.prefilter, ignore_case=rule.caseless)
    if hyperscan is not None:
        flags = hyperscan.HS_FLAG_CASELESS if rule.caseless else hyperscan.HS_FLAG_SINGLEMATCH
        hyperscan.Database().compile(expressions=[rule.prefilter.encode()], ids=[0], flags=[flags])


def test_documented_examples_and_templates_are_not_findings(scanner):
    doc = ("aws_access_key_id = AKIAIOSFODNN7EXAMPLE\n"
           "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n"
           'password = "${var.db_password}"\ntoken: "{{ .Values.token }}"\n'
           "api_key: <REPLACE_ME>\nDB_PASSWORD=$DB_PASS\nsecret: xxxxxxxxxxxx\n"
           "password: changeme\n")
    assert scanner.scan_text(doc) == []


def test_certificates_and_public_keys_are_not_findings(scanner):
    from iac_text import certificates, kubeconfig
    rng = random.Random(5)
    assert scanner.scan_text(certificates(rng) + kubeconfig(rng)) == []


def test_wrapped_private_key_is_reported_as_the_key_over_the_whole_blob(scanner):
    import base64
    from preflight.secrets.rules.keys import fake_pem
    blob = base64.b64encode(fake_pem(random.Random(2)).encode()).decode()
    doc = f"users:\n- user:\n    client-key-data: {blob}\n"
    [f] = scanner.scan_text(doc)
    assert f.rule == "private-key" and doc.encode()[f.start:f.end] == blob.encode()
