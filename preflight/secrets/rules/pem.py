"""Private key blocks: PEM of every kind, SSH2, OpenVPN static keys, PuTTY key files.

A `BEGIN ... PRIVATE KEY` block is reported from its BEGIN marker to its END marker whatever
its body holds (a real key, `...`, `<your key here>`): the block marks the place as a key, and
redacting a placeholder costs nothing. The body may be written with escaped newlines inside a
JSON string, as string pieces concatenated across lines, indented or commented out; it only
has to look like a block body, not like code that mentions the markers. A block with no END
marker (a key cut short) is reported when its body is real key material, and its span ends
with the last base64 line of the body, never in the text that follows.
"""

import re

from preflight.secrets.heuristics import shannon_entropy
from preflight.secrets.rule import Rule
from preflight.secrets.samples import Sample, pairs, rand, rand_b64

_BEGIN = re.compile(
    rb"-----BEGIN (?P<label>(?:[A-Z0-9]+ ){0,3}PRIVATE KEY(?: BLOCK)?|OpenVPN Static key V1)-----"
    rb"|---- BEGIN (?P<ssh2>SSH2 ENCRYPTED PRIVATE KEY) ----")
_MAX_BLOCK = 64 << 10  # bytes between the markers of one block (an 8192-bit PGP key is ~15 KB)
# What may sit between body lines: line breaks (real or escaped), indentation, comment marks,
# quotes and concatenation operators.
_GLUE = re.compile(rb"""(?:[ \t"'+,]|\\[nr]|\r|\n|#|//|\*)+""")
_BODY_LINE = re.compile(rb"[A-Za-z0-9+/=]+|[A-Za-z-]+: [^\n\\\"']*|[^\n\\(){};=]{0,60}")
_CODE = re.compile(rb"\b(?:if|else|return|def|func|function|startswith|endswith|contains|"
                   rb"strings\.|match|grep|sed|awk)\b|==|!=|&&|\|\|")
_BREAK = re.compile(rb"\r?\n|\\r\\n|\\n")


_B64_PIECE = re.compile(rb"[A-Za-z0-9+/]+={0,2}")


def _block_body_ok(body):
    """Between the markers: a key body (base64 and headers) or a short placeholder, written
    on one line per piece, not code that tests for the markers (`if`, `&&`, `contains(` outside
    the base64, where `/if+` may occur by chance)."""
    if not _BREAK.search(body):
        return False
    pieces = [piece for piece in _GLUE.split(body) if piece]
    if any(_CODE.search(piece) for piece in pieces if not _B64_PIECE.fullmatch(piece)):
        return False
    return all(_BODY_LINE.fullmatch(piece) for piece in pieces)


# ----------------------------------------------------------------------------------------------
# a block cut short: its body lines, exactly

_LINE_SEP = re.compile(rb"(?:\r?\n|\\r\\n|\\n)[ \t]*")
_B64_LINE = re.compile(rb"[A-Za-z0-9+/]+={0,2}")
_HEADER = re.compile(rb"[A-Za-z-]+: [^\n\\\"']*")
_WRAPPED = 80  # PEM wraps at 64 (OpenSSL), 70 (OpenSSH) or 76 (MIME); longer is one line
_NOT_WORD = re.compile(rb"[0-9+/=]|[a-z][^a-z]*[A-Z]|[A-Z][^A-Z]*[a-z]")


def _open_body_end(row, pos):
    """Where the body of a block with no END marker ends (its last base64 line's end)."""
    end = pos
    width = None
    total = 0
    headers = True
    while (sep := _LINE_SEP.match(row, end)) is not None:
        start = sep.end()
        if headers and (h := _HEADER.match(row, start)) is not None and width is None:
            end = h.end()
            continue
        line = _B64_LINE.match(row, start)
        if line is None:
            if headers and _LINE_SEP.match(row, start):  # the blank line after headers
                end = start
                headers = False
                continue
            break
        headers = False
        text = line.group()
        stop = line.end()
        if stop < len(row) and row[stop:stop + 1] not in b"\r\n\\\"' \t,":
            break  # the line goes on with other text: not a body line
        if width is None:
            width = len(text)
        elif len(text) > width or (len(text) < width and ((total + len(text)) % 4
                                                          or not _NOT_WORD.search(text))):
            break  # a short last line is whole base64 and no plain word (`spec`, `EOF`)
        total += len(text)
        end = stop
        if width > _WRAPPED or len(text) < width or text.endswith(b"="):
            break  # an unwrapped body is one line; a short or padded line is the last
    return end


