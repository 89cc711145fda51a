"""Provider tokens recognised by their own format: prefix, length, alphabet.

Cloud credentials (AWS, GCP, Azure), code hosts (GitHub, GitLab), chat (Slack, Discord,
Teams), payments (Stripe), registries (npm, PyPI, Docker Hub), HashiCorp, JWTs. The many
other providers seen in IaC, CI files and notebooks are one table in `providers`. Each
pattern starts with its literal prefix where the format has one, so the prefilter stays
fast, and every rule's samples are drawn from each of its prefixes and its whole alphabet.
"""

import base64
import json
import re
from dataclasses import replace
from urllib.parse import quote

from preflight.secrets.rule import KNOWN_EXAMPLES, Rule, bounded, find_hits, spans
from preflight.secrets.heuristics import is_placeholder, shannon_entropy
from preflight.secrets.samples import (UUID, ALNUM, B64URL, HEX, LOWER_ALNUM, UPPER_ALNUM, Sample,
                                       contexts, pairs, rand, rand_b64, uuid_like)


def token_rule(id, description, core, placeholder, gens, *, key="token", near_misses=(),
               prefilter=None, entropy=3.0, boundary=r"A-Za-z0-9_", check=None, priority=60,
               caseless=False, lookback=0, lookahead=0, bare=True):
    """A rule for a self-describing token: `core` bounded by characters outside `boundary`.
    `gens`: one generator per prefix or variant of the format; each is proven in every context
    (and alone on a line, unless `bare` is False: a rule gated on a word beside the token)."""
    gens = tuple(gens) if isinstance(gens, (list, tuple)) else (gens,)

    def samples(rng):
        out = []
        for gen in gens:
            value = gen(rng)  # every context, and alone on a line of a JSON-escaped script
            alone = [f'{{"script": "set -e\\n{value}\\nexit 0"}}'] if bare else []
            out += pairs(contexts(key, value) + alone, value)
        return out

    return Rule(id=id, description=description, prefilter=prefilter or core, locate=True,
                caseless=caseless, lookback=lookback, lookahead=lookahead, placeholder=placeholder, pattern=bounded(core, boundary),
                entropy=entropy,
                check=check, priority=priority, samples=samples, near_misses=tuple(near_misses))


def _prefixed(prefix, chars, n):
    return lambda r: prefix + rand(r, chars, n)


# ----------------------------------------------------------------------------------------------
# AWS

# Long-term and temporary access keys, and the other unique ids IAM hands out with a key's
# shape (users, roles, groups, policies, instance profiles, certificates, CloudFront keys).
AWS_KEY_PREFIXES = ("AKIA", "ASIA", "ABIA", "ACCA", "A3T")
AWS_ID_PREFIXES = ("AGPA", "AIDA", "AIPA", "ANPA", "ANVA", "APKA", "AROA", "ASCA")
_AWS_KEY_ID = r"(?:A3T[A-Z0-9]|AKIA|ASIA|ABIA|ACCA)[A-Z0-9]{16}"


def _aws_id(prefix):
    if prefix == "A3T":
        return lambda r: "A3T" + rand(r, UPPER_ALNUM, 17)
    return _prefixed(prefix, UPPER_ALNUM, 16)


_AWS_ID_TOKEN = token_rule(
    "aws-access-key-id", "AWS access key id (AKIA, ASIA, ABIA, ACCA, A3T), and its secret nearby",
    _AWS_KEY_ID, "REDACTED_AWS_ACCESS_KEY_ID", [_aws_id(p) for p in AWS_KEY_PREFIXES],
    key="aws_access_key_id", boundary="A-Za-z0-9",
    near_misses=['aws_access_key_id = "AKIAIOSFODNN7EXAMPLE"\n',
                 "aws_access_key_id: AKIAXXXXXXXXXXXXXXXX\n",
                 "key: AKIA1234\n", "id: XAKIA2345234523452345ZZ\n",
                 "id: AKIAABCDEFGHIJKLMNOPQ\n",  # 21 characters: not a key id
                 "id: AKIAIOSFODNN7EXAMPLE\ncommit: 4f2a9c1b7e3d8a6f0b5c2e9d1a7f3b8c6e0d4a2f\n"])


