"""Step 3's judgements: which tokenizer differences fail, which warn, and the messages."""

from preflight.checklist.finding import OK, fail, warn
from preflight.tokenizer.integrity import split_pattern_matches
from preflight.util.safe_repr import Documents

ROUNDTRIP_DOCS = 500


def roundtrip_sample(data_pass) -> list:
    """Up to ROUNDTRIP_DOCS sampled documents, spread over train and val."""
    docs = data_pass.sample("train") + data_pass.sample("val")
    step = max(1, len(docs) // ROUNDTRIP_DOCS)
    return Documents(docs[::step][:ROUNDTRIP_DOCS])


def big_enough(tok):
    return OK if tok.n_vocab > 256 + 9 else fail(f"{tok.path}: only {tok.n_vocab} tokens")


def problems(tok, found: list):
    """A failure listing the problems an integrity check found (none: OK)."""
    return fail(f"{tok.path}: " + "; ".join(found)) if found else OK


def roundtrip(tok, tried: int, bad: list):
    if not bad:
        return OK
    return fail(f"{tok.path}: decode(encode(doc)) differs from the document for {len(bad)} of "
                f"{tried} sampled documents")


def token_bytes(settings, report) -> list:
    """token_bytes.pt: missing or broken fails; the other era's byte convention warns."""
    path = settings.tokenizer_dir / "token_bytes.pt"
    if report is None:
        return [fail(f"{path} is missing: base_train loads it at startup. It is written by "
                     f"`{settings.checkout.era.tok_train_command}`")]
    found, convention = report["problems"], report["convention"]
    if convention is None or found:
        return [fail(f"{path}: " + "; ".join(found))]
    expected = settings.checkout.token_bytes_convention()
    if convention == expected:
        return [OK]
    return [warn(f"{path} counts token bytes the {convention} way but the detected nanochat "
                 f"({settings.checkout.era.label}) counts them the {expected} way: bits-per-byte "
                 f"will not compare across versions (retrain the tokenizer with this checkout to "
                 f"align)")]


def vocabulary(settings, tok) -> list:
    out = []
    requested = int(settings["vocab_size"])
    if requested and tok.n_vocab < requested:
        out.append(warn(f"{tok.path}: vocabulary is {tok.n_vocab:,} tokens, smaller than the "
                        f"requested {requested:,} (rustbpe stops early when the corpus runs out of "
                        f"pairs); the model will use {tok.n_vocab:,}"))
    elif not requested and tok.n_vocab % 64:
        # Sizes people ask for are round (nanochat's default is 32,768); an early stop is not.
        out.append(warn(f"{tok.path}: vocabulary is {tok.n_vocab:,} tokens, not a round size: "
                        f"rustbpe probably stopped early because the corpus ran out of pairs (the "
                        f"default request is {settings.checkout.era.default_vocab:,}); set "
                        f"-o vocab_size=N to the size you asked for to check it exactly"))
    if not split_pattern_matches(tok):
        out.append(warn(f"{tok.path}: the split pattern differs from nanochat's; token counts and "
                        f"compression will differ from a standard nanochat tokenizer"))
    return out


def compression(settings, tok, bytes_per_token: dict):
    """Fails below the hard floor; warns outside the expected band for IaC text."""
    train = bytes_per_token["train"]
    if train < settings["bytes_per_token_fail_low"]:
        return fail(f"{tok.path}: {train:.2f} bytes per token on your train data: the tokenizer "
                    f"barely compresses it (byte-level is 1.0); it was trained on other data or "
                    f"with a tiny vocabulary. Retrain it on this data")
    lo, hi = settings["bytes_per_token_warn_low"], settings["bytes_per_token_warn_high"]
    values = ", ".join(f"{k} {v:.2f}" for k, v in bytes_per_token.items())
    target = f"{settings['bytes_per_token_low']:g}-{settings['bytes_per_token_high']:g}"
    if not lo <= train <= hi or not lo <= bytes_per_token["val"] <= hi:
        return warn(f"bytes per token ({values}) is outside {lo:g}-{hi:g} (target {target} for IaC "
                    f"text): the tokenizer does not fit this data; token estimates, epochs and "
                    f"bits-per-byte will be off")
    return OK