def _open_body_ok(body):
    b64 = re.sub(rb"[^A-Za-z0-9+/]", b"", _HEADER.sub(b"", body))
    return len(b64) >= 64 and shannon_entropy(b64) >= 4.0


def find_private_keys(row, ctx=None, windows=None):
    """Yield (start, end, 'private-key') for every private key block in `row`."""
    pos = 0
    for m in _BEGIN.finditer(row):
        if m.start() < pos:
            continue
        label = m.group("label") or m.group("ssh2")
        end_marker = (b"---- END " + label + b" ----" if m.group("ssh2")
                      else b"-----END " + label + b"-----")
        j = row.find(end_marker, m.end(), m.end() + _MAX_BLOCK)
        nested = row.find(b"-----BEGIN ", m.end(), j) if j >= 0 else -1
        if j >= 0 and nested < 0 and _block_body_ok(row[m.end():j]):
            end = j + len(end_marker)
        else:
            end = _open_body_end(row, m.end())
            if not _open_body_ok(row[m.end():end]):
                continue
        pos = end
        yield m.start(), end, "private-key"
    yield from _putty_keys(row)


_PUTTY = re.compile(rb"PuTTY-User-Key-File-[23]: [^\n]+\n(?:[A-Za-z-]+: [^\n]*\n(?:[A-Za-z0-9+/=]+\n)*)*"
                    rb"Private-MAC: [0-9a-f]+")


def _putty_keys(row):
    if b"PuTTY-User-Key-File-" in row:
        for m in _PUTTY.finditer(row):
            yield m.start(), m.end(), "private-key"


# ----------------------------------------------------------------------------------------------
# samples

def fake_pem(rng, label="RSA PRIVATE KEY", nbytes=900, newline="\n", width=64):
    """A PEM block with a random body (for samples; no real key)."""
    body = rand_b64(rng, nbytes)
    lines = [body[i:i + width] for i in range(0, len(body), width)]
    return newline.join([f"-----BEGIN {label}-----", *lines, f"-----END {label}-----"])


def cut_pem(rng, label="OPENSSH PRIVATE KEY", width=64, newline="\n"):
    """A PEM block with no END marker whose last body line is shorter than the others (so
    where the body ends is unambiguous), or one unwrapped line."""
    while True:
        body = rand_b64(rng, rng.randrange(200, 700))
        lines = [body] if width is None else [body[i:i + width] for i in range(0, len(body), width)]
        if width is None or len(lines[-1]) < width and re.search("[0-9+/=]", lines[-1]):
            break
    return newline.join([f"-----BEGIN {label}-----", *lines])


_LABELS = ("RSA PRIVATE KEY", "EC PRIVATE KEY", "DSA PRIVATE KEY", "OPENSSH PRIVATE KEY",
           "PRIVATE KEY", "ENCRYPTED PRIVATE KEY", "PGP PRIVATE KEY BLOCK", "ANY PRIVATE KEY",
           "SSH2 ENCRYPTED PRIVATE KEY")


