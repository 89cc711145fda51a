"""Small text tests that decide whether a matched value looks like a real secret.

Entropy, templated values (`${var.x}`, `{{ .Values.x }}`, `<REPLACE_ME>`, `$VAR`), obvious
placeholders (`xxxx`, `changeme`, documented `...EXAMPLE` keys), our own sanitizer
placeholders, and the word split of key names used by the assignment rules.
"""

import math
import re
from collections import Counter

# Every placeholder the sanitizer writes starts with this, so a sanitized shard scans clean.
REDACTED_PREFIX = "REDACTED_"


def _clog(c):
    return c * math.log2(c)


def shannon_entropy(data):
    """Shannon entropy in bits per symbol of a str or bytes value (0.0 for empty)."""
    if not data:
        return 0.0
    n = len(data)
    return math.log2(n) - sum(map(_clog, Counter(data).values())) / n


_CLASSES = (re.compile(r"[a-z]"), re.compile(r"[A-Z]"), re.compile(r"[0-9]"),
            re.compile(r"[^a-zA-Z0-9]"))


def char_classes(text):
    """How many of ASCII lower case, upper case, digits and other characters `text` uses."""
    return sum(1 for c in _CLASSES if c.search(text))


# ----------------------------------------------------------------------------------------------
# templated values and placeholders

_TEMPLATED = re.compile(
    r"\$\{|\{\{|\{%|\$\(|#\{|%\(|<[^<>\s]*>|^\$[A-Za-z_]|%[A-Za-z_][A-Za-z0-9_]*%|^@@|@@$"
    r"|__[A-Z0-9_]{3,}__|^\{[A-Za-z_][\w.-]*\}$|^\[[A-Za-z_ ]+\]$")

# Long enough not to turn up by chance inside a random token (a 5-letter word does about
# once in a million 40-character tokens)...
_PLACEHOLDER_WORDS = (
    "example", "changeme", "change_me", "change-me", "changeit", "replace", "placeholder",
    "your_", "your-", "yourpass", "yoursecret", "yourtoken", "yourkey", "dummy", "redacted",
    "xxxxx", "*****", "....", "\u2026", "sample", "notreal", "not_real", "not-a-real",
    "insert", "secret_here", "key_here", "token_here", "here>", "password", "passwd",
    "p@ssw0rd", "passw0rd", "s3cr3t", "letmein", "qwerty", "abcdef", "123456", "secret123",
)
# ...while short ones count only as whole words.
_PLACEHOLDER_SHORT = re.compile(r"(?i)(?<![a-z0-9_])(?:todo|tbd|fixme|fake|test|none|null|xxx+|"
                                r"\*\*\*+)(?![a-z0-9_])")

# One character six times running (eight in a long value, where random hex has such runs).
_REPEATED = re.compile(r"(.)\1{5,}")
_REPEATED_LONG = re.compile(r"(.)\1{7,}")
_PLACEHOLDER = re.compile("|".join(re.escape(w) for w in _PLACEHOLDER_WORDS))


def is_templated(value):
    """True for values filled in by a template engine, a shell or a build tool."""
    return bool(_TEMPLATED.search(value))


def is_placeholder(value):
    """True for templated values, obvious placeholders and documented example values."""
    if value.startswith(REDACTED_PREFIX) or "EXAMPLE" in value:
        return True
    if is_templated(value):
        return True
    repeated = _REPEATED_LONG if len(value) >= 32 else _REPEATED
    return bool(_placeholder_word(value) or repeated.search(value)
                or _PLACEHOLDER_SHORT.search(value))


def _placeholder_word(value):
    """A placeholder word written as a word is (`dummy`, `DUMMY`, `Dummy`, `p@ssw0rd`); a random
    token that spells one in mixed case (`...QWQwdUMMYzJ...`) is not a placeholder."""
    for m in _PLACEHOLDER.finditer(value.lower()):
        word = value[m.start():m.end()]
        if word.islower() or word.isupper() or word.istitle() or not word.isalpha():
            return True
    return False


