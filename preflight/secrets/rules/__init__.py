"""The built-in rule catalogue, one module per family: provider tokens (`tokens`, the
`providers` table), keys named by their provider (`named`), private key blocks (`pem`),
base64-wrapped keys (`keys`), key/value assignments and URLs (`assignments`), command lines
(`commands`) and addresses (`ips`)."""

from preflight.secrets.ipranges import DEFAULT_ALLOWED_IPS
from preflight.secrets.rules.assignments import ASSIGNMENT_RULES
from preflight.secrets.rules.commands import COMMAND_RULES
from preflight.secrets.rules.ips import ip_rules
from preflight.secrets.rules.keys import base64_rule
from preflight.secrets.rules.named import NAMED_RULES
from preflight.secrets.rules.pem import PEM_RULES
from preflight.secrets.rules.providers import PROVIDER_RULES
from preflight.secrets.rules.tokens import TOKEN_RULES

# Bump when a built-in rule changes what it reports: it is part of every cache key.
RULES_VERSION = "2026.2"


def builtin_rules(b64_min_len=64, b64_min_entropy=4.5, allow_ips=None):
    """All built-in rules for the configured base64 gate and allowed public IPs."""
    allow = DEFAULT_ALLOWED_IPS if allow_ips is None else tuple(allow_ips)
    return (*TOKEN_RULES, *PROVIDER_RULES, *NAMED_RULES, *PEM_RULES, *ASSIGNMENT_RULES,
            *COMMAND_RULES, *ip_rules(allow), base64_rule(b64_min_len, b64_min_entropy))
