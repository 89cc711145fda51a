"""Provider keys whose format has no prefix: recognised by the provider's name beside them.

A Datadog API key is 32 hex digits, a New Relic license key 40, a Twilio auth token 32: as bare
values they look like any digest. They are reported when the key they are written under names
the key's role (`api_key`, `license_key`, `auth_token`, ...) and the provider is named in that
key or in the lines just before it (`datadog:` above `apiKey:`, `provider "datadog" {`), and the
value has exactly the provider's shape. Every IaC syntax of `pairs.key_values` counts: the
generic rule reads the pairs and asks `classify_named` first.
"""

import re

from preflight.secrets.heuristics import is_placeholder, shannon_entropy
from preflight.secrets.rule import Rule
from preflight.secrets.samples import UUID, ALNUM, B64URL, HEX, contexts, pairs, rand, uuid_like

_CONTEXT_REACH = 300  # bytes before a key in which the provider may be named


def _hex(n):
    return lambda r: rand(r, HEX, n)


_SPECS = []  # (rule id, provider regex, role regex, value regex, entropy), in rule order


def named_rule(id, description, provider, role, value, gens, keys, placeholder=None,
               entropy=2.5, near_misses=()):
    """A rule for a provider key: `provider` (regex) named in or before a key matching `role`
    (regex), the value matching `value` (regex) exactly. `keys`: three key names for the
    samples, two that name the provider and a bare one written below the provider's name.
    The generic rule's reading of key/value pairs reports these (`classify_named`); a token
    with its own format (priority 60 and up) wins the span."""
    _SPECS.append((id, re.compile(provider.encode(), re.I), re.compile(rf"(?i:{role})".encode()),
                   re.compile(value.encode()), entropy))
    gens = tuple(gens) if isinstance(gens, (list, tuple)) else (gens,)

    def samples(rng):
        out = []
        word = provider.split("|")[0].replace("\\b", "").replace("[_.-]?", "_")
        for gen in gens:
            v = gen(rng)
            out += pairs(contexts(keys[0], v) + contexts(keys[1], v)[:4]
                         + [f"{word}:\n  enabled: true\n  {keys[2]}: {v}\n",
                            f'provider "{word}" {{\n  {keys[2]} = "{v}"\n}}\n'], v)
        return out

    return Rule(id=id, description=description, prefilter=None,
                placeholder=placeholder or "REDACTED_" + id.upper().replace("-", "_"),
                finder=lambda row, ctx, windows: (), priority=58, samples=samples,
                near_misses=tuple(near_misses))


def classify_named(row, key, key_start, start, end):
    """The id of the provider rule that claims the value row[start:end] written under `key`
    (at key_start), or None."""
    for id, provider, role, value, entropy in _SPECS:
        if role.search(key) is None or not value.fullmatch(row, start, end):
            continue
        if provider.search(key) is None and \
                provider.search(row, max(0, key_start - _CONTEXT_REACH), key_start) is None:
            continue
        secret = row[start:end].decode("utf-8", "replace")
        if shannon_entropy(secret) >= entropy and not is_placeholder(secret):
            return id
    return None


