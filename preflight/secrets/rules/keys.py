"""Private keys: PEM blocks of every common kind, and keys hidden in base64 blobs.

A PEM private key (RSA, EC, DSA, OpenSSH, PKCS#8, encrypted, PGP) is reported from its BEGIN
line to its END line, also when written with escaped newlines inside JSON (GCP service
account files). Long high-entropy base64 is decoded: if the decoded text holds a secret, the
blob is reported under that secret's rule (a kubeconfig `client-key-data` is a private key);
DER private keys and OpenSSH key files are recognised by their structure; certificates,
public keys and known file formats are public and never findings.
"""

import base64
import random
import re

from preflight.secrets.heuristics import shannon_entropy
from preflight.secrets.rule import KNOWN_EXAMPLES, Rule
from preflight.secrets.samples import contexts, pairs, rand, rand_b64

_BEGIN = re.compile(
    rb"-----BEGIN ((?:RSA |DSA |EC |OPENSSH |ENCRYPTED |SSH2 ENCRYPTED |PGP |ANY )?"
    rb"PRIVATE KEY(?: BLOCK)?)-----")
# Without an END line the body runs over whole lines of base64 (or PEM headers, or blank),
# split by real or escaped newlines.
_OPEN_BODY = re.compile(rb"(?:(?:\r?\n|\\n)[ \t]*(?:[A-Za-z0-9+/=]+|[A-Za-z-]+: [^\n\\]*)?[ \t]*"
                        rb"(?=\r?\n|\\n|$))*")
_HEADER_LINES = re.compile(rb"(?m)^[ \t]*[A-Za-z-]+:[^\n]*$|\\[nr]")
_NOT_B64 = re.compile(rb"[^A-Za-z0-9+/]")


def _key_body_ok(body):
    b64 = _NOT_B64.sub(b"", _HEADER_LINES.sub(b"\n", body))
    return len(b64) >= 64 and shannon_entropy(b64) >= 4.0


def find_private_keys(row, ctx=None, windows=None):
    """Yield (start, end, 'private-key') for every PEM private key block in `row`."""
    pos = 0
    for m in _BEGIN.finditer(row):
        if m.start() < pos:
            continue
        end_marker = b"-----END " + m.group(1) + b"-----"
        j = row.find(end_marker, m.end())
        if j >= 0:
            body, end = row[m.end():j], j + len(end_marker)
        else:
            run = _OPEN_BODY.match(row, m.end()).group()
            body = run.rstrip(b" \t\r\n")
            while body.endswith((b"\\n", b"\\r")):
                body = body[:-2]
            end = m.end() + len(body)
        if _key_body_ok(body):
            pos = end
            yield m.start(), end, "private-key"


def fake_pem(rng, label="RSA PRIVATE KEY", nbytes=900, newline="\n", width=64):
    """A PEM block with a random body (for samples; no real key)."""
    body = rand_b64(rng, nbytes)
    lines = [body[i:i + width] for i in range(0, len(body), width)]
    return newline.join([f"-----BEGIN {label}-----", *lines, f"-----END {label}-----"])


def _private_key_samples(rng):
    out = []
    for label in ("RSA PRIVATE KEY", "EC PRIVATE KEY", "DSA PRIVATE KEY", "OPENSSH PRIVATE KEY",
                  "PRIVATE KEY", "ENCRYPTED PRIVATE KEY", "PGP PRIVATE KEY BLOCK"):
        pem = fake_pem(rng, label)
        indented = pem.replace("\n", "\n    ")
        out += pairs([f"{pem}\n", f'resource "tls" "k" {{\n  private_key = <<EOT\n{pem}\nEOT\n}}\n'],
                     pem)
        out.append((f"tls:\n  key: |\n    {indented}\n  other: x\n", indented))
    legacy = ("-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\n"
              f"DEK-Info: AES-128-CBC,{rand(rng, '0123456789ABCDEF', 32)}\n\n"
              + rand_b64(rng, 600) + "\n-----END RSA PRIVATE KEY-----")
    out.append((f"key: |\n{legacy}\n", legacy))
    escaped = fake_pem(rng, "PRIVATE KEY", newline="\\n")
    out.append((f'{{"private_key": "{escaped}\\n", "client_email": "x@y.com"}}', escaped))
    truncated = "-----BEGIN OPENSSH PRIVATE KEY-----\n" + rand_b64(rng, 300)
    out.append((f"cat > id <<EOF\n{truncated}\n", truncated))
    return out