AWS_UNIQUE_ID = token_rule(
    "aws-unique-id", "AWS IAM unique id with an access key's shape (AIDA, AROA, ...)",
    r"(?:AGPA|AIDA|AIPA|ANPA|ANVA|APKA|AROA|ASCA)[A-Z0-9]{16}", "REDACTED_AWS_UNIQUE_ID",
    [_aws_id(p) for p in AWS_ID_PREFIXES], key="principal_id", boundary="A-Za-z0-9",
    near_misses=["key_pair_id: APKAEIBAERJR2EXAMPLE\n", "id: AROAXXXXXXXXXXXXXXXX\n"])

_AWS_SECRET_NAME = re.compile(
    rb"(?<![A-Za-z0-9_.-])-{0,2}(?i:(?:aws[_.-]?)?secret[_.-]?(?:access[_.-]?)?key|aws[_.-]?secret)"
    rb"[A-Za-z0-9_.-]{0,20}")
_AWS_SECRET_CSV = re.compile(rb"(?i:secret access key)[^\n]*\n[^\n]*,(?P<s>[A-Za-z0-9/+]{40})"
                             rb"(?![A-Za-z0-9/+=])")
_FORTY = re.compile(rb"(?<![A-Za-z0-9/+_-])[A-Za-z0-9/+]{40}(?![A-Za-z0-9/+=_-])")
_FORTY_VALUE = re.compile(rb"[A-Za-z0-9/+]{40}")
_UPPER, _LOWER = re.compile(rb"[A-Z]"), re.compile(rb"[a-z]")
_PAIR_REACH = 400  # bytes around a key id where its secret is looked for


def _aws_secret_ok(secret):
    return (shannon_entropy(secret) >= 4.0 and not is_placeholder(secret.decode())
            and _UPPER.search(secret) is not None and _LOWER.search(secret) is not None)


def find_aws_secrets(row, ctx=None, windows=None):
    """Yield AWS secret keys written under a secret-key name (any IaC syntax) or in the
    console's CSV export (the header line before)."""
    from preflight.secrets.rules.pairs import key_values
    for pos, endpos in spans(row, windows):
        for m in _AWS_SECRET_CSV.finditer(row, pos, endpos):
            if _aws_secret_ok(m.group("s")):
                yield m.start("s"), m.end("s"), "aws-secret-access-key"
        for _, _, start, end, _ in key_values(row, pos, endpos, _AWS_SECRET_NAME):
            if _FORTY_VALUE.fullmatch(row, start, end) and _aws_secret_ok(row[start:end]):
                yield start, end, "aws-secret-access-key"


def find_aws_key_ids(row, ctx=None, windows=None):
    """Yield each AWS access key id, and any secret key within _PAIR_REACH bytes of it (how a
    leaked pair is written: CSV exports, credentials files, code, notes) whatever its name.
    The windows reach that far back and several lines on from each id."""
    for start, end, rule_id in find_hits(_AWS_ID_TOKEN, row, ctx, windows):
        yield start, end, rule_id
        window = next(w for w in spans(row, windows) if w[0] <= start < w[1])
        lo, hi = max(start - _PAIR_REACH, window[0]), min(end + _PAIR_REACH, window[1])
        for m in _FORTY.finditer(row, lo):  # (no endpos: it would cut a longer run short)
            if m.start() >= hi:
                break
            if _aws_secret_ok(m.group()) and not _ends_a_wrapped_blob(row, m.start(), m.end()):
                yield m.start(), m.end(), "aws-secret-access-key"


_BLOB_LINE = re.compile(rb"[ \t]*[A-Za-z0-9+/]{60,}={0,2}[ \t]*")


def _ends_a_wrapped_blob(row, start, end):
    """Is row[start:end] a whole line right after a long base64-only line: the last line of a
    wrapped certificate or key body, not a secret written beside a key id?"""
    line_start = row.rfind(b"\n", 0, start) + 1
    line_end = row.find(b"\n", end)
    line_end = len(row) if line_end < 0 else line_end
    if row[line_start:start].strip() or row[end:line_end].strip() or line_start == 0:
        return False
    previous = row[row.rfind(b"\n", 0, line_start - 1) + 1:line_start - 1]
    return _BLOB_LINE.fullmatch(previous) is not None


AWS_ACCESS_KEY_ID = replace(_AWS_ID_TOKEN, finder=find_aws_key_ids, lookback=_PAIR_REACH,
                            lookahead=8)


