"""Provider tokens recognised by their own format: prefix, length, alphabet.

Cloud credentials (AWS, GCP, Azure), code hosts (GitHub, GitLab), chat (Slack), payments
(Stripe), package registries (npm, PyPI, Docker Hub), HashiCorp (Terraform Cloud, Vault),
JWTs and the other providers common in Infrastructure-as-Code. Each pattern starts with its
literal prefix where the format has one, so the prefilter stays fast.
"""

import base64
import json
import re
from urllib.parse import quote

from preflight.secrets.rule import Rule
from preflight.secrets.samples import (ALNUM, B64URL, BASE32, HEX, LOWER_ALNUM, UPPER_ALNUM, contexts,
                      pairs, rand, rand_b64)


def _token(id, description, core, placeholder, gen, *, key="token", near_misses=(),
           prefilter=None, entropy=3.0, boundary=r"A-Za-z0-9_", check=None, priority=60):
    """A rule for a self-describing token: `core` bounded by characters outside `boundary`."""
    pattern = re.compile(
        rf"(?<![{boundary}])(?P<s>{core})(?![{boundary}])".encode())

    def samples(rng):
        secret = gen(rng)
        return pairs(contexts(key, secret), secret)

    return Rule(id=id, description=description, prefilter=prefilter or core, locate=True,
                placeholder=placeholder, pattern=pattern, entropy=entropy, check=check,
                priority=priority, samples=samples, near_misses=tuple(near_misses))


# ----------------------------------------------------------------------------------------------
# cloud providers

AWS_ACCESS_KEY_ID = _token(
    "aws-access-key-id", "AWS access key id (long-term AKIA or temporary ASIA)",
    r"(?:A3T[A-Z0-9]|AKIA|ASIA|ABIA|ACCA)[A-Z2-7]{16}", "REDACTED_AWS_ACCESS_KEY_ID",
    lambda r: r.choice(["AKIA", "ASIA"]) + rand(r, BASE32, 16),
    key="aws_access_key_id", boundary="A-Za-z0-9",
    near_misses=['aws_access_key_id = "AKIAIOSFODNN7EXAMPLE"\n',
                 "aws_access_key_id: AKIAXXXXXXXXXXXXXXXX\n",
                 "key: AKIA1234\n", "id: XAKIA2345234523452345ZZ\n"])

_AWS_SECRET_KEY = r"(?:aws_?)?secret_?(?:access_?)?key|aws_?secret"


def _aws_secret_samples(rng):
    secret = rand_b64(rng, 30)
    docs = contexts("aws_secret_access_key", secret) + [
        f"User name,Password,Access key ID,Secret access key\n"
        f"ci,,AKIAIOSFODNN7EXAMPLE,{secret}\n",
        f"Resources:\n  Creds:\n    Properties:\n      SecretAccessKey: {secret}\n"]
    return pairs(docs, secret)


_AWS_SECRET_PREFIX = (rf"(?:(?i:{_AWS_SECRET_KEY})[\w.-]{{0,20}}[\"']?\s*(?:=|:|=>)\s*[\"']?"
                      r"|(?i:secret access key)[^\n]*\n[^\n]*,)")

AWS_SECRET_ACCESS_KEY = Rule(
    id="aws-secret-access-key", description="AWS secret access key next to its key name",
    prefilter=_AWS_SECRET_PREFIX + r"[A-Za-z0-9/+]{40}", placeholder="REDACTED_AWS_SECRET_ACCESS_KEY",
    locate=True, lookback=300,  # the CSV form has its header on the line before
    pattern=re.compile((_AWS_SECRET_PREFIX + r"(?P<s>[A-Za-z0-9/+]{40})(?![A-Za-z0-9/+=])").encode()),
    entropy=4.0, priority=70, samples=_aws_secret_samples,
    near_misses=("aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n",
                 'aws_secret_access_key = "${var.aws_secret}"\n',
                 "aws_secret_access_key: {{ lookup('env', 'AWS_SECRET') }}\n"))

GCP_API_KEY = _token(
    "gcp-api-key", "Google Cloud / Firebase API key",
    r"AIza[0-9A-Za-z_-]{35}", "REDACTED_GCP_API_KEY",
    lambda r: "AIza" + rand(r, ALNUM + "_-", 35), key="api_key", boundary="A-Za-z0-9_-",
    entropy=3.5, near_misses=["api_key: AIzaSyXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX\n",
                              "value: AIzaSy12345\n"])

