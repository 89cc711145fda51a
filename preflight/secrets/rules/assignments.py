"""Secrets identified by where they sit rather than by their format.

The generic rule reads every value written under a name (`pairs.key_values`) and reports it
under the first rule that claims it: a provider key by its name (`named`), else a literal
value under a secret-named key. Credentials inside URLs
(`scheme://user:password@host`, each part reported), HTTP `Authorization` headers, Docker
registry `auths` and Kubernetes Secret `data:` values that decode to a password have their own
rules. All are gated by the key name, entropy and placeholder checks, since IaC is full of
references (`var.db_password`, `event.resultToken`), templates (`{{ .Values.password }}`) and
resource names (`secretName: tls-secret`).
"""

import base64
import binascii
import re

from preflight.secrets.heuristics import is_placeholder, is_secret_key, shannon_entropy
from preflight.secrets.rule import KNOWN_EXAMPLES, Rule, spans
from preflight.secrets.rules.named import classify_named
from preflight.secrets.rules.pairs import (BOOLEAN_LIKE, DEV_DEFAULTS, KEY_WITH_WORD,
                                           NOT_SECRET_PREFIXES, PREFILTER_KEYWORDS,
                                           REFERENCE, SPACE, decoded_text, generic_value_ok,
                                           key_values)
from preflight.secrets.samples import ALNUM, Sample, contexts, pairs, password, rand


_CODE_NAME = re.compile(r"[A-Za-z_$][A-Za-z0-9_$]*")


def find_assignments(row, ctx, windows=None):
    """Yield each value under a keyword key: as a provider's key when a provider rule claims it
    (`named`), else as 'generic-secret' when the key names a secret and the value is a literal."""
    for pos, endpos in spans(row, windows):
        for key, key_start, start, end, quoted in key_values(row, pos, endpos, KEY_WITH_WORD):
            value = row[start:end].decode("utf-8", "replace")
            if value in KNOWN_EXAMPLES:
                continue
            rule = classify_named(row, key, key_start, start, end)
            if rule is not None:
                yield start, end, rule
            elif is_secret_key(key.decode("ascii", "replace")) and generic_value_ok(value) and \
                    not (not quoted and row[end:end + 1] in (b",", b")")
                         and _CODE_NAME.fullmatch(value)):
                yield start, end, "generic-secret"  # (an unquoted name before `,` is code)


def _generic_samples(rng):
    out = []
    for key in ("password", "db_password", "clientSecret", "api_key", "MYSQL_ROOT_PASSWORD",
                "auth_token", "admin-pass", "secret_key", "Password"):
        value = password(rng)
        out += pairs(contexts(key, value), value)
    value = rand(rng, ALNUM, 20)
    out += pairs([f"psql --password={value} -h db\n",
                  f"Server=tcp:db.internal,1433;User ID=sa;Password={value};Encrypt=true\n",
                  f'set {{\n  name  = "auth.rootPassword"\n  value = "{value}"\n}}\n',
                  f"Parameters:\n  - ParameterKey: DBPassword\n    ParameterValue: {value}\n",
                  f"$params = @{{ Password = '{value}' }}\n",
                  f'config = {{"secret": \'{value}\'}}\n'], value)
    return out


_GENERIC_VALUE_START = (r"(?:[A-Za-z_.-]+[^A-Za-z_.\s\"'(\[{}\]):-]|"
                        r"[^A-Za-z_.\s\"'$<{%/~!*&\[(:?\\-][^\s\"']*[A-Za-z]|"
                        r"[A-Za-z][A-Za-z.+_-]{19})")  # a provider's token may hold no digit