def _aws_secret_samples(rng):
    secret = rand_b64(rng, 30)
    key_id = _aws_id(rng.choice(AWS_KEY_PREFIXES))(rng)
    paired = [
        f"User name,Password,Access key ID,Secret access key\nci,,{key_id},{secret}\n",
        f"[profile ci]\nkey = {key_id}\nsig = {secret}\n",
        f'client = boto3.client("s3", "{key_id}", "{secret}")\n',
        f"$ aws configure set x {key_id} && ./upload --with {secret}\n"]
    return (pairs(contexts("aws_secret_access_key", secret), secret)
            + pairs([f"Resources:\n  Creds:\n    Properties:\n      SecretAccessKey: {secret}\n",
                     f"[default]\naws-secret-key: {secret}\n"], secret)
            + [Sample(d, ((secret, None), (key_id, "aws-access-key-id"))) for d in paired])


AWS_SECRET_ACCESS_KEY = Rule(
    id="aws-secret-access-key", description="AWS secret access key (by its name, or near its key "
                                            "id: see aws-access-key-id)",
    prefilter=r"(?i:secret access key|aws[_.-]?secret|secret[_.-]?access[_.-]?key)",
    placeholder="REDACTED_AWS_SECRET_ACCESS_KEY", finder=find_aws_secrets,
    locate=True, lookahead=1,
    priority=70, samples=_aws_secret_samples,
    near_misses=("aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n",
                 'aws_secret_access_key = "${var.aws_secret}"\n',
                 "aws_secret_access_key: {{ lookup('env', 'AWS_SECRET') }}\n"))

BEDROCK_API_KEY = token_rule(
    "aws-bedrock-api-key", "Amazon Bedrock long-term API key",
    r"ABSK[A-Za-z0-9+/]{109,269}={0,2}", "REDACTED_AWS_BEDROCK_API_KEY",
    lambda r: "ABSK" + rand_b64(r, 96), key="bedrock_api_key", boundary="A-Za-z0-9+/=")

AWS_SESSION_TOKEN = token_rule(
    "aws-session-token", "AWS STS session token",
    r"(?:IQoJb3JpZ2luX2Vj|FwoGZXIvYXdz)[A-Za-z0-9+/]{100,}={0,2}", "REDACTED_AWS_SESSION_TOKEN",
    [lambda r: "IQoJb3JpZ2luX2Vj" + rand_b64(r, 300), lambda r: "FwoGZXIvYXdz" + rand_b64(r, 240)],
    key="aws_session_token", boundary="A-Za-z0-9+/=")

# ----------------------------------------------------------------------------------------------
# Google

GCP_API_KEY = token_rule(
    "gcp-api-key", "Google Cloud / Firebase API key",
    r"AIza[0-9A-Za-z_-]{35}", "REDACTED_GCP_API_KEY",
    _prefixed("AIza", B64URL, 35), key="api_key", boundary="A-Za-z0-9_-",
    entropy=3.5, near_misses=["api_key: AIzaSyXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX\n",
                              "value: AIzaSy12345\n"])

GCP_OAUTH_CLIENT_SECRET = token_rule(
    "gcp-oauth-client-secret", "Google OAuth client secret",
    r"GOCSPX-[A-Za-z0-9_-]{28}", "REDACTED_GCP_OAUTH_CLIENT_SECRET",
    _prefixed("GOCSPX-", B64URL, 28), key="client_secret",
    boundary="A-Za-z0-9_-", near_misses=["client_secret: GOCSPX-xxxxxxxxxxxxxxxxxxxxxxxxxxxx\n",
                                         "client_secret: GOCSPX-<your-secret>\n"])

GCP_OAUTH_ACCESS_TOKEN = token_rule(
    "gcp-oauth-access-token", "Google OAuth 2.0 access token",
    r"ya29\.[0-9A-Za-z_-]{30,}", "REDACTED_GCP_OAUTH_ACCESS_TOKEN",
    lambda r: "ya29." + rand(r, B64URL, r.randrange(100, 220)), key="access_token",
    boundary="A-Za-z0-9_-", entropy=3.5,
    near_misses=["token: ya29.xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\n",
                 "Authorization: Bearer ya29.<token>\n", "prefix ya29.\n"])

GCP_OAUTH_REFRESH_TOKEN = token_rule(
    "gcp-oauth-refresh-token", "Google OAuth 2.0 refresh token",
    r"1//0[0-9A-Za-z_-]{60,}", "REDACTED_GCP_OAUTH_REFRESH_TOKEN",
    lambda r: "1//0" + rand(r, B64URL, r.randrange(90, 110)), key="refresh_token",
    boundary="A-Za-z0-9_/:-", entropy=3.5, near_misses=["url: http://host:1//0/path\n"])

