"""Every built-in rule against its generated true positives and hand-picked near misses, and
hand-written cases (expected spans typed out, not computed) for the families of issue 10."""

import random
import re

import pyarrow as pa
import pyarrow.compute as pc
import pytest

from preflight.secrets.rules import builtin_rules
from preflight.secrets.scanner import hyperscan

RULES = builtin_rules()
IDS = [r.id for r in RULES]
SAMPLED = [r for r in RULES if r.samples is not None]


def test_rule_ids_are_unique_and_cover_every_family():
    assert len(IDS) == len(set(IDS))
    families = {"aws-access-key-id", "aws-unique-id", "aws-secret-access-key", "gcp-api-key",
                "gcp-service-account-key", "gcp-oauth-access-token", "gcp-oauth-client-secret",
                "azure-storage-account-key", "azure-sas-token", "azure-shared-access-key",
                "azure-ad-client-secret", "private-key", "github-token", "gitlab-token",
                "slack-token", "slack-webhook", "stripe-secret-key", "npm-token", "pypi-token",
                "docker-hub-token", "docker-swarm-token", "terraform-cloud-token", "vault-token",
                "jwt", "docker-registry-auth", "url-credentials", "credential-username",
                "cli-password", "k8s-secret-data", "datadog-api-key", "datadog-app-key",
                "new-relic-license-key", "new-relic-key", "twilio-auth-token", "twilio-api-key",
                "generic-secret", "ipv4-public", "ipv6-public", "base64-high-entropy"}
    assert families <= set(IDS), families - set(IDS)


@pytest.mark.parametrize("rule", SAMPLED, ids=[r.id for r in SAMPLED])
def test_rule_finds_its_samples_whole_in_every_context(rule, any_scanner):
    samples = [smp for seed in range(3) for smp in rule.samples(random.Random(seed))]
    for smp in samples:
        for secret, _ in smp.parts:  # each part is written exactly once
            assert smp.doc.count(secret) == 1, (rule.id, secret[:20], smp.doc[:80])
    found = {}
    for f in any_scanner.scan_array(pa.array([smp.doc for smp in samples]), "s"):
        found.setdefault(f.row, set()).add((f.start, f.end, f.rule))
    for row, smp in enumerate(samples):
        for span in smp.spans(rule.id):
            assert span in found.get(row, ()), f"{rule.id}: {span} not in {found.get(row)} " \
                                               f"for {smp.doc[:160]!r}"


@pytest.mark.parametrize("rule", [r for r in RULES if r.near_misses], ids=lambda r: r.id)
def test_rule_near_misses_are_clean(rule, any_scanner):
    for doc in rule.near_misses:
        found = [(f.rule, f.preview) for f in any_scanner.scan_text(doc)]
        assert found == [], f"{rule.id} near miss fired: {doc[:120]!r} -> {found}"


@pytest.mark.parametrize("rule", [r for r in RULES if r.prefilter is not None], ids=lambda r: r.id)
def test_prefilter_compiles_in_both_engines(rule):
    pc.match_substring_regex(pa.array(["x"]), rule.prefilter, ignore_case=rule.caseless)
    if hyperscan is not None:
        flags = hyperscan.HS_FLAG_CASELESS if rule.caseless else hyperscan.HS_FLAG_SINGLEMATCH
        hyperscan.Database().compile(expressions=[rule.prefilter.encode()], ids=[0], flags=[flags])


# ----------------------------------------------------------------------------------------------
# samples span the whole format, not the subset a rule happens to match


def _top_level_alternatives(regex):
    """The branches of a regex's outermost alternation (a small parser: depth and escapes)."""
    parts, depth, start, i = [], 0, 0, 0
    while i < len(regex):
        c = regex[i]
        if c == "\\":
            i += 2
            continue
        if c == "[":
            i = regex.index("]", i + 2)
        elif c == "(":
            depth += 1
        elif c == ")":
            depth -= 1
        elif c == "|" and depth == 0:
            parts.append(regex[start:i])
            start = i + 1
        i += 1
    return parts + [regex[start:]]


