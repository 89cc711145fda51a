"""The Python programs a launch script starts, and whether each one can start in the checkout.

`parse_command` recognises `python -m X`, `torchrun ... -m X -- ...`, `uv run ...` and
`python file.py` (through env/nohup/nice/timeout) in an expanded argv and returns a `Call`.
`check_call` checks one call against the checkout: the module or file exists, it compiles, its
imports of the checkout's own packages exist, and its parser (read statically by `argparse_reader`)
accepts every flag. Problems come back as Findings with the script line and a short `kind`.
"""

import ast
import difflib
import os
import py_compile
import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from preflight.checklist.finding import Finding
from preflight.checkout import Checkout
from preflight.readers.argparse_reader import UNKNOWN, ParserReadError, read_parser

# Packages a nanochat checkout owns: `python -m` calls into them must resolve in the checkout.
OWN_PACKAGES = ("scripts", "nanochat", "tasks", "dev")


# the argparse reader's issue severities as finding statuses
STATUS = {"error": "fail", "warning": "warn"}

# ----------------------------------------------------------------------------------------------
# Launch calls: python -m X, torchrun ... -m X -- ..., uv run ..., python file.py

@dataclass
class Call:
    """One Python program a script starts."""
    line: int
    kind: str                 # "module" | "file"
    target: str               # "scripts.base_train" or "dev/train.py"
    args: list                # the arguments the program receives (UNKNOWN marks run-time text)
    launcher: str             # python | torchrun | uv run [python|torchrun] | direct
    nproc: str = None         # torchrun --nproc-per-node as written
    env: dict = field(default_factory=dict)  # VAR=value given on the command itself
    arg_lines: list = None    # the script line of each argument
    stray_dashes: bool = False  # `python -m X -- ...`: the `--` reaches the program

    def line_of(self, index: int) -> int:
        if self.arg_lines and 0 <= index < len(self.arg_lines):
            return self.arg_lines[index]
        return self.line

    @property
    def gpus(self):
        """Processes this call starts, when written as a number (None: unknown)."""
        if not self.launcher.endswith("torchrun"):
            return 1
        if self.nproc and self.nproc.isdigit():
            return int(self.nproc)
        return None


_PYTHON = re.compile(r"^(python|pypy)(\d+(\.\d+)*)?$")
_TORCHRUN_FLAGS = {"--standalone", "-m", "--module", "--no-python", "--no_python", "--run-path",
                   "--run_path", "--virtual-local-rank", "--virtual_local_rank", "-h", "--help"}
_UV_VALUE_OPTIONS = {"--extra", "--with", "--with-editable", "--with-requirements", "--python",
                     "-p",
                     "--group", "--only-group", "--no-group", "--no-extra", "--package",
                     "--project", "--directory", "--env-file", "--index", "--index-url",
                     "--default-index", "--extra-index-url", "--find-links", "-f", "--config-file",
                     "--cache-dir", "--color", "--exclude-newer", "--link-mode", "--index-strategy",
                     "--keyring-provider", "--prerelease", "--resolution", "--python-platform",
                     "--refresh-package", "--reinstall-package", "--upgrade-package", "-P",
                     "--allow-insecure-host"}


def _python_call(rest, line, launcher="python"):
    j = 0
    while j < len(rest):
        arg = rest[j]
        if arg == "-m" or (arg.startswith("-m") and len(arg) > 2 and not arg.startswith("--")):
            module = rest[j + 1] if arg == "-m" and j + 1 < len(rest) else arg[2:]
            args = rest[j + 2:] if arg == "-m" else rest[j + 1:]
            if module in ("torch.distributed.run", "torch.distributed.launch"):
                return _torchrun_call(args, line)
            if not module:
                return None
            return Call(line, "module", module, args, launcher,
                        stray_dashes=bool(args) and args[0] == "--")
        if arg == "-" or arg.startswith("-c"):
            return None
        if arg in ("-W", "-X", "--check-hash-based-pycs"):
            j += 2
            continue
        if arg.startswith("-"):
            j += 1
            continue
        return Call(line, "file", arg, rest[j + 1:], launcher,
                    stray_dashes=bool(rest[j + 1:]) and rest[j + 1] == "--")
    return None