PRIVATE_KEY = Rule(
    id="private-key", description="PEM private key block (RSA, EC, DSA, OpenSSH, PKCS#8, PGP)",
    prefilter=r"-----BEGIN [A-Z0-9 ]{0,20}PRIVATE KEY", placeholder="REDACTED_PRIVATE_KEY",
    finder=find_private_keys, priority=90, samples=_private_key_samples,
    near_misses=("-----BEGIN RSA PRIVATE KEY-----\n...\n-----END RSA PRIVATE KEY-----\n",
                 'if line.startswith("-----BEGIN RSA PRIVATE KEY-----"):\n    pass\n',
                 "key: |\n  -----BEGIN PRIVATE KEY-----\n  <your key here>\n"
                 "  -----END PRIVATE KEY-----\n",
                 "-----BEGIN PUBLIC KEY-----\nMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE" + "A1b2C3d4" * 8
                 + "\n-----END PUBLIC KEY-----\n"))


def _sa_check(secret, row, m, ctx):
    return b"service_account" in row or b"gserviceaccount.com" in row


def _sa_samples(rng):
    pem = fake_pem(rng, "PRIVATE KEY", newline="\\n")
    doc = ('{\n  "type": "service_account",\n  "project_id": "demo-1234",\n'
           f'  "private_key_id": "{rand(rng, "0123456789abcdef", 40)}",\n'
           f'  "private_key": "{pem}\\n",\n'
           '  "client_email": "ci@demo-1234.iam.gserviceaccount.com"\n}\n')
    return [(doc, pem)]


GCP_SERVICE_ACCOUNT_KEY = Rule(
    id="gcp-service-account-key", description="private key inside a GCP service-account JSON",
    prefilter=r"\"private_key\"\s*:\s*\"-----BEGIN", placeholder="REDACTED_GCP_SERVICE_ACCOUNT_KEY",
    pattern=re.compile(rb'"private_key"\s*:\s*"(?P<s>-----BEGIN (?:RSA )?PRIVATE KEY-----'
                       rb'(?:[^"\\]|\\.){64,}?-----END (?:RSA )?PRIVATE KEY-----)'),
    check=_sa_check, placeholders=False, priority=95, samples=_sa_samples,
    near_misses=('{"type": "service_account", "private_key": "<PRIVATE_KEY>"}\n',))

KEY_RULES = (PRIVATE_KEY, GCP_SERVICE_ACCOUNT_KEY)

# ----------------------------------------------------------------------------------------------
# base64 blobs

_PUBLIC_PREFIXES = (b"sha512-", b"sha384-", b"sha256-", b"sha1-", b"h1:", b"sha256:", b"base64,",
                    b"ssh-rsa ", b"ssh-dss ", b"ssh-ed25519 ", b"ecdsa-sha2-nistp256 ",
                    b"ecdsa-sha2-nistp384 ", b"ecdsa-sha2-nistp521 ", b"sk-ssh-ed25519@openssh.com ")
_FILE_MAGIC = (b"\x89PNG", b"\xff\xd8\xff", b"GIF8", b"\x1f\x8b", b"PK\x03\x04", b"%PDF",
               b"wOFF", b"wOF2", b"RIFF", b"\x00\x00\x01\x00", b"BM", b"\x28\xb5\x2f\xfd")