GENERIC_SECRET = Rule(
    id="generic-secret", description="password, secret or token written under a secret-named key",
    # The value must not start like a template, path, tag or reference, must hold a letter and
    # a character outside [A-Za-z_.-] (as gitleaks requires), so `random_password.db.result`,
    # `tls-secret`, `3600` and `${VAR}` never reach Python (generic_value_ok repeats this).
    prefilter=rf"(?:{PREFILTER_KEYWORDS})[A-Za-z0-9_.-]*\\?[\"']?[ \t]*(?::=|=>|\?=|=|:|[ \t])"
              r"[ \t]*\\?[\"']?"
              + _GENERIC_VALUE_START
              # a name/value pair: the secret-named name, then `value` on its line or the next
              + rf"|(?:{PREFILTER_KEYWORDS})[A-Za-z0-9_.-]*\\?[\"']?[ \t]*,?[ \t]*\r?\n?[ \t-]*"
              r"\\?[\"']?"
              r"(?:parameter)?value\\?[\"']?[ \t]*[:=]",
    caseless=True, locate=True, lookahead=1, placeholder="REDACTED_SECRET",
    finder=find_assignments, priority=20, samples=_generic_samples,
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
        "ResultToken: event.resultToken\nToken: event['ResultToken']\n",
        "Action:\n  - secretsmanager:GetSecretValue\n  - 'secretsmanager:ResourceTag/env'\n",
        "image: docker.io/bitnami/rmq-default-credential-updater:1.0.8-debian-12-r0\n",
        "var kubeconfig = creds => Encoding.UTF8.GetString(Convert.FromBase64String(x));\n",
        "password_characters: 'ascii_letters,digits,.-_~&()*='\n",
        '--tokenizer="google/gemma-3-1b-pt" --secret-name my-app-tls\n',
        "secretKey: UNITTEST_K8S_PATH\ntoken_secret: MY-VAULT-TOKEN-NAME\n",
        "data:\n  password: cGFzc3dvcmQ=\n",  # base64 of "password"
        "- name: DB_PASSWORD\n  valueFrom:\n    secretKeyRef: {name: db, key: password}\n",
        "docker login -u ci --password-stdin < token.txt\nmkdir -p /var/lib/secret-store\n",
        "token: data.vault_generic_secret.db.data['token']\npassword: module.db.password\n",
        "password: '{{ .Values.auth.password }}'\napi_key: \"{{ lookup('env', 'KEY') }}\"\n",
        'const body = {"token": base64Token, "data": {}};\n',
        'argocdServerAdminPasswordMtime: "2006-01-02T15:04:05Z"\n',
        'provisioner-secret-namespace = "csi.storage.k8s.io/provisioner-secret-namespace"\n',
        "password = data.aws_ssm_parameter.DB2_PASS.value\ntoken: event.Records0.body\n",
    ))

# ----------------------------------------------------------------------------------------------
# credentials in URLs: the password, and the user name beside it

# Fixed user names of token logins: not secret, the token beside them is.
_TOKEN_USERS = frozenset({"x-access-token", "oauth2", "x-token-auth", "gitlab-ci-token", "token",
                          "git", "x-oauth-basic", "oauth", "api", "apikey", "_token", "pat"})
_URL_CRED = re.compile(rb"([A-Za-z][A-Za-z0-9+.-]{1,20})://(?P<user>[^\s:/@\"'<>{}\[\]\\]*):"
                       rb"(?P<s>[^\s@/\"'<>\\]{1,200})@[A-Za-z0-9._\[-]")


def url_password_ok(secret, user):
    """A URL password worth reporting: not the user name, a dev default or a template."""
    return (secret != user and secret.lower() not in DEV_DEFAULTS and len(secret) >= 4
            and not secret.startswith(("$", "%", ":")) and not is_placeholder(secret)
            and shannon_entropy(secret) >= 1.5)


def user_part(row, start, end):
    """(start, end, 'credential-username') for a user name worth reporting, else None."""
    user = row[start:end].decode("utf-8", "replace")
    if end > start and user.lower() not in _TOKEN_USERS and not is_placeholder(user):
        return start, end, "credential-username"
    return None


def find_url_credentials(row, ctx=None, windows=None):
    """Yield the password (and the user name) of every `scheme://user:password@host`."""
    for pos, endpos in spans(row, windows):
        for m in _URL_CRED.finditer(row, pos, endpos):
            secret = m.group("s").decode("utf-8", "replace")
            if secret in KNOWN_EXAMPLES or not url_password_ok(secret, m.group("user").decode(
                    "utf-8", "replace")):
                continue
            yield m.start("s"), m.end("s"), "url-credentials"
            user = user_part(row, *m.span("user"))
            if user:
                yield user


def _user(rng):
    return rng.choice(("app", "svc", "ci", "deploy", "backup")) + "_" + rand(rng, ALNUM, 4)


