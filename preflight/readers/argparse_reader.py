"""Read a script's command-line parser from its source, without importing it, and check arguments.

nanochat's scripts import torch and touch the GPU before they parse anything, so the parser is read
statically: `ast` finds `argparse.ArgumentParser(...)`, its `add_argument` calls (argument groups
included) and their literal keywords. 2025 nanochat used a "configurator" instead (module globals
overridden by `--key=value`); such a script yields a spec of those globals.

`ParserSpec.parse(args)` then replays argparse's own rules (Python 3.10-3.13): exact flags,
unique-prefix abbreviations (`allow_abbrev`), `--flag=value` and `--flag value`, flags that take
no value, short options with attached values (`-n8`), negative numbers, `--`, types, choices and
required options. Not modelled: mutually exclusive groups, sub-commands (the spec is then marked
incomplete) and the finer interleaving of positionals with options.
"""

import ast
import difflib
import re
from dataclasses import dataclass, field
from pathlib import Path

from preflight.readers.config_overrides import apply_overrides, read_overrides

# A shell word whose value is not known before the run (`$VAR` set at run time) carries this char.
UNKNOWN = "\x00"

_NO_VALUE_ACTIONS = {"store_true", "store_false", "store_const", "append_const", "count", "help",
                     "version", "BooleanOptionalAction"}
_TYPES = {"int": int, "float": float, "str": str}
_NEGATIVE_NUMBER = re.compile(r"^-\d+$|^-\d*\.\d+$")
_PARSE_METHODS = {"parse_args", "parse_known_args", "parse_intermixed_args",
                  "parse_known_intermixed_args"}


class ParserReadError(ValueError):
    """The script's parser cannot be read (missing file, syntax error)."""


@dataclass(frozen=True)
class Option:
    """One `add_argument` call (or one configurator global)."""
    strings: tuple          # ("-i", "--source"); () for a positional
    dest: str
    action: str = "store"
    nargs: object = None    # None (one value), "?", "*", "+", an int; 0 for flags without a value
    default: object = None
    default_known: bool = True  # False when the default is an expression we did not evaluate
    type_name: str = None   # "int", "float", "str", another callable's name, or None
    choices: tuple = None
    required: bool = False
    const: object = None
    line: int = 0

    @property
    def name(self) -> str:
        """The spelling to show a person: the first long option, else the first one, else dest."""
        longs = [s for s in self.strings if s.startswith("--")]
        return (longs or list(self.strings) or [self.dest])[0]


@dataclass(frozen=True)
class ArgIssue:
    """Why argparse (or the configurator) would reject, or merely tolerate, an argument."""
    severity: str      # "error" | "warning"
    kind: str          # unknown-flag, ambiguous, abbreviation, missing-value, bad-value, ...
    message: str
    flag: str = ""     # the argument as written
    closest: str = ""  # the nearest valid flag, for unknown flags
    index: int = -1    # position of the argument in the list (-1: the call as a whole)


@dataclass
class ParseResult:
    values: dict       # dest -> value after the arguments (defaults for the rest)
    given: set         # dests set explicitly by the arguments
    issues: list
    applied: list = field(default_factory=list)  # config_overrides.Applied: flags a config file set

    @property
    def ok(self) -> bool:
        return not any(i.severity == "error" for i in self.issues)