GCP_OAUTH_CLIENT_SECRET = _token(
    "gcp-oauth-client-secret", "Google OAuth client secret",
    r"GOCSPX-[A-Za-z0-9_-]{28}", "REDACTED_GCP_OAUTH_CLIENT_SECRET",
    lambda r: "GOCSPX-" + rand(r, ALNUM + "_-", 28), key="client_secret",
    boundary="A-Za-z0-9_-", near_misses=["client_secret: GOCSPX-xxxxxxxxxxxxxxxxxxxxxxxxxxxx\n"])

AZURE_AD_CLIENT_SECRET = _token(
    "azure-ad-client-secret", "Azure AD (Entra ID) application client secret",
    r"[A-Za-z0-9_~.]{3}[0-9]Q~[A-Za-z0-9_~.-]{31,34}", "REDACTED_AZURE_CLIENT_SECRET",
    lambda r: rand(r, ALNUM, 3) + str(r.randrange(10)) + "Q~" + rand(r, ALNUM + "_~.-", 34),
    key="client_secret", boundary="A-Za-z0-9_~.-", prefilter=r"[0-9]Q~[A-Za-z0-9_~.-]{31}",
    near_misses=["value: abc8Q~short\n"])


def _azure_key_samples(rng):
    key = rand_b64(rng, 64)
    docs = contexts("storage_account_key", key) + [
        f"DefaultEndpointsProtocol=https;AccountName=acct{rand(rng, LOWER_ALNUM, 6)};"
        f"AccountKey={key};EndpointSuffix=core.windows.net\n"]
    return pairs(docs, key)


AZURE_STORAGE_KEY = Rule(
    id="azure-storage-account-key", description="Azure storage account key",
    prefilter=r"(?:accountkey|account_?key|access_?key)[^A-Za-z0-9+/]{0,6}[A-Za-z0-9+/]{86}==",
    caseless=True, locate=True, placeholder="REDACTED_AZURE_STORAGE_KEY",
    pattern=re.compile(rb"(?i:accountkey|account_?key|access_?key)[\"']?\s*[:=]\s*[\"']?"
                       rb"(?P<s>[A-Za-z0-9+/]{86}==)"),
    entropy=4.5, priority=70, samples=_azure_key_samples,
    near_misses=("DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey="
                 "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/"
                 "KBHBeksoGMGw==;\n",
                 'storage_account_key = "${azurerm_storage_account.main.primary_access_key}"\n'))


def _sas_samples(rng):
    sig = quote(rand_b64(rng, 32), safe="")
    url = (f"https://acct.blob.core.windows.net/backups/db.bak?sv=2022-11-02&ss=b&srt=sco"
           f"&sp=rl&se=2026-01-01T00:00:00Z&spr=https&sig={sig}")
    return pairs([f'sas_url = "{url}"\n', f"curl -o db.bak '{url}'\n",
                  f"SAS_TOKEN=?sv=2022-11-02&sr=c&sp=r&sig={sig}\n"], sig)


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
# code hosts, chat, payments

GITHUB_TOKEN = _token(
    "github-token", "GitHub token (personal, OAuth, user-to-server, server-to-server, refresh)",
    r"gh[pousr]_[A-Za-z0-9]{36}", "REDACTED_GITHUB_TOKEN",
    lambda r: "gh" + r.choice("pousr") + "_" + rand(r, ALNUM, 36), key="github_token",
    near_misses=["github_token: ghp_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\n",
                 "ref: ghp_1234\n", "GITHUB_TOKEN=${{ secrets.GITHUB_TOKEN }}\n"])

GITHUB_FINE_GRAINED_PAT = _token(
    "github-fine-grained-pat", "GitHub fine-grained personal access token",
    r"github_pat_[A-Za-z0-9_]{82}", "REDACTED_GITHUB_TOKEN",
    lambda r: "github_pat_" + rand(r, ALNUM, 22) + "_" + rand(r, ALNUM, 59), key="gh_token",
    near_misses=["token: github_pat_<your-token>\n"])

GITLAB_TOKEN = _token(
    "gitlab-token", "GitLab token (personal, deploy, runner, trigger, OAuth, feed, agent ...)",
    r"(?:glpat|gldt|glft|glsoat|glrt|gloas|glcbt|glimt|glagent|glwt|glffct|glptt)-"
    r"[A-Za-z0-9_.-]{19,}[A-Za-z0-9_-]|GR1348941[A-Za-z0-9_-]{20}",
    "REDACTED_GITLAB_TOKEN",
    lambda r: r.choice(["glpat-", "gldt-", "glrt-", "GR1348941"]) + rand(r, ALNUM + "_-", 20),
    key="gitlab_token", boundary="A-Za-z0-9_-",
    near_misses=["gitlab_token: glpat-xxxxxxxxxxxxxxxxxxxx\n", "token: glpat-<token>\n"])

