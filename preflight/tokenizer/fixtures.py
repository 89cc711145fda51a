"""Step 3's fixtures: the tokenizer nanochat will load, and what it does to the user's own text."""

import pytest

from preflight.tokenizer.integrity import check_token_bytes, compression, roundtrip_failures
from preflight.tokenizer.load import TokenizerError, find_tokenizer, load_tokenizer
from preflight.tokenizer.verdicts import roundtrip_sample
from preflight.util.cache import cached, file_identity


@pytest.fixture(scope="session")
def tokenizer(settings, summary):
    """The tokenizer nanochat will load, loaded without executing pickled code."""
    try:
        path = find_tokenizer(settings.tokenizer_dir, settings.checkout.era.tok_train_command)
        tok = load_tokenizer(path)
    except TokenizerError as exc:
        summary.row("Tokenizer", "unusable", str(exc), "fail")
        pytest.fail(str(exc), pytrace=False)
    summary.facts["tokenizer"] = dict(path=str(path), n_vocab=tok.n_vocab, name=tok.name)
    summary.row("Tokenizer", f"{tok.n_vocab:,} tokens", f"{path}")
    return tok


@pytest.fixture(scope="session")
def token_bytes_report(settings, tokenizer):
    """token_bytes.pt checked against the tokenizer (None when the file is missing)."""
    path = settings.tokenizer_dir / "token_bytes.pt"
    if not path.is_file():
        return None

    def compute():
        found = check_token_bytes(tokenizer, path)
        return dict(problems=found.problems, convention=found.convention)

    return cached(settings.cache_dir / "facts",
                  ("token_bytes", file_identity(path), file_identity(tokenizer.path)), compute)


@pytest.fixture(scope="session")
def roundtrip(settings, tokenizer, data_pass):
    """(documents tried, indexes that do not survive decode(encode(doc)))."""
    docs = roundtrip_sample(data_pass)
    bad = cached(settings.cache_dir / "facts",
                 ("roundtrip", file_identity(tokenizer.path), data_pass.key),
                 lambda: roundtrip_failures(tokenizer, docs))
    return len(docs), bad


@pytest.fixture(scope="session")
def bytes_per_token(settings, tokenizer, data_pass, summary):
    """UTF-8 bytes per token on a deterministic sample of the user's train and val documents."""

    def compute():
        return {split: compression(tokenizer, data_pass.sample(split)) for split in ("train", "val")}

    try:
        counts = cached(settings.cache_dir / "facts",
                        ("compression", file_identity(tokenizer.path), data_pass.key), compute)
    except TokenizerError as exc:
        pytest.fail(str(exc), pytrace=False)
    result = {split: (b / t if t else 0.0) for split, (b, t) in counts.items()}
    summary.facts["tokenizer"].update(bytes_per_token=result, sample_bytes=counts)
    summary.rows["Tokenizer"].value += (f", {result['train']:.2f} bytes/token train, "
                                        f"{result['val']:.2f} val")
    return result
