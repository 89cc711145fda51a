"""A YAML config file that overrides a script's flags after argparse, read from the script's source.

The IaC-GPT fork's base_train loads `--config` (default `config.yaml`, relative to the folder it
starts in) when that file exists, and replaces every flag still at its default with a YAML value:

    if os.path.exists(args.config):
        yaml_config = yaml.safe_load(f)
        def get_val(section, key, default): ...
        if args.depth == 20: args.depth = get_val('model', 'num_hidden_layers', args.depth)

`read_overrides` finds that block statically (`ast`), and `apply_overrides` replays it on parsed
values: the effective flags the run will use, and what a person should hear about (a flag given on
the command line but equal to its default is replaced silently; a YAML value of the wrong type or a
file that is not YAML stops the script).
"""

import ast
from dataclasses import dataclass
from pathlib import Path

_ALWAYS = object()   # an override with no condition
_MISSING = object()  # the YAML has no value there
_YAML_LOADS = {"safe_load", "load", "full_load", "unsafe_load"}


@dataclass(frozen=True)
class Override:
    """`if args.<dest> == <when>: args.<dest> = <lookup of keys in the YAML>`."""
    dest: str
    when: object       # the value that lets the YAML replace the flag (_ALWAYS: unconditional)
    keys: tuple        # ("model", "num_hidden_layers")
    line: int

    @property
    def where(self) -> str:
        return ".".join(self.keys)


@dataclass(frozen=True)
class ConfigOverrides:
    """Which option names the YAML file, and the overrides in source order."""
    dest: str          # the option holding the file's path (`config`)
    rules: tuple


@dataclass(frozen=True)
class Applied:
    """One flag the YAML replaced."""
    dest: str
    before: object
    after: object
    where: str         # "model.num_hidden_layers"


def _args_attr(node, args_name):
    """'depth' for `args.depth`, else None."""
    if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and \
            node.value.id == args_name:
        return node.attr
    return None


def _config_dest(test, args_name):
    """'config' for a test of `os.path.exists(args.config)` / `isfile`, else None."""
    for node in ast.walk(test):
        if isinstance(node, ast.Call) and ast.unparse(node.func).split(".")[-1] in (
                "exists", "isfile") and node.args:
            found = _args_attr(node.args[0], args_name)
            if found:
                return found
    return None


def _loads_yaml(body) -> bool:
    return any(isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute) and
               n.func.attr in _YAML_LOADS and ast.unparse(n.func.value) == "yaml"
               for stmt in body for n in ast.walk(stmt))


def _lookup_keys(call, dest, args_name):
    """('model', 'num_hidden_layers') for `get_val('model', 'num_hidden_layers', args.depth)`."""
    if not isinstance(call, ast.Call) or len(call.args) < 2:
        return None
    *keys, default = call.args
    if _args_attr(default, args_name) != dest or not keys or not all(
            isinstance(k, ast.Constant) and isinstance(k.value, str) for k in keys):
        return None
    return tuple(k.value for k in keys)


def _rule(stmt, args_name):
    """An Override for `if args.x == v: args.x = get(...)` or `args.x = get(...)`, else None."""
    when = _ALWAYS
    if isinstance(stmt, ast.If) and len(stmt.body) == 1 and not stmt.orelse:
        test = stmt.test
        if not (isinstance(test, ast.Compare) and len(test.ops) == 1 and
                isinstance(test.ops[0], (ast.Eq, ast.Is)) and
                isinstance(test.comparators[0], (ast.Constant, ast.UnaryOp))):
            return None
        try:
            when = ast.literal_eval(test.comparators[0])
        except ValueError:
            return None
        dest = _args_attr(test.left, args_name)
        stmt = stmt.body[0]
    else:
        dest = None
    if not (isinstance(stmt, ast.Assign) and len(stmt.targets) == 1):
        return None
    target = _args_attr(stmt.targets[0], args_name)
    if target is None or (dest is not None and target != dest):
        return None
    keys = _lookup_keys(stmt.value, target, args_name)
    return Override(target, when, keys, stmt.lineno) if keys else None


def read_overrides(tree: ast.Module, args_name: str = "args"):
    """The config-file override block of a script (ConfigOverrides), or None when it has none."""
    for node in ast.walk(tree):
        if not isinstance(node, ast.If):
            continue
        dest = _config_dest(node.test, args_name)
        if dest is None or not _loads_yaml(node.body):
            continue
        rules = [r for stmt in node.body for r in [_rule(stmt, args_name)] if r]
        if rules:
            return ConfigOverrides(dest, tuple(rules))
    return None


def _lookup(config, keys):
    """get_val: the value under keys when every level is there, else a miss."""
    for key in keys:
        if not isinstance(config, dict) or key not in config:
            return _MISSING
        config = config[key]
    return config


def _type_ok(value, type_name) -> bool:
    if type_name == "int":
        return isinstance(value, int) and not isinstance(value, bool)
    if type_name == "float":
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if type_name == "str":
        return isinstance(value, str)
    return True


def apply_overrides(overrides: ConfigOverrides, options: dict, values: dict, given: set, cwd):
    """Replay the override block on parsed `values` (changed in place) for a run started in `cwd`
    (the caller leaves out values known only at run time).

    options: dest -> argparse Option. Returns ([Applied], [(severity, kind, message)])."""
    raw = values.get(overrides.dest)
    if not isinstance(raw, str):
        return [], []
    path = Path(raw) if Path(raw).is_absolute() else Path(cwd) / raw
    flag = options[overrides.dest].name if overrides.dest in options else f"--{overrides.dest}"
    if not raw or not path.exists():
        if overrides.dest in given and raw:
            return [], [("warning", "config-missing", f"{flag}={raw}: {path} does not exist, so "
                         "the script silently runs on its own defaults")]
        return [], []
    try:
        import yaml
    except ImportError:
        return [], [("warning", "config-unread", f"{path.name} overrides flags, but PyYAML is not "
                     "installed here to read it (pip install pyyaml); its values are not checked")]
    try:
        config = yaml.safe_load(path.read_text(encoding="utf-8", errors="replace"))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f":{mark.line + 1}" if mark else ""
        return [], [("error", "config-yaml", f"{path.name}{where} is not valid YAML, and the "
                     f"script reads it with yaml.safe_load: it stops at startup")]
    applied, issues = [], []
    for rule in overrides.rules:
        current = values.get(rule.dest)
        if rule.when is not _ALWAYS and current != rule.when:
            continue
        new = _lookup(config, rule.keys)
        if new is _MISSING:
            continue
        option = options.get(rule.dest)
        name = option.name if option else f"--{rule.dest}"
        if option and not _type_ok(new, option.type_name):
            issues.append(("error", "config-type", f"{path.name} sets {rule.where} = {new!r} "
                           f"({type(new).__name__}) for {name}, which takes {option.type_name}: "
                           "the script fails when it uses it"))
            continue
        if rule.dest in given and new != current:
            issues.append(("warning", "config-override", f"{name}={current} is the script's "
                           f"default, so {path.name}'s {rule.where} ({new!r}) replaces it: the "
                           f"run uses {new!r}"))
        values[rule.dest] = new
        applied.append(Applied(rule.dest, current, new, rule.where))
    return applied, issues
