"""Step 1's judgements on the shards and the data pass, as Findings with the messages users see."""

from pathlib import Path

from preflight.checklist.finding import OK, fail, warn
from preflight.data.shards import index_gaps, leftover_tmp_files, validation_by_number


def no_shards_message(settings, data_dir=None) -> str:
    """Why no shard was found: in `data_dir` when one was given, else in the base dir's."""
    if data_dir is not None:
        state = ("does not exist" if not Path(data_dir).exists() else "is not a folder"
                 if not Path(data_dir).is_dir() else "holds no *.parquet shard")
        return f"the data dir {data_dir} {state}"
    if not settings.base_dir.exists():
        return (f"the base dir {settings.base_dir} does not exist: pass --base-dir or set "
                f"$NANOCHAT_BASE_DIR to the folder nanochat uses (default ~/.cache/nanochat)")
    if not settings.base_dir.is_dir():
        return (f"the base dir {settings.base_dir} is a file, not a folder: pass --base-dir or set "
                f"$NANOCHAT_BASE_DIR to the folder nanochat uses (default ~/.cache/nanochat)")
    looked = ", ".join(str(p) for p in settings.checkout.data_dir_candidates(settings.base_dir))
    return (f"no parquet shards found (looked in: {looked}). Download data with "
            f"`python -m nanochat.dataset -n 8` in the nanochat checkout, or point --base-dir / "
            f"$NANOCHAT_BASE_DIR at the folder that holds your shards")


def shards_found(settings, shards):
    return OK if shards else fail(no_shards_message(settings))


def two_shards(shards):
    if len(shards) >= 2:
        return OK
    return fail(f"{len(shards)} shard(s) ({', '.join(p.name for p in shards) or 'none'}): nanochat "
                f"takes the last shard as validation, so the train split is empty and base_train "
                f"hangs at the first batch; split the data into 2+ shards")


def readable(data_pass, kind: str):
    """Every shard opens ("open"), has a string `text` column ("schema"), decodes ("decode")."""
    bad = [s.error for s in data_pass.errors if s.error_kind == kind]
    if not bad:
        return OK
    return fail("; ".join(bad[:5]) + (f" (and {len(bad) - 5} more)" if len(bad) > 5 else ""))


def no_null_documents(data_pass):
    """nanochat's loader hands a null `text` to the tokenizer, which raises TypeError mid-run."""
    bad = [s for s in data_pass.shards if s.null_docs]
    if not bad:
        return OK
    where = "; ".join(f"{s.name}: {s.null_docs:,} null document(s), row(s) "
                      f"{', '.join(map(str, s.null_rows))}{' …' if s.null_docs > len(s.null_rows) else ''}"
                      for s in bad[:5])
    more = f" (and {len(bad) - 5} more shards)" if len(bad) > 5 else ""
    return fail(f"{where}{more}: nanochat's loader hands null text to the tokenizer, which raises "
                f"TypeError; drop those rows or write empty strings")


def enough_text(settings, data_pass):
    total = data_pass.total("text_bytes")
    if total >= settings["min_text_mb"] * 1e6:
        return OK
    return fail(f"only {total:,} bytes of text in {settings.data_dir} (minimum "
                f"{settings['min_text_mb']:g} MB, ini min_text_mb): far too little to train on")


def ranks_fed(data_pass, ranks: int):
    """A rank with no row group in any train shard, or in the val shard, spins forever."""
    if ranks <= 1 or not data_pass.train:
        return OK
    most_train = max(s.row_groups for s in data_pass.train)
    val = data_pass.shards[-1]
    if most_train < ranks:
        return fail(f"no train shard has more than {most_train} row group(s), but {ranks} ranks "
                    f"are planned: ranks {most_train}..{ranks - 1} get no data and the run hangs. "
                    f"Use fewer GPUs (--gpus) or rewrite the shards with smaller row groups")
    if val.row_groups < ranks:
        return fail(f"{val.name} (validation) has {val.row_groups} row group(s) for {ranks} ranks: "
                    f"ranks {val.row_groups}..{ranks - 1} get no validation data and the first "
                    f"evaluation hangs. Rewrite it with smaller row groups or use fewer GPUs")
    return OK