NAMED_RULES = (
    named_rule("datadog-api-key", "Datadog API key (32 hex digits, by its name)",
               r"datadog|\bdd[_.-]", r"api[_.-]?key", r"[a-f0-9]{32}", _hex(32),
               ("DD_API_KEY", "datadog_api_key", "apiKey"),
               near_misses=("datadog:\n  apiKey: ${DD_API_KEY}\n  site: datadoghq.com\n",
                            "DD_API_KEY=<YOUR_DATADOG_API_KEY>\n",
                            "datadog:\n  apiKeyExistingSecret: datadog-secret\n")),
    named_rule("datadog-app-key", "Datadog application key (40 hex digits, by its name)",
               r"datadog|\bdd[_.-]", r"app(?:lication)?[_.-]?key", r"[a-f0-9]{40}", _hex(40),
               ("DD_APP_KEY", "DATADOG_APPLICATION_KEY", "appKey")),
    named_rule("new-relic-license-key", "New Relic license or ingest key (by its name)",
               r"new[_.-]?relic|\bnria[_.-]|\bnr[_.-]", r"license[_.-]?key|ingest[_.-]?key|insert[_.-]?key",
               r"[a-f0-9]{40}|eu01xx[a-f0-9]{34}",  # (the NRAL format is new-relic-key's)
               [_hex(40), lambda r: "eu01xx" + rand(r, HEX, 34)],
               ("NEW_RELIC_LICENSE_KEY", "NRIA_LICENSE_KEY", "licenseKey")),
    named_rule("twilio-auth-token", "Twilio auth token or API key secret (by its name)",
               r"twilio", r"auth[_.-]?token|api[_.-]?secret|token|secret", r"[a-f0-9]{32}|[A-Za-z0-9]{32}",
               [_hex(32), lambda r: rand(r, ALNUM, 32)], ("TWILIO_AUTH_TOKEN", "twilio_api_secret",
                                                         "authToken")),
    named_rule("cloudflare-api-key", "Cloudflare API token or global API key (by its name)",
               r"cloudflare|\bcf[_.-]", r"api[_.-]?token|api[_.-]?key|token",
               r"[A-Za-z0-9_-]{40}|[a-f0-9]{37}", [lambda r: rand(r, B64URL, 40), _hex(37)],
               ("CLOUDFLARE_API_TOKEN", "cloudflare_api_key", "apiToken")),
    named_rule("heroku-api-key", "Heroku API key (a UUID, by its name)",
               r"heroku", r"api[_.-]?key|token", UUID, uuid_like,
               ("HEROKU_API_KEY", "heroku_token", "apiKey")),
    named_rule("okta-api-token", "Okta API token (by its name)",
               r"okta", r"token|api[_.-]?key", r"00[A-Za-z0-9_-]{40}", lambda r: "00" + rand(r, B64URL, 40),
               ("OKTA_API_TOKEN", "okta_token", "apiToken")),
    named_rule("azure-devops-pat", "Azure DevOps personal access token (by its name)",
               r"azure[_.-]?devops|\bado[_.-]|vsts|azdo", r"pat|token",
               r"[a-z2-7]{52}", lambda r: rand(r, "abcdefghijklmnopqrstuvwxyz234567", 52),
               ("AZURE_DEVOPS_EXT_PAT", "ado_token", "pat")),
    named_rule("vault-legacy-token", "HashiCorp Vault token, legacy s. format (by its name)",
               r"vault", r"token", r"s\.[A-Za-z0-9]{24}", lambda r: "s." + rand(r, ALNUM, 24),
               ("VAULT_TOKEN", "vault_token", "token")),
    named_rule("pagerduty-key", "PagerDuty API, integration or routing key (by its name)",
               r"pagerduty|\bpd[_.-]", r"token|api[_.-]?key|integration[_.-]?key|routing[_.-]?key|"
               r"service[_.-]?key", r"[a-f0-9]{32}|[A-Za-z0-9_+-]{20}",
               [_hex(32), lambda r: rand(r, ALNUM + "_+-", 20)],
               ("PAGERDUTY_TOKEN", "pagerduty_integration_key", "routingKey")),
    named_rule("sentry-auth-token", "Sentry auth token, legacy format (by its name)",
               r"sentry", r"auth[_.-]?token|token", r"[a-f0-9]{64}", _hex(64),
               ("SENTRY_AUTH_TOKEN", "sentry_token", "authToken")),
    named_rule("algolia-admin-key", "Algolia admin or write API key (by its name)",
               r"algolia", r"admin[_.-]?(?:api[_.-]?)?key|write[_.-]?(?:api[_.-]?)?key|api[_.-]?key",
               r"[a-f0-9]{32}", _hex(32), ("ALGOLIA_ADMIN_KEY", "algolia_api_key", "adminApiKey")),
    named_rule("snyk-token", "Snyk API token (a UUID, by its name)",
               r"snyk", r"token|api[_.-]?key", UUID, uuid_like, ("SNYK_TOKEN", "snyk_api_key", "token")),
    named_rule("consul-token", "Consul ACL token (a UUID, by its name)",
               r"consul", r"token", UUID, uuid_like,
               ("CONSUL_HTTP_TOKEN", "consul_acl_token", "token")),
)