def _torchrun_call(rest, line):
    j, module_mode, nproc = 0, False, None
    while j < len(rest) and rest[j].startswith("-") and rest[j] != "-":
        name, eq, value = rest[j].partition("=")
        if name in _TORCHRUN_FLAGS:
            if name in ("--no-python", "--no_python"):
                return None
            module_mode = module_mode or name in ("-m", "--module")
            j += 1
            continue
        if name in ("--nproc-per-node", "--nproc_per_node"):
            nproc = value if eq else (rest[j + 1] if j + 1 < len(rest) else None)
        j += 1 if eq else 2
    if j >= len(rest):
        return None
    args = rest[j + 1:]
    if args and args[0] == "--":
        args = args[1:]  # torchrun drops the separator; the program never sees it
    return Call(line, "module" if module_mode else "file", rest[j], args, "torchrun", nproc=nproc)


def _uv_run_call(rest, line):
    j = 0
    while j < len(rest):
        arg = rest[j]
        if arg == "--":
            j += 1
            break
        if arg in ("-m", "--module") and j + 1 < len(rest):
            return Call(line, "module", rest[j + 1], rest[j + 2:], "uv run")
        if not arg.startswith("-"):
            break
        j += 1 if "=" in arg or arg not in _UV_VALUE_OPTIONS else 2
    inner = parse_command(rest[j:], line)
    if inner is None and j < len(rest) and rest[j].endswith(".py"):
        return Call(line, "file", rest[j], rest[j + 1:], "uv run")
    if inner is not None:
        inner.launcher = "uv run " + inner.launcher
    return inner


def parse_command(argv: list, line: int = 0):
    """The Python program an argv starts (through env/nohup/nice/timeout/uv run), or None."""
    argv, i = list(argv), 0
    env = {}
    while i < len(argv):
        name = os.path.basename(argv[i])
        if name == "env":
            i += 1
            while i < len(argv) and (argv[i].startswith("-") or "=" in argv[i]):
                if "=" in argv[i] and not argv[i].startswith("-"):
                    key, _, value = argv[i].partition("=")
                    env[key] = value
                i += 2 if argv[i] in ("-u", "--unset", "-C", "--chdir") else 1
        elif name in ("nohup", "exec", "command", "stdbuf", "nice", "timeout"):
            i += 1
            while i < len(argv) and argv[i].startswith("-"):
                i += 2 if argv[i] in ("-n", "-s", "-k", "--signal", "--kill-after") else 1
            if name == "timeout":
                i += 1
        else:
            break
    if i >= len(argv):
        return None
    name, rest = os.path.basename(argv[i]), argv[i + 1:]
    call = None
    if name == "uv" and rest[:1] == ["run"]:
        call = _uv_run_call(rest[1:], line)
    elif _PYTHON.match(name):
        call = _python_call(rest, line)
    elif name == "torchrun":
        call = _torchrun_call(rest, line)
    elif name.endswith(".py"):
        call = Call(line, "file", argv[i], rest, "direct")
    if call is not None:
        call.env = {**env, **call.env}
    return call

# ----------------------------------------------------------------------------------------------
# Checking one call against the checkout.

class FileCache:
    """Per-lint caches of compile results and parser specs."""

    def __init__(self):
        self.compiled, self.specs = {}, {}

    def compile_error(self, path: Path):
        if path not in self.compiled:
            with tempfile.TemporaryDirectory() as tmp:
                try:
                    py_compile.compile(str(path), cfile=os.path.join(tmp, "x.pyc"), doraise=True)
                    self.compiled[path] = None
                except py_compile.PyCompileError as e:
                    exc = e.exc_value
                    where = f" (line {exc.lineno})" if getattr(exc, "lineno", None) else ""
                    msg = getattr(exc, "msg", None) or str(exc)
                    self.compiled[path] = f"{e.exc_type_name}: {msg}{where}"
        return self.compiled[path]

    def spec(self, path: Path):
        if path not in self.specs:
            try:
                self.specs[path] = read_parser(path)
            except ParserReadError as e:
                self.specs[path] = str(e)
        return self.specs[path]


def _module_exists(root: Path, dotted: str) -> bool:
    base = root.joinpath(*dotted.split("."))
    return base.with_suffix(".py").is_file() or base.is_dir()


