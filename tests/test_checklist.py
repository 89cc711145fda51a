"""The checklist end to end on real workspaces: green, and each failure mode at the right step."""

import pickle
import shutil

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import tiktoken
import torch

from preflight.data.shard_writer import write_shard
from preflight.tokenizer.training import train_tokenizer

from workspaces import run_checklist


def test_green_workspace_passes_and_reports(workspace):
    run = run_checklist(workspace)
    assert run.code == 0, run.output
    rows = {r["row"]: r for r in run.summary["table"]}
    assert {"Dataset", "Secrets", "Tokenizer", "Model", "Param/Token", "Est. epochs", "Launch"} <= set(rows)
    assert run.summary["not_run"] == []
    facts = run.summary["facts"]
    assert facts["dataset"]["shards"] == 4 and facts["dataset"]["validation_shard"] == "shard_00003.parquet"
    reports = workspace.root / "reports"
    html = (reports / "report.html").read_text()
    assert "Pre-flight summary" in html and "<svg" in html
    assert (reports / "junit.xml").exists()
    assert "nanochat pre-flight summary" in run.output


def test_facts_match_the_files(workspace):
    run = run_checklist(workspace)
    facts = run.summary["facts"]["dataset"]
    tables = [pq.read_table(p) for p in workspace.shards()]
    assert facts["documents"] == sum(t.num_rows for t in tables)
    val_bytes = sum(len(s.encode()) for s in tables[-1].column("text").to_pylist())
    assert facts["val_text_bytes"] == val_bytes
    assert facts["bytes_on_disk"] == sum(p.stat().st_size for p in workspace.shards())


def _not_run_after(run, name):
    assert run.code == 1, run.output
    assert run.first_failure() == name, (run.outcomes, run.output[-3000:])
    assert any("test_30_tokenizer" in n for n in run.summary["not_run"]) or "tokenizer" in name


def test_no_shards(workspace):
    shutil.rmtree(workspace.data)
    run = run_checklist(workspace)
    _not_run_after(run, "test_10_data::test_shards_found")
    assert "no parquet shards found" in run.output and "nanochat.dataset" in run.output


def test_one_shard(workspace):
    for p in workspace.shards()[1:]:
        p.unlink()
    run = run_checklist(workspace)
    _not_run_after(run, "test_10_data::test_at_least_two_shards")
    assert "train split is empty" in run.output


def test_truncated_shard(workspace):
    path = workspace.shards()[1]
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    run = run_checklist(workspace)
    _not_run_after(run, "test_10_data::test_shards_readable[files-open]")
    assert "shard_00001.parquet: not a readable parquet file" in run.output


def test_corrupt_page(workspace):
    path = workspace.shards()[2]
    column = pq.ParquetFile(path).metadata.row_group(1).column(0)
    start = column.data_page_offset + column.total_compressed_size // 2
    data = bytearray(path.read_bytes())
    data[start:start + 64] = bytes(64)
    path.write_bytes(bytes(data))
    run = run_checklist(workspace)
    _not_run_after(run, "test_10_data::test_shards_readable[every-page-decodes]")
    assert "shard_00002.parquet: row group 1 (rows 64-127) cannot be decoded" in run.output


def test_no_text_column(workspace):
    path = workspace.shards()[0]
    table = pq.read_table(path)
    pq.write_table(pa.table({"content": table.column("text")}), path)
    run = run_checklist(workspace)
    _not_run_after(run, "test_10_data::test_shards_readable[text-column]")
    assert "shard_00000.parquet: no `text` column (columns: content)" in run.output


def test_text_column_not_a_string(workspace):
    path = workspace.shards()[0]
    pq.write_table(pa.table({"text": pa.array([1, 2, 3])}), path)
    run = run_checklist(workspace)
    _not_run_after(run, "test_10_data::test_shards_readable[text-column]")
    assert "is int64, not a string" in run.output


def test_tiny_data(workspace):
    for i, p in enumerate(workspace.shards()):
        write_shard(p, [f"resource \"null_resource\" \"r{i}_{j}\" {{}}" for j in range(200)],
                    row_group_size=64)
    run = run_checklist(workspace)
    _not_run_after(run, "test_10_data::test_enough_text")
    assert "far too little to train on" in run.output


def test_rank_without_validation_data(workspace):
    run = run_checklist(workspace, "--gpus=8")
    _not_run_after(run, "test_10_data::test_every_rank_gets_data")
    assert "ranks 4..7 get no data" in run.output


def test_no_tokenizer(workspace):
    shutil.rmtree(workspace.tokenizer)
    run = run_checklist(workspace)
    assert run.code == 1 and run.first_failure() == "test_30_tokenizer::test_tokenizer_loads", run.output
    assert "python -m scripts.tok_train" in run.output
    assert any("test_40_sizing" in n for n in run.summary["not_run"])


class _RunsCode:
    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        import os
        return (os.system, (f"touch {self.marker}",))


def test_pickle_that_runs_code_is_refused(workspace):
    marker = workspace.root / "pwned"
    (workspace.tokenizer / "tokenizer.pkl").write_bytes(pickle.dumps(_RunsCode(marker)))
    run = run_checklist(workspace)
    assert run.first_failure() == "test_30_tokenizer::test_tokenizer_loads", run.output
    assert not marker.exists()
    assert "system" in run.output


def _repickle(workspace, transform):
    path = workspace.tokenizer / "tokenizer.pkl"
    enc = pickle.loads(path.read_bytes())
    ranks, specials = transform(enc._mergeable_ranks, enc._special_tokens)
    new = tiktoken.Encoding(name=enc.name, pat_str=enc._pat_str, mergeable_ranks=ranks,
                            special_tokens=specials)
    path.write_bytes(pickle.dumps(new))