def _url_samples(rng):
    out = []
    for fmt in ('database_url = "postgres://{u}:{p}@db.internal:5432/app"\n',
                "url: mongodb+srv://{u}:{p}@cluster0.abc.mongodb.net/prod\n",
                "REDIS_URL=redis://:{p}@cache:6379/0\n",
                "git clone https://{u}:{p}@git.example.org/infra.git\n",
                '{{"broker": "amqp://{u}:{p}@mq.internal:5672/"}}',
                "pip install --index-url http://{u}:{p}@pypi.internal/simple pkg\n",
                '{{"cmd": "curl ftp://{u}:{p}@files.internal/x.tgz\\n"}}'):
        u, p = _user(rng), password(rng)
        parts = ((p, None),) + (((u, "credential-username"),) if "{u}" in fmt else ())
        out.append(Sample(fmt.format(u=u, p=p), parts))
    token = "ghp_" + rand(rng, ALNUM, 36)
    out.append(Sample(f"git clone https://x-access-token:{token}@github.com/org/repo\n",
                      ((token, "github-token"),)))
    return out


URL_CREDENTIALS = Rule(
    id="url-credentials", description="password inside a URL (scheme://user:password@host)",
    prefilter=r"://[^\s:/@\"'<>]*:[^\s@/\"'<>$%{][^\s@/\"'<>]*@", locate=True,
    placeholder="REDACTED_PASSWORD", finder=find_url_credentials, priority=40,
    samples=_url_samples,
    near_misses=("url: postgres://user:password@localhost:5432/db\n",
                 "DATABASE_URL=postgresql://postgres:postgres@db:5432/app\n",
                 'url = "mysql://${var.user}:${var.password}@${aws_db_instance.db.address}"\n',
                 "amqp://guest:guest@rabbitmq:5672/\nhttp://[::1]:8080/\n",
                 "git@github.com:org/repo.git\nssh://git@gitlab.com/org/repo\n",
                 "dsn: postgres://app:%(password)s@db/app\n",
                 "url: https://user:<password>@host/\n"))

CREDENTIAL_USERNAME = Rule(
    id="credential-username", description="user name written with its password (user:password)",
    prefilter=None, placeholder="REDACTED_USERNAME", finder=lambda row, ctx, windows: (),
    priority=35)

# ----------------------------------------------------------------------------------------------
# HTTP auth headers

_AUTH_HEADER = re.compile(rb"(?i:authorization)\\?[\"']?\s*[:=]\s*\\?[\"']?(?i:bearer|basic|token)\s+"
                          rb"(?P<s>[A-Za-z0-9._~+/=-]{16,})")


def _auth_samples(rng):
    token = rand(rng, ALNUM, 32)
    basic = base64.b64encode(f"deploy:{password(rng)}".encode()).decode()
    return pairs([f'curl -H "Authorization: Bearer {token}" https://api.example.org/v1\n',
                  f'{{"headers": {{"Authorization": "token {token}"}}}}',
                  f'{{"cmd": "curl -H \\"Authorization: Bearer {token}\\" https://x\\n"}}'], token) \
        + pairs([f"headers:\n  Authorization: Basic {basic}\n"], basic)


HTTP_AUTH_HEADER = Rule(
    id="http-auth-header", description="credential in an HTTP Authorization header",
    prefilter=r"authorization\\?[\"']?\s*[:=]\s*\\?[\"']?(?:bearer|basic|token)\s+[A-Za-z0-9._~+/=-]{16}",
    caseless=True, locate=True, placeholder="REDACTED_AUTH_TOKEN", pattern=_AUTH_HEADER, entropy=3.0,
    priority=45, samples=_auth_samples,
    near_misses=('curl -H "Authorization: Bearer $TOKEN" https://api\n',
                 "Authorization: Bearer ${{ secrets.API_TOKEN }}\n",
                 "Authorization: Bearer <your-token-here>\n"))

# ----------------------------------------------------------------------------------------------
# Docker registry auths


def _docker_auth_check(secret, row, m, ctx):
    if b"auths" not in row:
        return False
    try:
        user, sep, pw = base64.b64decode(secret, validate=True).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError):
        return False
    return bool(sep and pw) and not is_placeholder(pw)


def _docker_samples(rng):
    auth = base64.b64encode(f"robot:{rand(rng, ALNUM, 24)}".encode()).decode()
    doc = ('{\n  "auths": {\n    "registry.example.com": {\n'
           f'      "auth": "{auth}"\n    }}\n  }}\n}}\n')
    return pairs([doc, f'{{"auths":{{"ghcr.io":{{"auth":"{auth}"}}}}}}'], auth)