SLACK_TOKEN = _token(
    "slack-token", "Slack bot, user, app, configuration or refresh token",
    r"xox[abposre]-[0-9]+-[0-9A-Za-z-]{20,}|xapp-[0-9]-[A-Z0-9]+-[0-9]+-[a-f0-9]{20,}",
    "REDACTED_SLACK_TOKEN",
    lambda r: (f"xoxb-{rand(r, '0123456789', 12)}-{rand(r, '0123456789', 13)}-"
               f"{rand(r, ALNUM, 24)}"),
    key="slack_token", boundary="A-Za-z0-9_-",
    near_misses=["slack_token: xoxb-your-bot-token\n", "token: xoxb-123-xxxxxxxxxxxxxxxxxxxxxxxx\n"])


def _webhook_samples(rng):
    path = f"T{rand(rng, UPPER_ALNUM, 9)}/B{rand(rng, UPPER_ALNUM, 9)}/{rand(rng, ALNUM, 24)}"
    url = f"https://hooks.slack.com/services/{path}"
    return pairs([f'webhook_url = "{url}"\n', f"slack:\n  url: {url}\n",
                  f"curl -X POST -d '{{\"text\":\"done\"}}' {url}\n", f"SLACK_WEBHOOK={url}\n"],
                 path)


SLACK_WEBHOOK = Rule(
    id="slack-webhook", description="Slack incoming webhook URL",
    prefilter=r"hooks\.slack\.com/(?:services|workflows|triggers)/", locate=True,
    placeholder="REDACTED_SLACK_WEBHOOK",
    pattern=re.compile(rb"hooks\.slack\.com/(?:services|workflows|triggers)/"
                       rb"(?P<s>T[A-Z0-9]{6,12}/[AB][A-Z0-9]{6,12}/[A-Za-z0-9]{20,32})"),
    entropy=3.5, priority=70, samples=_webhook_samples,
    near_misses=("url: https://hooks.slack.com/services/T00000000/B00000000/"
                 "XXXXXXXXXXXXXXXXXXXXXXXX\n",))

STRIPE_KEY = _token(
    "stripe-secret-key", "Stripe secret, restricted or webhook signing key",
    r"(?:sk|rk)_(?:live|test|prod)_[A-Za-z0-9]{10,99}|whsec_[A-Za-z0-9]{32,}",
    "REDACTED_STRIPE_KEY",
    lambda r: r.choice(["sk_live_", "rk_live_", "sk_test_"]) + rand(r, ALNUM, 24),
    key="stripe_api_key",
    near_misses=["stripe_key: pk_live_51HaaaBBBcccDDDeeeFFF\n",
                 "stripe_api_key: sk_test_4eC39HqLyjWDarjtT1zdp7dc\n",
                 "stripe_api_key: sk_live_xxxxxxxxxxxxxxxxxxxxxxxx\n"])

# ----------------------------------------------------------------------------------------------
# registries and HashiCorp

NPM_TOKEN = _token(
    "npm-token", "npm access token", r"npm_[A-Za-z0-9]{36}", "REDACTED_NPM_TOKEN",
    lambda r: "npm_" + rand(r, ALNUM, 36), key="npm_token",
    near_misses=["//registry.npmjs.org/:_authToken=${NPM_TOKEN}\n"])

PYPI_TOKEN = _token(
    "pypi-token", "PyPI / TestPyPI upload token",
    r"pypi-AgEIcHlwaS5vcmc[A-Za-z0-9_-]{50,}|pypi-AgENdGVzdC5weXBpLm9yZw[A-Za-z0-9_-]{50,}",
    "REDACTED_PYPI_TOKEN", lambda r: "pypi-AgEIcHlwaS5vcmc" + rand(r, B64URL, 70),
    key="pypi_password", boundary="A-Za-z0-9_-",
    near_misses=["index: pypi-AgEIcHlwaS5vcmc\n"])

DOCKER_HUB_PAT = _token(
    "docker-hub-token", "Docker Hub personal access token",
    r"dckr_pat_[A-Za-z0-9_-]{27}", "REDACTED_DOCKER_HUB_TOKEN",
    lambda r: "dckr_pat_" + rand(r, ALNUM + "_-", 27), key="docker_token",
    boundary="A-Za-z0-9_-", near_misses=["docker_token: dckr_pat_xxxxxxxxxxxxxxxxxxxxxxxxxxx\n"])

