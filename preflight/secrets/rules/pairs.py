"""Reading values written under a name, and telling literal secrets from references.

`key_values` reads every way IaC writes a value under a name: `key = value` (HCL, INI, env,
Python), `key: value` (YAML, JSON, also inside JSON strings with escaped quotes), `--key value`
and `-Key 'value'` (shell, PowerShell), and `name: KEY` / `value: VALUE` pairs (Kubernetes
env, ECS task definitions, Helm `set` blocks, CloudFormation parameters). `generic_value_ok`
says whether a value is a literal rather than a reference (`var.db_password`,
`event.resultToken`), a template (`{{ .Values.password }}`), a call, a name or a placeholder.
"""

import base64
import binascii
import re

from preflight.secrets.heuristics import char_classes, is_placeholder, shannon_entropy

# ----------------------------------------------------------------------------------------------
# reading key/value pairs

# A key name must hold one of these to be considered (then a provider's rule or
# heuristics.is_secret_key decides).
_PW = r"p(?<![a-z0-9]p)w(?![a-z0-9])"  # `PW`, `db_pw`, not `pwgen`
KEY_WORDS = ("pass", "pwd", "ps?swd", _PW, "secret", "token", "cred", "apikey", r"api[_.-]?key",
             *(rf"{w}[_.-]?key" for w in (
                 "access", "private", "auth", "account", "signing", "encryption", "master",
                 "shared", "app", "application", "license", "storage", "ingest", "insert",
                 "integration", "routing", "service", "admin", "write")),
             r"pat\b")
# for the prefilters: Hyperscan and RE2 have no lookaround, and the finder is exact anyway
PREFILTER_KEYWORDS = "|".join(KEY_WORDS).replace(_PW, "pw")
_KEY_CHARS = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-")
_NOT_BEFORE_KEY = frozenset(b"/:@$")  # `image/x-token`, `arn:...:secret`, `$DB_PASSWORD`


class _Key:
    __slots__ = ("_row", "_start", "_end")

    def __init__(self, row, start, end):
        self._row, self._start, self._end = row, start, end

    def group(self):
        return self._row[self._start:self._end]

    def start(self):
        return self._start

    def end(self):
        return self._end


class WordKeys:
    """Finds the keys (runs of `[A-Za-z0-9_.-]`, not after `/:@$`) holding one of `words`: the
    word is found first and widened to the whole key, far faster than one regex with a lazy
    prefix. Duck-types the `finditer` and `fullmatch` of a compiled pattern."""

    def __init__(self, words):
        # searched in lower-cased text (faster than (?i)), grouped by first letter: Python's re
        # then tries one group per position, not every word (4x faster on real IaC text)
        groups = {}
        for word in words:
            groups.setdefault(word[0], []).append(word[1:])
        self._word = re.compile("|".join(f"{c}(?:{'|'.join(rest)})"
                                         for c, rest in groups.items()).encode())
        self._whole = re.compile(rf"[A-Za-z0-9_.-]*(?i:{'|'.join(words)})[A-Za-z0-9_.-]*".encode())

    def finditer(self, row, pos=0, endpos=None):
        endpos = len(row) if endpos is None else endpos
        done = -1
        for m in self._word.finditer(row[pos:endpos].lower()):
            if pos + m.start() < done:
                continue  # a second word inside the same key
            start, end = pos + m.start(), pos + m.end()
            while start > 0 and row[start - 1] in _KEY_CHARS:
                start -= 1
            while end < endpos and row[end] in _KEY_CHARS:
                end += 1
            done = end
            if start == 0 or row[start - 1] not in _NOT_BEFORE_KEY:
                yield _Key(row, start, end)

    def fullmatch(self, key):
        return self._whole.fullmatch(key)


KEY_WITH_WORD = WordKeys(KEY_WORDS)
_VALUE = (rb"""(?:\\"(?P<eq>(?:[^"\\\n]|\\[^"\n])*)\\"|"(?P<dq>(?:[^"\\\n]|\\[^\n])*)"|"""
          rb"""'(?P<sq>[^'\n]*)'|(?P<uq>[^\s"'`,;&|)\]}\\]+))""")