TOKEN_RULES = [r for r in SAMPLED if r.pattern is not None and r.pattern.pattern.startswith(b"(?:(?<![")]


@pytest.mark.parametrize("rule", TOKEN_RULES, ids=lambda r: r.id)
def test_every_branch_of_a_token_format_is_sampled(rule):
    core = rule.pattern.pattern.decode().split("(?P<s>", 1)[1].rsplit(")(?!", 1)[0]
    branches = [re.compile(b) for b in _top_level_alternatives(core)]
    secrets = {s for seed in range(5) for smp in rule.samples(random.Random(seed))
               for s, rid in smp.parts if rid in (None, rule.id)}
    unsampled = [b.pattern for b in branches if not any(b.fullmatch(s) for s in secrets)]
    assert not unsampled, f"{rule.id}: no sample of {unsampled}"


def test_aws_key_samples_use_every_prefix_and_the_whole_alphabet():
    by_id = {r.id: r for r in RULES}
    ids = {s for rule in ("aws-access-key-id", "aws-unique-id") for seed in range(20)
           for smp in by_id[rule].samples(random.Random(seed)) for s, _ in smp.parts}
    prefixes = {"A3T", "ABIA", "ACCA", "AGPA", "AIDA", "AIPA", "AKIA", "ANPA", "ANVA", "APKA",
                "AROA", "ASCA", "ASIA"}
    assert {p for p in prefixes if any(i.startswith(p) for i in ids)} == prefixes
    assert set("".join(i[4:] for i in ids)) == set("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")


# ----------------------------------------------------------------------------------------------
# hand-written cases: (document, [(expected secret text, rule)]) typed out by hand

