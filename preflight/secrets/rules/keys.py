"""Keys hidden in base64 blobs.

Long high-entropy base64 is decoded: if the decoded text holds a secret, the blob is reported
under that secret's rule (a kubeconfig `client-key-data` is a private key); DER private keys
and OpenSSH key files are recognised by their structure; certificates, public keys, known file
formats and paths (`projects/123/locations/global/...`) are public and never findings. A PEM
block's body is read the same way (a blob pasted into a certificate is found), but only what
it hides is reported: a body is binary key or certificate material, the `pem` rules' concern.
"""

import base64
import random
import re

from preflight.secrets.heuristics import shannon_entropy
from preflight.secrets.rule import KNOWN_EXAMPLES, Rule
from preflight.secrets.rules.pem import fake_pem
from preflight.secrets.samples import Sample, contexts, pairs, rand_b64

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


# a path of words and numbers (`projects/1234/locations/global/workloadIdentityPools/x`)
_PATH_SEGMENT = re.compile(rb"[a-z0-9_.-]+|[A-Za-z][a-z]+(?:[A-Z][a-z]+)*[0-9]*|[0-9]+")


def _is_path(blob):
    parts = blob.split(b"/")
    return len(parts) >= 3 and all(p and _PATH_SEGMENT.fullmatch(p) for p in parts)


_LINE_MARGIN = b" \t#/*\"'"


def _whole_line(row, start, end):
    """True when the run is all there is on its line (besides indentation, comment marks,
    quotes): a PEM body line."""
    head = row[row.rfind(b"\n", 0, start) + 1:start]
    stop = row.find(b"\n", end)
    tail = row[end:len(row) if stop < 0 else stop]
    return not head.strip(_LINE_MARGIN) and not tail.strip(_LINE_MARGIN + b"\r")


def _margin(row, pos):
    return row[row.rfind(b"\n", 0, pos) + 1:pos]


def pem_blocks(row):
    """(start, end, margins) of the ranges of `row` inside PEM blocks: after a BEGIN line or
    before an END line (up to the neighbouring marker), so a damaged or nested block still
    counts; `margins` is what precedes the markers on their lines (the body's indentation)."""
    markers, pos = [], 0
    while (pos := row.find(b"-----", pos)) >= 0:
        if row.startswith((b"-----BEGIN ", b"-----END "), pos):
            markers.append((pos, row.startswith(b"-----BEGIN ", pos)))
        pos += 5
    bounds = [(0, False)] + markers + [(len(row), False)]
    return [(a, b, {_margin(row, m) for m, is_marker in ((a, a_begin), (b, b < len(row)))
                    if is_marker})
            for (a, a_begin), (b, b_begin) in zip(bounds, bounds[1:])
            if a_begin or (b < len(row) and not b_begin)]


def _pem_body_line(row, start, blocks):
    """True when the run at `start` sits inside a PEM block, indented as its markers (a
    commented-out line is not)."""
    margin = _margin(row, start)
    return any(a <= start < b and margin in m for a, b, m in blocks)


def base64_runs(row, min_len):
    """(start, end) of each run of >= min_len base64 characters (plus up to two "=") that is
    not part of a longer token with "_", "-" or more "=" (same as the regex
    (?<![A-Za-z0-9+/_-])[A-Za-z0-9+/]{min_len,}={0,2}(?![A-Za-z0-9+/=_-]))."""
    t = row.translate(_B64_CLASSES)
    probe, n, pos = b"a" * min_len, len(t), 0
    while True:
        start = t.find(probe, pos)
        if start < 0:
            return
        m = _NOT_A.search(t, start + min_len)
        end = m.start() if m else n
        m = _NOT_EQ.search(t, end)
        stop = m.start() if m else n
        pos = stop
        if stop - end > 2 or (start and t[start - 1] == 120) or (stop < n and t[stop] in b"ax"):
            continue
        yield start, stop