_ASSIGN = re.compile(rb"""(?P<kq>\\?["'])?[ \t]*(?P<op>:=|=>|\?=|=|:(?![:/=]))[ \t]*""" + _VALUE)
_FLAG_VALUE = re.compile(rb"(?:=|:|[ \t]+)" + _VALUE)  # `-Password:x` is PowerShell
_NAME_VALUE = re.compile(
    rb"""(?<![A-Za-z0-9_])(?:name|Name|NAME|key|Key|ParameterKey|OptionName)\\?["']?[ \t]*[:=]"""
    rb"""[ \t]*\\?["']?(?P<key>[A-Za-z_][A-Za-z0-9_.-]*)\\?["']?[ \t]*,?[ \t]*"""
    rb"""(?:\r?\n[ \t]*(?:-[ \t]+)?)?\\?["']?(?:value|Value|VALUE|ParameterValue)\\?["']?"""
    rb"""[ \t]*[:=][ \t]*""" + _VALUE)
_GROUPS = ("eq", "dq", "sq", "uq")
# `password:value` with no space (notes, logs, docs) is read under a key that ends in one of
# these words; under any other key `name:value` is an image tag, an ARN or an IAM action
_BARE_COLON_KEY = re.compile(rb"(?i)(?:^|[^A-Za-z0-9])(?:pass(?:word|wd)?|pwd?|secret|token)s?$")


def _value_span(m):
    for g in _GROUPS:
        if m.group(g) is not None:
            return m.start(g), m.end(g), g != "uq"
    return -1, -1, False


def key_values(row, pos, endpos, key_re, name_values=True):
    """Yield (key, key start, value start, value end, quoted) for each value written under a
    key that `key_re` finds in row[pos:endpos] (see the module doc for the syntaxes)."""
    for k in key_re.finditer(row, pos, endpos):
        key = k.group()
        dashes = len(key) - len(key.lstrip(b"-"))
        flag = dashes > 0
        if flag:
            key = key[dashes:]
            a = _FLAG_VALUE.match(row, k.end(), endpos)
        else:
            a = _ASSIGN.match(row, k.end(), endpos)
        if a is None:
            continue
        start, end, quoted = _value_span(a)
        if not flag:
            op = a.group("op")
            if op == b"=>" and not quoted:
                continue  # `x => expr` is code (lambdas, hashes); a literal there is quoted
            if op == b":" and not (a.group("kq") or quoted or _BARE_COLON_KEY.search(key)
                                   or row[a.end("op"):a.end("op") + 1] in b" \t"):
                continue  # `image:tag`, `arn:aws:...`, `secretsmanager:GetSecretValue`
            if op == b":" and not quoted and row[start - 1:start] == b":" and \
                    row[start:start + 1] in (b"-", b"=", b"?", b"+"):
                if row[start:start + 1] in b"?+":
                    continue  # `${VAR:?message}`, `${VAR:+alternative}`: no default value
                start += 1  # `${VAR:-default}`, `${VAR:=default}`: the default is the value
        elif row[start:start + 1] == b"-" and row[a.start():a.start() + 1] in b" \t":
            continue  # the next flag, not a value (after `=` or `:` a dash starts the value)
        yield key, k.start() + dashes, start, end, quoted
    if name_values and b"alue" in row[pos:endpos].lower():
        pos = row.rfind(b"\n", 0, max(pos - 1, 0)) + 1  # the name is on this line or the one before
        for m in _NAME_VALUE.finditer(row, pos, endpos):
            if key_re.fullmatch(m.group("key")):
                start, end, quoted = _value_span(m)
                yield m.group("key"), m.start("key"), start, end, quoted


# ----------------------------------------------------------------------------------------------
# is a value a literal secret?