@dataclass
class ParserSpec:
    """What a script accepts on its command line."""
    path: Path
    kind: str                      # argparse | configurator | none (reads no arguments) | opaque
    options: list = field(default_factory=list)
    positionals: list = field(default_factory=list)
    allow_abbrev: bool = True
    known_args_only: bool = False  # parse_known_args: unknown flags are tolerated
    complete: bool = True          # False: some add_argument call could not be read
    notes: list = field(default_factory=list)
    config: object = None          # config_overrides.ConfigOverrides: a YAML file replaces flags

    # -- lookups ------------------------------------------------------------------------------
    def _strings(self) -> dict:
        return {s: o for o in self.options for s in o.strings}

    def option(self, dest: str):
        """The option that stores into `dest`, or None."""
        return next((o for o in self.options if o.dest == dest), None)

    def _matches(self, flag: str) -> list:
        """[(option, option_string, explicit_value)] argparse would consider for `flag`."""
        strings = self._strings()
        if flag in strings:
            return [(strings[flag], flag, None)]
        if "=" in flag and flag.split("=", 1)[0] in strings:
            head, value = flag.split("=", 1)
            return [(strings[head], head, value)]
        if len(flag) < 2 or flag[0] != "-":
            return []
        if flag[1] == "-":
            if not self.allow_abbrev or self.kind == "configurator":
                return []
            prefix, _, value = flag.partition("=")
            value = value if "=" in flag else None
            return [(o, s, value) for s, o in strings.items() if s.startswith(prefix)]
        short, attached = flag[:2], flag[2:]
        return [(o, s, attached if s == short else None) for s, o in strings.items()
                if s == short or s.startswith(flag)]

    def resolve(self, flag: str):
        """The option `flag` selects (exact or unique prefix, `=value` allowed), or None."""
        found = self._matches(flag)
        return found[0][0] if len(found) == 1 else None

    def closest(self, flag: str) -> str:
        """The valid flag nearest to `flag` (dashes and underscores treated alike), or ''."""
        head = flag.split("=", 1)[0]
        names = [s for o in self.options for s in o.strings if s.startswith("--")] or \
                [s for o in self.options for s in o.strings]
        if not names:
            return ""
        norm = lambda s: s.lstrip("-").replace("_", "-").lower()
        for name in names:
            if norm(name) == norm(head):
                return name
        by_norm = {norm(n): n for n in names}
        best = difflib.get_close_matches(norm(head), list(by_norm), n=1, cutoff=0.0)
        return by_norm[best[0]] if best else ""

    def defaults(self) -> dict:
        """dest -> default value (None where the default is an expression we did not evaluate)."""
        defaults = {}
        for opt in self.options + self.positionals:  # two options, one dest: the first default wins
            if opt.action not in ("help", "version"):
                defaults.setdefault(opt.dest, _typed_default(opt))
        return defaults

    # -- the replay of argparse -------------------------------------------------------------------
    def parse(self, args: list, cwd=None) -> ParseResult:
        """What the script would do with `args`: values per dest and the problems it would hit.
        With `cwd` (the folder the script starts in), a config file's overrides are applied too."""
        if self.kind == "configurator":
            return _parse_configurator(self, args)
        if self.kind != "argparse":
            issues = []
            if self.kind == "none" and args:
                shown = " ".join(_show(a) for a in args)
                issues.append(ArgIssue("warning", "ignored", f"{self.path.name} reads no "
                                       f"command-line arguments; {shown} would be ignored"))
            return ParseResult({}, set(), issues)
        result = _Replay(self, args).run()
        if self.config is not None and cwd is not None and result.ok and \
                UNKNOWN not in str(result.values.get(self.config.dest, "")):
            options = {o.dest: o for o in self.options}
            result.applied, issues = apply_overrides(self.config, options, result.values,
                                                     result.given, cwd)
            result.issues += [ArgIssue(severity, kind, message)
                              for severity, kind, message in issues]
        return result


def _show(arg: str) -> str:
    return arg.replace(UNKNOWN, "…")


def _typed_default(opt: Option):
    if not opt.default_known:
        return None
    if isinstance(opt.default, str) and opt.type_name in ("int", "float"):
        try:
            return _TYPES[opt.type_name](opt.default)
        except ValueError:
            return opt.default
    return opt.default