_TEXT_BYTES = bytes(range(0x20, 0x7f)) + b"\t\r\n"
_LOWER, _UPPER, _DIGIT = re.compile(rb"[a-z]"), re.compile(rb"[A-Z]"), re.compile(rb"[0-9]")


def _ssh_public_blob(raw):
    n = int.from_bytes(raw[:4], "big")
    return 0 < n < 64 and raw[4:4 + n].startswith((b"ssh-", b"ecdsa-", b"sk-"))


def _der_sequence(raw):
    """Offset of the first element when `raw` is exactly one DER SEQUENCE, else None."""
    if len(raw) < 4 or raw[0] != 0x30:
        return None
    if raw[1] < 0x80:
        length, head = raw[1], 2
    else:
        n = raw[1] & 0x7F
        if not 1 <= n <= 3 or len(raw) < 2 + n:
            return None
        length, head = int.from_bytes(raw[2:2 + n], "big"), 2 + n
    return head if head + length == len(raw) else None


def _der_private_key(raw):
    """A DER SEQUENCE that opens with a small INTEGER version: PKCS#1, PKCS#8, SEC1 or DSA."""
    head = _der_sequence(raw)
    return head is not None and raw[head:head + 3] in (b"\x02\x01\x00", b"\x02\x01\x01")


def _printable(raw):
    """Mostly printable ASCII (config text), as opposed to binary key material."""
    return len(raw.translate(None, _TEXT_BYTES)) <= 0.05 * len(raw)


def _classify_blob(raw, ctx):
    """Rule id for decoded base64 bytes, or None when they are public or harmless."""
    if raw.startswith(b"openssh-key-v1\x00") or _der_private_key(raw):
        return "private-key"
    if _printable(raw):
        hits = ctx.rescan(raw)
        return max(hits, key=lambda h: ctx.priority(h[2]))[2] if hits else None
    if _der_sequence(raw) is not None or _ssh_public_blob(raw) or raw.startswith(_FILE_MAGIC):
        return None  # DER certificate or public key, SSH public key, or a file
    return "base64-high-entropy"


def _decode(blob):
    text = blob.rstrip(b"=")
    if len(text) % 4 == 1:
        return None
    try:
        return base64.b64decode(text + b"=" * (-len(text) % 4), validate=True)
    except ValueError:
        return None


# Runs are found on a translated copy (base64 alphabet -> "a", "_" and "-" -> "x", "=" kept,
# anything else -> " ") with bytes.find, which is far faster than a regex over every byte.
_B64_CLASSES = bytes(
    ord("a") if chr(c).isascii() and (chr(c).isalnum() or chr(c) in "+/") else
    ord("x") if chr(c) in "_-" else ord("=") if chr(c) == "=" else ord(" ") for c in range(256))


_NOT_A, _NOT_EQ = re.compile(rb"[^a]"), re.compile(rb"[^=]")
_HEX_DIGITS = b"0123456789abcdefABCDEF"


def pem_blocks(row):
    """(start, end) ranges of `row` that lie inside PEM blocks: after a BEGIN line or before an
    END line (up to the neighbouring marker), so a damaged or nested block still counts."""
    markers, pos = [], 0
    while (pos := row.find(b"-----", pos)) >= 0:
        if row.startswith((b"-----BEGIN ", b"-----END "), pos):
            markers.append((pos, row.startswith(b"-----BEGIN ", pos)))
        pos += 5
    bounds = [(0, False)] + markers + [(len(row), False)]
    return [(a, b) for (a, a_begin), (b, b_begin) in zip(bounds, bounds[1:])
            if a_begin or (b < len(row) and not b_begin)]


