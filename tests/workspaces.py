"""Real nanochat workspaces (parquet shards, a trained tokenizer) in temp folders, and a runner
for the checklist as a real subprocess."""

import json
import os
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

from preflight.demo.workspace import CHECKOUT_FILES
from preflight.data.shard_writer import write_shards
from preflight.tokenizer.training import train_tokenizer

ROOT = Path(__file__).resolve().parent.parent
N_SHARDS, ROW_GROUP, DOCS_PER_SHARD = 4, 64, 256  # 4 row groups per shard, ~1.5 MB of text in all
VOCAB = 2048


@dataclass
class Workspace:
    root: Path
    checkout_dir: Path = None   # a checkout elsewhere (a real one); default root/nanochat
    base_dir: Path = None       # default root/base
    data_name: str = "base_data_climbmix"

    @property
    def base(self) -> Path:
        return self.base_dir or self.root / "base"

    @property
    def checkout(self) -> Path:
        return self.checkout_dir or self.root / "nanochat"

    @property
    def data(self) -> Path:
        return self.base / self.data_name

    @property
    def tokenizer(self) -> Path:
        return self.base / "tokenizer"

    def shards(self) -> list:
        return sorted(self.data.glob("*.parquet"))


def build_workspace(root: Path, docs: list) -> Workspace:
    ws = Workspace(root)
    for rel, text in CHECKOUT_FILES.items():
        (ws.checkout / rel).parent.mkdir(parents=True, exist_ok=True)
        (ws.checkout / rel).write_text(text)
    write_shards(docs, ws.data, N_SHARDS, row_group_size=ROW_GROUP)
    train_tokenizer(docs[:-DOCS_PER_SHARD], VOCAB, ws.tokenizer)
    return ws


def era_workspace(green: Workspace, root: Path, era: str, checkout: Path = None) -> Workspace:
    """A copy of a green workspace for another nanochat: its base dir is $HOME/.cache/nanochat
    (run the checklist with HOME=root/home: the fork's scripts look there), the shards in
    base_data, the checkout our stand-in of `era` (lint_helpers.make_checkout) or a real one."""
    from lint_helpers import make_checkout
    ws = Workspace(root, checkout_dir=checkout, base_dir=root / "home" / ".cache" / "nanochat",
                   data_name="base_data")
    shutil.copytree(green.base, ws.base)
    (ws.base / green.data_name).rename(ws.data)
    if checkout is None:
        make_checkout(ws.checkout, era)
    return ws


@dataclass
class ChecklistRun:
    code: int
    output: str
    summary: dict
    outcomes: dict  # test name (without module path) -> passed|failed|error|skipped

    def first_failure(self):
        for name, outcome in self.outcomes.items():
            if outcome in ("failed", "error"):
                return name
        return None


def _outcomes(junit: Path) -> dict:
    result = {}
    if not junit.exists():
        return result
    for case in ET.parse(junit).getroot().iter("testcase"):
        name = f"{case.get('classname').rsplit('.', 1)[-1]}::{case.get('name')}"
        status = "passed"
        for child in case:
            if child.tag in ("failure", "error", "skipped"):
                status = {"failure": "failed"}.get(child.tag, child.tag)
        result[name] = status
    return result


def run_checklist(ws: Workspace, *args, cwd: Path = ROOT, env_extra=None) -> ChecklistRun:
    """`pytest checks -x` as a real subprocess on a workspace; reports go to the workspace."""
    reports = ws.root / "reports"
    env = dict(os.environ, PREFLIGHT_CACHE_DIR=str(ws.root / "cache"), **(env_extra or {}))
    env.pop("NANOCHAT_BASE_DIR", None)
    cmd = [sys.executable, "-m", "pytest", str(ROOT / "checks"), "-x", "-q", "-p", "no:randomly",
           f"--rootdir={ROOT}", "-c", str(ROOT / "pytest.ini"),
           f"--base-dir={ws.base}", f"--nanochat-dir={ws.checkout}", "--gpus=2",
           f"--reports-dir={reports}", f"--junitxml={reports / 'junit.xml'}",
           f"--html={reports / 'report.html'}", *args]
    proc = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=300)
    summary_path = reports / "summary.json"
    summary = json.loads(summary_path.read_text()) if summary_path.exists() else {}
    return ChecklistRun(proc.returncode, proc.stdout + proc.stderr, summary,
                        _outcomes(reports / "junit.xml"))