HAND = [
    ("api_key: 7a3f9c1e84d26b05e9c37f1a2d8b4e60\n",  # no provider named: a generic secret
     [("7a3f9c1e84d26b05e9c37f1a2d8b4e60", "generic-secret")]),
    ("DD_API_KEY=7a3f9c1e84d26b05e9c37f1a2d8b4e60\n",
     [("7a3f9c1e84d26b05e9c37f1a2d8b4e60", "datadog-api-key")]),
    ("datadog:\n  site: datadoghq.eu\n  appKey: 9f8e7d6c5b4a39281706f5e4d3c2b1a0ffeeddcc\n",
     [("9f8e7d6c5b4a39281706f5e4d3c2b1a0ffeeddcc", "datadog-app-key")]),
    ("- name: NEW_RELIC_LICENSE_KEY\n  value: eu01xx3c5b7d9e1f2a4b6c8d0e2f4a6b8c0d2e4f\n",
     [("eu01xx3c5b7d9e1f2a4b6c8d0e2f4a6b8c0d2e4f", "new-relic-license-key")]),
    ('{"TWILIO_AUTH_TOKEN": "c0ffee7e1942d8b3deadbeef0a5b9c3d", '
     '"TWILIO_ACCOUNT_SID": "AC5e2f9a07c3d81b64e0f7a93c25d18b46"}',
     [("c0ffee7e1942d8b3deadbeef0a5b9c3d", "twilio-auth-token"),
      ("AC5e2f9a07c3d81b64e0f7a93c25d18b46", "twilio-api-key")]),
    ("curl -X POST http://hooks.slack.com/workflows/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"
     "Zq7Xw2Vb9Nc4Md6Lf8Kg1Hj3 -d @msg.json\n",
     ["http://hooks.slack.com/workflows/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"
      "Zq7Xw2Vb9Nc4Md6Lf8Kg1Hj3"]),
    ("token: ya29.a0AfB_byC9xq7LmN2pQ4rS6tU8vW0xY2zA4bC6dE8fG0hI2jK4lM6nO8pQ0rS2tU4vW6\n",
     [("ya29.a0AfB_byC9xq7LmN2pQ4rS6tU8vW0xY2zA4bC6dE8fG0hI2jK4lM6nO8pQ0rS2tU4vW6",
       "gcp-oauth-access-token")]),
    ('"client_secret": "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"',
     [("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", "gcp-oauth-client-secret")]),
    ("echo dckr_oat_Zx9Cv8Bn7Mq6Wf5Er4Ty3Ui2Op1As0Dk | docker login -u org --password-stdin\n",
     [("dckr_oat_Zx9Cv8Bn7Mq6Wf5Er4Ty3Ui2Op1As0Dk", "docker-hub-token")]),
    ("docker swarm join --token SWMTKN-1-3pu6hszjas19xyp7ghgosyx9k8atbfcr8p2is99znpy26u2lkl-"
     "1awxwuwd3z9j1z3puu7rcgdbx 172.17.0.2:2377\n",
     [("SWMTKN-1-3pu6hszjas19xyp7ghgosyx9k8atbfcr8p2is99znpy26u2lkl-1awxwuwd3z9j1z3puu7rcgdbx",
       "docker-swarm-token")]),
    ("Swarm unlock key: SWMKEY-1-WuYH/IX284+lRcXuoVf38viIDK3HJEKY13MIHX+tTt8\n",
     [("SWMKEY-1-WuYH/IX284+lRcXuoVf38viIDK3HJEKY13MIHX+tTt8", "docker-swarm-token")]),
    ("aws_access_key_id = ABIA2ZQ7XMPLRT4VKW3N\n", [("ABIA2ZQ7XMPLRT4VKW3N", "aws-access-key-id")]),
    ("key: ACCAQ8RW3ZT6YB4NMX2P\n", [("ACCAQ8RW3ZT6YB4NMX2P", "aws-access-key-id")]),
    ("mysqldump -u root -pDmp!9xQ7rLw --all-databases\n", [("Dmp!9xQ7rLw", "cli-password")]),
    ("Install-Module; New-ADUser -Name ci -AccountPassword (ConvertTo-SecureString 'Vq9!xLm2#Tz' "
     "-AsPlainText -Force)\n", [("Vq9!xLm2#Tz", "cli-password")]),
    ("openssl pkcs12 -in a.p12 -passin pass:Kj8*Hf3Lq0 -nodes\n", [("Kj8*Hf3Lq0", "cli-password")]),
    ("sshpass -p 'T7^wQ2zR9m' rsync -a ./ deploy@web:/srv/\n", [("T7^wQ2zR9m", "cli-password")]),
    ("PGPASSWORD=Zr4!pQ8wLx2N psql -h db -U app\n", [("Zr4!pQ8wLx2N", "generic-secret")]),
    ("az vm create -n vm1 --admin-password 'Vm$ecret2024!x' --image Ubuntu2204\n",
     [("Vm$ecret2024!x", "generic-secret")]),
    ("New-AzVm -Name vm1 -Credential $c -Password 'Pw7!Lq2xZr9'\n",
     [("Pw7!Lq2xZr9", "generic-secret")]),
    ("curl --user deployer:Qw8!rT5yUi2o https://nexus.internal/\n",
     [("deployer", "credential-username"), ("Qw8!rT5yUi2o", "cli-password")]),
    ("wget -u ops:Lp3*Kq9Zx7 ftp://files.internal/x\n",
     [("ops", "credential-username"), ("Lp3*Kq9Zx7", "cli-password")]),
    ("apiVersion: v1\nkind: Secret\ndata:\n  db-password: SzloUyFwMm1RdjdU\n",  # "K9hS!p2mQv7T"
     [("SzloUyFwMm1RdjdU", "k8s-secret-data")]),
    ('{"key": "-----BEGIN RSA PRIVATE KEY-----\\nMIIEowIBAAKCAQEA0Z3VS5JJcds3xfn/ygWyF8Pb\\n'
     '-----END RSA PRIVATE KEY-----\\n"}',
     ["-----BEGIN RSA PRIVATE KEY-----\\nMIIEowIBAAKCAQEA0Z3VS5JJcds3xfn/ygWyF8Pb\\n"
      "-----END RSA PRIVATE KEY-----"]),
    ('key = "-----BEGIN PRIVATE KEY-----\\n" +\n      "MIIEvQIBADANBgkqhkiG9w0BAQEFAASC\\n" +\n'
     '      "-----END PRIVATE KEY-----\\n"\n',
     ['-----BEGIN PRIVATE KEY-----\\n" +\n      "MIIEvQIBADANBgkqhkiG9w0BAQEFAASC\\n" +\n'
      '      "-----END PRIVATE KEY-----']),
    ("tls:\n  key: |\n    -----BEGIN EC PRIVATE KEY-----\n    <paste your key here>\n"
     "    -----END EC PRIVATE KEY-----\n",
     ["-----BEGIN EC PRIVATE KEY-----\n    <paste your key here>\n    -----END EC PRIVATE KEY-----"]),
    ("notes:\n  deploy_ref: ghp_Zq8Xw7Vc6Bn5Mm4Ll3Kk2Jj1Hh0Gg9Ff8Ee7\n",  # an unusual key name
     [("ghp_Zq8Xw7Vc6Bn5Mm4Ll3Kk2Jj1Hh0Gg9Ff8Ee7", "github-token")]),
    ("AWS id AKIAZ7Q4WXRT2MPL9VKC, then on its own line:\n  q9Rt/Lm3Xv+8Wn2Bk7Pz5Jd1Hs6Gf4Ca0Ey9Tu3K\n",
     [("AKIAZ7Q4WXRT2MPL9VKC", "aws-access-key-id"),
      ("q9Rt/Lm3Xv+8Wn2Bk7Pz5Jd1Hs6Gf4Ca0Ey9Tu3K", "aws-secret-access-key")]),
    # placeholder words this short count only as whole words: not "test" in "Latest" or "Testify",
    # not "null" at a token's end; and a run of five is no placeholder (six would be)
    ("DB_PASSWORD=Kq2!Xv9Latest\n", [("Kq2!Xv9Latest", "generic-secret")]),
    ("DB_PASSWORD=Testify9!Kq2x\n", [("Testify9!Kq2x", "generic-secret")]),
    ("export NPM_TOKEN=npm_Xk7Rq2Lm9Vb4Nx8Tz5Wc3Yd6Pj1Hg0Fsnull\n",
     [("npm_Xk7Rq2Lm9Vb4Nx8Tz5Wc3Yd6Pj1Hg0Fsnull", "npm-token")]),
    ("aws_access_key_id = AKIAQ3EGRRRRRJ5XMPL7\n", [("AKIAQ3EGRRRRRJ5XMPL7", "aws-access-key-id")]),
    # forms of CredSweeper's own samples (tests/samples of Samsung/CredSweeper)
    ("- CREATE USER 'app'@'%' IDENTIFIED BY 'Vq8rLm2Xk';\n", [("Vq8rLm2Xk", "cli-password")]),
    ("ALTER USER root IDENTIFIED WITH mysql_native_password BY \"Vq8rLm2Xk\";\n",
     [("Vq8rLm2Xk", "cli-password")]),
    ("CREATE ROLE grafana LOGIN ENCRYPTED PASSWORD 'Vq8rLm2Xk' NOSUPERUSER;\n",
     [("Vq8rLm2Xk", "cli-password")]),
    ("ssh ops@bastion password:Prl23Db#@\nPW:IhqSb1Gg9 token:AIhq5Xyb1Gga9Q2\n",
     [("Prl23Db#@", "generic-secret"), ("IhqSb1Gg9", "generic-secret"),
      ("AIhq5Xyb1Gga9Q2", "generic-secret")]),
    ("MYSQLPASS: Ce7shE0ENPiBlE_EdEose0c\nX3_PSWD=d37Yt1Jnv0-z\n",
     [("Ce7shE0ENPiBlE_EdEose0c", "generic-secret"), ("d37Yt1Jnv0-z", "generic-secret")]),
    ("Connect-Db -Server db -Password:Vq8rLm2Xk\n", [("Vq8rLm2Xk", "generic-secret")]),
    ("deploy --api-token=-Edx_9DnQejelXcsRh3B7x\n", [("-Edx_9DnQejelXcsRh3B7x", "generic-secret")]),
    ('DB_PASSWORD="${DB_PASSWORD:-Vq8rLm2Xk}"\nspring.datasource.password=${DB_PW:Vq8rLm2Xk7}\n',
     [("Vq8rLm2Xk", "generic-secret"), ("Vq8rLm2Xk7", "generic-secret")]),
    # the last line of a certificate's body near a key id is not the key's secret
    ("  AWS id AKIAZ7Q4WXRT2MPL9VKC\n  cert: |\n    -----BEGIN CERTIFICATE-----\n"
     "    gHE74FsYMvdN3osZUiOtslwHg9TgbE8JhzElAIcqLSu9ZlTavBjmPjVUkwPPFufV\n"
     "    KajmM69euA5bEyM4NZv1qhSFq9T+0de99ji8x1Iw\n    -----END CERTIFICATE-----\n",
     [("AKIAZ7Q4WXRT2MPL9VKC", "aws-access-key-id")]),
    # a random auth that spells a placeholder word in mixed case is still a credential
    ('{"auths":{"ghcr.io":{"auth":"cm9ib3Q6a2tzWHFjT3JvUWQwOHpKR0dUMmY3azRL"}}}\n',
     [("cm9ib3Q6a2tzWHFjT3JvUWQwOHpKR0dUMmY3azRL", "docker-registry-auth")]),
    # a public address that opens the document (as a hosts file or an inventory does)
    ("52.14.201.73 db.internal\n[web]\n52.14.201.74\n",
     [("52.14.201.73", "ipv4-public"), ("52.14.201.74", "ipv4-public")]),
]
HAND_CLEAN = [
    "# the operator deployment personally, identified by name\n"
    "- name: Create user whose password ageing should not be changed\n",
    "Action: secretsmanager:GetSecretValue\nimage: vault:1.13.2-token\n- iam:PassRole\n",
    'rootpass="secret$RANDOM-$RANDOM"\nx="${DB_PASSWORD:?set DB_PASSWORD}"\n',

    "ResultToken: event.resultToken\nToken: event['ResultToken']\n",
    'password = var.db_password\ntoken = "${var.api_token}"\nsecret = data.vault_kv.x.data.secret\n',
    "password: {{ .Values.auth.password }}\napi_key: '{{ lookup(\"env\", \"KEY\") }}'\n",
    "datadog:\n  apiKey: <DATADOG_API_KEY>\n  appKey: ${DD_APP_KEY}\n",
    "aws_access_key_id: AKIAIOSFODNN7EXAMPLE\naws_secret_access_key: wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n",
    "mkdir -p /opt/app && docker run -p 8080:80 -u 1000:1000 app\n",
    "sha: 5d41402abc4b2a76b9719d911017c592\nid: 0123456789abcdef0123456789abcdef\n",
]


