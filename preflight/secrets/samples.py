"""The rules' generated true positives: random tokens, IaC contexts, and the Sample type.

`contexts(key, value)` wraps one value in the syntaxes Infrastructure-as-Code, CI files,
notebooks and shell history use (HCL, YAML, JSON, JSON with escaped quotes and newlines, INI,
`.env`, shell exports and flags, Dockerfile, Kubernetes `name`/`value` pairs, URL query
strings), so every rule is proven in each of them. A `Sample` is one document with every
secret part it holds (a key id and its secret, a user name and its password), each part
with the rule that must report it.
"""

import base64
import string
from dataclasses import dataclass

ALNUM = string.ascii_letters + string.digits
LOWER_ALNUM = string.ascii_lowercase + string.digits
UPPER_ALNUM = string.ascii_uppercase + string.digits
HEX = "0123456789abcdef"
B64URL = ALNUM + "-_"
# What a password may hold: letters, digits and the punctuation that survives every context
# above unquoted (no quotes, spaces, `$`, `%`, `#`, `;`, `&`, `,`, `@`, `:`, `/`, `\`, `=`,
# backtick). Each generated password holds one of MARKS, which no code reference, identifier
# or template can (a value shaped like `event.resultToken` is a reference by policy).
PASSWORD_PUNCT = "!*+-_.~^"
MARKS = "!*+~^"


@dataclass(frozen=True)
class Sample:
    """A document and its secret parts: ((secret text, rule id or None for the rule's own), ...).
    Each secret occurs exactly once in the document."""

    doc: str
    parts: tuple

    def spans(self, own_rule):
        """[(start byte, end byte, rule id)] of every part in the UTF-8 document."""
        data = self.doc.encode()
        out = []
        for secret, rule in self.parts:
            start = data.index(secret.encode())
            out.append((start, start + len(secret.encode()), rule or own_rule))
        return out


def rand(rng, chars, n):
    """`n` random characters from `chars`."""
    return "".join(rng.choice(chars) for _ in range(n))


UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"  # what uuid_like makes


def uuid_like(rng):
    """A random lower-case UUID (8-4-4-4-12 hex digits)."""
    h = rand(rng, HEX, 32)
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def rand_b64(rng, nbytes, urlsafe=False):
    """Standard (or URL-safe) base64 of `nbytes` random bytes."""
    raw = rng.randbytes(nbytes)
    return (base64.urlsafe_b64encode if urlsafe else base64.b64encode)(raw).decode()


def password(rng, n=None):
    """A random password with a letter, a digit and one of MARKS (12-20 characters)."""
    n = n or rng.randrange(12, 21)
    chars = [rng.choice(string.ascii_letters), rng.choice(string.digits), rng.choice(MARKS)]
    chars += [rng.choice(ALNUM + PASSWORD_PUNCT) for _ in range(n - 3)]
    rng.shuffle(chars)
    if not chars[0].isalnum():  # a leading "-" would read as a flag, "!" as a YAML tag
        first = next(i for i, c in enumerate(chars) if c.isalnum())
        chars[0], chars[first] = chars[first], chars[0]
    return "".join(chars)


def contexts(key, value):
    """The value assigned to `key` in every IaC syntax (see the module doc)."""
    env = key.upper().replace("-", "_").replace(".", "_")
    flag = key.lower().replace("_", "-").replace(".", "-")
    return [
        f'resource "x" "y" {{\n  {key} = "{value}"\n}}\n',
        f"spec:\n  {key}: {value}\n  other: 1\n",
        f"- name: task\n  vars:\n    {key}: '{value}'\n",
        f'{{"{key}": "{value}", "region": "us-east-1"}}',
        f'{{"cells": [{{"source": ["import os\\n", "{key} = \\"{value}\\"\\n"]}}]}}',
        f'{{"UserData": "#!/bin/bash\\nexport {env}=\\"{value}\\"\\nrun.sh\\n"}}',
        f"[default]\n{key} = {value}\nregion = eu-west-1\n",
        f"{env}={value}\n",
        f'#!/bin/sh\nexport {env}="{value}"\n./deploy.sh\n',
        f"$ deploy --{flag} {value} --region eu-west-1\n",
        f"deploy --{flag}={value} --verbose\n",
        f"FROM alpine:3.19\nENV {env}={value}\nRUN ./build\n",
        f"env:\n  - name: {env}\n    value: \"{value}\"\n  - name: PORT\n    value: \"80\"\n",
        f'[{{"name": "{env}", "value": "{value}"}}]\n',
        f"url: https://api.example.org/v1/hook?{key}={value}&region=eu\n",
    ]


def pairs(docs, secret, rule=None):
    """[Sample] with the one secret `secret` in every document."""
    return [Sample(d, ((secret, rule),)) for d in docs]
