"""Era detection, base-dir resolution and script discovery on miniature checkouts."""

import os
from pathlib import Path

import pytest

from preflight.checkout import FEB, HEAD, JAN, V0, load_checkout, resolve_base_dir


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
])
def test_era_detection(tmp_path, files, era):
    checkout = _checkout(tmp_path, files)
    assert checkout.detected and checkout.era is era


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


@pytest.mark.parametrize("name,era", [("head", HEAD), ("feb", FEB), ("dec", V0), ("v0", V0)])
def test_real_checkouts(name, era):
    root = Path(os.environ.get("NANOCHAT_CHECKOUTS", "/nonexistent")) / name
    if not root.is_dir():
        pytest.skip(f"no real nanochat checkout at {root} (set NANOCHAT_CHECKOUTS to a folder of "
                    "checkouts named head, feb, v0)")
    checkout = load_checkout(root)
    assert checkout.era is era
    assert checkout.token_bytes_convention() == ("exact" if era is HEAD else "legacy")


def test_relative_base_dir_is_made_absolute(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert resolve_base_dir("base", {}) == tmp_path / "base"
    assert resolve_base_dir(None, {"NANOCHAT_BASE_DIR": "b2"}) == tmp_path / "b2"