DOCKER_REGISTRY_AUTH = Rule(
    id="docker-registry-auth", description="registry credentials in a Docker config `auths`",
    prefilter=r"\"auth\"\s*:\s*\"[A-Za-z0-9+/]{8}", locate=True, placeholder="REDACTED_DOCKER_AUTH",
    pattern=re.compile(rb'"auth"\s*:\s*"(?P<s>[A-Za-z0-9+/]{8,}={0,2})"'),
    check=_docker_auth_check, priority=60, samples=_docker_samples,
    near_misses=('{"auths": {"ghcr.io": {"auth": "' + base64.b64encode(b"user:changeme").decode()
                 + '"}}}\n',))

# ----------------------------------------------------------------------------------------------
# Kubernetes Secret `data:` values (base64) that decode to a password

_K8S_KIND = re.compile(rb"""(?m)^[ \t]*["']?kind["']?[ \t]*:[ \t]*["']?Secret["']?[ \t]*,?[ \t]*$""")
_DATA_BLOCK = re.compile(rb"(?m)^(?P<indent>[ \t]*)data:[ \t]*\r?\n")
_DATA_ENTRY = re.compile(rb"""(?m)^(?P<indent>[ \t]*)(?P<key>["']?[A-Za-z0-9_.\-]+["']?)[ \t]*:[ \t]*"""
                         rb"""["']?(?P<s>[A-Za-z0-9+/]{4,}={0,2})["']?[ \t]*\r?$""")
_BARE_SECRET_KEYS = frozenset({"key", "auth", "htpasswd", ".htpasswd", "keyring"})


def _decoded_password(value):
    text = decoded_text(value) if len(value) >= 8 else None
    if text is None or not 4 <= len(text) <= 200 or SPACE.search(text):
        return False
    low = text.lower()
    return not (is_placeholder(text) or low in BOOLEAN_LIKE or low in DEV_DEFAULTS
                or REFERENCE.fullmatch(text) or text.startswith(NOT_SECRET_PREFIXES))


def find_k8s_secret_data(row, ctx=None, windows=None):
    """Yield each `data:` value of a Kubernetes Secret whose key names a secret and whose
    base64 decodes to a literal password (longer values holding other secrets are the
    base64 rule's)."""
    if not _K8S_KIND.search(row):
        return
    for block in _DATA_BLOCK.finditer(row):
        indent = len(block.group("indent"))
        pos = block.end()
        while (m := _DATA_ENTRY.match(row, pos)) is not None and len(m.group("indent")) > indent:
            pos = m.end() + 1
            key = m.group("key").strip(b"\"'").decode()
            if (is_secret_key(key) or key.lower() in _BARE_SECRET_KEYS) and \
                    _decoded_password(m.group("s").decode()):
                yield m.start("s"), m.end("s"), "k8s-secret-data"


def _k8s_samples(rng):
    pw = password(rng)
    value = base64.b64encode(pw.encode()).decode()
    token = base64.b64encode(rand(rng, ALNUM, 32).encode()).decode()
    docs = [(f"apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\ntype: Opaque\ndata:\n"
             f"  username: YXBw\n  password: {value}\n"),
            (f'kind: Secret\napiVersion: v1\ndata:\n  "db-password": "{value}"\n  host: ZGI=\n'
             f"---\nkind: Service\n")]
    return pairs(docs, value) + pairs([f"kind: Secret\ndata:\n  api-token: {token}\n"], token)


K8S_SECRET_DATA = Rule(
    id="k8s-secret-data", description="Kubernetes Secret data value that decodes to a password",
    prefilter=r"kind[\"']?[ \t]*:[ \t]*[\"']?Secret", placeholder="REDACTED_K8S_SECRET_VALUE",
    replace=lambda secret: base64.b64encode(b"REDACTED").decode(),
    finder=find_k8s_secret_data, priority=50, samples=_k8s_samples,
    near_misses=("kind: Secret\ndata:\n  password: cGFzc3dvcmQ=\n  user: YWRtaW4=\n",  # password
                 "kind: Secret\ndata:\n  tls.crt: " + base64.b64encode(b"-----BEGIN CERT").decode()
                 + "\n  password: e3sgLlZhbHVlcy5wYXNzd29yZCB9fQ==\n",  # {{ .Values.password }}
                 "kind: Secret\ndata:\n  username: c0NhbGVpbzEyMw==\n  host: ZGIuaW50ZXJuYWw=\n",
                 "kind: Secret\ndata:\n  discovery.auth.username_in: bXVzZXI=\n"))

ASSIGNMENT_RULES = (GENERIC_SECRET, URL_CREDENTIALS, CREDENTIAL_USERNAME, HTTP_AUTH_HEADER,
                    DOCKER_REGISTRY_AUTH, K8S_SECRET_DATA)
