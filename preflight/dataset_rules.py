"""Step 1's judgements on the data pass: what fails, what deserves a warning, and the messages."""

from .shards import index_gaps, leftover_tmp_files


def no_shards_message(settings) -> str:
    if not settings.base_dir.is_dir():
        return (f"the base dir {settings.base_dir} does not exist: pass --base-dir or set "
                f"$NANOCHAT_BASE_DIR to the folder nanochat uses (default ~/.cache/nanochat)")
    looked = ", ".join(str(p) for p in settings.checkout.data_dir_candidates(settings.base_dir))
    return (f"no parquet shards found (looked in: {looked}). Download data with "
            f"`python -m nanochat.dataset -n 8` in the nanochat checkout, or point --base-dir / "
            f"$NANOCHAT_BASE_DIR at the folder that holds your shards")


def starved_ranks_message(data_pass, ranks: int):
    """A rank with no row group in any train shard, or in the val shard, spins forever."""
    if ranks <= 1 or not data_pass.train:
        return None
    most_train = max(s.row_groups for s in data_pass.train)
    val = data_pass.shards[-1]
    if most_train < ranks:
        return (f"no train shard has more than {most_train} row group(s), but {ranks} ranks are "
                f"planned: ranks {most_train}..{ranks - 1} get no data and the run hangs. Use fewer "
                f"GPUs (--gpus) or rewrite the shards with smaller row groups")
    if val.row_groups < ranks:
        return (f"{val.name} (validation) has {val.row_groups} row group(s) for {ranks} ranks: "
                f"ranks {val.row_groups}..{ranks - 1} get no validation data and the first "
                f"evaluation hangs. Rewrite it with smaller row groups or use fewer GPUs")
    return None


def hygiene_warnings(settings, shards, data_pass) -> list:
    out = []
    folder = shards[0].parent if shards else settings.data_dir  # the folder actually read
    tmp = leftover_tmp_files(folder)
    if tmp:
        out.append(f"{len(tmp)} leftover *.tmp file(s) in {folder} (interrupted "
                   f"downloads?): {', '.join(p.name for p in tmp[:5])}")
    rows = data_pass.total("rows")
    empty = data_pass.total("empty_docs")
    if rows and empty / rows > settings["empty_doc_warn_share"]:
        out.append(f"{empty:,} of {rows:,} documents ({empty / rows:.0%}) are empty "
                   f"(padding from repackaging?)")
    few = [s for s in data_pass.shards if s.row_groups < settings.ranks]
    if few and settings.ranks > 1:
        out.append(f"{len(few)} shard(s) have fewer row groups than the {settings.ranks} planned ranks "
                   f"(e.g. {few[0].name}: {few[0].row_groups}); those ranks read nothing from them")
    gaps = index_gaps(shards)
    if gaps:
        out.append(f"shard indices are not contiguous: missing {', '.join(map(str, gaps[:10]))}"
                   + (" …" if len(gaps) > 10 else ""))
    return out
