"""Walk a launch script top to bottom and gather the facts the lint judges.

`read_script` reads the commands (`bash_reader`), follows the variables, `set -e`/`pipefail`,
`rm`/`mkdir` and exported `NANOCHAT_BASE_DIR` in order, and returns `ScriptFacts`: the stages (each
Python program started, with its resolved arguments and the base dir nanochat will use), the
`read` prompts, the `ln` commands (with what was removed or made before them), the steps that need
the network, the folders the script checks for shards, and the variables read with a default.
"""

import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from preflight.readers.argparse_reader import UNKNOWN
from preflight.readers.bash_reader import (VAR_NAME, Command, Shell, ShellReadError, Word,
                                          is_assignment, read_commands)
from preflight.checkout import Checkout
from preflight.launch.lint_calls import Call, parse_command, path_of, show


def _tool_needs_network(argv: list) -> str:
    name = os.path.basename(argv[0]) if argv else ""
    sub = argv[1] if len(argv) > 1 else ""
    if name in ("curl", "wget"):
        url = next((a for a in argv[1:] if "://" in a), "")
        return f"downloads {show(url) or 'a file'}"
    if name == "git" and sub in ("clone", "pull", "fetch"):
        return f"git {sub}"
    if (name in ("pip", "pip3") and sub == "install") or (name == "uv" and sub in ("sync", "pip")):
        return f"{name} {sub} installs packages"
    if name in ("rustup", "huggingface-cli", "hf") or (name == "apt-get" and sub in
                                                       ("update", "install")):
        return f"{name} {sub}".strip()
    return ""


@dataclass
class Stage:
    """One Python program the script starts, and the shell state it starts in."""
    call: Call
    command: Command
    errexit: bool
    pipefail: bool
    base_dir: object   # the base dir nanochat will use when it starts (None: known at run time)
    base_dir_line: int  # where the script set it (0: the environment or nanochat's default)
    base_dir_default: bool = False  # NANOCHAT_BASE_DIR unset: nanochat's ~/.cache/nanochat


@dataclass
class ScriptFacts:
    """What reading a script found, before judging it."""
    stages: list = field(default_factory=list)       # [Stage]
    reads: list = field(default_factory=list)        # [(Command, argv, errexit)]
    links: list = field(default_factory=list)        # [(Command, argv, errexit, removed, made)]
    downloads: list = field(default_factory=list)    # [(line, what)]
    data_checks: list = field(default_factory=list)  # [(line, folder, "tests" | "lists")]
    defaults_used: set = field(default_factory=set)  # variables read with ${VAR:-x} / ${VAR:=x}
    shebang_e: bool = False


def protected(command: Command, pipefail: bool) -> bool:
    """A failure of this command does not trigger `set -e`."""
    piped = command.after in ("|", "|&") and not pipefail
    return command.condition or command.negated or piped or command.after in ("&&", "||", "&")


def _set_options(argv: list, state: dict):
    args = iter(argv[1:])
    for arg in args:
        if arg in ("-o", "+o"):
            option = next(args, "")
            if option in ("errexit", "pipefail"):
                state[option] = arg == "-o"
        elif re.fullmatch(r"[-+][a-zA-Z]+", arg):
            if "e" in arg:
                state["errexit"] = arg[0] == "-"


def _collect_defaults(word: Word, into: set):
    for part in word.parts:
        if part.kind == "var" and part.op in (":-", "-", ":=", "="):
            into.add(part.text)
        if part.arg:
            _collect_defaults(Word(part.arg, word.line), into)


def _substituted_words(words):
    """The words of the commands inside `$(...)` and backquotes of `words`, nested ones too."""
    for word in words:
        parts = list(word.parts)
        while parts:
            part = parts.pop()
            parts += part.arg or []
            if part.kind != "cmd":
                continue
            try:
                inner = read_commands(part.text)
            except ShellReadError:
                continue
            inner_words = [w for c in inner for w in [a for _, a in c.assigns] + c.words]
            yield from inner_words
            yield from _substituted_words(inner_words)


def _data_checks(command: Command, argv: list, shell: Shell) -> list:
    """Folders a command tests for (`[ -d X ]`) or lists shards in (`ls X/*.parquet`)."""
    found = []
    if argv and os.path.basename(argv[0]) in ("[", "[[", "test"):
        found += [(command.line, operand, "tests") for flag, operand in zip(argv, argv[1:])
                  if flag in ("-d", "-e") and UNKNOWN not in operand]
    words = [w for _, w in command.assigns] + command.words
    texts = argv + [f for w in _substituted_words(words) for f in shell.expand(w)]
    found += [(command.line, os.path.dirname(t), "lists") for t in texts
              if t.endswith(".parquet") and "*" in t and UNKNOWN not in t and os.path.dirname(t)]
    return found