NOT_SECRET_PREFIXES = (
    "arn:", "projects/", "http://", "https://", "/", "./", "../", "~/", "file:", "sha256:",
    "sha1:", "md5:", "vault:", "enc[", "!", "&", "*", "@", "(", "[", "{", "ref+", "ssm:",
    "sm://", "secretsmanager:", "kms:", "aqicah", "$", "%", "c:\\", "gs://", "s3://",
    "azurekeyvault", "keyvault:", "op://", "awskms:", "gcpkms:", "<", "'", '"', ":", "?",
)
# a dotted reference (`event.resultToken`, `var.db_password`, `data.x.y.value`, `module.db.pw`)
REFERENCE = re.compile(r"[A-Za-z_][\w-]*(?:\[[^\]]*\])?(?:\.[A-Za-z_][\w-]*(?:\[[^\]]*\])?)+")
_CALL = re.compile(r"[A-Za-z_][\w.]*\(")
_IDENTIFIER = re.compile(r"[a-z][a-z0-9]*(?:[-_.][a-z][a-z0-9]*)*(?:[-_.]v?[0-9]{1,3})?")
# an upper-case name (`MY_SECRET_KEY`, `UNITTEST_K8S_PATH`): with a plain word of 3+ letters
_UPPER_NAME = re.compile(r"[A-Z][A-Z0-9]*(?:[-_][A-Z0-9]+)+")
_PLAIN_WORD = re.compile(r"(?:^|[-_])[A-Z]{3,}(?=[-_]|$)")
_OUTSIDE_WORD_CHARS = re.compile(r"[^A-Za-z_.-]")
_LETTER = re.compile(r"[A-Za-z]")
_INTERPOLATION = re.compile(r"\$(?:\{|\(|[A-Z_][A-Z0-9_]{2,}\b)")
SPACE = re.compile(r"\s")
_FILE_NAME = re.compile(r"(?i).+\.(?:json|ya?ml|txt|pem|key|crt|cer|p12|pfx|jks|conf|cfg|ini|"
                        r"env|sh|tf|tfvars|asc|gpg|der|pub)$")
# Default passwords of development images and docs: not worth a finding where they are written.
DEV_DEFAULTS = frozenset({"postgres", "root", "admin", "pass", "secret", "test", "guest", "user",
                          "mysql", "redis", "minioadmin", "default", "demo", "dev", "rabbitmq",
                          "mongo", "airflow", "keycloak", "sa", "foobared", "toor"})
BOOLEAN_LIKE = frozenset({"true", "false", "yes", "no", "null", "none", "nil", "undefined",
                           "required", "optional", "enabled", "disabled", "string", "secret",
                           "sensitive", "default", "random", "auto", "generated"})


def decoded_text(value):
    """The text a base64 value encodes, when it is valid base64 of printable UTF-8; else None."""
    if len(value) < 8 or len(value) % 4:
        return None
    try:
        text = base64.b64decode(value, validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None
    return text if text and text.isprintable() else None


def generic_value_ok(value):
    """True when an assigned value looks like a literal secret rather than a reference."""
    v = value.strip()
    low = v.lower()
    if not 8 <= len(v) <= 200 or low in BOOLEAN_LIKE or SPACE.search(v):
        return False
    if low.startswith(NOT_SECRET_PREFIXES) or "://" in v or is_placeholder(v):
        return False
    if _INTERPOLATION.search(v):
        return False  # `secret$RANDOM-$RANDOM`, `pw-${SUFFIX}`: made when the script runs
    if REFERENCE.fullmatch(v) or _CALL.match(v) or _IDENTIFIER.fullmatch(v) or _FILE_NAME.fullmatch(v):
        return False
    if _UPPER_NAME.fullmatch(v) and _PLAIN_WORD.search(v):
        return False
    first = _OUTSIDE_WORD_CHARS.search(v)
    if first is None or v[first.start()] in "([{}]):" or not _LETTER.search(v):
        return False  # a call or reference; only [A-Za-z_.-] (as in gitleaks); no letter
    plain = decoded_text(v)
    if plain is not None and (len(plain) < 6 or is_placeholder(plain) or
                              plain.lower() in BOOLEAN_LIKE or plain.lower() in DEV_DEFAULTS):
        return False  # base64 of a placeholder or default (`cGFzc3dvcmQ=` is "password")
    classes = char_classes(v)  # (a short password of three or four kinds repeats characters)
    return classes >= 2 and shannon_entropy(v) >= (2.5 if classes >= 3 else 3.0)
