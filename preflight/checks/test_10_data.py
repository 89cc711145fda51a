"""Step 1, Data: the parquet shards nanochat will read are there, readable, big enough, every
rank gets a row group of train and of validation data, and validation is not training again."""

import pytest

from preflight.checklist.settle import settle, settle_all
from preflight.checklist.warnings import DataWarning
from preflight.data import verdicts

pytestmark = pytest.mark.summary_row("Dataset")


def test_shards_found(settings, shards):
    settle(verdicts.shards_found(settings, shards), DataWarning)


def test_at_least_two_shards(shards):
    settle(verdicts.two_shards(shards), DataWarning)


@pytest.mark.parametrize("kind", ["open", "schema", "decode"],
                         ids=["files-open", "text-column", "every-page-decodes"])
def test_shards_readable(data_pass, kind):
    settle(verdicts.readable(data_pass, kind), DataWarning)


def test_no_null_documents(data_pass):
    settle(verdicts.no_null_documents(data_pass), DataWarning)


def test_enough_text(settings, data_pass):
    settle(verdicts.enough_text(settings, data_pass), DataWarning)


def test_every_rank_gets_data(settings, data_pass):
    settle(verdicts.ranks_fed(data_pass, settings.ranks), DataWarning)


def test_validation_shard(data_pass, summary):
    summary.facts["dataset"]["validation_rows"] = data_pass.shards[-1].rows
    settle(verdicts.validation_has_documents(data_pass), DataWarning)


def test_dataset_hygiene(settings, shards, data_pass):
    settle_all(verdicts.hygiene(settings, shards, data_pass), DataWarning)


@pytest.mark.summary_row("Duplicates")
def test_validation_not_in_training(settings, duplicates):
    settle(verdicts.validation_not_in_training(settings, duplicates), DataWarning)


@pytest.mark.summary_row("Duplicates")
def test_duplicates(settings, duplicates):
    settle_all(verdicts.duplicate_shares(settings, duplicates), DataWarning)