def _missing_imports(path: Path, checkout: Checkout) -> list:
    """[(line, module)] for module-level imports of the checkout's packages that do not exist
    (in a checkout that keeps nanochat's modules at the top level, `nanochat.*` too)."""
    root = checkout.root
    flat = not checkout.era.package and not (root / "nanochat").exists()
    try:
        tree = ast.parse(path.read_text(encoding="utf-8", errors="replace"))
    except SyntaxError:
        return []
    statements = []
    for node in tree.body:
        statements += node.body + node.orelse if isinstance(node, ast.If) else [node]
    missing = []
    for node in statements:
        names = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names = [node.module]
            if (root / node.module.replace(".", "/")).is_dir():
                package = root / node.module.replace(".", "/")
                if not (package / "__init__.py").is_file():
                    names += [f"{node.module}.{a.name}" for a in node.names]
        for name in names:
            top = name.split(".")[0]
            if top in OWN_PACKAGES and ((root / top).is_dir() or (flat and top == "nanochat")) \
                    and not _module_exists(root, name):
                missing.append((node.lineno, name))
    return missing


def _closest_module(root: Path, dotted: str) -> str:
    top_level = dotted.split(".")[-1]
    if dotted.startswith("nanochat.") and (root / f"{top_level}.py").is_file() and \
            not (root / "nanochat").exists():
        return f"{top_level} (this checkout keeps nanochat's modules at the top level)"
    package = root.joinpath(*dotted.split(".")[:-1])
    if not package.is_dir():
        return ""
    prefix = ".".join(dotted.split(".")[:-1])
    names = [f"{prefix}.{p.stem}" for p in package.glob("*.py") if p.stem != "__init__"]
    best = difflib.get_close_matches(dotted, names, n=1, cutoff=0.5)
    return best[0] if best else ""


def show(text: str) -> str:
    """Text for a message, with the parts known only at run time written `$…`."""
    return text.replace(UNKNOWN, "$…")


def check_call(call: Call, checkout: Checkout, where: str, files=None) -> list:
    """Problems that stop `call` from starting: missing module/file, no compile, rejected flags."""
    files = files or FileCache()
    root = checkout.root
    at = f"{where}:{call.line}" if call.line else where
    if UNKNOWN in call.target:
        return [Finding("warn", f"{at}: {call.launcher} runs {show(call.target)}, "
                        "known only at run time; not checked", call.line, "unknown-target")]
    if call.kind == "module":
        top = call.target.split(".")[0]
        if top not in OWN_PACKAGES and not (root / top).exists() and \
                not (root / f"{top}.py").exists():
            return []  # somebody else's module (pip, torch.distributed.run, ...)
        path = checkout.module_path(call.target)
        label = call.target
        if path is None:
            closest = _closest_module(root, call.target)
            hint = f" (closest: {closest})" if closest else ""
            return [Finding("fail", f"{at}: `{call.launcher} -m {call.target}`: this "
                            f"checkout has no {call.target.replace('.', '/')}.py{hint}; the stage "
                            "fails with 'No module named'", call.line, "no-module")]
    else:
        path = path_of(call.target, root)
        label = call.target
        if not path.is_file():
            return [Finding("fail", f"{at}: `{call.launcher} {call.target}`: no such "
                            f"file (relative paths start at {root})", call.line, "no-file")]
    problems = []
    error = files.compile_error(path)
    if error:
        problems.append(Finding("fail", f"{at}: {label} does not compile: {error}", call.line, "no-compile"))
        return problems
    for line, name in _missing_imports(path, checkout):
        problems.append(Finding("fail", f"{at}: {label} imports {name} (its line "
                                f"{line}), which this checkout does not have", call.line, "missing-import"))
    spec = files.spec(path)
    if isinstance(spec, str):
        return problems + [Finding("warn", f"{at}: {spec}", call.line, "unreadable-parser")]
    args, shift = list(call.args), 0
    if call.stray_dashes and spec.kind == "argparse":
        problems.append(Finding("fail", f"{at}: `{call.launcher} -m {label} -- ...`: "
                                "plain python passes the `--` on to the script (only torchrun "
                                "strips it), so argparse rejects every flag after it", call.line, "stray-dashes"))
        args, shift = args[1:], 1
    for issue in spec.parse(args, cwd=root).issues:
        line = call.line_of(issue.index + shift if issue.index >= 0 else -1)
        problems.append(Finding(STATUS[issue.severity], f"{where}:{line}: {label}: {issue.message}", line, issue.kind))
    return problems


def path_of(text: str, root: Path) -> Path:
    """A path as the script means it: the shell already expanded ~; relative to the checkout."""
    path = Path(text)
    return path if path.is_absolute() else root / path

