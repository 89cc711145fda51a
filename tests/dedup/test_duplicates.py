"""The duplicate report on real parquet shards with duplicates planted at known rates: the rows
report them within the stated error (answers by brute force, `planted.py`)."""

import random
from types import SimpleNamespace

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import given, settings, strategies as st

from planted import brute_force, planted_corpus, reference_normalise, write_dataset
from preflight.data.datapass import run_pass
from preflight.data.dedup import (EXACT, KEEP, NEAR, DedupConfig, Fingerprinter, Fingerprints,
                                  plan)
from preflight.data.doc_hashes import MinHashConfig
from preflight.data.duplicates import (NEAR_SHARE_ERROR, build_report, masked_preview,
                                       near_shard_indices)

CONFIG = MinHashConfig()


def fingerprints(docs, near=True):
    fp = Fingerprinter(DedupConfig(CONFIG if near else None))
    fp.add(pa.array(docs, pa.string()))
    return Fingerprints.from_dict(fp.to_dict(), CONFIG)


@settings(max_examples=150, deadline=None)
@given(st.lists(st.lists(st.sampled_from(["a", "a \n", "b", "b\r\n", "c\n\n", "", "d", "e e"]),
                         max_size=8), min_size=2, max_size=4))
def test_exact_plan_keeps_the_first_occurrence_and_clears_validation(shards):
    p = plan([fingerprints(docs, near=False) for docs in shards])
    docs = [d for s in shards for d in s]
    n_val = len(shards[-1])
    seen, train = set(), set()
    for i, doc in enumerate(docs):
        key = reference_normalise(doc)
        expected = EXACT if key and key in seen else KEEP
        assert p.reason[i] == expected, (i, doc)
        if expected == EXACT:
            assert reference_normalise(docs[p.match[i]]) == key and p.match[i] < i
            assert p.reason[p.match[i]] == KEEP  # the kept one is the first occurrence
        seen.add(key)
        if i < len(docs) - n_val:
            train.add(key)
        elif key and key in train:
            assert p.reason[i] == EXACT and p.match[i] < len(docs) - n_val


def test_near_plan_matches_only_kept_documents_so_a_second_run_keeps_everything():
    train, val = planted_corpus(seed=3, n_unique=300, val_docs=60)
    p = plan([fingerprints(train), fingerprints(val)], CONFIG, 0.75)
    assert (p.reason == NEAR).sum() > 10
    assert (p.reason[p.match[p.reason == NEAR]] == KEEP).all()  # near: only kept documents
    assert (p.reason[p.match[p.reason == EXACT]] != EXACT).all()  # exact: the first occurrence
    kept = [d for i, d in enumerate(train + val) if p.reason[i] == KEEP]
    n_train = int((p.reason[:len(train)] == KEEP).sum())
    again = plan([fingerprints(kept[:n_train]), fingerprints(kept[n_train:])], CONFIG, 0.75)
    assert (again.reason == KEEP).all()


@pytest.mark.parametrize("seed", [11, 12])
def test_planted_duplicates_are_reported_within_the_stated_error(tmp_path, seed):
    train, val = planted_corpus(seed, n_unique=700, exact_rate=0.12, near_rate=0.1,
                                val_docs=200, overlap_rate=0.06)
    shards = write_dataset(tmp_path / "data", train, val)
    dp = run_pass(shards, dedup=DedupConfig(CONFIG), workers=1)
    report = build_report(dp, shards, CONFIG, 0.75, lambda path, rows: {r: "" for r in rows})
    want = brute_force(train, val, 0.75)
    assert report["train_docs"] == want.train_docs and report["val_docs"] == want.val_docs
    assert report["exact_copies"] == want.exact_copies >= 0.1 * 700
    assert report["val_in_train"] == want.val_in_train >= 0.04 * 200
    near = report["near"]
    assert near["shards"] == near["of"] == 3 and near["train_docs"] == want.train_docs
    assert abs(near["share"] - want.near_copies / want.train_docs) <= NEAR_SHARE_ERROR
    assert want.near_copies - want.exact_copies >= 0.08 * 700  # the near copies were planted
    assert abs(near["val_share"] - want.val_near / want.val_docs) <= NEAR_SHARE_ERROR
    assert report["top"][0]["count"] >= 2 and report["clusters"][0]["size"] >= 2


