"""The layout promises: no import circle, one option table behind every command, settings that
probe nothing, and a failed check's reason in its summary row."""

import ast
import re
import subprocess
import sys
from pathlib import Path

import pytest

import preflight
from preflight.config import OPTIONS, build_settings
from workspaces import ROOT, run_checklist

PACKAGE = Path(preflight.__file__).parent


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _import_graph() -> dict:
    """Module -> the preflight modules it imports at import time (top-level statements only)."""
    modules = {_module_name(p): p for p in PACKAGE.rglob("*.py")}
    graph = {}
    for name, path in modules.items():
        targets = set()
        for node in ast.parse(path.read_text()).body:
            if isinstance(node, ast.Import):
                targets |= {a.name for a in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                targets.add(node.module)
                targets |= {f"{node.module}.{a.name}" for a in node.names}
        deps = set()
        for target in targets:
            parts = target.split(".")
            for i in range(1, len(parts) + 1):  # importing a.b.c imports a, a.b, a.b.c
                dep = ".".join(parts[:i])
                if dep in modules and dep != name and not name.startswith(dep + "."):
                    deps.add(dep)
        graph[name] = deps
    return graph


def _cycle(graph: dict):
    state, stack = {}, []

    def visit(node):
        state[node] = "open"
        stack.append(node)
        for dep in sorted(graph[node]):
            if state.get(dep) == "open":
                return stack[stack.index(dep):] + [dep]
            if dep not in state and (found := visit(dep)):
                return found
        state[node] = "done"
        stack.pop()
        return None

    for node in sorted(graph):
        if node not in state and (found := visit(node)):
            return found
    return None


def test_no_import_circle():
    graph = _import_graph()
    assert len(graph) > 50 and graph["preflight.checklist.plugin"]
    assert _cycle(graph) is None, " -> ".join(_cycle(graph))


def test_the_cycle_finder_finds_a_planted_cycle():
    graph = _import_graph()
    graph["preflight.config"] = graph["preflight.config"] | {"preflight.launch.cli"}
    assert _cycle(graph) is not None


def test_pytest_stays_in_the_checklist_wiring_and_fixtures():
    for path in PACKAGE.rglob("*.py"):
        name = _module_name(path)
        if "pytest" in _import_graph_names(path):
            assert name.startswith(("preflight.checklist", "preflight.checks")) or \
                name.endswith(".fixtures"), name


def _import_graph_names(path):
    names = set()
    for node in ast.parse(path.read_text()).body:
        if isinstance(node, ast.Import):
            names |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module.split(".")[0])
    return names


def test_settings_probe_nothing(monkeypatch, tmp_path):
    def refuse(*args, **kwargs):
        raise AssertionError("building Settings probed the GPUs")

    monkeypatch.setattr("preflight.hardware.probe.probe", refuse)
    settings = build_settings(base_dir=tmp_path, nanochat_dir=tmp_path)
    assert not settings.gpus_given
    with pytest.raises(AssertionError, match="probed"):
        settings.gpus  # the GPU count is looked up on first use only


def _help(*argv) -> str:
    return subprocess.run([sys.executable, *argv, "--help"], capture_output=True, text=True,
                          cwd=ROOT, check=True).stdout


def test_one_option_table_feeds_every_command():
    helps = {("check",): _help("-m", "preflight", "check"),
             ("launch",): _help(str(ROOT / "launch.py")),
             ("data",): _help("-m", "preflight", "info"),
             ("data", "scan", "review"): _help("-m", "preflight", "scan"),
             ("data", "scan"): _help("-m", "preflight", "sanitize")}
    for option in OPTIONS:
        for where, text in helps.items():
            expected = any(w in option.where for w in where)
            shown = re.search(re.escape(option.flags[0]) + r"[ =,\]\n]", text) is not None
            assert shown == expected, (option.flags, where)
    gpus = next(o for o in OPTIONS if o.flags[0] == "--gpus").kwargs["help"]
    assert all(gpus.split(" (")[0] in " ".join(text.split()) for text in helps.values()
               if "--gpus" in text)


def test_a_failed_check_shows_its_reason_in_its_row(workspace):
    script = workspace.checkout / "runs" / "speedrun.sh"
    script.parent.mkdir(exist_ok=True)
    script.write_text("#!/usr/bin/env bash\nset -euo pipefail\n"
                      "python -m scripts.base_train --depth=4 --no-such-flag=1\n")
    run = run_checklist(workspace)
    assert run.code == 1 and run.first_failure() == "test_60_launch_script::test_every_stage_can_start"
    row = next(r for r in run.summary["table"] if r["row"] == "Launch")
    assert row["status"] == "fail" and "--no-such-flag" in row["details"], row