class _Replay:
    """One pass of argparse's algorithm over `args` (see CPython Lib/argparse.py)."""

    def __init__(self, spec: ParserSpec, args: list):
        self.spec, self.args = spec, list(args)
        self.values = spec.defaults()
        self.given, self.issues, self.at = set(), [], -1
        self.negatives_are_options = any(_NEGATIVE_NUMBER.match(s) for o in spec.options
                                         for s in o.strings)

    def issue(self, severity, kind, message, flag="", closest=""):
        self.issues.append(ArgIssue(severity, kind, message, flag, closest, self.at))

    def classify(self, arg: str):
        """'A' (a value), 'U' (unknown until run time) or ('O', matches) like argparse."""
        if arg.startswith(UNKNOWN):
            return "U"
        if not arg or arg[0] != "-" or arg == "-":
            return "A"
        head = arg.split("=", 1)[0]
        if UNKNOWN in head:
            return "U"
        found = self.spec._matches(arg)
        if found:
            return ("O", found)
        if _NEGATIVE_NUMBER.match(arg) and not self.negatives_are_options:
            return "A"
        if " " in arg:
            return "A"
        return ("O", [])

    def run(self) -> ParseResult:
        kinds, after_dashes = [], False
        for arg in self.args:
            if after_dashes:
                kinds.append("A")
            elif arg == "--":
                kinds.append("-")
                after_dashes = True
            else:
                kinds.append(self.classify(arg))
        positional, i = [], 0
        while i < len(self.args):
            kind, arg = kinds[i], self.args[i]
            if kind in ("A", "-", "U"):
                if kind != "U":
                    positional.append(arg)
                i += 1
                continue
            self.at = i
            i = self.optional(arg, kind[1], kinds, i)
        self.at = -1
        self.positionals(positional)
        missing = [o.name for o in self.spec.options if o.required and o.dest not in self.given]
        if missing:
            self.issue("error", "required", f"{self.spec.path.name} requires {', '.join(missing)}")
        return ParseResult(self.values, self.given, self.issues)

    def optional(self, arg, found, kinds, i) -> int:
        if not found:
            if not self.spec.known_args_only:
                closest = self.spec.closest(arg)
                hint = f" (closest valid flag: {closest})" if closest else ""
                self.issue("error" if self.spec.complete else "warning", "unknown-flag",
                           f"{_show(arg.split('=', 1)[0])} is not a flag of {self.spec.path.name}"
                           f"{hint}", arg, closest)
            return self.skip_its_value(arg, kinds, i)
        if len(found) > 1:
            names = ", ".join(s for _, s, _ in found)
            self.issue("error", "ambiguous", f"{_show(arg)} is ambiguous in {self.spec.path.name}: "
                       f"it could be {names}", arg, found[0][1])
            return self.skip_its_value(arg, kinds, i)
        opt, string, explicit = found[0]
        head = arg.split("=", 1)[0]
        if string != head and not (len(string) == 2 and explicit is not None):
            self.issue("warning", "abbreviation", f"{_show(head)} is an abbreviation of {string} "
                       f"in {self.spec.path.name}; spell it out (it breaks as soon as another flag "
                       "shares the prefix)", arg, string)
        if explicit is not None and opt.nargs == 0:
            handled = self.cluster(opt, string, explicit, arg, i)
            if isinstance(handled, int):
                return handled
            opt, string, explicit = handled + (None,)  # `-xn value`: -n takes what follows
        if explicit is not None:
            if isinstance(opt.nargs, int) and opt.nargs > 1:
                self.issue("error", "missing-value", f"{string} expects {opt.nargs} values", arg)
                return i + 1
            self.store(opt, string, [explicit])
            return i + 1
        taken, j = [], i + 1
        want = opt.nargs
        while j < len(self.args) and kinds[j] in ("A", "U"):
            if want in (None, "?") and len(taken) == 1:
                break
            if isinstance(want, int) and len(taken) == want:
                break
            taken.append(self.args[j])
            j += 1
        if (want is None and not taken) or (want == "+" and not taken) or \
                (isinstance(want, int) and len(taken) < want):
            need = {None: "a value", "+": "at least one value"}.get(want, f"{want} values")
            self.issue("error", "missing-value", f"{string} expects {need} but gets "
                       f"{len(taken) or 'none'} (argparse exits)", arg)
            return j
        self.store(opt, string, taken)
        return j

    def skip_its_value(self, arg, kinds, i) -> int:
        """After a rejected `--flag value`, the value is not a second problem worth reporting."""
        if "=" not in arg and i + 1 < len(kinds) and kinds[i + 1] in ("A", "U"):
            return i + 2
        return i + 1

    def cluster(self, opt, string, explicit, arg, i):
        """`-vq` (flags bundled behind one dash) or an error for `--flag=value` on a flag.

        Returns the next index, or (option, string) when the bundle ends in an option that takes
        the following arguments."""
        strings = self.spec._strings()
        while True:
            if explicit is None:
                self.store(opt, string, [])
                return i + 1
            if len(string) != 2 or explicit == "":
                self.issue("error", "explicit-value", f"{string} takes no value, but {_show(arg)} "
                           "gives one (argparse exits with 'ignored explicit argument')", arg)
                return i + 1
            self.store(opt, string, [])
            string, explicit = "-" + explicit[0], explicit[1:] or None
            opt = strings.get(string)
            if opt is None:
                self.issue("error", "unknown-flag", f"{_show(arg)}: {string} is not a flag of "
                           f"{self.spec.path.name}", arg)
                return i + 1
            if opt.nargs != 0:
                if explicit is None:
                    return opt, string
                if isinstance(opt.nargs, int) and opt.nargs > 1:
                    self.issue("error", "missing-value", f"{string} expects {opt.nargs} values",
                               arg)
                else:
                    self.store(opt, string, [explicit])
                return i + 1

    def convert(self, opt, string, raw):
        if UNKNOWN in raw:
            return raw
        value = raw
        if opt.type_name in _TYPES:
            try:
                value = _TYPES[opt.type_name](raw)
            except ValueError:
                self.issue("error", "bad-value", f"{string} expects {opt.type_name}, got "
                           f"{raw!r}", string)
                return raw
        if opt.choices is not None and value not in opt.choices:
            choices = ", ".join(repr(c) for c in opt.choices)
            self.issue("error", "bad-value", f"{string} {raw!r} is not one of {choices}", string)
        return value

    def store(self, opt, string, raw_values):
        self.given.add(opt.dest)
        action = opt.action
        if action in ("help", "version"):
            self.issue("error", "exits", f"{string} prints {action} and exits: the stage would "
                       "not run", string)
        elif action == "store_true":
            self.values[opt.dest] = True
        elif action == "store_false":
            self.values[opt.dest] = False
        elif action == "BooleanOptionalAction":
            self.values[opt.dest] = not string.startswith("--no-")
        elif action in ("store_const", "append_const"):
            self.values[opt.dest] = opt.const
        elif action == "count":
            self.values[opt.dest] = (self.values.get(opt.dest) or 0) + 1
        else:
            converted = [self.convert(opt, string, r) for r in raw_values]
            if opt.nargs is None:
                value = converted[0]
            elif opt.nargs == "?":
                value = converted[0] if converted else opt.const
            else:
                value = converted
            if action in ("append", "extend"):
                previous = self.values.get(opt.dest)
                previous = list(previous) if isinstance(previous, list) else []
                self.values[opt.dest] = previous + (value if action == "extend" else [value])
            else:
                self.values[opt.dest] = value

    def positionals(self, strings):
        """Hand the leftover values to the positionals in order; what is left over is an error."""
        if self.spec.positionals and "--" in strings:
            strings.remove("--")
        for opt in self.spec.positionals:
            want = opt.nargs
            if want in (None, "?"):
                take = strings[:1]
            elif want in ("*", "+"):
                take = list(strings)
            else:
                take = strings[:want]
            if (want is None or want == "+" or isinstance(want, int)) and \
                    len(take) < (want if isinstance(want, int) else 1):
                self.issue("error", "required", f"{self.spec.path.name} requires the argument "
                           f"{opt.dest}")
            del strings[:len(take)]
            if take or want in ("*", "?"):
                self.given.add(opt.dest)
                converted = [self.convert(opt, opt.dest, s) for s in take]
                if want in (None, "?"):
                    self.values[opt.dest] = converted[0] if converted else _typed_default(opt)
                else:
                    self.values[opt.dest] = converted
        if strings and not self.spec.known_args_only:
            self.issue("error", "unrecognized", f"{self.spec.path.name} takes no positional "
                       f"arguments here: {' '.join(_show(s) for s in strings)} (argparse exits "
                       "with 'unrecognized arguments')", strings[0])