def read_script(path: Path, checkout: Checkout, environ=None) -> ScriptFacts:
    """Read the script top to bottom and gather its stages, prompts, links and downloads."""
    text = Path(path).read_text(encoding="utf-8", errors="replace")
    commands = read_commands(text)
    facts = ScriptFacts()
    first = text.splitlines()[0] if text else ""
    facts.shebang_e = first.startswith("#!") and bool(re.search(r"\s-[a-z]*e", first))
    shell = Shell(dict(os.environ if environ is None else environ))
    state = dict(errexit=False, pipefail=False)
    removed, made = {}, {}
    for command in commands:
        for _, word in command.assigns:
            _collect_defaults(word, facts.defaults_used)
        for word in command.words:
            _collect_defaults(word, facts.defaults_used)
        argv, argv_lines = [], []
        for word in command.words:
            fields = shell.expand(word)
            argv += fields
            argv_lines += [word.line] * len(fields)
        prefix = {name: shell.join(word.parts) for name, word in command.assigns}
        facts.data_checks += _data_checks(command, argv, shell)
        if not argv:
            for name, value in prefix.items():
                shell.assign(name, None if UNKNOWN in value else value, command.line,
                             command.conditional)
            continue
        name = os.path.basename(argv[0])
        if name in ("export", "declare", "typeset", "local", "readonly"):
            export = name == "export" or any(a.startswith("-") and "x" in a for a in argv[1:])
            for word in command.words[1:]:
                assignment = is_assignment(word)
                if assignment:
                    value = shell.join(assignment[1].parts)
                    shell.assign(assignment[0], None if UNKNOWN in value else value,
                                 command.line, command.conditional, export)
                elif word.literal and VAR_NAME.fullmatch(word.literal) and export:
                    shell.exported.add(word.literal)
        elif name == "unset":
            for var in argv[1:]:
                shell.vars.pop(var, None)
        elif name == "set":
            _set_options(argv, state)
        elif name == "trap" and len(argv) >= 3 and "ERR" in argv[2:] and "exit" in argv[1]:
            state["errexit"] = True
        elif name == "read":
            facts.reads.append((command, argv, state["errexit"]))
            names = [a for a in argv[1:] if VAR_NAME.fullmatch(a)] or ["REPLY"]
            for var in names:
                shell.assign(var, None, command.line, True)
        elif name in ("for", "select") and len(argv) > 1:
            shell.assign(argv[1], None, command.line, True)
        elif name == "ln":
            facts.links.append((command, argv, state["errexit"], dict(removed), dict(made)))
        elif name in ("rm", "unlink"):
            recursive = any(re.fullmatch(r"-[a-zA-Z]*[rR][a-zA-Z]*", a) or a == "--recursive"
                            for a in argv[1:])
            for target in (a for a in argv[1:] if not a.startswith("-") and UNKNOWN not in a):
                removed[path_of(target, checkout.root)] = "recursive" if recursive else "file"
        elif name == "mkdir":
            for target in (a for a in argv[1:] if not a.startswith("-") and UNKNOWN not in a):
                made[path_of(target, checkout.root)] = command.line
        need = _tool_needs_network(argv)
        if need:
            facts.downloads.append((command.line, need))
        call = parse_command(argv, command.line)
        if call is None:
            continue
        call.arg_lines = argv_lines[len(argv) - len(call.args):]
        call.env = {**prefix, **call.env}
        if "NANOCHAT_BASE_DIR" in call.env:
            base, base_line = call.env["NANOCHAT_BASE_DIR"], command.line
        elif "NANOCHAT_BASE_DIR" in shell.exported:
            base = shell.vars.get("NANOCHAT_BASE_DIR", "")
            base_line = shell.origin.get("NANOCHAT_BASE_DIR", 0)
        else:
            base, base_line = "", 0
        default = base == ""
        if default:
            base = os.path.join(shell.home(), ".cache", "nanochat")
        if base is not None and UNKNOWN in base:
            base = None
        facts.stages.append(Stage(call, command, state["errexit"], state["pipefail"], base,
                                   base_line, default))
    return facts

