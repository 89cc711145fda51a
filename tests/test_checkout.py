"""Era detection, base-dir resolution and script discovery on miniature checkouts."""

import os
from pathlib import Path

import pytest

from lint_helpers import FLAT_FILES
from preflight.checkout import FEB, FLAT, HEAD, JAN, V0, load_checkout, resolve_base_dir


def _checkout(tmp_path, files):
    for rel, text in files.items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(text)
    return load_checkout(tmp_path)


@pytest.mark.parametrize("files,era", [
    ({"nanochat/dataset.py": 'DATA_DIR = os.path.join(base_dir, "base_data_climbmix")'}, HEAD),
    ({"nanochat/dataset.py": 'DATA_DIR = "base_data"', "nanochat/gpt.py": "self.value_embeds = 1"}, FEB),
    ({"nanochat/dataset.py": 'DATA_DIR = "base_data"', "nanochat/gpt.py": "class GPT: pass"}, JAN),
    ({"nanochat/dataset.py": 'DATA_DIR = "base_data"', "nanochat/configurator.py": ""}, V0),
    (FLAT_FILES, FLAT),
    # the fork's layout wins only where nanochat/ is gone: a checkout with both is nanochat's
    ({**FLAT_FILES, "nanochat/dataset.py": 'DATA_DIR = "base_data"'}, JAN),
])
def test_era_detection(tmp_path, files, era):
    checkout = _checkout(tmp_path, files)
    assert checkout.detected and checkout.era is era


@pytest.mark.parametrize("files", [
    {"gpt.py": "class GPT: pass", "dataset.py": "import torchvision  # images"},
    {"dataset.py": FLAT_FILES["dataset.py"]},                       # no model beside it
    {"gpt.py": "class GPT: pass", "model/dataset.py": FLAT_FILES["dataset.py"]},
])
def test_other_projects_are_not_the_flat_layout(tmp_path, files):
    assert not _checkout(tmp_path, files).detected


def test_flat_layout_reads_data_and_tokenizer_folders_from_its_code(tmp_path):
    checkout = _checkout(tmp_path / "c", {**FLAT_FILES, "tokenizer.py": (
        'def get_tokenizer():\n    tokenizer_dir = os.path.join(base_dir, "tok_iac")\n')})
    base = tmp_path / "base"
    assert checkout.data_dir(base) == base / "base_data"
    assert checkout.tokenizer_dir(base) == base / "tok_iac"
    assert checkout.source_path("gpt") == checkout.root / "gpt.py" and checkout.own_import == ""
    assert checkout.flag("device_batch_size") == "--device-batch-size"
    renamed = _checkout(tmp_path / "r", {**FLAT_FILES, "dataset.py": FLAT_FILES["dataset.py"].replace(
        '"base_data"', '"iac_data"')})
    assert renamed.data_dir_candidates(base) == [base / "iac_data", base / "base_data"]
    assert renamed.tokenizer_dir(base) == base / "tokenizer"  # no tokenizer.py: nanochat's name


def test_not_a_checkout_names_both_layouts(tmp_path):
    from types import SimpleNamespace
    from preflight.checkout import checkout_verdict
    found = checkout_verdict(SimpleNamespace(checkout=load_checkout(tmp_path), nanochat_dir_given=True))
    assert found.status == "fail" and "nanochat/dataset.py" in found.message
    assert "top-level dataset.py and gpt.py" in found.message


def test_no_checkout_assumes_newest(tmp_path):
    checkout = load_checkout(tmp_path)
    assert not checkout.detected and checkout.era is HEAD
    assert "no nanochat checkout" in checkout.label


def test_data_dir_prefers_climbmix_then_legacy(tmp_path):
    checkout = _checkout(tmp_path / "c", {"nanochat/dataset.py": "base_data_climbmix"})
    base = tmp_path / "base"
    assert checkout.data_dir(base) == base / "base_data_climbmix"
    (base / "base_data").mkdir(parents=True)
    assert checkout.data_dir(base) == base / "base_data"
    (base / "base_data_climbmix").mkdir()
    assert checkout.data_dir(base) == base / "base_data_climbmix"


def test_base_dir_resolution():
    assert resolve_base_dir("/x", {"NANOCHAT_BASE_DIR": "/y"}) == Path("/x")
    assert resolve_base_dir(None, {"NANOCHAT_BASE_DIR": "/y"}) == Path("/y")
    assert resolve_base_dir(None, {"NANOCHAT_BASE_DIR": ""}) == Path("~/.cache/nanochat").expanduser()


def test_scripts_offered_best_first(tmp_path):
    checkout = _checkout(tmp_path, {"nanochat/dataset.py": "base_data", "runs/speedrun.sh": "",
                                    "runs/iac_speedrun.sh": "", "runs/speedrun_iac.sh": ""})
    assert [p.name for p, _ in checkout.scripts()] == ["speedrun_iac.sh", "speedrun.sh",
                                                       "iac_speedrun.sh"]


def test_flag_spelling_and_token_bytes_convention(tmp_path):
    old = _checkout(tmp_path / "old", {"nanochat/dataset.py": "base_data", "nanochat/configurator.py": "",
                                       "scripts/tok_train.py": "len(tokenizer.decode([i]).encode())"})
    assert old.flag("device-batch-size") == "--device_batch_size"
    assert old.token_bytes_convention() == "legacy"
    new = _checkout(tmp_path / "new", {"nanochat/dataset.py": "base_data_climbmix",
                                       "scripts/tok_train.py": "decode_single_token_bytes(i)"})
    assert new.flag("device_batch_size") == "--device-batch-size"
    assert new.token_bytes_convention() == "exact"


# dec: karpathy/nanochat 10231df (2025-12-31), the last commit with the configurator (eb7bbc1 removed
# it); iac_head: holynakamoto/nanochat 2b8fe93; pr493: karpathy/nanochat PR #493 head eeae03c.
@pytest.mark.parametrize("name,era", [("head", HEAD), ("feb", FEB), ("dec", V0), ("v0", V0),
                                      ("iac_head", FLAT), ("pr493", FEB)])
def test_real_checkouts(name, era, tmp_path):
    root = Path(os.environ.get("NANOCHAT_CHECKOUTS", "/nonexistent")) / name
    if not root.is_dir():
        pytest.skip(f"no real nanochat checkout at {root} (set NANOCHAT_CHECKOUTS to a folder of "
                    "checkouts named head, feb, dec, v0, iac_head, pr493)")
    checkout = load_checkout(root)
    assert checkout.era is era
    assert checkout.token_bytes_convention() == ("exact" if era is HEAD else "legacy")
    assert checkout.tokenizer_dir(tmp_path) == tmp_path / "tokenizer"
    assert checkout.source_path("gpt").is_file() and checkout.source_path("dataset").is_file()
    expected = ("base_data_climbmix", "base_data") if era is HEAD else ("base_data",)
    assert checkout.data_dir_names == expected


def test_relative_base_dir_is_made_absolute(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert resolve_base_dir("base", {}) == tmp_path / "base"
    assert resolve_base_dir(None, {"NANOCHAT_BASE_DIR": "b2"}) == tmp_path / "b2"