# ----------------------------------------------------------------------------------------------
# 2025 nanochat: `exec(open('nanochat/configurator.py').read())` overrides module globals.

def _parse_configurator(spec: ParserSpec, args: list) -> ParseResult:
    """Replay nanochat/configurator.py: `--key=value` (value via literal_eval) or a config file."""
    values, given, issues = spec.defaults(), set(), []
    keys = {o.dest: o for o in spec.options}
    after_bare_flag = False
    for index, arg in enumerate(args):
        if UNKNOWN in arg.split("=", 1)[0] or (after_bare_flag and not arg.startswith("-")):
            after_bare_flag = False
            continue
        after_bare_flag = "=" not in arg and arg.startswith("--")
        if "=" not in arg:
            if arg.startswith("--"):
                issues.append(ArgIssue("error", "configurator-form", f"{_show(arg)}: "
                              f"{spec.path.name} only takes --key=value (its configurator asserts "
                              "on a bare --flag)", arg, index=index))
            else:
                issues.append(ArgIssue("warning", "config-file", f"{_show(arg)} is run as a Python "
                              f"config file by {spec.path.name}'s configurator", arg, index=index))
            continue
        if not arg.startswith("--") or arg.count("=") > 1:
            issues.append(ArgIssue("error", "configurator-form", f"{_show(arg)}: the configurator "
                          "needs exactly --key=value (one '=', two dashes)", arg, index=index))
            continue
        key, raw = arg[2:].split("=")
        opt = keys.get(key)
        if opt is None:
            closest = spec.closest("--" + key)
            issues.append(ArgIssue("error", "unknown-flag", f"--{key} is not a setting of "
                          f"{spec.path.name} (closest: {closest}; the configurator raises "
                          "'Unknown config key')", arg, closest, index))
            continue
        given.add(key)
        if UNKNOWN in raw:
            values[key] = raw
            continue
        try:
            value = ast.literal_eval(raw)
        except (SyntaxError, ValueError):
            value = raw
        except Exception:  # the configurator itself would crash on these (e.g. unhashable sets)
            issues.append(ArgIssue("error", "bad-value", f"{arg}: the configurator cannot "
                          "evaluate this value", arg, index=index))
            continue
        if opt.default_known and opt.default is not None and type(value) is not type(opt.default):
            issues.append(ArgIssue("error", "bad-value", f"{arg}: {key} is "
                          f"{type(opt.default).__name__} ({opt.default!r}) and the configurator "
                          f"asserts the type, but {raw!r} reads as {type(value).__name__}",
                          arg, index=index))
            continue
        values[key] = value
    return ParseResult(values, given, issues)

