"""Which IP addresses are real public hosts, written out as tables.

The special-purpose ranges come from the IANA IPv4/IPv6 special-purpose address registries
(RFC 6890 and successors) plus multicast and the reserved class E block. They are spelled out
here on purpose: `ipaddress.is_global` changed between patch releases (gh-113171), and it
counts multicast as global. An address in any of these ranges is not a finding; neither is a
well-known public service (DNS resolvers), which users can extend or replace.

It also derives, from the IPv4 table, a regular expression that only matches dotted quads
outside the special ranges, so the prefilter never reports the private addresses that fill
Infrastructure-as-Code text.
"""

import bisect
import ipaddress
from functools import lru_cache

# ----------------------------------------------------------------------------------------------
# the tables

SPECIAL_IPV4 = (
    ("0.0.0.0/8", "this network (RFC 791)"),
    ("10.0.0.0/8", "private (RFC 1918)"),
    ("100.64.0.0/10", "shared address space, CGNAT (RFC 6598)"),
    ("127.0.0.0/8", "loopback (RFC 1122)"),
    ("169.254.0.0/16", "link-local, cloud metadata (RFC 3927)"),
    ("172.16.0.0/12", "private (RFC 1918)"),
    ("192.0.0.0/24", "IETF protocol assignments (RFC 6890)"),
    ("192.0.2.0/24", "documentation TEST-NET-1 (RFC 5737)"),
    ("192.88.99.0/24", "deprecated 6to4 relay anycast (RFC 7526)"),
    ("192.168.0.0/16", "private (RFC 1918)"),
    ("198.18.0.0/15", "benchmarking (RFC 2544)"),
    ("198.51.100.0/24", "documentation TEST-NET-2 (RFC 5737)"),
    ("203.0.113.0/24", "documentation TEST-NET-3 (RFC 5737)"),
    ("224.0.0.0/4", "multicast (RFC 5771)"),
    ("240.0.0.0/4", "reserved, incl. limited broadcast (RFC 1112, RFC 919)"),
)

SPECIAL_IPV6 = (
    ("::/128", "unspecified (RFC 4291)"),
    ("::1/128", "loopback (RFC 4291)"),
    ("::ffff:0:0/96", "IPv4-mapped (RFC 4291)"),
    ("64:ff9b::/96", "IPv4/IPv6 translation (RFC 6052)"),
    ("64:ff9b:1::/48", "local-use IPv4/IPv6 translation (RFC 8215)"),
    ("100::/64", "discard-only (RFC 6666)"),
    ("2001::/23", "IETF protocol assignments, incl. Teredo and ORCHID (RFC 2928)"),
    ("2001:db8::/32", "documentation (RFC 3849)"),
    ("2002::/16", "6to4 (RFC 3056)"),
    ("3fff::/20", "documentation (RFC 9637)"),
    ("5f00::/16", "segment routing SIDs (RFC 9602)"),
    ("fc00::/7", "unique local (RFC 4193)"),
    ("fe80::/10", "link-local (RFC 4291)"),
    ("fec0::/10", "deprecated site-local (RFC 3879)"),
    ("ff00::/8", "multicast (RFC 4291)"),
)

# Public, but they are well-known service addresses rather than anybody's host.
DEFAULT_ALLOWED_IPS = (
    "8.8.8.8", "8.8.4.4",                       # Google Public DNS
    "1.1.1.1", "1.0.0.1",                       # Cloudflare DNS
    "9.9.9.9", "149.112.112.112",               # Quad9
    "208.67.222.222", "208.67.220.220",         # OpenDNS
    "4.2.2.1", "4.2.2.2",                       # Level3 resolvers
    "223.5.5.5", "223.6.6.6",                   # AliDNS
    "94.237.127.9", "94.237.40.9",              # UpCloud resolvers
    "168.63.129.16",                            # Azure platform DNS / health probe address
    "199.36.153.4/30", "199.36.153.8/30",       # Google restricted. / private.googleapis.com
    "35.190.247.13",                            # Google Compute Windows KMS activation
    "104.42.195.92", "40.76.54.131", "52.176.6.30", "52.169.50.45", "52.187.184.26",
                                                # Azure portal (Cosmos DB firewall docs)
    "2001:4860:4860::8888", "2001:4860:4860::8844",
    "2606:4700:4700::1111", "2606:4700:4700::1001",
    "2620:fe::fe", "2620:fe::9",
    "2400:3200::1", "2400:3200:baba::1",        # AliDNS
    "2a04:3540:53::1", "2a04:3544:53::1",       # UpCloud resolvers
)

_V4_NETS = tuple(ipaddress.IPv4Network(n) for n, _ in SPECIAL_IPV4)
_V6_NETS = tuple(ipaddress.IPv6Network(n) for n, _ in SPECIAL_IPV6)


# ----------------------------------------------------------------------------------------------
# classification

