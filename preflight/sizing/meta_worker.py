"""One subprocess per checkout that builds the checkout's own GPT on the meta device, on request.

Importing torch and the checkout's nanochat costs seconds; building a model on the meta device
costs milliseconds. So a run starts one worker per checkout (early, while the data pass reads the
shards: `prefetch`), the worker imports once, and every model the checklist needs (the sized depth,
the launch's depth, the d12 reference of the automatic batch size) is one request. The worker runs
with the checkout on its path and no GPU visible, so a broken or foreign checkout cannot take the
checklist down with it. It answers with the parameter tensors and nanochat's own `estimate_flops()`.
"""

import atexit
import json
import os
import select
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPLY = "PREFLIGHT-META "  # nanochat may print at import: our replies carry this prefix

_WORKER = r"""
import dataclasses, importlib, json, sys
REPLY, MODULE = sys.argv[1], sys.argv[2]
def reply(obj):
    sys.stdout.write(REPLY + json.dumps(obj) + "\n")
    sys.stdout.flush()
try:
    import torch
    # nothing runs on the meta device: a no-op torch.compile spares importing the compiler (1+ s)
    torch.compile = lambda fn=None, **kwargs: fn if fn is not None else (lambda f: f)
    gpt = importlib.import_module(MODULE)  # nanochat.gpt, or a flat fork's top-level gpt
    GPT, GPTConfig = gpt.GPT, gpt.GPTConfig
except BaseException as exc:
    reply({"error": f"{type(exc).__name__}: {exc}".splitlines()[0]})
    raise SystemExit(1)
reply({"ready": torch.__version__})
fields = {f.name for f in dataclasses.fields(GPTConfig)}
for line in sys.stdin:
    wanted = json.loads(line)
    try:
        with torch.device("meta"):
            model = GPT(GPTConfig(**{k: v for k, v in wanted.items() if k in fields}))
        tensors = [[n, list(p.shape), str(p.dtype).replace("torch.", "")]
                   for n, p in model.named_parameters()]
    except Exception as exc:
        reply({"error": f"{type(exc).__name__}: {exc}".splitlines()[0]})
        continue
    try:
        flops = int(model.estimate_flops()) if hasattr(model, "estimate_flops") else None
    except Exception:  # a version whose estimate needs a real device: our formula stands in
        flops = None
    reply({"tensors": tensors, "flops_per_token": flops})
"""


class MetaBuildError(Exception):
    """The checkout's model could not be built; the message is one line saying why."""


class MetaWorker:
    """The worker process of one checkout (started by `start`, used by `build`)."""

    def __init__(self, root: Path, module: str = "nanochat.gpt", python: str = sys.executable):
        self.root, self.module, self.python = Path(root), module, python
        self.proc, self.ready, self.failed = None, False, None
        self._buffer = b""
        self._stderr = None

    def start(self) -> None:
        if self.proc is not None or self.failed:
            return
        env = dict(os.environ, CUDA_VISIBLE_DEVICES="", PYTHONPATH=str(self.root))
        self._stderr = tempfile.TemporaryFile()
        self.proc = subprocess.Popen([self.python, "-c", _WORKER, REPLY, self.module], cwd=self.root, env=env,
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=self._stderr)

    def build(self, config: dict, timeout: float = 120) -> dict:
        """{"tensors": [[name, shape, dtype], ...], "flops_per_token": int or None}."""
        if self.failed:
            raise MetaBuildError(self.failed)
        self.start()
        deadline = time.monotonic() + timeout
        try:
            if not self.ready:
                first = self._reply(deadline, f"importing the checkout's {self.module}")
                if "error" in first:
                    self._fail(f"could not build the model from {self.root}: {first['error']}")
                self.ready = True
            self.proc.stdin.write((json.dumps(config) + "\n").encode())
            self.proc.stdin.flush()
            answer = self._reply(deadline, "building the model")
        except (BrokenPipeError, OSError) as exc:
            self._fail(f"could not build the model from {self.root}: the worker died ({exc})")
        if "error" in answer:
            raise MetaBuildError(f"could not build the model from {self.root}: {answer['error']}")
        return answer

    def _reply(self, deadline: float, doing: str) -> dict:
        while True:
            line, newline, rest = self._buffer.partition(b"\n")
            if newline:
                self._buffer = rest
                text = line.decode(errors="replace")
                if text.startswith(REPLY):
                    return json.loads(text[len(REPLY):])
                continue
            left = deadline - time.monotonic()
            if left <= 0:
                self._fail(f"{doing} from {self.root} took too long")
            ready, _, _ = select.select([self.proc.stdout], [], [], left)
            chunk = os.read(self.proc.stdout.fileno(), 65536) if ready else b""
            if ready and not chunk:
                self._fail(f"could not build the model from {self.root}: {self._last_error()}")
            self._buffer += chunk

    def _last_error(self) -> str:
        self.proc.wait(timeout=10)
        self._stderr.seek(0)
        lines = self._stderr.read().decode(errors="replace").strip().splitlines()
        return lines[-1] if lines else f"the worker exited with code {self.proc.returncode}"

    def _fail(self, reason: str):
        self.failed = reason
        self.close()
        raise MetaBuildError(reason)

    def close(self) -> None:
        if self.proc is None:
            return
        proc, self.proc, self.ready = self.proc, None, False
        proc.kill()  # it holds nothing worth a clean exit, and torch's shutdown takes a second
        proc.wait()
        for stream in (proc.stdin, proc.stdout, self._stderr):
            try:
                stream.close()
            except OSError:
                pass


_WORKERS = {}


def worker_for(root: Path, module: str = "nanochat.gpt") -> MetaWorker:
    """The run's worker for this checkout's model module (created, not started)."""
    key = (str(Path(root).resolve()), module, sys.executable)
    if key not in _WORKERS:
        _WORKERS[key] = MetaWorker(Path(root), module, sys.executable)
    return _WORKERS[key]


def prefetch(root: Path, module: str = "nanochat.gpt") -> None:
    """Start the checkout's worker now, so its imports overlap whatever the run does next."""
    worker_for(root, module).start()


def close_all() -> None:
    for worker in _WORKERS.values():
        worker.close()
    _WORKERS.clear()


atexit.register(close_all)
