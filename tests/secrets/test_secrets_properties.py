"""Hypothesis: the scanner never crashes, and sanitizing planted documents is exact and final."""

import random

import pyarrow as pa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from preflight.secrets import ScannerConfig, build_scanner
from preflight.secrets.rules import builtin_rules
from preflight.secrets.sanitize import sanitize_text

from engines import ENGINES

# any Unicode text Arrow can hold (no lone surrogates), with IaC punctuation over-represented
TEXT = st.text(st.one_of(st.characters(blacklist_categories=("Cs",)),
                         st.sampled_from(list(":=\"'{}$<>/@.-_\n \t+AKIA0123456789"))),
               max_size=400)
SAMPLED = [(r.id, r) for r in builtin_rules() if r.samples is not None]
SETTINGS = settings(max_examples=60, deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture])


@SETTINGS
@given(st.lists(TEXT, max_size=8))
def test_arbitrary_text_never_crashes_and_engines_agree(docs):
    arr = pa.array(docs)
    results = [build_scanner(ScannerConfig(engine=e)).scan_array(arr, "s") for e in ENGINES]
    assert all(r == results[0] for r in results)
    for f in results[0]:
        assert 0 <= f.start < f.end <= len(docs[f.row].encode())


@st.composite
def planted(draw):
    """A document of filler lines with 1-3 rule samples inserted between them."""
    rng = random.Random(draw(st.integers(0, 2 ** 32)))
    filler = draw(st.lists(st.text(st.characters(blacklist_categories=("Cs",)), max_size=60),
                           max_size=6))
    parts = [line.replace("\n", " ") + "\n" for line in filler]
    for _ in range(draw(st.integers(1, 3))):
        _, rule = SAMPLED[draw(st.integers(0, len(SAMPLED) - 1))]
        doc, _secret = rng.choice(rule.samples(rng))[:2]
        parts.insert(draw(st.integers(0, len(parts))), doc if doc.endswith("\n") else doc + "\n")
    return "".join(parts)


@SETTINGS
@given(planted())
def test_sanitized_planted_documents_are_clean_exact_and_final(scanner, doc):
    findings = scanner.scan_text(doc)
    assert findings, "a planted secret was not found"
    # the expected text: every byte outside the findings' spans, each span a placeholder
    data, pieces, pos = doc.encode(), [], 0
    for f in findings:
        rule = scanner.by_id[f.rule]
        secret = data[f.start:f.end].decode()
        pieces += [data[pos:f.start], (rule.replace(secret) if rule.replace else
                                       rule.placeholder).encode()]
        pos = f.end
    expected = (b"".join(pieces) + data[pos:]).decode()
    new, applied = sanitize_text(doc, scanner)
    assert new == expected and applied == findings
    assert scanner.scan_text(new) == []
    assert sanitize_text(new, scanner) == (new, [])
