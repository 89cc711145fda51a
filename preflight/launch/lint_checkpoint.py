"""A training script that dies at its first checkpoint save, found in the checkout's own code.

nanochat writes each checkpoint's metadata with `json.dump(meta_data, f)` (checkpoint_manager.py's
`save_checkpoint`), so everything a script puts into that dict must be JSON. The IaC fork added a
`model_dtype=amp_dtype` (a `torch.dtype`) to the model config that base_train stores there: every
run trains until its first save (`--save-every`, else the last step) and dies with `TypeError: Object
of type dtype is not JSON serializable`, leaving a truncated meta_*.json and no optimizer state.

`dtype_in_metadata` proves it statically: the parameter `save_checkpoint` hands to `json.dump`
without `default=`/`cls=`, the expression the script passes for it, and a path inside that
expression (dict literals, `dict(...)`, module-level variables whose every assignment qualifies)
that ends in `torch.<dtype>`.
"""

import ast
from dataclasses import dataclass
from pathlib import Path

DTYPES = {"float16", "bfloat16", "float32", "float64", "half", "float", "double", "int8", "int16",
          "int32", "int64", "uint8", "bool", "complex64", "complex128", "float8_e4m3fn",
          "float8_e5m2"}


@dataclass(frozen=True)
class DtypeInMetadata:
    """Where the unserializable value comes from."""
    call_line: int      # the save_checkpoint call in the script
    path: str           # "metadata['model_config']['model_dtype']"
    variable: str       # the script's variable holding the dtype ("amp_dtype"), or ""
    dtype_line: int     # where the dtype is assigned
    dtype: str          # "torch.bfloat16"
    dump_line: int      # json.dump in checkpoint_manager.py


def _parse(path: Path):
    try:
        return ast.parse(Path(path).read_text(encoding="utf-8", errors="replace"))
    except (OSError, SyntaxError, ValueError):
        return None


def _dumped_parameter(manager: Path):
    """(index, name, line) of the save_checkpoint parameter written with a plain json.dump."""
    tree = _parse(manager)
    for node in ast.walk(tree) if tree else ():
        if not (isinstance(node, ast.FunctionDef) and node.name == "save_checkpoint"):
            continue
        params = [a.arg for a in node.args.posonlyargs + node.args.args]
        for call in ast.walk(node):
            if isinstance(call, ast.Call) and ast.unparse(call.func) == "json.dump" and \
                    call.args and isinstance(call.args[0], ast.Name) and \
                    call.args[0].id in params and \
                    not any(k.arg in ("default", "cls") for k in call.keywords):
                return params.index(call.args[0].id), call.args[0].id, call.lineno
    return None


def _module_assignments(tree) -> dict:
    """name -> [value nodes] for assignments outside functions and classes."""
    found = {}

    def walk(body):
        for node in body:
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                continue
            if isinstance(node, ast.Assign):
                for target in node.targets:
                    if isinstance(target, ast.Name):
                        found.setdefault(target.id, []).append(node.value)
            for field in ("body", "orelse", "finalbody", "handlers"):
                inner = getattr(node, field, None)
                if isinstance(inner, list):
                    walk(inner)

    walk(tree.body)
    return found


class _Tracer:
    """Follows a metadata expression to a torch dtype inside it."""

    def __init__(self, assignments: dict):
        self.assignments = assignments
        self.open = set()

    def dtype_in(self, node, path: str, via: str = ""):
        """(path, variable, dtype node) for a dtype that the value of `node` holds, else None."""
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and \
                node.value.id == "torch" and node.attr in DTYPES:
            return path, via, node
        if isinstance(node, ast.IfExp):  # `torch.bfloat16 if ... else torch.float16`: both
            hits = [self.dtype_in(n, path, via) for n in (node.body, node.orelse)]
            return hits[0] if all(hits) else None
        if isinstance(node, ast.Name):
            values = self.assignments.get(node.id, [])
            if not values or node.id in self.open:
                return None
            self.open.add(node.id)
            found = [self.dtype_in(v, path, node.id) for v in values]
            self.open.discard(node.id)
            # every assignment must qualify: a dtype on one branch only is no proof
            return found[0] if all(found) else None
        if isinstance(node, ast.Dict):
            items = [(k.value, v) for k, v in zip(node.keys, node.values)
                     if isinstance(k, ast.Constant)]
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and \
                node.func.id == "dict":
            items = [(k.arg, k.value) for k in node.keywords if k.arg]
        else:
            return None
        for key, value in items:
            hit = self.dtype_in(value, f"{path}[{key!r}]", via)
            if hit:
                return hit
        return None


def dtype_in_metadata(script: Path, manager: Path):
    """The first save_checkpoint call of `script` whose metadata holds a torch dtype that
    `manager`'s json.dump cannot write (DtypeInMetadata), or None."""
    dumped = _dumped_parameter(manager)
    tree = _parse(script) if dumped else None
    if tree is None:
        return None
    index, name, dump_line = dumped
    tracer = _Tracer(_module_assignments(tree))
    for call in ast.walk(tree):
        if not (isinstance(call, ast.Call) and
                ast.unparse(call.func).split(".")[-1] == "save_checkpoint"):
            continue
        meta = call.args[index] if len(call.args) > index else next(
            (k.value for k in call.keywords if k.arg == name), None)
        hit = tracer.dtype_in(meta, "metadata") if meta is not None else None
        if hit:
            path, variable, dtype = hit
            return DtypeInMetadata(call.lineno, path, variable, dtype.lineno, ast.unparse(dtype),
                                   dump_line)
    return None
