"""Step 1's fixtures: the shards nanochat will read and the one streaming pass over them."""

import pytest

from preflight.checklist.fixtures import progress_writer
from preflight.checklist.report import histogram_svg
from preflight.data.datapass import pass_for_settings
from preflight.data.duplicates import duplicates_for_settings, row_text, section
from preflight.data.shards import list_shards
from preflight.data.verdicts import no_shards_message
from preflight.secrets import SecretsConfigError
from preflight.util.format import human_bytes


@pytest.fixture(scope="session")
def shards(settings):
    return list_shards(settings.data_dir)


@pytest.fixture(scope="session")
def data_pass(pytestconfig, settings, shards, summary):
    """Step 1 and 2's single streaming pass (stats, samples, secret findings), cached."""
    if not shards:
        pytest.fail(no_shards_message(settings), pytrace=False)
    try:
        result = pass_for_settings(settings, shards,
                                   progress=progress_writer(pytestconfig, "reading data"))
    except SecretsConfigError as exc:  # a bad custom rule or baseline file
        pytest.fail(str(exc), pytrace=False)
    train, val = result.train, result.val
    summary.facts["dataset"] = dict(
        data_dir=str(settings.data_dir), shards=len(shards), validation_shard=shards[-1].name,
        documents=result.total("rows"), bytes_on_disk=result.total("size"),
        train_text_bytes=result.total("text_bytes", train),
        val_text_bytes=result.total("text_bytes", val), empty_documents=result.total("empty_docs"),
        cached_shards=result.cached)
    summary.row("Dataset", f"{len(shards)} shards, {result.total('rows'):,} docs, "
                           f"{human_bytes(result.total('text_bytes'))} text",
                f"train {human_bytes(result.total('text_bytes', train))} / val "
                f"{human_bytes(result.total('text_bytes', val))} ({shards[-1].name}); "
                f"{human_bytes(result.total('size'))} on disk in {settings.data_dir}")
    svg = histogram_svg(result.length_hist(), "Document length distribution (all shards)")
    if svg:
        summary.plots["doc_lengths"] = svg
    return result


@pytest.fixture(scope="session")
def duplicates(settings, shards, data_pass, summary):
    """Step 1's duplicate report (exact, near, validation in training), from the pass's cache."""
    report = duplicates_for_settings(settings, shards, data_pass)
    summary.facts["duplicates"] = report
    summary.row("Duplicates", *row_text(report))
    if report["top"] or report["clusters"]:
        summary.sections["duplicates"] = section(report)
    return report
