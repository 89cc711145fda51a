"""bench/calibrate_memory.py runs on CPU in its tiny configuration (one real training step)."""

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_calibration_cpu_smoke(tmp_path):
    out = tmp_path / "smoke.json"
    proc = subprocess.run([sys.executable, str(ROOT / "bench" / "calibrate_memory.py"), "--cpu-smoke",
                           "--out", str(out)], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert "estimate (not measured on CPU)" in proc.stdout
    result = json.loads(out.read_text())
    assert result["mode"] == "cpu-smoke" and result["estimate"]["peak_allocated"] > 0
    assert result["params"]["value_embeds"] > 0 and result["params"]["transformer_matrices"] > 0