# ----------------------------------------------------------------------------------------------
# Azure


def _azure_client_secret(rng):
    return rand(rng, ALNUM + "_~.", 3) + str(rng.randrange(10)) + "Q~" + rand(rng, ALNUM + "_~.-", 34)


AZURE_AD_CLIENT_SECRET = token_rule(
    "azure-ad-client-secret", "Azure AD (Entra ID) application client secret",
    r"[A-Za-z0-9_~.]{3}[0-9]Q~[A-Za-z0-9_~.-]{31,34}", "REDACTED_AZURE_CLIENT_SECRET",
    _azure_client_secret, key="client_secret", boundary="A-Za-z0-9_~.-",
    prefilter=r"[0-9]Q~[A-Za-z0-9_~.-]{31}", near_misses=["value: abc8Q~short\n"])


def _azure_key_samples(rng):
    key = rand_b64(rng, 64)
    docs = contexts("storage_account_key", key) + [
        f"DefaultEndpointsProtocol=https;AccountName=acct{rand(rng, LOWER_ALNUM, 6)};"
        f"AccountKey={key};EndpointSuffix=core.windows.net\n"]
    return pairs(docs, key)


_AZURE_KEY_NAME = re.compile(
    rb"(?<![A-Za-z0-9_.-])[A-Za-z0-9_.-]*?(?i:account[_.-]?key|access[_.-]?key|storage[_.-]?key)"
    rb"[A-Za-z0-9_.-]*")
_AZURE_KEY = re.compile(rb"[A-Za-z0-9+/]{86}==")
_AZURE_CONN = re.compile(rb"(?i:accountkey)=(?P<s>[A-Za-z0-9+/]{86}==)")


def find_azure_storage_keys(row, ctx=None, windows=None):
    """Yield Azure storage account keys: in a connection string, or under a key's name."""
    from preflight.secrets.rules.assignments import key_values
    for pos, endpos in spans(row, windows):
        found = [m.span("s") for m in _AZURE_CONN.finditer(row, pos, endpos)]
        found += [(start, end) for _, _, start, end, _ in key_values(row, pos, endpos, _AZURE_KEY_NAME)
                  if _AZURE_KEY.fullmatch(row, start, end)]
        for start, end in found:
            secret = row[start:end]
            if shannon_entropy(secret) >= 4.5 and secret.decode() not in KNOWN_EXAMPLES:
                yield start, end, "azure-storage-account-key"


AZURE_STORAGE_KEY = Rule(
    id="azure-storage-account-key", description="Azure storage account key",
    prefilter=r"[A-Za-z0-9+/]{86}==", locate=True, lookback=200,
    placeholder="REDACTED_AZURE_STORAGE_KEY", finder=find_azure_storage_keys,
    priority=70, samples=_azure_key_samples,
    near_misses=("DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey="
                 "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/"
                 "KBHBeksoGMGw==;\n",
                 'storage_account_key = "${azurerm_storage_account.main.primary_access_key}"\n'))


def _sas_samples(rng):
    sig = quote(rand_b64(rng, 32), safe="")
    url = (f"https://acct.blob.core.windows.net/backups/db.bak?sv=2022-11-02&ss=b&srt=sco"
           f"&sp=rl&se=2026-01-01T00:00:00Z&spr=https&sig={sig}")
    return pairs([f'sas_url = "{url}"\n', f"curl -o db.bak '{url}'\n",
                  f"SAS_TOKEN=?sv=2022-11-02&sr=c&sp=r&sig={sig}\n",
                  f'{{"url": "{url}"}}'], sig)


AZURE_SAS_TOKEN = Rule(
    id="azure-sas-token", description="Azure shared access signature (the sig parameter)",
    prefilter=r"sig=[A-Za-z0-9%+/]{40}", placeholder="REDACTED_AZURE_SAS_SIGNATURE",
    pattern=re.compile(rb"[?&;]sig=(?P<s>[A-Za-z0-9%+/]{40,}(?:%3[dD]|=){0,2})"),
    check=lambda secret, row, m, ctx: re.search(rb"[?&;]sv=\d{4}-\d\d-\d\d", row) is not None,
    entropy=3.5, priority=70, samples=_sas_samples,
    near_misses=("url: https://acct.blob.core.windows.net/c?sv=2022-11-02&sig=<SAS_SIGNATURE>\n",))