def validation_has_documents(data_pass):
    val = data_pass.shards[-1]
    if val.rows - val.empty_docs > 0:
        return OK
    return fail(f"{val.name} (the validation shard) has no non-empty documents")


def hygiene(settings, shards, data_pass) -> list:
    """Warnings: leftover downloads, many empty documents, thin shards, names nanochat orders
    differently from their numbers, gaps in the numbering."""
    out = []
    folder = shards[0].parent if shards else settings.data_dir  # the folder actually read
    tmp = leftover_tmp_files(folder)
    if tmp:
        out.append(warn(f"{len(tmp)} leftover *.tmp file(s) in {folder} (interrupted "
                        f"downloads?): {', '.join(p.name for p in tmp[:5])}"))
    rows = data_pass.total("rows")
    empty = data_pass.total("empty_docs")
    if rows and empty / rows > settings["empty_doc_warn_share"]:
        out.append(warn(f"{empty:,} of {rows:,} documents ({empty / rows:.0%}) are empty "
                        f"(padding from repackaging?)"))
    few = [s for s in data_pass.shards if s.row_groups < settings.ranks]
    if few and settings.ranks > 1:
        out.append(warn(f"{len(few)} shard(s) have fewer row groups than the {settings.ranks} "
                        f"planned ranks (e.g. {few[0].name}: {few[0].row_groups}); those ranks "
                        f"read nothing from them"))
    highest = validation_by_number(shards)
    if highest is not None:
        out.append(warn(f"shard names are not zero-padded: nanochat sorts them as text, so its "
                        f"validation shard is {shards[-1].name}, not {highest.name} (the highest "
                        f"number); rename them as shard_00000.parquet, ... to keep the order"))
    gaps = index_gaps(shards)
    if gaps:
        out.append(warn(f"shard indices are not contiguous: missing "
                        f"{', '.join(map(str, gaps[:10]))}" + (" …" if len(gaps) > 10 else "")))
    return out


def validation_not_in_training(settings, report: dict):
    """Validation documents that training holds make val bpb measure recall, not generalisation."""
    share, limit = report["val_share"], settings["dup_val_fail_share"]
    if share <= limit:
        return OK
    return fail(f"{report['val_in_train']:,} of {report['val_docs']:,} validation documents "
                f"({share:.1%}) also appear in training (exact copies; limit {limit:.1%}, ini "
                f"dup_val_fail_share): val bpb would measure what the model memorised, not how it "
                f"generalises. `preflight dedup --dry-run` shows what would go, `preflight dedup` "
                f"removes them from validation")


def duplicate_shares(settings, report: dict) -> list:
    """Warnings: many exact or near copies in training, near copies of training in validation."""
    out = []
    if report["exact_share"] > settings["dup_exact_warn_share"]:
        out.append(warn(f"{report['exact_copies']:,} of {report['train_docs']:,} training documents "
                        f"({report['exact_share']:.1%}) are exact copies of an earlier one (ini "
                        f"dup_exact_warn_share {settings['dup_exact_warn_share']:g}): they spend the "
                        f"run's budget on text it has seen; `preflight dedup` removes them"))
    near = report["near"]
    if near and near["share"] > settings["dup_near_warn_share"]:
        out.append(warn(f"{near['copies']:,} of {near['train_docs']:,} training documents "
                        f"({near['share']:.1%} ±{near['error'] * 100:g} pt) are exact or near copies of a "
                        f"kept one (ini dup_near_warn_share {settings['dup_near_warn_share']:g}); "
                        f"`preflight dedup --near` removes them"))
    if near and near["val_share"] > settings["dup_val_near_warn_share"]:
        out.append(warn(f"{near['val_in_train']:,} of {report['val_docs']:,} validation documents "
                        f"({near['val_share']:.1%}) have a near copy in training (ini "
                        f"dup_val_near_warn_share {settings['dup_val_near_warn_share']:g}): val bpb "
                        f"flatters the model; `preflight dedup --near` removes them from validation"))
    return out
