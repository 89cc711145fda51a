"""The special-purpose IP table, the public-IPv4 regex derived from it, and the IP rules."""

import ipaddress
import random
import re

import pytest

from preflight.secrets import ScannerConfig, build_scanner
from preflight.secrets.ipranges import (DEFAULT_ALLOWED_IPS, SPECIAL_IPV4, SPECIAL_IPV6,
                                        _octet_range, is_public_ip, public_ipv4_regex)
from preflight.secrets.rules.ips import map_ipv4, map_ipv6


def test_octet_ranges_match_exactly_their_numbers():
    rng = random.Random(0)
    for lo, hi in [(0, 255), (0, 9), (10, 99), (100, 255), (1, 1), (37, 182), (199, 203)] + [
            tuple(sorted(rng.sample(range(256), 2))) for _ in range(200)]:
        rx = re.compile(_octet_range(lo, hi))
        assert [v for v in range(256) if rx.fullmatch(str(v))] == list(range(lo, hi + 1))


def _boundaries(table):
    for cidr, _ in table:
        net = ipaddress.ip_network(cidr)
        for v in (int(net.network_address) - 1, int(net.network_address),
                  int(net.broadcast_address), int(net.broadcast_address) + 1):
            if 0 <= v < 2 ** net.max_prefixlen:
                yield ipaddress.ip_address(v) if net.version == 4 else ipaddress.IPv6Address(v)


def test_public_ipv4_regex_agrees_with_the_table():
    rx = re.compile(public_ipv4_regex())
    rng = random.Random(1)
    addrs = [ipaddress.IPv4Address(rng.getrandbits(32)) for _ in range(20000)]
    for addr in addrs + list(_boundaries(SPECIAL_IPV4)):
        assert bool(rx.fullmatch(str(addr))) == is_public_ip(addr), addr


def test_public_ipv4_regex_leaves_out_allowed_addresses():
    rx = re.compile(public_ipv4_regex(("8.8.8.8", "52.0.0.0/8")))
    assert not rx.fullmatch("8.8.8.8") and not rx.fullmatch("52.1.2.3")
    assert rx.fullmatch("8.8.8.9") and rx.fullmatch("53.1.2.3")


def test_table_agrees_with_ipaddress_where_the_interpreter_is_not_disputed():
    # is_global counts multicast as global and changed for 192.0.0.0/24 and 2001::/23 (gh-113171)
    rng = random.Random(2)
    for _ in range(20000):
        addr = ipaddress.IPv4Address(rng.getrandbits(32))
        if addr in ipaddress.ip_network("192.0.0.0/24") or addr.is_multicast or \
                addr in ipaddress.ip_network("192.88.99.0/24"):
            continue
        assert is_public_ip(addr) == addr.is_global, addr


@pytest.mark.parametrize("text", ["10.0.0.1", "172.16.5.4", "192.168.1.1", "100.64.0.1",
                                  "127.0.0.1", "169.254.169.254", "0.0.0.0", "192.0.2.10",
                                  "198.51.100.1", "203.0.113.7", "198.18.0.1", "224.0.0.251",
                                  "239.255.255.250", "240.0.0.1", "255.255.255.255",
                                  "::1", "fe80::1", "fd12::1", "2001:db8::1", "2002:c000:204::1",
                                  "ff02::1", "::ffff:8.8.8.8", "3fff::1"])
def test_special_addresses_are_not_public(text):
    assert not is_public_ip(ipaddress.ip_address(text))


@pytest.mark.parametrize("text", ["52.1.2.3", "172.32.0.1", "8.8.8.8", "2600:1f18::1",
                                  "2a00:1450:4001::200e"])
def test_ordinary_addresses_are_public(text):
    assert is_public_ip(ipaddress.ip_address(text))


def test_tables_hold_no_typos():
    for cidr, _ in SPECIAL_IPV4 + SPECIAL_IPV6:
        ipaddress.ip_network(cidr, strict=True)  # raises when host bits are set
    for ip in DEFAULT_ALLOWED_IPS:
        assert is_public_ip(ipaddress.ip_network(ip, strict=True).network_address), ip


@pytest.mark.parametrize("doc", [
    "version: 52.1.2.3\n", "chart_version = \"52.1.2.3\"\n", "pkg==52.1.2.3\n",
    "v52.1.2.3\n", "oid 1.3.6.1.4.1.311\n", "52.1.2.3.4\n", "release-52.1.2.3\n",
    "build 52.1.2.3-beta\n", "nameserver 8.8.8.8\n", "dns: 2001:4860:4860::8888\n"])
def test_versions_oids_and_resolvers_are_not_findings(doc, any_scanner):
    assert any_scanner.scan_text(doc) == []


def test_allowed_ip_list_is_configurable():
    doc = "upstream: 52.1.2.3\nresolver 208.67.222.222\n"
    default = build_scanner(ScannerConfig())
    assert [f.rule for f in default.scan_text(doc)] == ["ipv4-public"]
    custom = build_scanner(ScannerConfig(allow_ips=("52.1.0.0/16",)))
    assert [doc.encode()[f.start:f.end] for f in custom.scan_text(doc)] == [b"208.67.222.222"]


def test_ip_mapping_is_consistent_and_lands_in_documentation_ranges():
    for ip in ("52.1.2.3", "13.57.200.1", "8.48.135.180"):
        mapped = ipaddress.ip_address(map_ipv4(ip))
        assert map_ipv4(ip) == map_ipv4(ip) and not is_public_ip(mapped)
        assert any(mapped in ipaddress.ip_network(n) for n in
                   ("192.0.2.0/24", "198.51.100.0/24", "203.0.113.0/24"))
    v6 = ipaddress.ip_address(map_ipv6("2600:1f18::1"))
    assert v6 in ipaddress.ip_network("2001:db8::/32")
    assert map_ipv4("not an ip") == "REDACTED_IPV4"
