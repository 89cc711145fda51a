"""preflight.demo.iac_corpus: varied, deterministic, clean synthetic IaC documents."""

import ipaddress
import re

import pytest
import yaml

from preflight.demo.iac_corpus import generate_documents, iter_documents

N = 3000


@pytest.fixture(scope="module")
def docs():
    return generate_documents(N, seed=0)


def test_same_seed_same_documents_and_prefix_stable(docs):
    assert generate_documents(200, seed=0) == docs[:200]
    assert next(iter_documents(0)) == docs[0]
    assert generate_documents(200, seed=1) != docs[:200]
    assert generate_documents(0) == []
    with pytest.raises(ValueError):
        generate_documents(-1)


# a marker that only each kind of file has
KINDS = {
    "terraform resources": r'^resource "(aws|google|azurerm)_',
    "terraform variables": r'^variable "\w+" \{',
    "terraform outputs": r'^output "\w+" \{',
    "terraform modules": r'^module "\w+" \{',
    "aws": r'resource "aws_', "gcp": r'resource "google_', "azure": r'resource "azurerm_',
    "kubernetes": r"^kind: (Deployment|Service|Ingress|ConfigMap|StatefulSet|CronJob)$",
    "helm values": r"^replicaCount: \d+$", "helm templates": r"\{\{ \.Values\.",
    "ansible playbooks": r"^  tasks:$", "ansible inventories": r"ansible_host=",
    "dockerfiles": r"^FROM \S+", "shell scripts": r"^#!/usr/bin/env bash$",
    "docker-compose": r"^services:$", "github actions": r"^jobs:$",
}


@pytest.mark.parametrize("kind", KINDS)
def test_every_kind_of_file_is_there(docs, kind):
    pattern = re.compile(KINDS[kind], re.M)
    share = sum(1 for d in docs if pattern.search(d)) / len(docs)
    assert share > 0.01, f"{kind}: {share:.1%}"


def test_lengths_spread_like_real_files(docs):
    lengths = sorted(len(d.encode()) for d in docs)
    assert lengths[0] < 500 and lengths[len(lengths) // 2] < 4000 and lengths[-1] > 30_000
    assert len(set(docs)) > 0.99 * len(docs)


def test_some_documents_are_not_ascii(docs):
    assert 0.005 < sum(1 for d in docs if not d.isascii()) / len(docs) < 0.2


def test_yaml_documents_parse(docs):
    yaml_docs = [d for d in docs if re.search(r"^(apiVersion:|services:|name: .*\n\non:)", d, re.M)
                 and "{{" not in d]
    assert len(yaml_docs) > 100
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    for d in yaml_docs[:300]:
        assert [x for x in yaml.load_all(d, Loader=loader) if x is not None], d[:200]


def test_no_public_ip_addresses(docs):
    for d in docs:
        for m in re.finditer(r"(?<![\w.])\d{1,3}(?:\.\d{1,3}){3}(?![\w.])", d):
            ip = ipaddress.ip_address(m.group())
            # written out, not ip.is_global: that table changed between Python patch releases
            assert any(ip in ipaddress.ip_network(n) for n in (
                "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "192.0.2.0/24", "198.51.100.0/24",
                "203.0.113.0/24", "127.0.0.0/8", "0.0.0.0/32")), m.group()


# the token formats of real credentials (gitleaks-style), none of which may occur
SECRET_SHAPES = {
    "aws access key": r"(A3T[A-Z0-9]|AKIA|ASIA|ABIA|ACCA)[A-Z2-7]{16}",
    "github token": r"gh[pousr]_[A-Za-z0-9]{36}|github_pat_\w{22,}",
    "gitlab token": r"glpat-[\w-]{20}",
    "slack": r"xox[abposr]-[\w-]+|hooks\.slack\.com/services/",
    "stripe": r"[sr]k_(live|test)_[A-Za-z0-9]{10,}",
    "google api key": r"AIza[\w-]{35}",
    "private key": r"-----BEGIN [A-Z ]*PRIVATE KEY-----",
    "jwt": r"eyJ[\w-]{10,}\.eyJ[\w-]{10,}",
    "url credentials": r"://[^/\s:@'\"]+:[^/\s@'\"$]+@",
    "azure storage key": r"AccountKey=[A-Za-z0-9+/=]{40,}",
    "literal password": r"(?i)(password|passwd|secret|token)\s*[:=]\s*\"?[A-Za-z0-9+/]{8,}\"?\s*$",
}


@pytest.mark.parametrize("shape", SECRET_SHAPES)
def test_no_credential_shapes(docs, shape):
    pattern = re.compile(SECRET_SHAPES[shape], re.M)
    hits = [m.group() for d in docs for m in pattern.finditer(d)]
    assert hits == []


def test_templated_and_decoy_values_are_there(docs):
    text = "\n".join(docs)
    for decoy in ("var.db_password", "${var.environment}",
                  "{{ .Values.", "{{ vault_", "${{ secrets.", "secretKeyRef:", "@sha256:", "192.0.2.",
                  "arn:aws:iam::"):
        assert decoy in text, decoy
