"""Phase 1, Step 1: the parquet shards nanochat will read are there, readable and big enough."""

import warnings

import pytest

from preflight import dataset_rules as rules
from preflight.warnings import DataWarning

pytestmark = pytest.mark.summary_row("Dataset")


def test_shards_found(settings, shards):
    assert shards, rules.no_shards_message(settings)


def test_at_least_two_shards(shards):
    assert len(shards) >= 2, (
        f"{len(shards)} shard(s) ({', '.join(p.name for p in shards) or 'none'}): nanochat takes the last shard as validation, so the "
        f"train split is empty and base_train hangs at the first batch; split the data into 2+ shards")


@pytest.mark.parametrize("kind", ["open", "schema", "decode"],
                         ids=["files-open", "text-column", "every-page-decodes"])
def test_shards_readable(data_pass, kind):
    bad = [s.error for s in data_pass.errors if s.error_kind == kind]
    assert not bad, "; ".join(bad[:5]) + (f" (and {len(bad) - 5} more)" if len(bad) > 5 else "")


def test_enough_text(settings, data_pass):
    total = data_pass.total("text_bytes")
    assert total >= settings["min_text_mb"] * 1e6, (
        f"only {total:,} bytes of text in {settings.data_dir} (minimum "
        f"{settings['min_text_mb']:g} MB, ini min_text_mb): far too little to train on")


def test_every_rank_gets_data(settings, data_pass):
    problem = rules.starved_ranks_message(data_pass, settings.ranks)
    assert problem is None, problem


def test_validation_shard(data_pass, summary):
    val = data_pass.shards[-1]
    summary.facts["dataset"]["validation_rows"] = val.rows
    assert val.rows - val.empty_docs > 0, f"{val.name} (the validation shard) has no non-empty documents"


def test_dataset_hygiene(settings, shards, data_pass):
    for message in rules.hygiene_warnings(settings, shards, data_pass):
        warnings.warn(message, DataWarning)