def _shared_access_samples(rng):
    key = rand_b64(rng, 32)
    conn = (f"Endpoint=sb://ns{rand(rng, LOWER_ALNUM, 5)}.servicebus.windows.net/;"
            f"SharedAccessKeyName=RootManageSharedAccessKey;SharedAccessKey={key}")
    return pairs([f'connection_string = "{conn}"\n', f"SERVICEBUS={conn}\n",
                  f'{{"EventHub": "{conn};EntityPath=events"}}'], key)


AZURE_SHARED_ACCESS_KEY = Rule(
    id="azure-shared-access-key", description="Azure Service Bus / Event Hubs connection key",
    prefilter=r"SharedAccessKey=[A-Za-z0-9+/]{43}=", locate=True,
    placeholder="REDACTED_AZURE_SHARED_ACCESS_KEY",
    pattern=re.compile(rb"SharedAccessKey=(?P<s>[A-Za-z0-9+/]{43}=)"), entropy=4.0, priority=70,
    samples=_shared_access_samples,
    near_misses=("Endpoint=sb://x.servicebus.windows.net/;SharedAccessKeyName=Root;"
                 "SharedAccessKey=<key>\n",))

# ----------------------------------------------------------------------------------------------
# code hosts

GITHUB_TOKEN = token_rule(
    "github-token", "GitHub token (personal, OAuth, user-to-server, server-to-server, refresh)",
    r"gh[pousr]_[A-Za-z0-9]{36}", "REDACTED_GITHUB_TOKEN",
    [_prefixed(f"gh{c}_", ALNUM, 36) for c in "pousr"], key="github_token",
    near_misses=["github_token: ghp_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\n",
                 "ref: ghp_1234\n", "GITHUB_TOKEN=${{ secrets.GITHUB_TOKEN }}\n"])

GITHUB_FINE_GRAINED_PAT = token_rule(
    "github-fine-grained-pat", "GitHub fine-grained personal access token",
    r"github_pat_[A-Za-z0-9_]{82}", "REDACTED_GITHUB_TOKEN",
    lambda r: "github_pat_" + rand(r, ALNUM, 22) + "_" + rand(r, ALNUM, 59), key="gh_token",
    near_misses=["token: github_pat_<your-token>\n"])

_GITLAB_PREFIXES = ("glpat-", "gldt-", "glft-", "glsoat-", "glrt-", "gloas-", "glimt-", "glagent-",
                    "glwt-", "glffct-", "glptt-", "GR1348941")
GITLAB_TOKEN = token_rule(
    "gitlab-token", "GitLab token (personal, deploy, runner, trigger, OAuth, feed, agent ...)",
    r"(?:glpat|gldt|glft|glsoat|glrt|gloas|glcbt|glimt|glagent|glwt|glffct|glptt)-"
    r"[A-Za-z0-9_.-]{19,}[A-Za-z0-9_-]|GR1348941[A-Za-z0-9_-]{20}",
    "REDACTED_GITLAB_TOKEN", [_prefixed(p, B64URL, 20) for p in _GITLAB_PREFIXES]
    + [lambda r: f"glcbt-{rand(r, ALNUM, 2)}_{rand(r, B64URL, 20)}"],
    key="gitlab_token", boundary="A-Za-z0-9_-",
    near_misses=["gitlab_token: glpat-xxxxxxxxxxxxxxxxxxxx\n", "token: glpat-<token>\n"])

# ----------------------------------------------------------------------------------------------
# chat: tokens and incoming webhooks (a webhook URL is the credential: the whole URL is the span)

SLACK_TOKEN = token_rule(
    "slack-token", "Slack bot, user, app, configuration or refresh token",
    r"xox[abposre]-[0-9]+-[0-9A-Za-z-]{20,}|xoxe\.xox[bp]-[0-9]-[A-Za-z0-9]{100,}"
    r"|xapp-[0-9]-[A-Z0-9]+-[0-9]+-[a-f0-9]{20,}",
    "REDACTED_SLACK_TOKEN",
    [lambda r, c=c: f"xox{c}-{rand(r, '0123456789', 12)}-{rand(r, '0123456789', 13)}-"
                    f"{rand(r, ALNUM, 24)}" for c in "abposr"]
    + [lambda r: f"xoxe.xoxp-1-{rand(r, UPPER_ALNUM, 163)}",
       lambda r: f"xapp-1-A{rand(r, UPPER_ALNUM, 10)}-{rand(r, '0123456789', 13)}-{rand(r, HEX, 64)}"],
    key="slack_token", boundary="A-Za-z0-9_-",
    near_misses=["slack_token: xoxb-your-bot-token\n", "token: xoxb-123-xxxxxxxxxxxxxxxxxxxxxxxx\n"])