def _private_key_samples(rng):
    out = []
    for label in _LABELS:
        pem = fake_pem(rng, label)
        if label.startswith("SSH2"):
            pem = pem.replace("-----BEGIN SSH2 ENCRYPTED PRIVATE KEY-----",
                              "---- BEGIN SSH2 ENCRYPTED PRIVATE KEY ----").replace(
                "-----END SSH2 ENCRYPTED PRIVATE KEY-----", "---- END SSH2 ENCRYPTED PRIVATE KEY ----")
        indented = pem.replace("\n", "\n    ")
        out += pairs([f"{pem}\n", f'resource "tls" "k" {{\n  private_key = <<EOT\n{pem}\nEOT\n}}\n'],
                     pem)
        out.append(Sample(f"tls:\n  key: |\n    {indented}\n  other: x\n", ((indented, None),)))
    legacy = ("-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\n"
              f"DEK-Info: AES-128-CBC,{rand(rng, '0123456789ABCDEF', 32)}\n\n"
              + rand_b64(rng, 600) + "\n-----END RSA PRIVATE KEY-----")
    escaped = fake_pem(rng, "PRIVATE KEY", newline="\\n")
    concat_lines = fake_pem(rng, "RSA PRIVATE KEY", 300).split("\n")
    concat = '"' + '\\n" +\n    "'.join(concat_lines) + '\\n"'
    concat_secret = concat[1:-3]
    commented = fake_pem(rng, "EC PRIVATE KEY", 120).replace("\n", "\n# ")
    openvpn = "\n".join(["-----BEGIN OpenVPN Static key V1-----"]
                        + [rand(rng, "0123456789abcdef", 32) for _ in range(16)]
                        + ["-----END OpenVPN Static key V1-----"])
    placeholder = "-----BEGIN RSA PRIVATE KEY-----\n    <your key here>\n    -----END RSA PRIVATE KEY-----"
    dots = "-----BEGIN PRIVATE KEY-----\n...\n-----END PRIVATE KEY-----"
    putty = ("PuTTY-User-Key-File-2: ssh-rsa\nEncryption: none\nComment: ci\nPublic-Lines: 2\n"
             f"{rand_b64(rng, 48)}\n{rand_b64(rng, 12)}\nPrivate-Lines: 2\n{rand_b64(rng, 48)}\n"
             f"{rand_b64(rng, 30)}\nPrivate-MAC: {rand(rng, '0123456789abcdef', 40)}")
    cut = cut_pem(rng)
    cut_line = cut_pem(rng, "RSA PRIVATE KEY", width=None)
    cut_escaped = cut_pem(rng, "PRIVATE KEY", newline="\\n")
    out += pairs([f"key: |\n{legacy}\n"], legacy)
    out += pairs([f'{{"private_key": "{escaped}\\n", "client_email": "x@y.com"}}'], escaped)
    out += pairs([f"const key = {concat} +\n  '';\n"], concat_secret)
    out += pairs([f"# {commented}\nkind: Secret\n"], commented)
    out += pairs([f"#\n# 2048 bit OpenVPN static key\n#\n{openvpn}\n"], openvpn)
    out += pairs([f"ssh:\n  key: |\n    {placeholder}\n"], placeholder)
    out += pairs([f"{dots}\n"], dots)
    out += pairs([f"files:\n  ci.ppk: |\n{putty}\n"], putty)
    out += pairs([f"cat > id <<EOF\n{cut}\nkind: Deployment\nEOF\n"], cut)
    out += pairs([f"{cut_line}\nspec\nDone\n"], cut_line)
    out += pairs([f'{{"key": "{cut_escaped}", "next": 1}}'], cut_escaped)
    return out


PRIVATE_KEY = Rule(
    id="private-key", description="private key block (PEM, SSH2, OpenVPN, PuTTY), whatever its body",
    prefilter=r"BEGIN [A-Za-z0-9 ]{0,30}(?:PRIVATE KEY|Static key)|PuTTY-User-Key-File-",
    placeholder="REDACTED_PRIVATE_KEY", finder=find_private_keys, priority=90,
    samples=_private_key_samples,
    near_misses=('if line.startswith("-----BEGIN RSA PRIVATE KEY-----"):\n    pass\n',
                 "Paste the key, from -----BEGIN RSA PRIVATE KEY----- to "
                 "-----END RSA PRIVATE KEY-----, below.\n",
                 'if (pem.contains("-----BEGIN PRIVATE KEY-----") &&\n'
                 '    pem.contains("-----END PRIVATE KEY-----")) { parse(pem) }\n',
                 "-----BEGIN PUBLIC KEY-----\nMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE" + "A1b2C3d4" * 8
                 + "\n-----END PUBLIC KEY-----\n",
                 "key: -----BEGIN OPENSSH PRIVATE KEY-----\nnext: value\n"))


def _sa_check(secret, row, m, ctx):
    return b"service_account" in row or b"gserviceaccount.com" in row


def _sa_samples(rng):
    pem = fake_pem(rng, "PRIVATE KEY", newline="\\n")
    doc = ('{\n  "type": "service_account",\n  "project_id": "demo-1234",\n'
           f'  "private_key_id": "{rand(rng, "0123456789abcdef", 40)}",\n'
           f'  "private_key": "{pem}\\n",\n'
           '  "client_email": "ci@demo-1234.iam.gserviceaccount.com"\n}\n')
    return pairs([doc], pem)


GCP_SERVICE_ACCOUNT_KEY = Rule(
    id="gcp-service-account-key", description="private key inside a GCP service-account JSON",
    prefilter=r"\"private_key\"\s*:\s*\"-----BEGIN", placeholder="REDACTED_GCP_SERVICE_ACCOUNT_KEY",
    pattern=re.compile(rb'"private_key"\s*:\s*"(?P<s>-----BEGIN (?:RSA )?PRIVATE KEY-----'
                       rb'(?:[^"\\]|\\.){64,}?-----END (?:RSA )?PRIVATE KEY-----)'),
    check=_sa_check, placeholders=False, priority=95, samples=_sa_samples,
    near_misses=('{"type": "service_account", "private_key": "<PRIVATE_KEY>"}\n',))

PEM_RULES = (PRIVATE_KEY, GCP_SERVICE_ACCOUNT_KEY)
