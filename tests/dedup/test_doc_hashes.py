"""The normaliser, the exact hash and the word shingles, against independent references."""

import pyarrow as pa
from hypothesis import given, settings, strategies as st

from planted import jaccard, reference_normalise, reference_shingles
from preflight.data.doc_hashes import exact_hashes, normalise, text_hash, word_shingles

# Text rich in what normalising is about: spaces, tabs, CR, LF, and a few non-ASCII characters.
_ALPHABET = st.sampled_from(list("ab yz\t\r\n\n é€-_=:{}") + ["  ", "\r\n", "\t\n"])
texts = st.lists(_ALPHABET, max_size=60).map("".join)
words = st.text(alphabet="abcdefghij0123456789-_:", min_size=1, max_size=16)
documents = st.tuples(st.lists(words, max_size=30).flatmap(
    lambda ws: st.lists(st.sampled_from([" ", "\n", "\t", "  \n"]), min_size=len(ws),
                        max_size=len(ws)).map(lambda seps: "".join(w + s for w, s in zip(ws, seps)))),
    st.booleans()).map(lambda d: d[0].rstrip() if d[1] else d[0])  # may end mid-word


@settings(max_examples=300, deadline=None)
@given(texts)
def test_normalise_matches_a_line_by_line_reference(text):
    assert normalise(text) == reference_normalise(text)
    assert normalise(normalise(text)) == normalise(text)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(texts, st.none()), max_size=12), st.booleans(), st.integers(0, 3))
def test_every_document_hashes_as_alone_whatever_its_neighbours(docs, large, cut):
    """The row-group fast path gives each document the hash of its normalised text alone."""
    arr = pa.array(docs, pa.large_string() if large else pa.string())[cut:]
    expected = [text_hash(d or "") for d in docs[cut:]]
    assert exact_hashes(arr).tolist() == expected
    assert [h == 0 for h in expected] == [not reference_normalise(d or "") for d in docs[cut:]]


@settings(max_examples=200, deadline=None)
@given(texts, texts)
def test_equal_hash_exactly_when_equal_after_normalising(a, b):
    same = reference_normalise(a) == reference_normalise(b)
    assert (text_hash(a) == text_hash(b)) == same


@settings(max_examples=100, deadline=None)
@given(texts, st.sampled_from(["\r\n", " \n", "\t\n", "\n\n"]))
def test_line_endings_and_trailing_spaces_do_not_make_a_new_document(text, tail):
    crlf = text.replace("\r\n", "\n").replace("\n", "\r\n")
    assert text_hash(crlf) == text_hash(text) == text_hash(text + tail)


@settings(max_examples=150, deadline=None)
@given(st.lists(documents, min_size=1, max_size=8))
def test_shingles_are_the_word_5_grams_of_each_document_alone(docs):
    flat, rows = word_shingles(pa.array(docs))
    sets = [frozenset(flat[rows[i]:rows[i + 1]].tolist()) for i in range(len(docs))]
    for i, doc in enumerate(docs):
        reference = reference_shingles(doc)
        assert len(sets[i]) == len(reference)  # no two distinct 5-grams share a hash
        alone_flat, alone_rows = word_shingles(pa.array([doc]))
        assert frozenset(alone_flat.tolist()) == sets[i]
    for i in range(len(docs)):
        for j in range(len(docs)):
            assert jaccard(sets[i], sets[j]) == jaccard(reference_shingles(docs[i]),
                                                        reference_shingles(docs[j]))