def webhook_rule(id, description, prefilter, url, placeholder, gens, near_misses=()):
    """A rule whose secret is a whole URL (scheme to last character of its secret path)."""

    def samples(rng):
        out = []
        for gen in gens:
            value = gen(rng)
            out += pairs([f'webhook_url = "{value}"\n', f"notify:\n  url: {value}\n",
                          f"curl -X POST -d '{{\"text\":\"done\"}}' {value}\n",
                          f"WEBHOOK={value}\n", f'{{"hook": "{value}"}}',
                          f"- uses: notify@v1\n  with:\n    webhook: '{value}'\n"], value)
        return out

    return Rule(id=id, description=description, prefilter=prefilter, locate=True,
                placeholder=placeholder, pattern=re.compile(rf"(?P<s>{url})".encode()),
                entropy=3.0, priority=75, samples=samples, near_misses=tuple(near_misses))


def _slack_hook(kind):
    def gen(r):
        scheme = r.choice(("https://", "http://"))
        team = "T" + rand(r, UPPER_ALNUM, r.randrange(8, 12))
        if kind == "services":
            tail = f"B{rand(r, UPPER_ALNUM, r.randrange(8, 12))}/{rand(r, ALNUM, 24)}"
        elif kind == "workflows":
            tail = (f"A{rand(r, UPPER_ALNUM, r.randrange(8, 12))}/{r.randrange(10**17, 10**18)}/"
                    f"{rand(r, ALNUM, 24)}")
        else:
            tail = f"{r.randrange(10**12, 10**13)}/{rand(r, HEX, 32)}"
        return f"{scheme}hooks.slack.com/{kind}/{team}/{tail}"
    return gen


SLACK_WEBHOOK = webhook_rule(
    "slack-webhook", "Slack incoming webhook, workflow or trigger URL",
    r"hooks\.slack\.com/(?:services|workflows|triggers)/[A-Za-z0-9]",
    r"(?:https?://)?hooks\.slack\.com/(?:services|workflows|triggers)/T[A-Z0-9]{6,12}"
    r"(?:/[A-Za-z0-9_-]{6,40}){1,3}(?![A-Za-z0-9_-])",
    "REDACTED_SLACK_WEBHOOK", [_slack_hook(k) for k in ("services", "workflows", "triggers")],
    near_misses=["url: https://hooks.slack.com/services/T00000000/B00000000/"
                 "XXXXXXXXXXXXXXXXXXXXXXXX\n",
                 "url: https://hooks.slack.com/services/YOUR/WEBHOOK/URL\n",
                 "docs: https://hooks.slack.com/services/...\n"])

DISCORD_WEBHOOK = webhook_rule(
    "discord-webhook", "Discord webhook URL",
    r"discord(?:app)?\.com/api/webhooks/[0-9]{17}",
    r"(?:https?://)?(?:ptb\.|canary\.)?discord(?:app)?\.com/api/webhooks/[0-9]{17,20}/"
    r"[A-Za-z0-9_-]{60,68}(?![A-Za-z0-9_-])",
    "REDACTED_DISCORD_WEBHOOK",
    [lambda r: f"https://discord.com/api/webhooks/{r.randrange(10**17, 10**19)}/"
               f"{rand(r, B64URL, 68)}",
     lambda r: f"https://discordapp.com/api/webhooks/{r.randrange(10**17, 10**19)}/"
               f"{rand(r, B64URL, 68)}"])


TEAMS_WEBHOOK = webhook_rule(
    "teams-webhook", "Microsoft Teams incoming webhook URL",
    r"\.webhook\.office\.com/webhookb2/",
    rf"https://[a-z0-9-]+\.webhook\.office\.com/webhookb2/{UUID}@{UUID}/IncomingWebhook/"
    rf"[0-9a-f]{{32}}/{UUID}(?:/[A-Za-z0-9_-]{{20,}})?",
    "REDACTED_TEAMS_WEBHOOK",
    [lambda r: f"https://{rand(r, LOWER_ALNUM, 8)}.webhook.office.com/webhookb2/{uuid_like(r)}@"
               f"{uuid_like(r)}/IncomingWebhook/{rand(r, HEX, 32)}/{uuid_like(r)}/V2{rand(r, B64URL, 40)}"])


