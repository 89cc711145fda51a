"""Secrets identified by where they sit rather than by their format.

Passwords and secrets assigned to a secret-named key in HCL, YAML, JSON, INI, env files,
shell and Dockerfiles; credentials inside URLs (`scheme://user:password@host`); HTTP
`Authorization` headers and `curl -u`; Docker registry `auths`. These are gated by the key
name, entropy and placeholder checks, since IaC is full of references (`var.db_password`),
templates (`{{ .Values.password }}`) and resource names (`secretName: tls-secret`).
"""

import base64
import binascii
import re

from preflight.secrets.heuristics import char_classes, is_placeholder, is_secret_key, shannon_entropy
from preflight.secrets.rule import KNOWN_EXAMPLES, Rule, spans
from preflight.secrets.samples import ALNUM, contexts, pairs, rand

# ----------------------------------------------------------------------------------------------
# key = value

# A key name must hold one of these to be considered (then heuristics.is_secret_key decides).
_KEYWORDS = (r"pass|pwd|secret|token|cred|apikey|api[_.-]?key|(?:access|private|auth|account|"
             r"signing|encryption|master|shared|app|license)[_.-]?key")
_KEY_WITH_WORD = re.compile(
    rf"(?<![A-Za-z0-9_.-])[A-Za-z0-9_.-]*?(?i:{_KEYWORDS})[A-Za-z0-9_.-]*".encode())
_ASSIGN = re.compile(
    rb"""["']?[ \t]*(?::=|=>|\?=|=|:(?![:/]))[ \t]*"""
    rb"""(?:"(?P<dq>(?:[^"\\\n]|\\[^\n])*)"|'(?P<sq>[^'\n]*)'|(?P<uq>[^\s"'`,;&|)\]}]+))""")
_NOT_SECRET_PREFIXES = (
    "arn:", "projects/", "http://", "https://", "/", "./", "../", "~/", "file:", "sha256:",
    "sha1:", "md5:", "vault:", "enc[", "!", "&", "*", "@", "(", "[", "{", "ref+", "ssm:",
    "sm://", "secretsmanager:", "kms:", "aqicah", "$", "%", "c:\\", "gs://", "s3://",
    "azurekeyvault", "keyvault:", "op://", "awskms:", "gcpkms:", "<", "'", '"', ":", "?",
)
_REFERENCE = re.compile(r"[A-Za-z_][\w-]*(?:\.[A-Za-z_][\w-]*)+")
_IDENTIFIER = re.compile(r"[a-z][a-z0-9]*(?:[-_.][a-z][a-z0-9]*)*(?:[-_.]v?[0-9]{1,3})?")
_OUTSIDE_WORD_CHARS = re.compile(r"[^A-Za-z_.-]")
_LETTER = re.compile(r"[A-Za-z]")
_SPACE = re.compile(r"\s")
_FILE_NAME = re.compile(r"(?i).+\.(?:json|ya?ml|txt|pem|key|crt|cer|p12|pfx|jks|conf|cfg|ini|"
                        r"env|sh|tf|tfvars|asc|gpg|der|pub)$")
_BOOLEAN_LIKE = frozenset({"true", "false", "yes", "no", "null", "none", "nil", "undefined",
                           "required", "optional", "enabled", "disabled", "string", "secret",
                           "sensitive", "default", "random", "auto", "generated"})


def generic_value_ok(value):
    """True when an assigned value looks like a literal secret rather than a reference."""
    v = value.strip()
    low = v.lower()
    if not 8 <= len(v) <= 200 or low in _BOOLEAN_LIKE or _SPACE.search(v):
        return False
    if low.startswith(_NOT_SECRET_PREFIXES) or "://" in v or is_placeholder(v):
        return False
    if _REFERENCE.fullmatch(v) or _IDENTIFIER.fullmatch(v) or _FILE_NAME.fullmatch(v):
        return False
    first = _OUTSIDE_WORD_CHARS.search(v)
    if first is None or v[first.start()] in "([{}]):" or not _LETTER.search(v):
        return False  # a call or reference; only [A-Za-z_.-] (as in gitleaks); no letter
    return char_classes(v) >= 2 and shannon_entropy(v) >= 3.0


def find_assignments(row, ctx, windows=None):
    """Yield (start, end, 'generic-secret') for literal values of secret-named keys."""
    for pos, endpos in spans(row, windows):
        yield from _assignments(row, pos, endpos)


def _assignments(row, pos, endpos):
    seen_end = -1
    for k in _KEY_WITH_WORD.finditer(row, pos, endpos):
        if k.start() < seen_end:
            continue
        seen_end = k.end()
        if not is_secret_key(k.group().decode("ascii", "replace").lstrip("-")):
            continue
        a = _ASSIGN.match(row, k.end(), endpos)
        if a is None:
            continue
        group = "dq" if a.group("dq") is not None else "sq" if a.group("sq") is not None else "uq"
        start, end = a.span(group)
        value = row[start:end].decode("utf-8", "replace")
        if value not in KNOWN_EXAMPLES and generic_value_ok(value):
            seen_end = end
            yield start, end, "generic-secret"


