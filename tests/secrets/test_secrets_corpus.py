"""No findings on clean IaC text and the demo corpus; every planted secret found, nothing else."""


import pyarrow as pa

from iac_text import clean_documents, planted_documents


def test_clean_iac_corpus_has_no_findings(any_scanner):
    docs = clean_documents(2000, seed=21)
    found = any_scanner.scan_array(pa.array(docs), "clean.parquet")
    assert [(f.rule, docs[f.row].encode()[max(0, f.start - 40):f.end + 10]) for f in found] == []


def test_every_planted_secret_and_nothing_else_is_found(scanner):
    # one seed here, twenty in test_secrets_properties; every rule is planted many times
    docs, truth = planted_documents(2000, seed=22, rate=0.4)
    found = {(f.row, f.rule, f.start, f.end) for f in scanner.scan_array(pa.array(docs), "p")}
    assert len(truth) > 700 and found == set(truth), (sorted(set(truth) - found)[:5],
                                                      sorted(found - set(truth))[:5])


def test_demo_corpus_is_clean(scanner):
    from preflight.demo.iac_corpus import generate_documents
    docs = generate_documents(1500, 7)
    found = scanner.scan_array(pa.array(docs), "demo")
    assert [(f.rule, docs[f.row].encode()[max(0, f.start - 40):f.end + 10]) for f in found] == []