def _discord_bot_ok(secret, row, m, ctx):
    head = secret.split(".", 1)[0]
    try:  # the first part is the bot's numeric user id, base64-encoded
        return base64.urlsafe_b64decode(head + "=" * (-len(head) % 4)).isdigit()
    except ValueError:
        return False


def _discord_bot(rng):
    user = base64.urlsafe_b64encode(str(rng.randrange(10**17, 10**19)).encode()).rstrip(b"=")
    return f"{user.decode()}.{rand(rng, B64URL, 6)}.{rand(rng, B64URL, 38)}"


DISCORD_BOT_TOKEN = token_rule(
    "discord-bot-token", "Discord bot token",
    r"[MNO][A-Za-z0-9_-]{23,27}\.[A-Za-z0-9_-]{6}\.[A-Za-z0-9_-]{27,40}", "REDACTED_DISCORD_TOKEN",
    _discord_bot, key="discord_token", boundary="A-Za-z0-9_.-", check=_discord_bot_ok,
    # no literal in the format: the word beside it gates the row (the format alone is slow to find)
    prefilter=r"discord|bot[_.-]?token", caseless=True, lookback=200, lookahead=2, bare=False,
    near_misses=["name: Mxxxxxxxxxxxxxxxxxxxxxxxxx.yyyyyy.zzzzzzzzzzzzzzzzzzzzzzzzzzzz\n"])

# ----------------------------------------------------------------------------------------------
# payments, registries, HashiCorp

STRIPE_KEY = token_rule(
    "stripe-secret-key", "Stripe secret, restricted or webhook signing key",
    r"(?:sk|rk)_(?:live|test|prod)_[A-Za-z0-9]{10,99}|whsec_[A-Za-z0-9]{32,}",
    "REDACTED_STRIPE_KEY",
    [_prefixed(p, ALNUM, 24) for p in ("sk_live_", "rk_live_", "sk_test_", "rk_prod_")]
    + [_prefixed("whsec_", ALNUM, 32)], key="stripe_api_key",
    near_misses=["stripe_key: pk_live_51HaaaBBBcccDDDeeeFFF\n",
                 "stripe_api_key: sk_test_4eC39HqLyjWDarjtT1zdp7dc\n",
                 "stripe_api_key: sk_live_xxxxxxxxxxxxxxxxxxxxxxxx\n"])

NPM_TOKEN = token_rule(
    "npm-token", "npm access token", r"npm_[A-Za-z0-9]{36}", "REDACTED_NPM_TOKEN",
    _prefixed("npm_", ALNUM, 36), key="npm_token",
    near_misses=["//registry.npmjs.org/:_authToken=${NPM_TOKEN}\n"])

PYPI_TOKEN = token_rule(
    "pypi-token", "PyPI / TestPyPI upload token",
    r"pypi-AgEIcHlwaS5vcmc[A-Za-z0-9_-]{50,}|pypi-AgENdGVzdC5weXBpLm9yZw[A-Za-z0-9_-]{50,}",
    "REDACTED_PYPI_TOKEN", [_prefixed("pypi-AgEIcHlwaS5vcmc", B64URL, 70),
                            _prefixed("pypi-AgENdGVzdC5weXBpLm9yZw", B64URL, 70)],
    key="pypi_password", boundary="A-Za-z0-9_-",
    near_misses=["index: pypi-AgEIcHlwaS5vcmc\n"])

DOCKER_HUB_TOKEN = token_rule(
    "docker-hub-token", "Docker Hub personal or organisation access token",
    r"dckr_(?:pat|oat)_[A-Za-z0-9_-]{27,32}", "REDACTED_DOCKER_HUB_TOKEN",
    [_prefixed("dckr_pat_", B64URL, 27), _prefixed("dckr_oat_", B64URL, 32)], key="docker_token",
    boundary="A-Za-z0-9_-", near_misses=["docker_token: dckr_pat_xxxxxxxxxxxxxxxxxxxxxxxxxxx\n",
                                         "token: dckr_oat_<org-token>\n"])