def _wanted(doc, item):
    secret, rule = item if isinstance(item, tuple) else (item, "private-key" if "KEY-----" in item
                                                         else "slack-webhook")
    start = doc.encode().index(secret.encode())
    return start, start + len(secret.encode()), rule


@pytest.mark.parametrize("doc, expected", HAND, ids=[d[:30] for d, _ in HAND])
def test_hand_written_cases(doc, expected, any_scanner):
    found = {(f.start, f.end, f.rule) for f in any_scanner.scan_text(doc)}
    assert found == {_wanted(doc, e) for e in expected}


@pytest.mark.parametrize("doc", HAND_CLEAN, ids=[d[:30] for d in HAND_CLEAN])
def test_hand_written_clean_cases(doc, any_scanner):
    assert [(f.rule, f.preview) for f in any_scanner.scan_text(doc)] == []


def test_certificates_and_public_keys_are_not_findings(scanner):
    from iac_text import certificates, kubeconfig
    rng = random.Random(5)
    assert scanner.scan_text(certificates(rng) + kubeconfig(rng)) == []


def test_wrapped_private_key_is_reported_as_the_key_over_the_whole_blob(scanner):
    import base64
    from preflight.secrets.rules.pem import fake_pem
    blob = base64.b64encode(fake_pem(random.Random(2)).encode()).decode()
    doc = f"users:\n- user:\n    client-key-data: {blob}\n"
    [f] = scanner.scan_text(doc)
    assert f.rule == "private-key" and doc.encode()[f.start:f.end] == blob.encode()
