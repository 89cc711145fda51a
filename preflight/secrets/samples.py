"""Helpers for the rules' generated true positives: random tokens and IaC contexts.

`contexts(key, value)` wraps one value in the syntaxes Infrastructure-as-Code uses (HCL,
YAML, JSON, INI, env, shell, Dockerfile), so every rule is proven in each of them.
"""

import base64
import string

ALNUM = string.ascii_letters + string.digits
LOWER_ALNUM = string.ascii_lowercase + string.digits
UPPER_ALNUM = string.ascii_uppercase + string.digits
HEX = "0123456789abcdef"
B64URL = ALNUM + "-_"
BASE32 = string.ascii_uppercase + "234567"


def rand(rng, chars, n):
    """`n` random characters from `chars`."""
    return "".join(rng.choice(chars) for _ in range(n))


def rand_b64(rng, nbytes, urlsafe=False):
    """Standard (or URL-safe) base64 of `nbytes` random bytes."""
    raw = rng.randbytes(nbytes)
    return (base64.urlsafe_b64encode if urlsafe else base64.b64encode)(raw).decode()


def contexts(key, value):
    """The value assigned to `key` in HCL, YAML, JSON, INI, env, shell and Dockerfile."""
    env = key.upper().replace("-", "_").replace(".", "_")
    return [
        f'resource "x" "y" {{\n  {key} = "{value}"\n}}\n',
        f"spec:\n  {key}: {value}\n  other: 1\n",
        f"- name: task\n  vars:\n    {key}: '{value}'\n",
        f'{{"{key}": "{value}", "region": "us-east-1"}}',
        f"[default]\n{key} = {value}\nregion = eu-west-1\n",
        f"{env}={value}\n",
        f'#!/bin/sh\nexport {env}="{value}"\n./deploy.sh\n',
        f"FROM alpine:3.19\nENV {env}={value}\nRUN ./build\n",
    ]


def pairs(docs, secret):
    """[(document, secret)] for every document."""
    return [(d, secret) for d in docs]