# ----------------------------------------------------------------------------------------------
# Reading the source.

def _evaluate(node):
    """The value of a literal or simple arithmetic (`80*524288`, `2**19`); raises ValueError."""
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, (ast.Tuple, ast.List)):
        items = [_evaluate(e) for e in node.elts]
        return tuple(items) if isinstance(node, ast.Tuple) else items
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        value = _evaluate(node.operand)
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return -value if isinstance(node.op, ast.USub) else value
    if isinstance(node, ast.BinOp):
        left, right = _evaluate(node.left), _evaluate(node.right)
        numbers = all(isinstance(v, (int, float)) and not isinstance(v, bool)
                      for v in (left, right))
        ops = {ast.Add: lambda a, b: a + b, ast.Sub: lambda a, b: a - b,
               ast.Mult: lambda a, b: a * b, ast.Div: lambda a, b: a / b,
               ast.FloorDiv: lambda a, b: a // b, ast.Mod: lambda a, b: a % b}
        if numbers and type(node.op) in ops:
            return ops[type(node.op)](left, right)
        if numbers and isinstance(node.op, ast.Pow) and abs(right) <= 64:
            return left ** right
    raise ValueError("not a literal")


def _literal(node):
    """(value, known)."""
    try:
        return _evaluate(node), True
    except (ValueError, ZeroDivisionError, OverflowError):
        return None, False


def _name_of(node) -> str:
    """'int' for `type=int`, 'x.y' for attributes, the source text otherwise."""
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return ast.unparse(node)


def _dest(strings: tuple) -> str:
    longs = [s for s in strings if s.startswith("--")]
    return (longs or list(strings))[0].lstrip("-").replace("-", "_")


class _ParserFinder(ast.NodeVisitor):
    """Walks a module in source order, following parser and group variables."""

    def __init__(self):
        self.parsers = {}   # variable source -> dict(options, positionals, abbrev, known, used)
        self.owners = {}    # group variable source -> parser variable source
        self.order = []     # parser keys in the order parse_args is called on them
        self.configurator_line = None
        self.reads_argv = False

    def owner(self, node):
        """The parser key a receiver expression belongs to, or None."""
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and \
                node.func.attr in ("add_argument_group", "add_mutually_exclusive_group"):
            return self.owner(node.func.value)
        key = ast.unparse(node)
        if key in self.parsers:
            return key
        return self.owners.get(key)

    def visit_Assign(self, node):
        value = node.value
        if isinstance(value, ast.Call):
            func = value.func
            for target in node.targets:
                key = ast.unparse(target)
                if _name_of(func) == "ArgumentParser":
                    kwargs = {k.arg: _literal(k.value) for k in value.keywords if k.arg}
                    helps = [] if kwargs.get("add_help", (True, True))[0] is False else [
                        Option(("-h", "--help"), "help", action="help", nargs=0)]
                    self.parsers[key] = dict(options=helps, positionals=[], complete=True,
                                             abbrev=kwargs.get("allow_abbrev", (True, True))[0],
                                             known=False, defaults={})
                elif isinstance(func, ast.Attribute) and func.attr in (
                        "add_argument_group", "add_mutually_exclusive_group"):
                    parser = self.owner(func.value)
                    if parser:
                        self.owners[key] = parser
        self.generic_visit(node)

    def visit_Attribute(self, node):
        if isinstance(node.value, ast.Name) and node.value.id == "sys" and node.attr == "argv":
            self.reads_argv = True
        self.generic_visit(node)

    def visit_Call(self, node):
        func = node.func
        if isinstance(func, ast.Name) and func.id == "exec" and "configurator" in ast.unparse(node):
            self.configurator_line = self.configurator_line or node.lineno
        if isinstance(func, ast.Attribute):
            parser = self.owner(func.value)
            if parser and func.attr == "add_argument":
                self.add_argument(self.parsers[parser], node)
            elif parser and func.attr in _PARSE_METHODS:
                self.parsers[parser]["known"] |= "known" in func.attr
                if parser not in self.order:
                    self.order.append(parser)
            elif parser and func.attr == "add_subparsers":
                self.parsers[parser]["complete"] = False
            elif parser and func.attr == "set_defaults":
                for k in node.keywords:
                    if k.arg:
                        self.parsers[parser]["defaults"][k.arg] = _literal(k.value)
        self.generic_visit(node)

    def add_argument(self, parser, node):
        strings = []
        for arg in node.args:
            value, known = _literal(arg)
            if not known or not isinstance(value, str):
                parser["complete"] = False
                return
            strings.append(value)
        kw = {k.arg: k.value for k in node.keywords if k.arg}
        if not strings or any(k.arg is None for k in node.keywords):
            parser["complete"] = False
            if not strings:
                return
        action = _name_of(kw["action"]) if "action" in kw else "store"
        if isinstance(kw.get("action"), ast.Constant):
            action = kw["action"].value
        nargs = _literal(kw["nargs"])[0] if "nargs" in kw else None
        if "nargs" in kw and _name_of(kw["nargs"]) in ("REMAINDER", "PARSER") or \
                nargs in ("...", "A..."):
            nargs = "*"  # swallows the rest; close enough for checking flags
        if action in _NO_VALUE_ACTIONS:
            nargs = 0
        is_positional = not strings[0].startswith("-")
        if action == "BooleanOptionalAction":
            strings += ["--no-" + s[2:] for s in strings if s.startswith("--")]
        default, default_known = _literal(kw["default"]) if "default" in kw else (
            False if action == "store_true" else True if action == "store_false" else None, True)
        choices = _literal(kw["choices"])[0] if "choices" in kw else None
        option = Option(
            strings=() if is_positional else tuple(strings),
            dest=_literal(kw["dest"])[0] if "dest" in kw else (
                strings[0] if is_positional else _dest(tuple(strings))),
            action=action, nargs=nargs, default=default, default_known=default_known,
            type_name=_name_of(kw["type"]) if "type" in kw else None,
            choices=tuple(choices) if isinstance(choices, (list, tuple)) else None,
            required=bool(_literal(kw["required"])[0]) if "required" in kw else False,
            const=_literal(kw["const"])[0] if "const" in kw else None,
            line=node.lineno)
        parser["positionals" if is_positional else "options"].append(option)


def _configurator_options(tree, before_line: int) -> list:
    """Module globals assigned before the configurator runs: the keys it accepts."""
    options = {}
    for node in tree.body:
        if node.lineno >= before_line:
            break
        targets = node.targets if isinstance(node, ast.Assign) else \
            [node.target] if isinstance(node, ast.AnnAssign) and node.value else []
        for target in targets:
            if isinstance(target, ast.Name) and not target.id.startswith("_"):
                default, known = _literal(node.value)
                simple = default is None or isinstance(default, (int, float, bool, str))
                if not known or not simple:
                    continue  # the configurator's type assert rejects any text for these
                type_name = type(default).__name__ if default is not None else None
                options[target.id] = Option((f"--{target.id}",), target.id, default=default,
                                            type_name=type_name, line=node.lineno)
    return list(options.values())


def _parsed_name(tree) -> str:
    """The variable `parser.parse_args()` is assigned to (`args` when none is found)."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Call) and \
                isinstance(node.value.func, ast.Attribute) and \
                node.value.func.attr in _PARSE_METHODS and isinstance(node.targets[0], ast.Name):
            return node.targets[0].id
    return "args"


def read_parser(path) -> ParserSpec:
    """The command line `path` accepts, read from its source; ParserReadError if it cannot be."""
    path = Path(path)
    try:
        source = path.read_text(encoding="utf-8", errors="replace")
    except OSError as e:
        raise ParserReadError(f"{path}: cannot read it ({e.strerror})") from None
    try:
        tree = ast.parse(source, filename=str(path))
    except SyntaxError as e:
        raise ParserReadError(f"{path}: line {e.lineno}: does not parse as Python: {e.msg}") \
            from None
    finder = _ParserFinder()
    finder.visit(tree)
    if finder.configurator_line:
        return ParserSpec(path, "configurator",
                          _configurator_options(tree, finder.configurator_line))
    if finder.parsers:
        key = (finder.order or list(finder.parsers))[0]
        found = finder.parsers[key]
        options = found["options"]
        for dest, (value, known) in found["defaults"].items():
            options = [Option(**{**o.__dict__, "default": value, "default_known": known})
                       if o.dest == dest else o for o in options]
        notes = [] if found["complete"] else [
            "some arguments are added dynamically; unknown flags are reported as warnings"]
        return ParserSpec(path, "argparse", options, found["positionals"],
                          allow_abbrev=bool(found["abbrev"]), known_args_only=found["known"],
                          complete=found["complete"], notes=notes,
                          config=read_overrides(tree, _parsed_name(tree)))
    if finder.reads_argv:
        return ParserSpec(path, "opaque", notes=["reads sys.argv by hand; flags not checked"])
    return ParserSpec(path, "none")