# ----------------------------------------------------------------------------------------------
# key names (for `password = ...`, `apiToken: ...`, `DB_PASS=...`)

_WORDS = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|[0-9]+")

SECRET_WORDS = frozenset({
    "password", "passwd", "passphrase", "pwd", "pw", "pswd", "psswd", "pass", "secret", "secrets",
    "token", "tokens",
    "apikey", "credential", "credentials", "creds", "privatekey", "accesskey", "authkey",
    "secretkey",
})
SECRET_PAIRS = frozenset({
    ("api", "key"), ("access", "key"), ("private", "key"), ("auth", "key"), ("secret", "key"),
    ("account", "key"), ("signing", "key"), ("encryption", "key"), ("master", "key"),
    ("shared", "key"), ("client", "secret"), ("app", "key"), ("license", "key"),
})
# A key holding one of these words names, points to or configures a secret instead of holding it.
NOT_SECRET_WORDS = frozenset({
    "name", "names", "id", "ids", "arn", "path", "paths", "file", "files", "dir", "ref", "refs",
    "length", "len", "policy", "policies", "version", "ttl", "type", "types", "enabled",
    "enable", "disabled", "required", "rotation", "rotate", "url", "uri", "urls", "endpoint",
    "source", "mode", "format", "count", "min", "max", "minimum", "maximum", "size", "expiry",
    "expires", "expiration", "timeout", "template", "reset", "manager", "provider", "store",
    "location", "label", "labels", "prompt", "field", "env", "var", "vars", "param", "params",
    "parameter", "header", "selector", "input", "public", "mount", "volume", "volumes",
    "annotation", "method", "hint", "pattern", "regex", "prefix", "suffix", "hash", "digest",
    "checksum", "fingerprint", "validity", "units", "duration", "period", "interval",
    "strategy", "scope", "scopes", "audience", "issuer", "algorithm", "usage", "class", "from",
    "lookup", "generator", "generate", "kind", "list", "description", "desc",
    "help", "placeholder", "example", "sample", "test", "dummy", "fake", "mock", "reader",
    "writer", "rule", "rules", "create", "created", "update", "updated", "age", "last",
    "backend", "engine", "permission", "permissions", "arg", "args", "flag", "option",
    "options", "encrypted", "encoded", "cmd", "command", "script", "sha", "md", "hashed",
    "salt", "uuid", "characters", "chars", "charset", "alphabet", "complexity", "strength",
    "special", "tokenizer", "tokenizers", "secretsmanager", "existing", "hint", "ssm",
    "namespace", "time", "mtime", "date", "timestamp", "at",
})


def key_words(key):
    """The lower-case words of a key name: `dbPasswordFile` -> ['db', 'password', 'file']."""
    return [w.lower() for w in _WORDS.findall(key)]


# Found inside run-together upper-case names too (CLIENTSECRET, PGPASSWORD).
_SECRET_INFIXES = ("password", "passwd", "passphrase", "secret", "token", "apikey", "credential",
                   "privatekey", "accesskey", "secretkey", "accountkey")
_NOT_SECRET_SUFFIXES = ("name", "file", "path", "id", "arn", "url", "uri", "ref", "length",
                        "type", "policy", "version", "ttl", "endpoint")


_NOT_SECRET_INFIXES = re.compile(r"tokeni[sz]|secretsmanager|passthrough|bypass|compass|passive")


def is_secret_key(key):
    """True when a key name says it holds a secret value (and not a name, path or setting)."""
    words = key_words(key)
    low = key.lower()
    if _NOT_SECRET_INFIXES.search(low):
        return False
    if not words or NOT_SECRET_WORDS.intersection(words) or low.endswith(_NOT_SECRET_SUFFIXES):
        return False
    if SECRET_WORDS.intersection(words) or any(w in low for w in _SECRET_INFIXES):
        return True
    if low.endswith(("pass", "pswd", "psswd")):  # MYSQLPASS, X3_PSWD (bypass etc. left above)
        return True
    return any(pair in SECRET_PAIRS for pair in zip(words, words[1:]))