TERRAFORM_CLOUD_TOKEN = _token(
    "terraform-cloud-token", "Terraform Cloud / Enterprise API token",
    r"[A-Za-z0-9]{14}\.atlasv1\.[A-Za-z0-9_=-]{60,70}", "REDACTED_TERRAFORM_CLOUD_TOKEN",
    lambda r: rand(r, ALNUM, 14) + ".atlasv1." + rand(r, ALNUM + "_-", 67),
    key="tfe_token", boundary="A-Za-z0-9_-", prefilter=r"\.atlasv1\.[A-Za-z0-9_=-]{60}",
    entropy=3.5, near_misses=["token = \"xxxxxxxxxxxxxx.atlasv1.xxxx\"\n"])

VAULT_TOKEN = _token(
    "vault-token", "HashiCorp Vault service, batch or recovery token",
    r"hv[sbr]\.[A-Za-z0-9_-]{24,}", "REDACTED_VAULT_TOKEN",
    lambda r: "hvs." + rand(r, ALNUM + "_-", 90), key="vault_token", boundary="A-Za-z0-9_-",
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
    head = base64.urlsafe_b64encode(b'{"alg":"RS256","typ":"JWT"}').rstrip(b"=").decode()
    claims = json.dumps({"sub": rand(rng, LOWER_ALNUM, 12), "iat": rng.randrange(1 << 31)})
    body = base64.urlsafe_b64encode(claims.encode()).rstrip(b"=").decode()
    return f"{head}.{body}.{rand(rng, B64URL, 43)}"


JWT = _token(
    "jwt", "JSON Web Token (signed)",
    r"eyJ[A-Za-z0-9_-]{10,}\.eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{16,}", "REDACTED_JWT",
    _jwt, key="id_token", boundary="A-Za-z0-9_.-", prefilter=r"eyJ[A-Za-z0-9_-]{10,}\.eyJ",
    check=_jwt_header_ok, priority=55,
    near_misses=["token: eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFt"
                 "ZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJ"
                 "V_adQssw5c\n", "claims: eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.\n"])

# ----------------------------------------------------------------------------------------------
# other providers common in IaC: (id, description, regex, generator, key, boundary)

_OTHER = (
    ("digitalocean-token", "DigitalOcean personal access, OAuth or refresh token",
     r"do[por]_v1_[a-f0-9]{64}", lambda r: "dop_v1_" + rand(r, HEX, 64), "do_token", None),
    ("sendgrid-api-key", "SendGrid API key", r"SG\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43}",
     lambda r: f"SG.{rand(r, B64URL, 22)}.{rand(r, B64URL, 43)}", "sendgrid_api_key",
     "A-Za-z0-9_.-"),
    ("openai-api-key", "OpenAI API key", r"sk-(?:proj-|svcacct-|admin-)?[A-Za-z0-9_-]{20,}"
     r"T3BlbkFJ[A-Za-z0-9_-]{20,}",
     lambda r: f"sk-proj-{rand(r, ALNUM, 40)}T3BlbkFJ{rand(r, ALNUM, 40)}", "openai_api_key",
     "A-Za-z0-9_-"),
    ("anthropic-api-key", "Anthropic API key", r"sk-ant-(?:api|admin)[0-9]{2}-[A-Za-z0-9_-]{80,100}AA",
     lambda r: f"sk-ant-api03-{rand(r, ALNUM + '_-', 93)}AA", "anthropic_api_key",
     "A-Za-z0-9_-"),
    ("huggingface-token", "Hugging Face access token", r"(?:hf_|api_org_)[A-Za-z]{34}",
     lambda r: "hf_" + rand(r, ALNUM[:52], 34), "hf_token", None),
    ("databricks-token", "Databricks personal access token", r"dapi[a-f0-9]{32}(?:-[0-9])?",
     lambda r: "dapi" + rand(r, HEX, 32), "databricks_token", "A-Za-z0-9_-"),
    ("grafana-token", "Grafana service account or cloud token",
     r"glsa_[A-Za-z0-9]{32}_[A-Fa-f0-9]{8}|glc_[A-Za-z0-9+/]{32,400}={0,2}",
     lambda r: f"glsa_{rand(r, ALNUM, 32)}_{rand(r, HEX, 8)}", "grafana_auth", None),
    ("age-secret-key", "age encryption secret key (used with SOPS)",
     r"AGE-SECRET-KEY-1[QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L]{58}",
     lambda r: "AGE-SECRET-KEY-1" + rand(r, "QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L", 58),
     "sops_age_key", "A-Za-z0-9-"),
    ("alibaba-access-key-id", "Alibaba Cloud AccessKey id", r"LTAI[A-Za-z0-9]{20}",
     lambda r: "LTAI" + rand(r, ALNUM, 20), "access_key", None),
    ("shopify-token", "Shopify access token", r"shp(?:at|ca|pa|ss)_[a-fA-F0-9]{32}",
     lambda r: "shpat_" + rand(r, HEX, 32), "shopify_token", None),
    ("new-relic-key", "New Relic user API key", r"NRAK-[A-Z0-9]{27}",
     lambda r: "NRAK-" + rand(r, UPPER_ALNUM, 27), "newrelic_api_key", "A-Za-z0-9_-"),
    ("pulumi-token", "Pulumi access token", r"pul-[a-f0-9]{40}",
     lambda r: "pul-" + rand(r, HEX, 40), "pulumi_access_token", "A-Za-z0-9_-"),
    ("doppler-token", "Doppler token", r"dp\.(?:pt|st|sa|ct|scim|audit)\.[A-Za-z0-9]{40,44}",
     lambda r: "dp.pt." + rand(r, ALNUM, 43), "doppler_token", "A-Za-z0-9_."),
    ("heroku-api-key", "Heroku API key (HRKU- format)", r"HRKU-[A-Za-z0-9_-]{58,}",
     lambda r: "HRKU-AA" + rand(r, ALNUM + "_-", 58), "heroku_api_key", "A-Za-z0-9_-"),
    ("postman-api-key", "Postman API key", r"PMAK-[a-f0-9]{24}-[a-f0-9]{34}",
     lambda r: f"PMAK-{rand(r, HEX, 24)}-{rand(r, HEX, 34)}", "postman_api_key",
     "A-Za-z0-9_-"),
    ("telegram-bot-token", "Telegram bot token", r"[0-9]{8,10}:AA[A-Za-z0-9_-]{33}",
     lambda r: f"{r.randrange(10**8, 10**9)}:AA{rand(r, ALNUM + '_-', 33)}",
     "telegram_bot_token", "A-Za-z0-9_:-"),
    ("linear-api-key", "Linear API key", r"lin_api_[A-Za-z0-9]{40}",
     lambda r: "lin_api_" + rand(r, ALNUM, 40), "linear_api_key", None),
    ("sentry-token", "Sentry auth token", r"sntrys_[A-Za-z0-9+/=_]{100,}|sntryu_[a-f0-9]{64}",
     lambda r: "sntryu_" + rand(r, HEX, 64), "sentry_auth_token", None),
    ("dynatrace-token", "Dynatrace API token", r"dt0c01\.[A-Z0-9]{24}\.[A-Z0-9]{64}",
     lambda r: f"dt0c01.{rand(r, UPPER_ALNUM, 24)}.{rand(r, UPPER_ALNUM, 64)}",
     "dynatrace_api_token", "A-Za-z0-9_."),
    ("tailscale-key", "Tailscale auth, API or OAuth client key",
     r"tskey-(?:auth|api|client)-[A-Za-z0-9]{10,}-[A-Za-z0-9]{16,}",
     lambda r: f"tskey-auth-{rand(r, ALNUM, 12)}CNTRL-{rand(r, ALNUM, 33)}", "tailscale_key",
     "A-Za-z0-9_-"),
)

OTHER_PROVIDER_RULES = tuple(
    _token(id, description, regex, "REDACTED_" + id.upper().replace("-", "_"), gen, key=key,
           boundary=boundary or "A-Za-z0-9_")
    for id, description, regex, gen, key, boundary in _OTHER)

TOKEN_RULES = (
    AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, GCP_API_KEY, GCP_OAUTH_CLIENT_SECRET,
    AZURE_AD_CLIENT_SECRET, AZURE_STORAGE_KEY, AZURE_SAS_TOKEN, AZURE_SHARED_ACCESS_KEY,
    GITHUB_TOKEN, GITHUB_FINE_GRAINED_PAT, GITLAB_TOKEN, SLACK_TOKEN, SLACK_WEBHOOK,
    STRIPE_KEY, NPM_TOKEN, PYPI_TOKEN, DOCKER_HUB_PAT, TERRAFORM_CLOUD_TOKEN, VAULT_TOKEN, JWT,
    *OTHER_PROVIDER_RULES,
)