def _ranges(nets):
    """Sorted, merged (first, last) integer ranges of networks, for bisection."""
    merged = []
    for first, last in sorted((int(n.network_address), int(n.broadcast_address)) for n in nets):
        if merged and first <= merged[-1][1] + 1:
            merged[-1] = (merged[-1][0], max(merged[-1][1], last))
        else:
            merged.append((first, last))
    return [f for f, _ in merged], [l for _, l in merged]


def in_ranges(ranges, value):
    """True when the integer `value` lies in one of `ranges` (from _ranges)."""
    firsts, lasts = ranges
    i = bisect.bisect_right(firsts, value) - 1
    return i >= 0 and value <= lasts[i]


def net_ranges(nets):
    """{4: ranges, 6: ranges} of a list of networks."""
    return {v: _ranges([n for n in nets if n.version == v]) for v in (4, 6)}


def is_public_ip(addr):
    """True when `addr` (an ipaddress object) lies outside every special-purpose range."""
    return not in_ranges(_SPECIAL[addr.version], int(addr))


def parse_allowed(entries):
    """Turn allowed IPs/CIDRs (strings) into networks; raise ValueError naming a bad entry."""
    nets = []
    for entry in entries:
        try:
            nets.append(ipaddress.ip_network(entry.strip(), strict=False))
        except ValueError:
            raise ValueError(f"allowed IP list: {entry!r} is not an IP address or CIDR") from None
    return tuple(nets)


_SPECIAL = net_ranges(_V4_NETS + _V6_NETS)


# ----------------------------------------------------------------------------------------------
# the public-IPv4 prefilter regex, derived from SPECIAL_IPV4

def _octet_range(lo, hi):
    """Regex for the decimal numbers lo..hi (0..255, no leading zeros)."""
    if lo == hi:
        return str(lo)
    parts = []
    while lo <= hi:
        # split at digit-length boundaries (9|99) and at tens so each piece is one class
        for top in (9, 99, 255):
            if lo <= top:
                break
        end = min(hi, top)
        if lo < 10:
            parts.append(f"[{lo}-{end}]" if lo != end else str(lo))
            lo = end + 1
            continue
        tens_lo, tens_hi = lo // 10, end // 10
        if tens_lo == tens_hi:
            parts.append(f"{tens_lo}[{lo % 10}-{end % 10}]" if lo != end else str(lo))
            lo = end + 1
            continue
        if lo % 10:
            parts.append(f"{tens_lo}[{lo % 10}-9]")
            lo = (tens_lo + 1) * 10
            continue
        if end % 10 != 9:
            full_end = tens_hi * 10 - 1
        else:
            full_end = end
        a, b = lo // 10, full_end // 10
        parts.append(_tens_block(a, b))
        lo = full_end + 1
    return "(?:" + "|".join(parts) + ")"


def _tens_block(a, b):
    """Regex for the numbers a*10..b*10+9 (a <= b), i.e. a prefix range followed by any digit."""
    if a == b:
        return f"{a}[0-9]"
    if a < 10 and b < 10:
        return f"[{a}-{b}][0-9]"
    if a // 10 == b // 10:
        return f"{a // 10}[{a % 10}-{b % 10}][0-9]"
    return f"(?:{_octet_range(a, b)})[0-9]"


def _octet_set(values):
    """Regex for a set of octet values, as an alternation of contiguous ranges."""
    values = sorted(values)
    runs, start = [], values[0]
    for prev, cur in zip(values, values[1:] + [None]):
        if cur != prev + 1:
            runs.append((start, prev))
            start = cur
    if runs == [(0, 255)]:
        return "(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])"
    return "(?:" + "|".join(_octet_range(lo, hi) for lo, hi in runs) + ")"


def _public_tree(base, prefix_len, nets):
    """Regex for public addresses below the octet-aligned prefix base/prefix_len."""
    if not nets:
        return r"\.".join(["(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])"] * (4 - prefix_len // 8))
    groups = {}  # sub-regex -> octet values sharing it
    shift = 24 - prefix_len
    for octet in range(256):
        lo = base | (octet << shift)
        hi = lo | ((1 << shift) - 1)
        inside = [n for n in nets if int(n.network_address) <= hi and int(n.broadcast_address) >= lo]
        if any(int(n.network_address) <= lo and int(n.broadcast_address) >= hi for n in inside):
            continue  # the whole block is special
        sub = _public_tree(lo, prefix_len + 8, inside) if prefix_len < 24 else ""
        groups.setdefault(sub, []).append(octet)
    alts = []
    for sub, octets in groups.items():
        head = _octet_set(octets)
        alts.append(head + (r"\." + sub if sub else ""))
    return "(?:" + "|".join(alts) + ")"


@lru_cache(maxsize=16)
def public_ipv4_regex(allowed=()):
    """A regex (RE2/Hyperscan/Python syntax) for dotted quads outside SPECIAL_IPV4 and the
    `allowed` IPv4 addresses/CIDRs (strings)."""
    extra = [n for n in parse_allowed(allowed) if n.version == 4]
    return _public_tree(0, 0, list(_V4_NETS) + extra)