def _generic_samples(rng):
    out = []
    for key in ("password", "db_password", "clientSecret", "api_key", "MYSQL_ROOT_PASSWORD",
                "auth_token", "admin-pass", "secret_key"):
        value = rand(rng, ALNUM, 6) + rng.choice("!#%+-") + rand(rng, ALNUM, 9)
        out += pairs(contexts(key, value), value)
    value = rand(rng, ALNUM, 20)
    out += [(f"psql --password={value} -h db\n", value),
            (f"Server=tcp:db.internal,1433;User ID=sa;Password={value};Encrypt=true\n", value)]
    return out


GENERIC_SECRET = Rule(
    id="generic-secret", description="password, secret or token assigned to a secret-named key",
    # The value must not start like a template, path, tag or reference, must hold a letter and
    # a character outside [A-Za-z_.-] (as gitleaks requires), so `random_password.db.result`,
    # `tls-secret`, `3600` and `${VAR}` never reach Python (generic_value_ok repeats this).
    prefilter=rf"(?:{_KEYWORDS})[A-Za-z0-9_.-]*[\"']?[ \t]*(?::=|=>|\?=|=|:)[ \t]*[\"']?"
              r"(?:[A-Za-z_.-]+[^A-Za-z_.\s\"'(\[{}\]):-]|"
              r"[^A-Za-z_.\s\"'$<{%/~!*&\[(:?-][^\s\"']*[A-Za-z])",
    caseless=True, locate=True, placeholder="REDACTED_SECRET", finder=find_assignments, priority=20,
    samples=_generic_samples,
    near_misses=(
        'password = var.db_password\nmaster_password = random_password.db.result\n',
        'password = "${var.db_password}"\ntoken: "{{ .Values.token }}"\n',
        "secretName: tls-secret\nexistingSecret: mysql-credentials\n",
        "password_length = 16\nminimum_password_length: 14\ntoken_ttl: 3600s\n",
        "POSTGRES_PASSWORD=${POSTGRES_PASSWORD}\nDB_PASSWORD=$DB_PASS\n",
        "password: <REPLACE_ME>\napi_key: changeme\nsecret: xxxxxxxxxxxx\n",
        "password: !vault |\n  $ANSIBLE_VAULT;1.1;AES256\n  3938373635343332\n",
        "db_password: ENC[AES256_GCM,data:Tr7o=,iv:1x==,tag:2w==,type:str]\n",
        "password_file: /run/secrets/db_password.txt\nkey_name: deployer-key\n",
        "secret_arn = aws_secretsmanager_secret.db.arn\ntoken_url: https://auth.example/t\n",
        "kms_key_id = \"arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab\"\n",
        "MasterUserPassword: !Ref DBPassword\npassword: '{{resolve:ssm-secure:pw:1}}'\n",
        "apiKeySecretRef:\n  name: api\npublic_key = file(\"~/.ssh/id_rsa.pub\")\n",
        "password: true\nsecret: null\n",
    ))

# ----------------------------------------------------------------------------------------------
# credentials in URLs

_DEV_DEFAULTS = frozenset({"postgres", "root", "admin", "pass", "secret", "test", "guest",
                           "user", "mysql", "redis", "minioadmin", "default", "demo", "dev",
                           "rabbitmq", "mongo", "airflow", "keycloak", "sa"})
_URL_CRED = re.compile(rb"([A-Za-z][A-Za-z0-9+.-]{1,20})://(?P<user>[^\s:/@\"'<>{}\[\]]*):"
                       rb"(?P<s>[^\s@/\"'<>]{1,200})@[A-Za-z0-9._\[-]")


def _url_check(secret, row, m, ctx):
    user = m.group("user").decode("utf-8", "replace")
    low = secret.lower()
    return secret != user and low not in _DEV_DEFAULTS and not secret.startswith(("$", "%", ":"))


def _url_samples(rng):
    out = []
    for fmt in ('database_url = "postgres://app:{p}@db.internal:5432/app"\n',
                "url: mongodb+srv://admin:{p}@cluster0.abc.mongodb.net/prod\n",
                "REDIS_URL=redis://:{p}@cache:6379/0\n",
                "git clone https://ci-bot:{p}@git.example.org/infra.git\n",
                '{{"broker": "amqp://svc:{p}@mq.internal:5672/"}}'):
        p = rand(rng, ALNUM, 10) + rng.choice("!*~_") + rand(rng, ALNUM, 5)
        out.append((fmt.format(p=p), p))
    return out