DOCKER_SWARM_TOKEN = token_rule(
    "docker-swarm-token", "Docker swarm join token or unlock key",
    r"SWMTKN-1-[0-9a-z]{50}-[0-9a-z]{25}|SWMKEY-1-[A-Za-z0-9+/]{43}", "REDACTED_DOCKER_SWARM_TOKEN",
    [lambda r: f"SWMTKN-1-{rand(r, LOWER_ALNUM, 50)}-{rand(r, LOWER_ALNUM, 25)}",
     lambda r: "SWMKEY-1-" + rand_b64(r, 32).rstrip("=")],
    key="swarm_token", boundary="A-Za-z0-9+/=_-",
    near_misses=["docker swarm join --token SWMTKN-1-xxxxx 10.0.0.1:2377\n",
                 "docker swarm unlock  # paste SWMKEY-1-<key>\n"])

TERRAFORM_CLOUD_TOKEN = token_rule(
    "terraform-cloud-token", "Terraform Cloud / Enterprise API token",
    r"[A-Za-z0-9]{14}\.atlasv1\.[A-Za-z0-9_=-]{60,70}", "REDACTED_TERRAFORM_CLOUD_TOKEN",
    lambda r: rand(r, ALNUM, 14) + ".atlasv1." + rand(r, B64URL, 67),
    key="tfe_token", boundary="A-Za-z0-9_-", prefilter=r"\.atlasv1\.[A-Za-z0-9_=-]{60}",
    entropy=3.5, near_misses=["token = \"xxxxxxxxxxxxxx.atlasv1.xxxx\"\n"])

VAULT_TOKEN = token_rule(
    "vault-token", "HashiCorp Vault service, batch or recovery token",
    r"hv[sbr]\.[A-Za-z0-9_-]{24,}", "REDACTED_VAULT_TOKEN",
    [_prefixed("hvs.", B64URL, 90), _prefixed("hvb.", B64URL, 140), _prefixed("hvr.", B64URL, 90)],
    key="vault_token", boundary="A-Za-z0-9_-",
    entropy=3.5, near_misses=["VAULT_TOKEN=hvs.xxxxxxxxxxxxxxxxxxxxxxxxxxxx\n"])

# ----------------------------------------------------------------------------------------------
# JWTs


def _jwt_header_ok(secret, row, m, ctx):
    head = secret.split(".", 1)[0]
    try:
        header = json.loads(base64.urlsafe_b64decode(head + "=" * (-len(head) % 4)))
    except ValueError:
        return False
    return isinstance(header, dict) and ("alg" in header or "typ" in header)


def _jwt(rng):
    alg = rng.choice(("RS256", "HS256", "ES384"))
    head = base64.urlsafe_b64encode(f'{{"alg":"{alg}","typ":"JWT"}}'.encode()).rstrip(b"=").decode()
    claims = json.dumps({"sub": rand(rng, LOWER_ALNUM, 12), "iat": rng.randrange(1 << 31)})
    body = base64.urlsafe_b64encode(claims.encode()).rstrip(b"=").decode()
    return f"{head}.{body}.{rand(rng, B64URL, 43)}"


JWT = token_rule(
    "jwt", "JSON Web Token (signed)",
    r"eyJ[A-Za-z0-9_-]{10,}\.eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{16,}", "REDACTED_JWT",
    _jwt, key="id_token", boundary="A-Za-z0-9_.-", prefilter=r"eyJ[A-Za-z0-9_-]{10,}\.eyJ",
    check=_jwt_header_ok, priority=55,
    near_misses=["token: eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFt"
                 "ZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJ"
                 "V_adQssw5c\n", "claims: eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.\n"])

TOKEN_RULES = (
    AWS_ACCESS_KEY_ID, AWS_UNIQUE_ID, AWS_SECRET_ACCESS_KEY, BEDROCK_API_KEY, AWS_SESSION_TOKEN,
    GCP_API_KEY, GCP_OAUTH_CLIENT_SECRET, GCP_OAUTH_ACCESS_TOKEN, GCP_OAUTH_REFRESH_TOKEN,
    AZURE_AD_CLIENT_SECRET, AZURE_STORAGE_KEY, AZURE_SAS_TOKEN, AZURE_SHARED_ACCESS_KEY,
    GITHUB_TOKEN, GITHUB_FINE_GRAINED_PAT, GITLAB_TOKEN, SLACK_TOKEN, SLACK_WEBHOOK,
    DISCORD_WEBHOOK, TEAMS_WEBHOOK, DISCORD_BOT_TOKEN, STRIPE_KEY, NPM_TOKEN, PYPI_TOKEN,
    DOCKER_HUB_TOKEN, DOCKER_SWARM_TOKEN, TERRAFORM_CLOUD_TOKEN, VAULT_TOKEN, JWT,
)