def test_missing_special_tokens(workspace):
    _repickle(workspace, lambda ranks, specials: (ranks, {k: v for k, v in specials.items()
                                                          if k != "<|bos|>"}))
    run = run_checklist(workspace)
    assert run.first_failure() == "test_30_tokenizer::test_special_tokens", run.output
    assert "<|bos|>" in run.output


def test_wrong_token_bytes(workspace):
    path = workspace.tokenizer / "token_bytes.pt"
    torch.save(torch.ones(100, dtype=torch.int32), path)
    run = run_checklist(workspace)
    assert run.first_failure() == "test_30_tokenizer::test_token_bytes", run.output
    assert "token_bytes.pt" in run.output


def test_bad_compression_ratio(workspace, corpus):
    shutil.rmtree(workspace.tokenizer)
    train_tokenizer(corpus[:200], 300, workspace.tokenizer)
    run = run_checklist(workspace)
    assert run.first_failure() == "test_30_tokenizer::test_compression_ratio", run.output
    assert "bytes per token on your train data" in run.output


def test_secret_in_data_fails_step_2(workspace):
    path = workspace.shards()[1]
    docs = pq.read_table(path).column("text").to_pylist()
    secret = "AKIA" + "Q3EGRJ5XMPL7WZ2T"
    docs[5] = docs[5] + f'\naws_access_key_id = "{secret}"\n'
    write_shard(path, docs, row_group_size=64)
    run = run_checklist(workspace)
    assert run.first_failure() == "test_20_secrets::test_no_secrets_in_data", run.output
    assert "preflight sanitize" in run.output and "--dry-run" in run.output
    findings = (workspace.root / "reports" / "findings.jsonl").read_text()
    assert '"row": 5' in findings and "shard_00001.parquet" in findings
    assert secret not in findings and secret not in run.output


def test_warnings_become_failures_in_strict_mode(workspace):
    (workspace.data / "shard_00009.parquet.tmp").write_bytes(b"partial")
    relaxed = run_checklist(workspace)
    assert relaxed.code == 0 and "leftover *.tmp" in relaxed.output
    assert any(w["category"] == "DataWarning" for w in relaxed.summary["warnings"])
    strict = run_checklist(workspace, "--strict-warnings")
    assert strict.code == 1 and strict.first_failure() == "test_10_data::test_dataset_hygiene"


def test_mistyped_warning_class_is_caught(workspace):
    guard = ("-W", "error::pytest.PytestConfigWarning")
    assert run_checklist(workspace, *guard).code == 0
    typo = run_checklist(workspace, *guard, "-W", "error::preflight.checklist.warnings.Nope")
    assert typo.code != 0 and "preflight.checklist.warnings.Nope" in typo.output


def test_bad_threshold_is_one_line(workspace):
    run = run_checklist(workspace, "-o", "depth_by_tokens=lots")
    assert run.code == 4 and "depth_by_tokens" in run.output and "Traceback" not in run.output


def test_sizing_numbers_match_a_direct_computation(workspace):
    """Bytes/token, tokens, parameters, ratio and epochs, recomputed here from the real files."""
    run = run_checklist(workspace)
    sizing = run.summary["facts"]["sizing"]
    enc = pickle.loads((workspace.tokenizer / "tokenizer.pkl").read_bytes())
    train = [d for p in workspace.shards()[:-1] for d in pq.read_table(p).column("text").to_pylist()]
    n_bytes = sum(len(d.encode()) for d in train)
    n_tokens = sum(len(ids) for ids in enc.encode_ordinary_batch(train))
    assert sizing["bytes_per_token"] == pytest.approx(n_bytes / n_tokens)  # the sample is all of it
    assert n_tokens - 1 <= sizing["train_tokens"] <= n_tokens  # rounded down, never up
    assert sizing["depth"] == 12  # under 100M tokens
    d, v = 768, -(-enc.n_vocab // 64) * 64
    scaling = 12 * 12 * d * d + 6 * 12 * 6 + v * d  # HEAD: matrices + ve gates + lm_head
    assert sizing["params_horizon"] == scaling
    assert sizing["param_token_ratio"] == pytest.approx(scaling / sizing["train_tokens"])
    assert sizing["epochs"] == pytest.approx(20 * scaling / sizing["train_tokens"], rel=1e-6)


def test_null_documents_fail_step_1_naming_shard_and_rows(workspace):
    path = workspace.shards()[1]
    docs = pq.read_table(path).column("text").to_pylist()
    docs[5] = docs[70] = None  # nanochat's loader would hand these to the tokenizer: TypeError
    pq.write_table(pa.table({"text": pa.array(docs, pa.string())}), path, row_group_size=64)
    run = run_checklist(workspace)
    _not_run_after(run, "test_10_data::test_no_null_documents")
    assert "shard_00001.parquet: 2 null document(s), row(s) 5, 70" in run.output


def test_dictionary_text_and_unpadded_names(workspace):
    """nanochat reads dictionary-encoded text like plain text; it sorts names as text, so with
    shard_7 ... shard_10 its validation shard is shard_9: green, with a warning naming it."""
    for i, path in enumerate(workspace.shards()):
        table = pq.read_table(path)
        pq.write_table(pa.table({"text": table.column("text").dictionary_encode()}),
                       path.with_name(f"shard_{i + 7}.parquet"), row_group_size=64)
        path.unlink()
    run = run_checklist(workspace)
    assert run.code == 0, run.output
    assert run.summary["facts"]["dataset"]["validation_shard"] == "shard_9.parquet"
    warned = [w["message"] for w in run.summary["warnings"]]
    assert any("validation shard is shard_9.parquet, not shard_10.parquet" in m for m in warned)