URL_CREDENTIALS = Rule(
    id="url-credentials", description="password inside a URL (scheme://user:password@host)",
    prefilter=r"://[^\s:/@\"'<>]*:[^\s@/\"'<>$%{][^\s@/\"'<>]*@", locate=True,
    placeholder="REDACTED_PASSWORD",
    pattern=_URL_CRED, check=_url_check, entropy=1.5, priority=40, samples=_url_samples,
    near_misses=("url: postgres://user:password@localhost:5432/db\n",
                 "DATABASE_URL=postgresql://postgres:postgres@db:5432/app\n",
                 'url = "mysql://${var.user}:${var.password}@${aws_db_instance.db.address}"\n',
                 "amqp://guest:guest@rabbitmq:5672/\nhttp://[::1]:8080/\n",
                 "git@github.com:org/repo.git\nssh://git@gitlab.com/org/repo\n",
                 "dsn: postgres://app:%(password)s@db/app\n"))

# ----------------------------------------------------------------------------------------------
# HTTP auth headers, curl -u

_AUTH_HEADER = re.compile(rb"(?i:authorization)[\"']?\s*[:=]\s*[\"']?(?i:bearer|basic|token)\s+"
                          rb"(?P<s>[A-Za-z0-9._~+/=-]{16,})")


def _auth_samples(rng):
    token = rand(rng, ALNUM, 32)
    basic = base64.b64encode(f"deploy:{rand(rng, ALNUM, 14)}".encode()).decode()
    return [(f'curl -H "Authorization: Bearer {token}" https://api.example.org/v1\n', token),
            (f"headers:\n  Authorization: Basic {basic}\n", basic),
            (f'{{"headers": {{"Authorization": "token {token}"}}}}', token)]


HTTP_AUTH_HEADER = Rule(
    id="http-auth-header", description="credential in an HTTP Authorization header",
    prefilter=r"authorization[\"']?\s*[:=]\s*[\"']?(?:bearer|basic|token)\s+[A-Za-z0-9._~+/=-]{16}",
    caseless=True, locate=True, placeholder="REDACTED_AUTH_TOKEN", pattern=_AUTH_HEADER, entropy=3.0,
    priority=45, samples=_auth_samples,
    near_misses=('curl -H "Authorization: Bearer $TOKEN" https://api\n',
                 "Authorization: Bearer ${{ secrets.API_TOKEN }}\n",
                 "Authorization: Bearer <your-token-here>\n"))

_CURL_USER = re.compile(rb"\bcurl\b[^\n]*?\s(?:-u|--user)\s*[\"']?[^\s:\"']+:"
                        rb"(?P<s>[^\s\"'@]{4,})")


def _curl_samples(rng):
    p = rand(rng, ALNUM, 12) + "!"
    return [(f"curl -sf -u admin:{p} https://nexus.internal/service/rest\n", p),
            (f'RUN curl --user "ci:{p}" -O https://repo.internal/pkg.tgz\n', p)]


CURL_BASIC_AUTH = Rule(
    id="curl-basic-auth", description="password passed to curl -u user:password",
    prefilter=r"curl[^\n]*\s(?:-u|--user)\s*[\"']?[^\s:\"']+:[^\s\"'@$]{4}",
    locate=True, placeholder="REDACTED_PASSWORD", pattern=_CURL_USER, entropy=2.0, priority=45,
    check=lambda secret, row, m, ctx: secret.lower() not in _DEV_DEFAULTS,
    samples=_curl_samples,
    near_misses=('curl -u "$USER:$PASS" https://x\n', "curl -u admin:admin http://localhost\n"))

# ----------------------------------------------------------------------------------------------
# Docker registry auths


def _docker_auth_check(secret, row, m, ctx):
    if b"auths" not in row:
        return False
    try:
        user, sep, password = base64.b64decode(secret, validate=True).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError):
        return False
    return bool(sep and password) and not is_placeholder(password)


def _docker_samples(rng):
    auth = base64.b64encode(f"robot:{rand(rng, ALNUM, 24)}".encode()).decode()
    doc = ('{\n  "auths": {\n    "registry.example.com": {\n'
           f'      "auth": "{auth}"\n    }}\n  }}\n}}\n')
    return [(doc, auth), (f'{{"auths":{{"ghcr.io":{{"auth":"{auth}"}}}}}}', auth)]


DOCKER_REGISTRY_AUTH = Rule(
    id="docker-registry-auth", description="registry credentials in a Docker config `auths`",
    prefilter=r"\"auth\"\s*:\s*\"[A-Za-z0-9+/]{8}", locate=True, placeholder="REDACTED_DOCKER_AUTH",
    pattern=re.compile(rb'"auth"\s*:\s*"(?P<s>[A-Za-z0-9+/]{8,}={0,2})"'),
    check=_docker_auth_check, priority=60, samples=_docker_samples,
    near_misses=('{"auths": {"ghcr.io": {"auth": "' + base64.b64encode(b"user:changeme").decode()
                 + '"}}}\n',))

ASSIGNMENT_RULES = (GENERIC_SECRET, URL_CREDENTIALS, HTTP_AUTH_HEADER, CURL_BASIC_AUTH,
                    DOCKER_REGISTRY_AUTH)