def test_near_estimation_samples_the_validation_shard_and_spread_train_shards(tmp_path):
    train, val = planted_corpus(seed=5, n_unique=400, val_docs=50)
    shards = write_dataset(tmp_path / "data", train, val, shards=6, row_group_size=16)
    text = [pq.read_table(p).column("text").to_pylist() for p in shards]
    sizes = [sum(len(d.encode()) for d in docs) for docs in text]  # text bytes, counted here
    budget = sizes[-1] + sizes[0] + sizes[2] + 1
    picked = near_shard_indices(shards, budget)
    assert picked[-1] == len(shards) - 1 and len(picked) >= 2
    assert sum(sizes[i] for i in picked) <= budget
    # the footer's sizes hold offsets and page headers too: twice the text is room for all
    assert near_shard_indices(shards, 2 * sum(sizes)) == list(range(6))
    assert near_shard_indices(shards, 0) == []
    from preflight.data.duplicates import dedup_configs
    configs = [DedupConfig(CONFIG if i in picked else None) for i in range(len(shards))]
    dp = run_pass(shards, dedup=configs, workers=1)
    report = build_report(dp, shards, CONFIG, 0.75, lambda path, rows: {r: "" for r in rows})
    assert report["near"]["shards"] == len(picked) < report["near"]["of"]
    assert report["near"]["train_docs"] < report["train_docs"]
    assert callable(dedup_configs)


def test_previews_never_show_a_secret_or_a_key_like_token(scanner):
    key = "AKIA" + "QWERTYUIOPASDFGH"
    secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCY" + "EXAMPLEKEY"
    doc = (f"aws_access_key_id = {key}\naws_secret_access_key = {secret}\n"
           f"digest: sha256:{'ab12' * 16}\nname: kubernetes-dashboard-metrics-scraper\n")
    preview = masked_preview(doc, scanner, width=400)
    assert key not in preview and secret not in preview and "ab12ab12" not in preview
    assert "kubernetes-dashboard-metrics-scraper" in preview and "\n" not in preview
    assert len(masked_preview(doc * 10, scanner)) <= 72


def test_a_preview_hides_secrets_whose_spans_overlap():
    class Spans:  # what a scanner reports: byte spans, here two that overlap
        def scan_text(self, data):
            return [SimpleNamespace(start=9, end=20), SimpleNamespace(start=15, end=40)]
    doc = "password=" + "A" * 6 + "BBBBB" + "C" * 20 + " tail"
    assert masked_preview(doc, Spans(), width=400) == "password= [secret] tail"


@pytest.fixture(scope="module")
def scanner():
    from preflight.secrets import ScannerConfig, build_scanner
    return build_scanner(ScannerConfig())


@pytest.mark.parametrize("seed", [0, 1])
def test_a_chain_of_small_edits_is_matched_only_against_kept_documents(seed):
    """Each version is a near copy of the one before, not of the first: removed versions must
    not match later ones, or a second run would keep what the first removed."""
    rng = random.Random(seed)
    words = [f"w{i}" for i in range(300)]
    chain = []
    for _ in range(30):
        at = rng.randrange(0, 292)
        words[at:at + 8] = [f"e{rng.randrange(10**6)}" for _ in range(8)]
        chain.append(" ".join(words))
    p = plan([fingerprints(chain), fingerprints([])], CONFIG, 0.75)
    assert (p.reason == NEAR).any() and (p.reason[1:] == KEEP).any()
    assert (p.reason[p.match[p.reason == NEAR]] == KEEP).all()


def test_near_search_prefers_the_earliest_similar_kept_document():
    base = " ".join(f"w{i}" for i in range(300))
    edited = base.replace("w150", "v150")
    p = plan([fingerprints([base, edited, edited + " tail"]), fingerprints([])], CONFIG, 0.75)
    assert p.reason.tolist() == [KEEP, NEAR, NEAR] and p.match.tolist()[1:] == [0, 0]
    assert np.all(p.similarity[1:] >= 0.75)
