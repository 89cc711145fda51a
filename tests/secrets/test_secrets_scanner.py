"""The scanner over Arrow arrays: offsets, nulls, chunks, engines, configuration, caching."""

import pickle
import random

import pyarrow as pa
import pytest

from preflight.secrets import RuleError, ScannerConfig, SecretsConfigError, build_scanner
from preflight.secrets.scanner import hyperscan

from engines import ENGINES

TOKEN = "ghp_" + "aB3dE5fG7hI9jK1lM3nO5pQ7rS9tU1vW3xY5"


def test_rows_and_byte_offsets(scanner):
    docs = ["nothing here", f"token: {TOKEN}\n", None, f"é€😀 {TOKEN}"]
    for typ in (pa.string(), pa.large_string()):
        found = scanner.scan_array(pa.array(docs, typ), shard="s.parquet", row_offset=1000)
        assert [(f.shard, f.row, f.rule) for f in found] == [
            ("s.parquet", 1001, "github-token"), ("s.parquet", 1003, "github-token")]
        for f in found:
            assert docs[f.row - 1000].encode()[f.start:f.end] == TOKEN.encode()


def test_chunked_and_sliced_arrays(scanner):
    docs = [f"a{i}" if i % 3 else f"x {TOKEN}" for i in range(30)]
    chunked = pa.chunked_array([docs[:7], docs[7:20], docs[20:]])
    sliced = pa.array(["pad"] * 5 + docs).slice(5)
    for arr in (chunked, sliced):
        assert [f.row for f in scanner.scan_array(arr, "s")] == list(range(0, 30, 3))


def test_secret_at_the_very_end_of_a_row_is_found(any_scanner):
    # scanning the concatenated Arrow buffer would let the next row extend the token
    docs = [f"key {TOKEN}", "ABCDEF" * 10, "ip 52.1.2.3", "4 more"]
    found = any_scanner.scan_array(pa.array(docs), "s")
    assert [(f.row, f.rule) for f in found] == [(0, "github-token"), (2, "ipv4-public")]


@pytest.mark.skipif(hyperscan is None, reason="needs hyperscan")
def test_engines_agree_on_the_corpus():
    from iac_text import planted_documents
    docs, _ = planted_documents(400, seed=11, rate=0.3)
    arr = pa.array(docs)
    a = build_scanner(ScannerConfig(engine="hyperscan")).scan_array(arr, "s")
    b = build_scanner(ScannerConfig(engine="pyarrow")).scan_array(arr, "s")
    assert a == b and len(a) > 50


def test_pyarrow_fallback_when_hyperscan_is_missing(monkeypatch):
    from preflight.secrets import scanner as module
    monkeypatch.setattr(module, "hyperscan", None)
    module._build.cache_clear()
    try:
        s = build_scanner(ScannerConfig(b64_min_len=63))
        assert s.engine == "pyarrow"
        assert [f.rule for f in s.scan_text(f"t {TOKEN}")] == ["github-token"]
        with pytest.raises(SecretsConfigError, match="hyperscan package is missing"):
            build_scanner(ScannerConfig(engine="hyperscan", b64_min_len=62))
    finally:
        module._build.cache_clear()


def test_config_key_is_stable_and_tracks_everything_that_changes_results(tmp_path):
    rules = tmp_path / "rules.toml"
    rules.write_text('[[rules]]\nid = "x"\nregex = "x{30}"\n')
    base = ScannerConfig(rule_files=(rules,))
    assert base.key() == ScannerConfig(rule_files=[str(rules)]).key()
    assert base.key() == ScannerConfig(rule_files=(rules,), engine="pyarrow").key()
    others = [ScannerConfig(), ScannerConfig(rule_files=(rules,), b64_min_len=80),
              ScannerConfig(rule_files=(rules,), b64_min_entropy=5.0),
              ScannerConfig(rule_files=(rules,), allow_ips=("1.2.3.4",))]
    before = base.key()
    assert len({before} | {c.key() for c in others}) == 5
    rules.write_text('[[rules]]\nid = "x"\nregex = "y{30}"\n')
    assert base.key() != before