def base64_runs(row, min_len, skip=()):
    """(start, end) of each run of >= min_len base64 characters (plus up to two "=") that is
    not part of a longer token with "_", "-" or more "=" (same as the regex
    (?<![A-Za-z0-9+/_-])[A-Za-z0-9+/]{min_len,}={0,2}(?![A-Za-z0-9+/=_-])), leaving out runs
    that start inside the sorted (start, end) ranges `skip`."""
    t = row.translate(_B64_CLASSES)
    probe, n, pos = b"a" * min_len, len(t), 0
    skip = list(skip)
    while True:
        start = t.find(probe, pos)
        if start < 0:
            return
        while skip and skip[0][1] <= start:
            skip.pop(0)
        if skip and skip[0][0] <= start:
            pos = skip[0][1]
            continue
        m = _NOT_A.search(t, start + min_len)
        end = m.start() if m else n
        m = _NOT_EQ.search(t, end)
        stop = m.start() if m else n
        pos = stop
        if stop - end > 2 or (start and t[start - 1] == 120) or (stop < n and t[stop] in b"ax"):
            continue
        yield start, stop


def base64_rule(min_len, min_entropy):
    """The rule for long high-entropy base64, decoded and rescanned (see the module doc)."""

    def finder(row, ctx, windows=None):
        # PEM bodies belong to the private-key rule, or are certificates and public keys
        for start, end in base64_runs(row, min_len, pem_blocks(row) if b"-----BEGIN " in row else ()):
            blob = row[start:end]
            if not blob.translate(None, _HEX_DIGITS) or \
                    row[max(0, start - 28):start].endswith(_PUBLIC_PREFIXES):
                continue  # hex digests; hashes, data URIs and SSH public keys by their prefix
            if not (_LOWER.search(blob) and _UPPER.search(blob) and _DIGIT.search(blob)):
                continue
            if shannon_entropy(blob) < min_entropy or blob.decode() in KNOWN_EXAMPLES:
                continue
            raw = _decode(blob)
            if raw is None or ctx.depth >= 2:
                continue
            rule_id = _classify_blob(raw, ctx)
            if rule_id:
                yield start, end, rule_id

    def samples(rng):
        key_b64 = base64.b64encode((fake_pem(rng) + "\n").encode()).decode()
        kubeconfig = ("apiVersion: v1\nkind: Config\nusers:\n- name: admin\n  user:\n"
                      f"    client-certificate-data: {_cert_b64(rng)}\n"
                      f"    client-key-data: {key_b64}\n")
        opaque = rand_b64(rng, 48)
        der = base64.b64encode(b"\x30\x82\x02\x5b\x02\x01\x00" + rng.randbytes(600)).decode()
        secret_yaml = ("apiVersion: v1\nkind: Secret\nmetadata:\n  name: tls\ntype: Opaque\n"
                       f"data:\n  tls.key: {key_b64}\n")
        # a wrapped key is reported as the key
        return ([(kubeconfig, key_b64, "private-key"), (secret_yaml, key_b64, "private-key"),
                 (f"key_der: {der}\n", der, "private-key")]
                + pairs(contexts("encryption_blob", opaque), opaque))

    return Rule(
        id="base64-high-entropy", description="long high-entropy base64 (decoded and rescanned)",
        prefilter=r"[A-Za-z0-9+/]{%d}" % min_len, placeholder="REDACTED_BASE64_SECRET",
        finder=finder, priority=10, samples=samples,
        near_misses=(f"caBundle: {_cert_b64(random.Random(1))}\n",
                     "ssh_authorized_keys:\n  - ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQ"
                     + "C7kP2xq9Lm3Rt5Vw8Yz1Ab4Cd6Ef" * 8 + " user@host\n",
                     "integrity: sha512-" + "Kq5sNclPz7QV2+lfQIod8LmI2v3xQbTMq2cHh4Y9K/2PQ" * 2
                     + "==\n",
                     "digest: " + "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
                     + "\n"))


def _cert_b64(rng):
    """base64 of a PEM certificate with a random body, as in kubeconfig CA data."""
    return base64.b64encode((fake_pem(rng, "CERTIFICATE", 700) + "\n").encode()).decode()