_NEXT_LINE = re.compile(rb"\r?\n[ \t]*(?:(?:#+|//|\*)[ \t]*)?([A-Za-z0-9+/]+={0,2})(?=[ \t]*(?:\r?\n|$))")
_HEX_RUN = re.compile(rb"[0-9a-fA-F]{24}")  # never inside base64 of anything: an id with a hash


def wrapped_end(row, start, end):
    """Where a base64 blob starting with the whole-line run row[start:end] ends when it is
    wrapped over more lines of the same width (a short or padded line is the last), and the
    blob with its line breaks and margins left out."""
    width, parts = end - start, [row[start:end]]
    while not parts[-1].endswith(b"=") and (m := _NEXT_LINE.match(row, end)) is not None:
        line = m.group(1)
        if len(line) > width:
            break
        parts.append(line)
        end = m.end()
        if len(line) < width:
            break
    return end, b"".join(parts)


def base64_rule(min_len, min_entropy):
    """The rule for long high-entropy base64, decoded and rescanned (see the module doc)."""

    def finder(row, ctx, windows=None):
        blocks = pem_blocks(row) if b"-----BEGIN " in row else []
        skip_to = 0
        for start, end in base64_runs(row, min_len):
            if start < skip_to:
                continue
            whole_line = _whole_line(row, start, end)
            # a PEM body is read like any blob, but only what it hides counts (a key or a
            # secret in text): certificates, public keys and PGP armour are binary
            in_block = bool(blocks) and whole_line and _pem_body_line(row, start, blocks)
            blob = row[start:end]
            if whole_line:
                end, blob = wrapped_end(row, start, end)
                skip_to = end
            if not blob.translate(None, _HEX_DIGITS) or _is_path(blob) or _HEX_RUN.search(blob) or \
                    row[max(0, start - 28):start].endswith(_PUBLIC_PREFIXES):
                continue  # hex digests, paths, ids; hashes, data URIs, SSH public keys by prefix
            if not (_LOWER.search(blob) and _UPPER.search(blob) and _DIGIT.search(blob)):
                continue
            if shannon_entropy(blob) < min_entropy or blob.decode() in KNOWN_EXAMPLES:
                continue
            raw = _decode(blob)
            if raw is None or ctx.depth >= 2:
                continue
            rule_id = _classify_blob(raw, ctx)
            if rule_id and not (in_block and rule_id == "base64-high-entropy"):
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
        wrapped_key = "\n    ".join(key_b64[i:i + 76] for i in range(0, len(key_b64), 76))
        wrapped_opaque = "\n# ".join(rand_b64(rng, 300)[i:i + 64] for i in range(0, 400, 64))
        # a wrapped key is reported as the key
        return ([Sample(d, ((key_b64, "private-key"),)) for d in (kubeconfig, secret_yaml)]
                + [Sample(f"data:\n  tls.key: |\n    {wrapped_key}\n  tls.crt: x\n",
                          ((wrapped_key, "private-key"),)),
                   Sample(f"# keystore:\n# {wrapped_opaque}\nnext: 1\n", ((wrapped_opaque, None),))]
                + [Sample(f"key_der: {der}\n", ((der, "private-key"),))]
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
                     + "\n",
                     '"data": "sqsapiwithauthDeployment04E00C9Eb4b3e148fdc1f6b32349a088a3461630",\n',
                     "ca.crt: |\n  " + "\n  ".join(_cert_der_b64(random.Random(2))) + "\n"))


def _cert_der_b64(rng):
    """A DER certificate-shaped SEQUENCE in base64, wrapped at 64 (as caBundle-style data)."""
    body = rng.randbytes(700)
    der = base64.b64encode(b"\x30\x82" + len(body).to_bytes(2, "big") + body).decode()
    return [der[i:i + 64] for i in range(0, len(der), 64)]


def _cert_b64(rng):
    """base64 of a PEM certificate with a random body, as in kubeconfig CA data."""
    return base64.b64encode((fake_pem(rng, "CERTIFICATE", 700) + "\n").encode()).decode()