def test_config_is_picklable_and_the_scanner_is_built_once():
    cfg = ScannerConfig(allow_ips=("8.8.8.8",))
    assert pickle.loads(pickle.dumps(cfg)) == cfg
    assert build_scanner(cfg) is build_scanner(ScannerConfig(allow_ips=["8.8.8.8"]))


@pytest.mark.parametrize("cfg, message", [
    (dict(engine="nope"), "secrets engine"), (dict(b64_min_len=3), "b64_min_len"),
    (dict(allow_ips=("1.2.3.999",)), "not an IP address"),
    (dict(rule_files=("/nonexistent/rules.toml",)), "cannot read rule file")])
def test_bad_configuration_is_one_clear_error(cfg, message):
    with pytest.raises(SecretsConfigError, match=message):
        build_scanner(ScannerConfig(**cfg))


def test_custom_rule_with_a_builtin_id_is_refused(tmp_path):
    path = tmp_path / "r.toml"
    path.write_text('[[rules]]\nid = "jwt"\nregex = "abc"\n')
    with pytest.raises(RuleError, match="defined twice"):
        build_scanner(ScannerConfig(rule_files=(path,)))


def test_overlapping_findings_keep_the_specific_rule(scanner):
    secret = "q8Zk/2LmN4pR7sT1vW3xY5bC6dE9fG0hJ+uK8aQw"  # 40 characters
    doc = f'password = "{TOKEN}"\naws_secret_access_key = "{secret}"\n'
    assert [f.rule for f in scanner.scan_text(doc)] == ["github-token", "aws-secret-access-key"]


def test_decoded_docker_config_is_reported_under_its_rule(scanner):
    import base64
    inner = base64.b64encode(b"robot:" + random.Random(3).randbytes(18).hex().encode()).decode()
    config = base64.b64encode(f'{{"auths": {{"ghcr.io": {{"auth": "{inner}"}}}}}}'.encode())
    doc = f"kind: Secret\ndata:\n  .dockerconfigjson: {config.decode()}\n"
    [f] = scanner.scan_text(doc)
    assert f.rule == "docker-registry-auth" and doc.encode()[f.start:f.end] == config


@pytest.mark.skipif(hyperscan is None, reason="needs hyperscan")
@pytest.mark.parametrize("damage", ["truncated", "flipped", "garbage"])
def test_the_compiled_database_is_cached_and_a_damaged_one_is_rebuilt(tmp_path, monkeypatch, damage):
    from preflight.secrets import scanner as module
    monkeypatch.setenv("PREFLIGHT_CACHE_DIR", str(tmp_path))
    cfg = ScannerConfig(b64_min_len=61)  # a configuration no other test compiled in this process
    doc = f"token: {TOKEN}\nip: 52.12.34.56\n"
    module._build.cache_clear()
    expected = build_scanner(cfg).scan_text(doc)
    [path] = (tmp_path / "scanner").iterdir()
    data = path.read_bytes()
    if damage == "truncated":
        path.write_bytes(data[: len(data) // 2])
    elif damage == "flipped":
        path.write_bytes(data[:-100] + bytes([data[-100] ^ 0xFF]) + data[-99:])
    else:
        path.write_bytes(b"garbage")
    module._build.cache_clear()
    try:
        assert build_scanner(cfg).scan_text(doc) == expected and len(expected) == 2
        assert path.read_bytes() == data  # compiled again and stored again
    finally:
        module._build.cache_clear()


def test_a_prefilter_hyperscan_cannot_compile_still_scans_in_both_engines(tmp_path):
    path = tmp_path / "r.toml"  # RE2's ungreedy flag: Hyperscan refuses it
    path.write_text("[[rules]]\nid = \"lazy\"\nregex = '''(?U)zq[0-9]+-zq'''\n")
    doc = "a: zq739251-zq739251\nb: zq739251+zq918273\n"
    if hyperscan is not None:
        with pytest.raises(hyperscan.error):
            hyperscan.Database().compile(expressions=[b"(?U)zq[0-9]+-zq"], ids=[0], flags=[0])
    results = [[(f.rule, f.start, f.end) for f in
                build_scanner(ScannerConfig(rule_files=(path,), engine=e)).scan_text(doc)]
               for e in ENGINES]
    assert results[0] == [("lazy", 3, 14)] and all(r == results[0] for r in results)
