"""Public IPv4 and IPv6 addresses: real hosts, not the example and private ranges of IaC.

The IPv4 prefilter only matches addresses outside the special-purpose table (see
`ipranges`), so the private CIDRs that fill Terraform never reach Python. The finder then
rejects version strings (`1.2.3.4` after `version:`, `==`, `v`), OID prefixes (`1.3.6.1.4`
followed by more arcs) and the allowed public services. The sanitizer maps each address to
a fixed documentation-range address, so `/prefix` and `:port` around it stay valid.
"""

import hashlib
import ipaddress
import re
from dataclasses import replace

from preflight.secrets.ipranges import in_ranges, is_public_ip, public_ipv4_regex
from preflight.secrets.rule import Rule, spans
from preflight.secrets.samples import Sample

_OCTET = rb"(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])"
_IPV4 = re.compile(rb"(?<![\w.])(?<![A-Za-z0-9]-)(" + _OCTET + rb"(?:\." + _OCTET + rb"){3})"
                   rb"(?![\w]|\.[0-9]|-[A-Za-z0-9]|=)")
_IPV6 = re.compile(rb"(?<![\w:.])([23][0-9A-Fa-f]{3}:[0-9A-Fa-f:]*[0-9A-Fa-f])(?![\w:]|\.[0-9])")
_VERSION_CONTEXT = re.compile(
    rb"(?i)(?:version|(?<![a-z])ver|release|build|revision|chart|(?<![a-z])tag|firmware|(?<![a-z])rev)"
    rb"[\w-]*[\"']?\s*[:=,]?\s*[\"']?v?$|(?:==|>=|<=|~=|!=|~>|\^)\s*$|(?<![\w-])-v\s+$")
# A network written as `address/prefix` with no host bits set names a range, not a host.
_PREFIX = re.compile(rb"/([0-9]{1,2})(?![0-9])")


def _network_only(addr, row, end):
    """A range: a prefix of /24 or wider, or a longer one with no host bits set."""
    m = _PREFIX.match(row, end)
    if m is None or not 0 <= int(m.group(1)) < 32:
        return False
    bits = int(m.group(1))
    return bits <= 24 or int(addr) & ((1 << (32 - bits)) - 1) == 0


def placeholder_ipv4(octets):
    """Addresses written as placeholders or versions: a run (1.2.3.4, 5.6.7.8, 4.3.2.1), one
    octet three or four times (2.2.2.2, 35.10.10.10), two octets alternating
    (123.234.123.234), one digit repeated in order (11.22.33.44), or four single digits
    (7.2.2.1, a version or section number far more often than a host)."""
    a, b, c, d = octets
    if len({b, c, d}) == 1 or len({a, b, c}) == 1 or (a, b) == (c, d) or max(octets) < 10:
        return True
    if b - a == c - b == d - c and abs(b - a) == 1:
        return True
    return all(x >= 10 and x % 11 == 0 for x in octets) and b - a == c - b == d - c


def _allowed(addr, ctx):
    return in_ranges(ctx.allowed_ranges[addr.version], int(addr))


def _version_like(row, start):
    line_start = row.rfind(b"\n", 0, start) + 1
    return _VERSION_CONTEXT.search(row, max(line_start, start - 40), start) is not None


def find_ipv4(row, ctx, windows=None):
    """Yield (start, end, 'ipv4-public') for public, non-allowed IPv4 addresses in `row`."""
    for pos, endpos in spans(row, windows):
        yield from _ipv4_hits(row, ctx, pos, endpos)


def _ipv4_hits(row, ctx, pos, endpos):
    for m in _IPV4.finditer(row, pos, endpos):
        text = m.group(1).decode()
        addr = ipaddress.IPv4Address(text)
        if not is_public_ip(addr) or _allowed(addr, ctx) or _version_like(row, m.start()):
            continue
        if _network_only(addr, row, m.end(1)) or placeholder_ipv4([int(x) for x in text.split(".")]):
            continue
        yield m.start(1), m.end(1), "ipv4-public"


def find_ipv6(row, ctx, windows=None):
    """Yield (start, end, 'ipv6-public') for public, non-allowed IPv6 addresses in `row`."""
    for pos, endpos in spans(row, windows):
        yield from _ipv6_hits(row, ctx, pos, endpos)


def _ipv6_hits(row, ctx, pos, endpos):
    for m in _IPV6.finditer(row, pos, endpos):
        try:
            addr = ipaddress.IPv6Address(m.group(1).decode())
        except ValueError:
            continue
        if is_public_ip(addr) and not _allowed(addr, ctx):
            yield m.start(1), m.end(1), "ipv6-public"


_DOC_V4 = ("192.0.2.", "198.51.100.", "203.0.113.")


def _digest(text):
    return int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "big")


def _is_ip(text, version):
    try:
        return ipaddress.ip_address(text).version == version
    except ValueError:
        return False


