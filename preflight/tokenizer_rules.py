"""Steps 3-4's judgements: which tokenizer differences fail, which warn, and the messages."""

from .tokenizer import split_pattern_matches

ROUNDTRIP_DOCS = 500


def roundtrip_sample(data_pass) -> list:
    """Up to ROUNDTRIP_DOCS sampled documents, spread over train and val."""
    docs = data_pass.sample("train") + data_pass.sample("val")
    step = max(1, len(docs) // ROUNDTRIP_DOCS)
    return docs[::step][:ROUNDTRIP_DOCS]


def token_bytes_convention_warning(settings, convention: str, path):
    expected = settings.checkout.token_bytes_convention()
    if convention == expected:
        return None
    return (f"{path} counts token bytes the {convention} way but the detected nanochat "
            f"({settings.checkout.era.label}) counts them the {expected} way: bits-per-byte will "
            f"not compare across versions (retrain the tokenizer with this checkout to align)")


def vocab_warnings(settings, tok) -> list:
    out = []
    requested = int(settings["vocab_size"])
    if requested and tok.n_vocab < requested:
        out.append(f"{tok.path}: vocabulary is {tok.n_vocab:,} tokens, smaller than the requested "
                   f"{requested:,} (rustbpe stops early when the corpus runs out of pairs); "
                   f"the model will use {tok.n_vocab:,}")
    elif not requested and tok.n_vocab % 64:
        # Sizes people ask for are round (nanochat's default is 32,768); an early stop is not.
        out.append(f"{tok.path}: vocabulary is {tok.n_vocab:,} tokens, not a round size: rustbpe "
                   f"probably stopped early because the corpus ran out of pairs (the default "
                   f"request is {settings.checkout.era.default_vocab:,}); set -o vocab_size=N to "
                   f"the size you asked for to check it exactly")
    if not split_pattern_matches(tok):
        out.append(f"{tok.path}: the split pattern differs from nanochat's; token counts and "
                   f"compression will differ from a standard nanochat tokenizer")
    return out


def compression_verdict(settings, bytes_per_token: dict):
    """(failure or None, warning or None) for the measured bytes per token."""
    train = bytes_per_token["train"]
    if train < settings["bytes_per_token_fail_low"]:
        return (f"{train:.2f} bytes per token on your train data: the tokenizer barely compresses "
                f"it (byte-level is 1.0); it was trained on other data or with a tiny vocabulary. "
                f"Retrain it on this data"), None
    lo, hi = settings["bytes_per_token_warn_low"], settings["bytes_per_token_warn_high"]
    values = ", ".join(f"{k} {v:.2f}" for k, v in bytes_per_token.items())
    target = f"{settings['bytes_per_token_low']:g}-{settings['bytes_per_token_high']:g}"
    if not lo <= train <= hi or not lo <= bytes_per_token["val"] <= hi:
        return None, (f"bytes per token ({values}) is outside {lo:g}-{hi:g} (target {target} for IaC "
                      f"text): the tokenizer does not fit this data; token estimates, epochs and "
                      f"bits-per-byte will be off")
    return None, None