def map_ipv4(secret):
    """The documentation-range (RFC 5737) address that always stands in for `secret`
    (a blob that decoded to text with an address in it is replaced whole)."""
    if not _is_ip(secret, 4):
        return "REDACTED_IPV4"
    h = _digest("ipv4:" + secret)
    return _DOC_V4[h % 3] + str(1 + (h // 3) % 254)


def map_ipv6(secret):
    """The documentation-range (2001:db8::/32) address that always stands in for `secret`."""
    if not _is_ip(secret, 6):
        return "REDACTED_IPV6"
    h = _digest("ipv6:" + secret)
    return f"2001:db8:{h >> 48 & 0xffff:x}:{h >> 32 & 0xffff:x}::{h & 0xffff:x}"


def _public_v4(rng):
    while True:
        addr = ipaddress.IPv4Address(rng.getrandbits(32))
        if is_public_ip(addr) and not str(addr).startswith(("8.8.", "1.1.", "1.0.", "9.9.", "4.2.")):
            return str(addr)


def _ipv4_samples(rng):
    docs = []
    for fmt in ('ingress {{\n  cidr_blocks = ["{ip}/32"]\n}}\n', "server:\n  host: {ip}\n",
                '{{"endpoint": "http://{ip}:8080/health"}}', "[db]\naddress={ip}\n",
                "DB_HOST={ip}\n", "ssh -i key.pem ec2-user@{ip} 'uptime'\n",
                "FROM nginx\nENV UPSTREAM={ip}:9000\n", "upstream api {{ server {ip}:443; }}\n"):
        ip = _public_v4(rng)
        docs.append(Sample(fmt.format(ip=ip), ((ip, None),)))
    return docs


def _ipv6_samples(rng):
    docs = []
    for fmt in ("listen [{ip}]:443;\n", 'ipv6_cidr_blocks = ["{ip}/128"]\n', "addr: {ip}\n"):
        a, b, c = rng.randrange(1, 0xffff), rng.randrange(1, 0xffff), rng.randrange(1, 0xff)
        ip = f"2600:1f18:{a:x}:{b:x}::{c:x}"
        docs.append(Sample(fmt.format(ip=ip), ((ip, None),)))
    return docs


def ipv4_rule(allow_ips):
    """The public IPv4 rule; its prefilter already skips the special ranges, and fires about
    once per address (its trailing boundary mirrors the finder's)."""
    # (the allowed addresses are left to the finder: rare in text, and they triple the regex;
    # with "not a digit" as its leading boundary, not the finder's, the whole prefilter pass
    # runs 17% faster on real IaC)
    prefilter = (r"(?:^|[^0-9])" + public_ipv4_regex(())
                 + r"(?:$|[^0-9A-Za-z_.-]|\.(?:$|[^0-9])|-(?:$|[^0-9A-Za-z]))")
    return replace(_IPV4_TEMPLATE, prefilter=prefilter)


_IPV4_TEMPLATE = Rule(
    id="ipv4-public", description="public IPv4 address (outside every special-purpose range)",
    prefilter="", placeholder="REDACTED_IPV4", locate=True,
    finder=find_ipv4, priority=30, replace=map_ipv4, samples=_ipv4_samples,
    near_misses=('cidr_blocks = ["10.0.0.0/16", "172.31.255.255/32", "192.168.1.10/24"]\n',
                 "cgnat: 100.64.0.1\nmetadata: http://169.254.169.254/latest/meta-data/\n",
                 "egress 0.0.0.0/0\nmask 255.255.255.0\nbroadcast 255.255.255.255\n",
                 "docs: 203.0.113.10 198.51.100.7 192.0.2.1\nmdns: 224.0.0.251\n",
                 "nameserver 8.8.8.8\nnameserver 1.1.1.1\n",
                 "version: 1.2.3.4\nchart_version = \"2.10.1.3\"\nrequests==2.31.0.1\n",
                 "oid: 1.3.6.1.4.1.2021.10.1.3.1\nimage: app:v52.1.2.3\nbuild 52.10.7.1.5\n",
                 "release-52.1.2.3 and 52.1.2.3-beta\n",
                 '"contentVersion": "52.0.0.0",\n"schemaVersion": "52.1.2.3"\n',
                 "source_ranges = [\"35.191.0.0/16\", \"130.211.0.0/22\", \"52.12.64.0/18\"]\n",
                 "loadBalancerIP: 1.2.3.4\nhost: 5.6.7.8\nexample: 11.22.33.44\n",
                 "ip: 2.2.2.2\nip: 123.123.123.123\nip: 4.3.2.1\nip: 35.10.10.10\n",
                 "loadBalancerIP: 123.234.123.234\ngem install activesupport -v 7.2.2.1\n",
                 '"args": ["--version", "5.32.1.1"]\nTextExtension = @("2.5.29.37={text}")\n'))

IPV6_PUBLIC = Rule(
    id="ipv6-public", description="public IPv6 address (global unicast, outside special ranges)",
    prefilter=r"[23][0-9A-Fa-f]{3}:[0-9A-Fa-f]{0,4}:", placeholder="REDACTED_IPV6", locate=True,
    finder=find_ipv6, priority=30, replace=map_ipv6, samples=_ipv6_samples,
    near_misses=("addr: 2001:db8::1\nlink: fe80::1\nlo: ::1\nula: fd00::1\n",
                 "taken: 2023:01:15 12:00:00\ndns: 2001:4860:4860::8888\n",
                 "sixto4: 2002:c000:0204::1\n"))


def ip_rules(allow_ips):
    """Both IP rules for a configured allow list."""
    return ipv4_rule(allow_ips), IPV6_PUBLIC

