"""Lint a launch script against the user's checkout, so every stage of it can start.

nanochat's argparse exits at the first bad flag, often an hour in, when a later stage (SFT) starts.
This module reads the bash script (`bash -n` for syntax, then its own reading of commands: line
continuations, `&&`/`||`/`;`/`&`/pipes, `FOO=1 cmd`, `$VAR`/`${VAR:-x}`, comments, heredocs, if/for/
case blocks), follows the variables the script sets in order (branches make a value unknown), finds
every `python -m X`, `torchrun ... -m X -- ...`, `uv run ...` and `python file.py` call, and
checks it against the checkout: the module exists, it compiles, its own-package imports exist, and
every flag is accepted by its parser (read statically by `argparse_reader`). It also reports:
- `read` prompts that stop a run without a terminal, or abort it under `set -e` at end-of-input;
- `NANOCHAT_BASE_DIR` pointing elsewhere than the validated base dir when a stage starts;
- `ln -s` data hookups that silently do the wrong thing given the folders that exist right now;
- no `--save-every` on a base training longer than an hour at the planned speed;
- network-needing steps when the machine looks offline (see `looks_offline`);
- a multi-stage script without `set -e`, or stages piped into `tee` without `pipefail`.
Straight-line reading: loops run once in the reader's mind, `cd` is not followed (paths are
relative to the checkout root, where nanochat's scripts must be started), functions are linted
where they are defined.
"""

import ast
import os
import py_compile
import re
import shutil
import subprocess
import tempfile
import difflib
from dataclasses import dataclass, field
from pathlib import Path

from .argparse_reader import UNKNOWN, ParserReadError, read_parser
from .checkout import HEAD, Checkout
from .horizon import HorizonError, horizon_from_call, run_hours, tokens_per_second

# Packages a nanochat checkout owns: `python -m` calls into them must resolve in the checkout.
OWN_PACKAGES = ("scripts", "nanochat", "tasks", "dev")
# FA3 comes from the Hugging Face Hub through `kernels` (nanochat/flash_attention.py).
FA3_REPOS = ("varunneal/flash-attention-3", "kernels-community/flash-attn3")
# A stage this long without --save-every loses everything to a crash or Ctrl+C.
SAVE_EVERY_HOURS = 1.0


@dataclass(frozen=True)
class Problem:
    severity: str   # "error" | "warning"
    line: int       # 1-based line in the script, 0 for a generated command
    message: str    # names the script and line, the flag and the closest valid flag
    kind: str = ""  # short machine-readable id (unknown-flag, no-module, read-prompt, ...)

# ----------------------------------------------------------------------------------------------
# Reading bash: words made of parts, then commands.

_OPERATORS = ("&&", "||", ";;&", ";;", ";&", "|&", "&>>", "&>", ">>", ">&", ">|", "<<<", "<<-",
              "<<", "<&", "<>", ">", "<", "|", "&", ";", "(", ")")
_REDIRECTS = {"&>>", "&>", ">>", ">&", ">|", "<<<", "<&", "<>", ">", "<"}
_RESERVED = {"if", "then", "elif", "else", "fi", "while", "until", "do", "done", "for", "select",
             "case", "esac", "{", "}", "!", "time", "function"}
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


class ShellReadError(ValueError):
    """The script cannot be read (an unterminated quote or substitution)."""


@dataclass
class Part:
    kind: str            # lit | var | cmd | arith | tilde
    text: str            # literal text, variable name, substitution source, or tilde user
    quoted: bool = False
    op: str = ""         # ${name<op>word}: ":-", "-", ":=", "=", ":+", "+", ":?", "?", "other"
    arg: list = None     # the parts of that word


@dataclass
class Word:
    parts: list
    line: int

    @property
    def literal(self):
        """The text when the word has no expansions, else None."""
        if all(p.kind == "lit" for p in self.parts):
            return "".join(p.text for p in self.parts)
        return None

    @property
    def unquoted_literal(self):
        if all(p.kind == "lit" and not p.quoted for p in self.parts):
            return "".join(p.text for p in self.parts)
        return None


@dataclass
class Command:
    line: int
    words: list = field(default_factory=list)     # argv words (keywords and assignments removed)
    assigns: list = field(default_factory=list)   # [(name, Word)] before the command name
    redirects: list = field(default_factory=list)  # [(operator, Word or heredoc delimiter)]
    condition: bool = False    # the test of an if/while/until
    negated: bool = False
    conditional: bool = False  # inside an if/case/loop/function body: may not run, or run often
    before: str = ""           # the operator before it
    after: str = ""            # the operator after it (&&, ||, |, ;, &, newline)


class _Lexer:
    """Bash text -> tokens ('word', Word) / ('op', str) / ('nl',) / ('heredoc', delimiter)."""

    def __init__(self, text: str, line: int = 1, quoted: bool = False):
        self.s, self.i, self.line, self.quoted = text, 0, line, quoted
        self.tokens, self.parts, self.heredocs, self.word_line = [], [], [], line

    def fail(self, what):
        raise ShellReadError(f"line {self.line}: {what}")

    def add(self, part):
        if not self.parts:
            self.word_line = self.line
        self.parts.append(part)

    def lit(self, text, quoted=None):
        quoted = self.quoted if quoted is None else quoted
        if self.parts and self.parts[-1].kind == "lit" and self.parts[-1].quoted == quoted:
            self.parts[-1].text += text
        else:
            self.add(Part("lit", text, quoted))

    def flush(self):
        if self.parts:
            self.tokens.append(("word", Word(self.parts, self.word_line), self.word_line))
            self.parts = []

    def advance_to(self, j):
        self.line += self.s.count("\n", self.i, j)
        self.i = j

    def assignment_prefix(self) -> bool:
        text = "".join(p.text for p in self.parts if p.kind == "lit" and not p.quoted)
        return len(text) == sum(len(p.text) for p in self.parts) and \
            bool(re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*(\[[^]]*\])?\+?=", text))

    # -- balanced spans -------------------------------------------------------------------------
    def balanced(self, start, open_, close) -> int:
        """Index just after the `close` matching s[start] == open_, honouring quotes."""
        s, depth, i = self.s, 0, start
        while i < len(s):
            c = s[i]
            if c == "\\":
                i += 2
                continue
            if c == "'" and open_ == "(":
                end = s.find("'", i + 1)
                if end < 0:
                    break
                i = end + 1
                continue
            if c == '"':
                i = self.skip_double(i)
                continue
            if c == open_:
                depth += 1
            elif c == close:
                depth -= 1
                if depth == 0:
                    return i + 1
            i += 1
        self.fail(f"no closing {close!r}")

    def skip_double(self, start) -> int:
        s, i = self.s, start + 1
        while i < len(s):
            c = s[i]
            if c == "\\":
                i += 2
            elif c == '"':
                return i + 1
            elif s.startswith("$(", i):
                i = self.balanced(i + 1, "(", ")")
            elif s.startswith("${", i):
                i = self.balanced(i + 1, "{", "}")
            else:
                i += 1
        self.fail("unterminated double quote")

    # -- the main loop --------------------------------------------------------------------------
    def run(self) -> list:
        s = self.s
        while self.i < len(s):
            c = s[self.i]
            if s.startswith("\\\n", self.i):
                self.advance_to(self.i + 2)
            elif c in " \t\r":
                self.flush()
                self.i += 1
            elif c == "\n":
                self.flush()
                self.tokens.append(("nl", "\n", self.line))
                self.advance_to(self.i + 1)
                self.read_heredocs()
            elif c == "#" and not self.parts:
                end = s.find("\n", self.i)
                self.i = len(s) if end < 0 else end
            elif c in "<>" and s.startswith("(", self.i + 1):
                end = self.balanced(self.i + 1, "(", ")")
                self.add(Part("cmd", s[self.i + 2:end - 1], False))
                self.advance_to(end)
            elif c in "|&;()<>":
                self.operator()
            else:
                self.word_char()
        self.flush()
        return self.tokens

    def operator(self):
        s = self.s
        if s[self.i] == "(" and self.parts and self.assignment_prefix():
            end = self.balanced(self.i, "(", ")")
            self.lit(s[self.i:end], False)
            self.advance_to(end)
            return
        if s[self.i] in "<>" and self.parts and all(
                p.kind == "lit" and not p.quoted and p.text.isdigit() for p in self.parts):
            self.parts = []  # a file descriptor number: `2>&1`
        self.flush()
        op = next(o for o in _OPERATORS if s.startswith(o, self.i))
        self.tokens.append(("op", op, self.line))
        self.i += len(op)
        if op in ("<<", "<<-"):
            m = re.compile(r"[ \t]*(?:'([^'\n]*)'|\"([^\"\n]*)\"|\\?([^\s;&|<>()]+))").match(
                s, self.i)
            if not m:
                self.fail("here-document without a delimiter")
            self.tokens[-1] = ("heredoc", next(g for g in m.groups() if g is not None), self.line)
            self.heredocs.append((self.tokens[-1][1], op == "<<-"))
            self.i = m.end()

    def read_heredocs(self):
        for delimiter, strip_tabs in self.heredocs:
            while self.i < len(self.s):
                end = self.s.find("\n", self.i)
                end = len(self.s) if end < 0 else end
                text = self.s[self.i:end]
                self.advance_to(min(end + 1, len(self.s)))
                if (text.lstrip("\t") if strip_tabs else text) == delimiter:
                    break
        self.heredocs = []

    def word_char(self):
        s, c = self.s, self.s[self.i]
        if c == "'" and not self.quoted:
            end = s.find("'", self.i + 1)
            if end < 0:
                self.fail("unterminated single quote")
            self.lit(s[self.i + 1:end], True)
            self.advance_to(end + 1)
        elif c == '"':
            self.double_quoted()
        elif c == "\\":
            self.lit(s[self.i + 1:self.i + 2])
            self.i += 2
        elif c == "$":
            self.dollar(self.quoted)
        elif c == "`":
            self.backtick(self.quoted)
        elif c == "~" and not self.quoted and (not self.parts or self.assignment_prefix()):
            m = re.compile(r"~([A-Za-z0-9_.-]*)(?=/|$|[\s;&|:)])").match(s, self.i)
            if m:
                self.add(Part("tilde", m.group(1)))
                self.i = m.end()
            else:
                self.lit("~")
                self.i += 1
        else:
            self.lit(c)
            self.i += 1

    def double_quoted(self):
        s = self.s
        self.lit("", True)
        self.i += 1
        while self.i < len(s):
            c = s[self.i]
            if c == '"':
                self.i += 1
                return
            if c == "\\" and s[self.i + 1:self.i + 2] in ('$', '`', '"', '\\', '\n'):
                if s[self.i + 1] != "\n":
                    self.lit(s[self.i + 1], True)
                self.advance_to(self.i + 2)
            elif c == "$":
                self.dollar(True)
            elif c == "`":
                self.backtick(True)
            else:
                self.lit(c, True)
                self.advance_to(self.i + 1)
        self.fail("unterminated double quote")

    def backtick(self, quoted):
        end = self.i + 1
        while end < len(self.s) and self.s[end] != "`":
            end += 2 if self.s[end] == "\\" else 1
        if end >= len(self.s):
            self.fail("unterminated backquote")
        self.add(Part("cmd", self.s[self.i + 1:end], quoted))
        self.advance_to(end + 1)

    def dollar(self, quoted):
        s, i = self.s, self.i
        if s.startswith("$((", i):
            end = self.balanced(i + 1, "(", ")")
            self.add(Part("arith", s[i + 3:end - 2], quoted))
        elif s.startswith("$(", i):
            end = self.balanced(i + 1, "(", ")")
            self.add(Part("cmd", s[i + 2:end - 1], quoted))
        elif s.startswith("${", i):
            end = self.balanced(i + 1, "{", "}")
            self.add(self.braced(s[i + 2:end - 1], quoted))
        elif s.startswith("$'", i) and not quoted:
            end = i + 2
            while end < len(s) and s[end] != "'":
                end += 2 if s[end] == "\\" else 1
            if end >= len(s):
                self.fail("unterminated $'...'")
            try:
                text = s[i + 2:end].encode().decode("unicode_escape")
            except UnicodeDecodeError:
                text = s[i + 2:end]
            self.lit(text, True)
            end += 1
        else:
            m = _NAME.match(s, i + 1) or re.compile(r"[0-9@*#?$!-]").match(s, i + 1)
            if not m:
                self.lit("$")
                self.i += 1
                return
            self.add(Part("var", m.group(0), quoted))
            end = m.end()
        self.advance_to(end)

    def braced(self, content, quoted) -> Part:
        m = re.fullmatch(r"(#?)([A-Za-z_][A-Za-z0-9_]*|[0-9]+|[@*#?$!-])(.*)", content, re.S)
        if not m:
            return Part("var", content, quoted, op="other")
        length, name, rest = m.groups()
        if length or (rest and not re.match(r":?[-=+?]", rest)):
            return Part("var", name, quoted, op="other")
        if not rest:
            return Part("var", name, quoted)
        op = rest[:2] if rest.startswith(":") else rest[:1]
        inner = _Lexer(rest[len(op):], self.line, quoted)
        inner.word_only()
        return Part("var", name, quoted, op=op, arg=inner.parts)

    def word_only(self):
        """Read the whole text as one word (spaces are literal): the `x` of `${VAR:-x}`."""
        while self.i < len(self.s):
            c = self.s[self.i]
            if c in " \t\n|&;()<>":
                self.lit(c)
                self.advance_to(self.i + 1)
            else:
                self.word_char()


def _is_assignment(word: Word):
    """(name, value Word) when `word` is NAME=value (or NAME+=value), else None."""
    first = word.parts[0] if word.parts else None
    if not first or first.kind != "lit" or first.quoted:
        return None
    m = re.match(r"([A-Za-z_][A-Za-z0-9_]*)(\[[^]]*\])?\+?=", first.text)
    if not m:
        return None
    rest = first.text[m.end():]
    value = ([Part("lit", rest, False)] if rest else []) + word.parts[1:]
    return m.group(1), Word(value or [Part("lit", "", True)], word.line)


def read_commands(text: str) -> list:
    """The simple commands of a bash script, in order, with their block context."""
    tokens = _Lexer(text).run()
    commands, stack = [], []
    state = dict(condition=False, negated=False, case_pattern=False, function=False,
                 skip_name=False, before="")
    cur = Command(0)
    pending_redirect = None

    def conditional():
        return any(kind != "group" for kind in stack)

    def end(op):
        nonlocal cur
        if cur.words or cur.assigns or cur.redirects:
            cur.after, cur.before = op, state["before"]
            cur.condition, cur.negated = state["condition"], state["negated"]
            cur.conditional = conditional()
            commands.append(cur)
        state["before"] = op
        state["negated"] = False
        cur = Command(0)

    for index, (kind, value, line) in enumerate(tokens):
        if pending_redirect:
            if kind == "word":
                cur.redirects.append((pending_redirect, value))
                pending_redirect = None
                continue
            pending_redirect = None
        if kind == "heredoc":
            cur.redirects.append(("<<", value))
            continue
        if kind == "word":
            text = value.unquoted_literal
            if state["case_pattern"]:
                if text == "esac":
                    state["case_pattern"] = False
                    if stack:
                        stack.pop()
                continue
            if not cur.words and not cur.assigns and text in _RESERVED:
                if text in ("if", "while", "until"):
                    stack.append("if" if text == "if" else "loop")
                    state["condition"] = True
                elif text == "elif":
                    state["condition"] = True
                elif text in ("then", "do"):
                    state["condition"] = False
                elif text in ("fi", "done", "esac", "}"):
                    if stack:
                        stack.pop()
                elif text == "{":
                    stack.append("function" if state["function"] else "group")
                    state["function"] = False
                elif text == "!":
                    state["negated"] = True
                elif text in ("for", "select", "case"):
                    stack.append("loop" if text != "case" else "case")
                    cur.line, cur.words = line, [value]
                elif text == "function":
                    state["function"] = state["skip_name"] = True
                continue
            if cur.words and cur.words[0].unquoted_literal == "case" and text == "in":
                end(";")
                state["case_pattern"] = True
                continue
            if state["skip_name"]:
                state["skip_name"] = False
                continue  # the name after `function`
            assignment = _is_assignment(value) if not cur.words else None
            if assignment:
                cur.assigns.append(assignment)
            else:
                cur.words.append(value)
            cur.line = cur.line or line
            continue
        if state["case_pattern"] and value not in (")", "\n"):
            continue  # `a|b)` and `(a)`: a case pattern, not a pipe or a subshell
        if kind == "nl" or value in ("&&", "||", "|", "|&", ";", "&"):
            end("\n" if kind == "nl" else value)
            continue
        if value in _REDIRECTS:
            pending_redirect = value
        elif value in (";;", ";&", ";;&"):
            end(value)
            state["case_pattern"] = True
        elif value == "(":
            nxt = tokens[index + 1] if index + 1 < len(tokens) else None
            if nxt and nxt[1] == ")" and (cur.words or state["function"]):
                cur = Command(0)  # `name ()`: a function definition follows
                state["function"] = True
            else:
                end(";")
                stack.append("group")
        elif value == ")":
            if state["case_pattern"]:
                state["case_pattern"] = False
            elif not state["function"]:
                end(";")
                if stack:
                    stack.pop()
    end("\n")
    return commands

# ----------------------------------------------------------------------------------------------
# Expanding words with the variables the script has set so far.

class _Shell:
    """Variables as the script sets them, read top to bottom (None: known only at run time)."""

    def __init__(self, environ: dict):
        self.vars = dict(environ)
        self.exported = set(environ)
        self.origin = {}  # name -> line that last set it

    def home(self) -> str:
        return self.vars.get("HOME") or str(Path.home())

    def value(self, part: Part):
        """The text of one ${...} expansion, or None when it is only known at run time."""
        name, op = part.text, part.op
        if op == "other" or name in ("@", "*", "#", "?", "$", "!", "-") or name.isdigit():
            return None
        present = name in self.vars
        value = self.vars.get(name)
        if op == "":
            return value  # unset -> None: the launch environment may still provide it
        empty_counts = op.startswith(":")
        if present and value is None:
            return None
        is_set = present and (value != "" or not empty_counts)
        core = op.lstrip(":")
        if core in ("-", "="):
            if is_set:
                return value
            default = self.join(part.arg or [])
            if core == "=":
                self.vars[name] = default
            return default
        if core == "+":
            return self.join(part.arg or []) if is_set else ""
        return value if is_set else None

    def arith(self, text: str):
        expr = re.sub(r"\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?", r"\1", text)
        for name in set(_NAME.findall(expr)):
            value = self.vars.get(name)
            if value is None or not re.fullmatch(r"-?\d+", value.strip()):
                return None
            expr = re.sub(rf"\b{name}\b", value.strip(), expr)
        if not re.fullmatch(r"[\d\s+\-*/%()]+", expr):
            return None
        try:
            return str(int(eval(compile(expr.replace("/", "//"), "<arith>", "eval"),
                                {"__builtins__": {}})))
        except (SyntaxError, ZeroDivisionError, ValueError, TypeError):
            return None

    def part_text(self, part: Part):
        if part.kind == "lit":
            return part.text
        if part.kind == "tilde":
            return self.home() if not part.text else os.path.expanduser("~" + part.text)
        if part.kind == "var":
            return self.value(part)
        if part.kind == "arith":
            return self.arith(part.text)
        return None  # command substitution

    def join(self, parts) -> str:
        """One string (no field splitting), UNKNOWN where a piece is only known at run time."""
        out = []
        for part in parts:
            text = self.part_text(part)
            out.append(UNKNOWN if text is None else text)
        return "".join(out)

    def expand(self, word: Word) -> list:
        """The fields a word expands to (unquoted expansions are split on whitespace)."""
        fields, current, has_field = [], "", False
        for part in word.parts:
            text = self.part_text(part)
            splits = part.kind in ("var", "cmd", "arith") and not part.quoted
            if text is None:
                current, has_field = current + UNKNOWN, True
            elif splits:
                pieces = text.split()
                if not pieces:
                    if text and has_field:
                        fields.append(current)
                        current, has_field = "", False
                    continue
                if text[0].isspace() and has_field:
                    fields.append(current)
                    current = ""
                current += pieces[0]
                for piece in pieces[1:]:
                    fields.append(current)
                    current = piece
                has_field = True
                if text[-1].isspace():
                    fields.append(current)
                    current, has_field = "", False
            else:
                current += text
                has_field = has_field or part.quoted or bool(text)
        if has_field:
            fields.append(current)
        return fields

    def assign(self, name: str, value, line: int, conditional: bool, export: bool = False):
        if conditional and self.vars.get(name) != value:
            value = None  # set in a branch or a loop: either value may be in force
        self.vars[name] = value
        self.origin[name] = line
        if export:
            self.exported.add(name)

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

class _Files:
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


def _missing_imports(path: Path, root: Path) -> list:
    """[(line, module)] for module-level imports of the checkout's packages that do not exist."""
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
            if name.split(".")[0] in OWN_PACKAGES and (root / name.split(".")[0]).is_dir() \
                    and not _module_exists(root, name):
                missing.append((node.lineno, name))
    return missing


def _closest_module(root: Path, dotted: str) -> str:
    package = root.joinpath(*dotted.split(".")[:-1])
    if not package.is_dir():
        return ""
    prefix = ".".join(dotted.split(".")[:-1])
    names = [f"{prefix}.{p.stem}" for p in package.glob("*.py") if p.stem != "__init__"]
    best = difflib.get_close_matches(dotted, names, n=1, cutoff=0.5)
    return best[0] if best else ""


def _show(text: str) -> str:
    return text.replace(UNKNOWN, "$…")


def check_call(call: Call, checkout: Checkout, where: str, files=None) -> list:
    """Problems that stop `call` from starting: missing module/file, no compile, rejected flags."""
    files = files or _Files()
    root = checkout.root
    at = f"{where}:{call.line}" if call.line else where
    if UNKNOWN in call.target:
        return [Problem("warning", call.line, f"{at}: {call.launcher} runs {_show(call.target)}, "
                        "known only at run time; not checked", "unknown-target")]
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
            return [Problem("error", call.line, f"{at}: `{call.launcher} -m {call.target}`: this "
                            f"checkout has no {call.target.replace('.', '/')}.py{hint}; the stage "
                            "fails with 'No module named'", "no-module")]
    else:
        path = _path_of(call.target, root)
        label = call.target
        if not path.is_file():
            return [Problem("error", call.line, f"{at}: `{call.launcher} {call.target}`: no such "
                            f"file (relative paths start at {root})", "no-file")]
    problems = []
    error = files.compile_error(path)
    if error:
        problems.append(Problem("error", call.line, f"{at}: {label} does not compile: {error}",
                                "no-compile"))
        return problems
    for line, name in _missing_imports(path, root):
        problems.append(Problem("error", call.line, f"{at}: {label} imports {name} (its line "
                                f"{line}), which this checkout does not have", "missing-import"))
    spec = files.spec(path)
    if isinstance(spec, str):
        return problems + [Problem("warning", call.line, f"{at}: {spec}", "unreadable-parser")]
    args, shift = list(call.args), 0
    if call.stray_dashes and spec.kind == "argparse":
        problems.append(Problem("error", call.line, f"{at}: `{call.launcher} -m {label} -- ...`: "
                                "plain python passes the `--` on to the script (only torchrun "
                                "strips it), so argparse rejects every flag after it",
                                "stray-dashes"))
        args, shift = args[1:], 1
    for issue in spec.parse(args).issues:
        line = call.line_of(issue.index + shift if issue.index >= 0 else -1)
        problems.append(Problem(issue.severity, line, f"{where}:{line}: {label}: {issue.message}",
                                issue.kind))
    return problems

# ----------------------------------------------------------------------------------------------
# Whole-script facts: syntax, offline, network steps.

def bash_syntax(path: Path) -> list:
    """`bash -n` on the script: one error per syntax problem bash reports."""
    bash = shutil.which("bash")
    name = Path(path).name
    if not bash:
        return [Problem("warning", 0, f"{name}: bash not found; shell syntax not checked",
                        "no-bash")]
    try:
        proc = subprocess.run([bash, "-n", str(path)], capture_output=True, text=True, timeout=30)
    except subprocess.TimeoutExpired:
        return [Problem("warning", 0, f"{name}: bash -n did not finish in 30 s", "no-bash")]
    if proc.returncode == 0:
        return []
    problems = []
    for raw in proc.stderr.splitlines():
        m = re.search(r"line (\d+): (.*)", raw)
        if m and ("error" in m.group(2) or "unexpected" in m.group(2)):
            problems.append(Problem("error", int(m.group(1)),
                                    f"{name}:{m.group(1)}: shell syntax: {m.group(2)}", "syntax"))
    last = (proc.stderr.strip().splitlines() or [f"exit status {proc.returncode}"])[-1]
    return problems or [Problem("error", 0, f"{name}: bash -n fails: {last}", "syntax")]


def looks_offline(environ=None) -> str:
    """Why this machine looks offline ('' when it does not), from local state only.

    Signals: HF_HUB_OFFLINE / HF_DATASETS_OFFLINE / TRANSFORMERS_OFFLINE set to a true value, or no
    default route in /proc/net/route and /proc/net/ipv6_route (Linux). Nothing is sent: a machine
    with a default route but a firewall in the way still looks online.
    """
    environ = os.environ if environ is None else environ
    for name in ("HF_HUB_OFFLINE", "HF_DATASETS_OFFLINE", "TRANSFORMERS_OFFLINE"):
        if environ.get(name, "").strip().lower() in ("1", "true", "yes", "on"):
            return f"{name}={environ[name]}"
    try:
        v4 = Path("/proc/net/route").read_text().splitlines()[1:]
    except OSError:
        return ""
    try:
        v6 = Path("/proc/net/ipv6_route").read_text().splitlines()
    except OSError:
        v6 = []
    default4 = any(len(f) > 3 and f[1] == "00000000" and int(f[3], 16) & 1
                   for f in (line.split() for line in v4))
    default6 = any(len(f) > 9 and f[0] == "0" * 32 and f[1] == "00" and f[9] != "lo"
                   for f in (line.split() for line in v6))
    return "" if default4 or default6 else "no default network route (/proc/net/route)"


def _hf_hub_cache(environ) -> Path:
    if environ.get("HF_HUB_CACHE"):
        return Path(environ["HF_HUB_CACHE"]).expanduser()
    home = environ.get("HF_HOME") or os.path.join(environ.get("XDG_CACHE_HOME") or
                                                  os.path.expanduser("~/.cache"), "huggingface")
    return Path(home).expanduser() / "hub"


def _network_needs(call: Call, checkout: Checkout, base_dir: Path, environ, files) -> list:
    """What a stage downloads when it starts, given what is already on disk."""
    path = checkout.module_path(call.target) if call.kind == "module" else None
    spec = files.spec(path) if path else None
    values = spec.parse(call.args).values if spec and not isinstance(spec, str) else {}
    needs = []
    target = call.target
    if target == "nanochat.dataset":
        count = values.get("num_files")
        data_dir = checkout.data_dir_candidates(base_dir)[0]
        if not isinstance(count, int) or count < 0 or not all(
                (data_dir / f"shard_{i:05d}.parquet").is_file() for i in range(count)):
            needs.append(f"downloads dataset shards into {data_dir}")
    bundle_missing = not (base_dir / "eval_bundle").is_dir()
    if target == "scripts.base_train":
        every = values.get("core_metric_every", 2000)
        if bundle_missing and (not isinstance(every, int) or every > 0):
            needs.append(f"downloads eval_bundle.zip at the first CORE eval (no "
                         f"{base_dir / 'eval_bundle'}; or pass --core-metric-every=-1)")
        attention = checkout.root / "nanochat" / "flash_attention.py"
        cache = _hf_hub_cache(environ)
        if attention.is_file() and "get_kernel" in attention.read_text(errors="replace") and \
                not any((cache / ("models--" + r.replace("/", "--"))).is_dir() for r in FA3_REPOS):
            needs.append(f"fetches the FA3 kernel from the Hugging Face Hub (not in {cache}); "
                         "offline it silently falls back to slow SDPA: use --window-pattern=L")
        run = values.get("run", "dummy")
        if isinstance(run, str) and UNKNOWN not in run and run != "dummy" and \
                environ.get("WANDB_MODE") != "offline":
            needs.append(f"logs to wandb (--run={_show(run)}); set WANDB_MODE=offline or "
                         "--run=dummy")
    if target == "scripts.base_eval" and bundle_missing and \
            "core" in str(values.get("eval", "core")):
        needs.append("downloads eval_bundle.zip for the CORE metric")
    if target in ("scripts.chat_sft", "scripts.mid_train", "scripts.chat_eval", "scripts.chat_rl"):
        task_data = base_dir / "task_data"
        if checkout.era is not HEAD or not task_data.is_dir():
            needs.append("downloads task datasets (SmolTalk, MMLU, GSM8K, ...) from the Hugging "
                         "Face Hub unless they are cached")
    return needs


def _tool_needs_network(argv: list) -> str:
    name = os.path.basename(argv[0]) if argv else ""
    sub = argv[1] if len(argv) > 1 else ""
    if name in ("curl", "wget"):
        url = next((a for a in argv[1:] if "://" in a), "")
        return f"downloads {_show(url) or 'a file'}"
    if name == "git" and sub in ("clone", "pull", "fetch"):
        return f"git {sub}"
    if (name in ("pip", "pip3") and sub == "install") or (name == "uv" and sub in ("sync", "pip")):
        return f"{name} {sub} installs packages"
    if name in ("rustup", "huggingface-cli", "hf") or (name == "apt-get" and sub in
                                                       ("update", "install")):
        return f"{name} {sub}".strip()
    return ""

# ----------------------------------------------------------------------------------------------
# The walk over a script.

@dataclass
class _Stage:
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
    commands: list
    stages: list = field(default_factory=list)       # [_Stage]
    reads: list = field(default_factory=list)        # [(Command, argv, errexit)]
    links: list = field(default_factory=list)        # [(Command, argv, errexit, removed, made)]
    downloads: list = field(default_factory=list)    # [(line, what)]
    defaults_used: set = field(default_factory=set)  # variables read with ${VAR:-x} / ${VAR:=x}
    shebang_e: bool = False


def _protected(command: Command, pipefail: bool) -> bool:
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


def _path_of(text: str, root: Path) -> Path:
    """A path as the script means it: the shell already expanded ~; relative to the checkout."""
    path = Path(text)
    return path if path.is_absolute() else root / path


def _collect_defaults(word: Word, into: set):
    for part in word.parts:
        if part.kind == "var" and part.op in (":-", "-", ":=", "="):
            into.add(part.text)
        if part.arg:
            _collect_defaults(Word(part.arg, word.line), into)


def read_script(path: Path, checkout: Checkout, environ=None) -> ScriptFacts:
    """Read the script top to bottom and gather its stages, prompts, links and downloads."""
    text = Path(path).read_text(encoding="utf-8", errors="replace")
    commands = read_commands(text)
    facts = ScriptFacts(commands)
    first = text.splitlines()[0] if text else ""
    facts.shebang_e = first.startswith("#!") and bool(re.search(r"\s-[a-z]*e", first))
    shell = _Shell(dict(os.environ if environ is None else environ))
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
        if not argv:
            for name, value in prefix.items():
                shell.assign(name, None if UNKNOWN in value else value, command.line,
                             command.conditional)
            continue
        name = os.path.basename(argv[0])
        if name in ("export", "declare", "typeset", "local", "readonly"):
            export = name == "export" or any(a.startswith("-") and "x" in a for a in argv[1:])
            for word in command.words[1:]:
                assignment = _is_assignment(word)
                if assignment:
                    value = shell.join(assignment[1].parts)
                    shell.assign(assignment[0], None if UNKNOWN in value else value,
                                 command.line, command.conditional, export)
                elif word.literal and _NAME.fullmatch(word.literal) and export:
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
            names = [a for a in argv[1:] if _NAME.fullmatch(a)] or ["REPLY"]
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
                removed[_path_of(target, checkout.root)] = "recursive" if recursive else "file"
        elif name == "mkdir":
            for target in (a for a in argv[1:] if not a.startswith("-") and UNKNOWN not in a):
                made[_path_of(target, checkout.root)] = command.line
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
        facts.stages.append(_Stage(call, command, state["errexit"], state["pipefail"], base,
                                   base_line, default))
    return facts

# ----------------------------------------------------------------------------------------------
# Judging what was read.

def _is_ours(call: Call, checkout: Checkout) -> bool:
    if call.kind == "file":
        return True
    top = call.target.split(".")[0]
    return top in OWN_PACKAGES or (checkout.root / top).exists()


def _base_dir_problems(facts, name, base_dir: Path, checkout) -> list:
    problems, seen = [], set()
    wanted = Path(base_dir).expanduser().resolve()
    for stage in facts.stages:
        if not _is_ours(stage.call, checkout):
            continue
        value = stage.base_dir
        key = (stage.base_dir_line, value)
        if key in seen:
            continue
        seen.add(key)
        if value is None:
            problems.append(Problem("warning", stage.base_dir_line or stage.call.line,
                                    f"{name}:{stage.base_dir_line or stage.call.line}: "
                                    "NANOCHAT_BASE_DIR is only known at run time; the checklist "
                                    f"validated {wanted}", "base-dir"))
            continue
        actual = _path_of(value, checkout.root).resolve()
        if actual != wanted:
            line = stage.base_dir_line or stage.call.line
            how = f"starts {stage.call.target} without NANOCHAT_BASE_DIR, so nanochat uses " \
                f"{actual}" if stage.base_dir_default else f"sets NANOCHAT_BASE_DIR to {actual}"
            problems.append(Problem("error", line, f"{name}:{line}: the script {how}, but the "
                                    f"checklist validated {wanted}: the run would train on data "
                                    "nobody checked", "base-dir"))
    return problems


def _ln_parts(argv):
    """(options, [operands], target_dir) of an ln command line."""
    options, operands, target_dir, args = set(), [], None, iter(argv[1:])
    for arg in args:
        if arg == "-t" or arg.startswith("--target-directory"):
            target_dir = arg.split("=", 1)[1] if "=" in arg else next(args, None)
        elif arg.startswith("--"):
            options.add({"--symbolic": "s", "--force": "f", "--no-dereference": "n",
                         "--no-target-directory": "T"}.get(arg, arg))
        elif arg.startswith("-") and len(arg) > 1:
            options.update(arg[1:])
        else:
            operands.append(arg)
    return options, operands, target_dir


def _link_problems(facts, name, checkout, base_dir: Path, data_dir: Path) -> list:
    problems = []
    root = checkout.root
    run_base = Path(base_dir).expanduser().resolve()
    for command, argv, errexit, removed, made in facts.links:
        options, operands, target_dir = _ln_parts(argv)
        if "s" not in options or not operands or any(UNKNOWN in o for o in operands) or target_dir:
            continue
        if len(operands) > 2:
            continue  # several sources into a folder: not a data hookup
        source = operands[0]
        link = _path_of(operands[1] if len(operands) == 2 else Path(source).name, root)
        at = f"{name}:{command.line}"
        gone = removed.get(link)
        is_link = link.is_symlink() and gone is None
        real_dir = (link in made) or (link.is_dir() and not link.is_symlink() and
                                      gone != "recursive")
        inside = link / Path(source.rstrip("/")).name
        if real_dir and "T" not in options:
            problems.append(Problem("error", command.line, f"{at}: `ln -s {source} {link}`: {link} "
                                    "already exists as a real folder, so ln quietly creates "
                                    f"{inside} inside it and nanochat keeps reading the old "
                                    f"folder; move it away first (rm -r / mv) or point "
                                    "NANOCHAT_BASE_DIR elsewhere", "silent-symlink"))
            continue
        if is_link and link.is_dir() and "n" not in options:
            problems.append(Problem("error", command.line, f"{at}: `ln -s {source} {link}`: {link} "
                                    f"is a link to a folder, and without -n ln follows it and "
                                    f"creates {Path(os.path.realpath(link)) / inside.name} "
                                    "instead of replacing it; use ln -sfn", "silent-symlink"))
            continue
        if (is_link or (link.exists() and gone is None)) and "f" not in options:
            severity = "error" if errexit and not _protected(command, False) else "warning"
            effect = "and set -e aborts the script" if severity == "error" else \
                "and the script carries on with the old link"
            problems.append(Problem(severity, command.line, f"{at}: `ln -s {source} {link}`: "
                                    f"{link} already exists, so ln fails with 'File exists' "
                                    f"{effect}", "symlink-exists"))
        problems += _data_link_problems(command, at, checkout, source, link, run_base, data_dir)
    return problems


def _data_link_problems(command, at, checkout, source, link, run_base, data_dir) -> list:
    """A link that hooks data into a base dir: is it the data the checklist validated?"""
    if link.name not in checkout.era.data_dirs:
        return []
    problems = []
    base = link.parent.resolve()
    if base != run_base:
        problems.append(Problem("warning", command.line, f"{at}: links data into {base}, but the "
                                f"run's base dir is {run_base}: nanochat will not read it",
                                "base-dir"))
        return problems
    preferred = [base / n for n in checkout.era.data_dirs]
    earlier = [p for p in preferred[:preferred.index(base / link.name)] if p.is_dir()]
    if earlier:
        problems.append(Problem("error", command.line, f"{at}: nanochat reads {earlier[0]} when it "
                                f"exists, so this link to {link.name} is ignored", "data-link"))
    target = _path_of(source, link.parent).resolve()  # a relative link resolves from its folder
    if Path(data_dir).resolve() != target:
        problems.append(Problem("error", command.line, f"{at}: the script points {link} at "
                                f"{target}, but the checklist validated {Path(data_dir).resolve()}"
                                ": the run would train on data nobody checked", "data-link"))
    return problems


def _read_problems(facts, name, interactive: bool) -> list:
    problems = []
    for command, argv, errexit in facts.reads:
        options = " ".join(a for a in argv[1:] if a.startswith("-"))
        redirected = any(op in ("<", "<<", "<<<", "<&") for op, _ in command.redirects)
        if redirected or command.before in ("|", "|&") or command.condition or "-u" in options:
            continue  # reads a file or a pipe, not a person
        variables = [a for a in argv[1:] if _NAME.fullmatch(a)] or ["REPLY"]
        has_default = any(v in facts.defaults_used for v in variables)
        at = f"{name}:{command.line}"
        if errexit and not _protected(command, False):
            severity = "warning" if interactive else "error"
            problems.append(Problem(severity, command.line, f"{at}: `read` prompts under set -e: "
                                    "without a terminal (nohup, a scheduler, launch.py) it meets "
                                    "end-of-input, returns 1 and set -e aborts the script here; "
                                    "remove the prompt or write `read ... || true`",
                                    "read-prompt"))
        elif not interactive and not has_default and "-t" not in options:
            problems.append(Problem("warning", command.line, f"{at}: `read` waits for an answer "
                                    f"and, without a terminal, gets an empty one ({variables[0]} "
                                    "has no ${VAR:-default})", "read-prompt"))
    return problems


def _errexit_problems(facts, name, checkout) -> list:
    stages = [s for s in facts.stages if _is_ours(s.call, checkout) and s.command.after != "&"]
    problems = []
    unguarded = [s for s in stages if not s.errexit and not s.command.condition
                 and s.command.after not in ("&&", "||")]
    if unguarded and len(stages) > 1 and unguarded[0] is not stages[-1]:
        first = unguarded[0]
        later = [s for s in stages if s.call.line > first.call.line][:3]
        note = " (the -e on the #! line is ignored by `bash script.sh`)" if facts.shebang_e else ""
        problems.append(Problem("warning", first.call.line, f"{name}: no `set -e`{note}: if "
                                f"{first.call.target} (line {first.call.line}) fails, the later "
                                "stages still run on its missing outputs ("
                                + ", ".join(f"line {s.call.line} {s.call.target}" for s in later)
                                + ")", "no-errexit"))
    for stage in stages:
        if stage.errexit and stage.command.after in ("|", "|&") and not stage.pipefail:
            problems.append(Problem("warning", stage.call.line, f"{name}:{stage.call.line}: "
                                    f"{stage.call.target} is piped (e.g. into tee): its failure is "
                                    "invisible to set -e without `set -o pipefail`", "pipefail"))
    return problems


def _save_every_problems(stage, name, checkout, vocab_size, gpus, tokens_per_sec_per_gpu,
                         cache_dir) -> list:
    call = stage.call
    try:
        horizon = horizon_from_call(call, checkout, vocab_size, None, cache_dir=cache_dir)
    except HorizonError:
        return []
    every = horizon.flags.get("save_every", -1)
    if isinstance(every, str) or (isinstance(every, int) and every > 0):
        return []  # saves, or a value only known at run time
    ranks = call.gpus or gpus
    hours = run_hours(horizon, tokens_per_sec_per_gpu, ranks)
    if hours <= SAVE_EVERY_HOURS:
        return []
    speed = tokens_per_second(horizon, tokens_per_sec_per_gpu, ranks) / ranks
    basis = "as given" if tokens_per_sec_per_gpu else "H100 at 40% MFU"
    spec = read_parser(checkout.module_path("scripts.base_train")) \
        if checkout.module_path("scripts.base_train") else None
    has_flag = spec is None or spec.option("save_every") is not None
    fix = f"add {checkout.flag('save-every')}=N" if has_flag else \
        "this nanochat version has no --save-every at all"
    return [Problem("warning", call.line, f"{name}:{call.line}: base training runs ~{hours:.1f} h "
                    f"({horizon.tokens / 1e9:.2f}B tokens at ~{speed / 1e3:.0f}k tokens/s/GPU on "
                    f"{ranks} GPU(s), {basis}) and saves only at the end: a crash or Ctrl+C loses "
                    f"everything ({fix})", "no-save-every")]


def _lint_stages(stages, name, checkout, base_dir, *, vocab_size, gpus, environ, offline,
                 tokens_per_sec_per_gpu, cache_dir) -> list:
    files, problems = _Files(), []
    for stage in stages:
        call = stage.call
        problems += check_call(call, checkout, name, files)
        if call.kind == "module" and call.target == "scripts.base_train":
            problems += _save_every_problems(stage, name, checkout, vocab_size, gpus,
                                             tokens_per_sec_per_gpu, cache_dir)
        if offline and _is_ours(call, checkout):
            stage_base = _path_of(stage.base_dir, checkout.root) if stage.base_dir else base_dir
            for need in _network_needs(call, checkout, stage_base, environ, files):
                problems.append(Problem("warning", call.line, f"{name}:{call.line}: the machine "
                                        f"looks offline ({offline}), but {call.target} {need}",
                                        "offline"))
    return problems


def lint_script(path, checkout: Checkout, base_dir, *, data_dir=None, vocab_size=None, gpus=8,
                environ=None, interactive=False, offline=None, tokens_per_sec_per_gpu=None,
                cache_dir=None) -> list:
    """Every problem that would stop `path` (a bash launch script) or make it lose work.

    base_dir/data_dir: what the checklist validated (data_dir defaults to the era's data folder
    under base_dir). environ: the environment the script will start with (default os.environ).
    interactive: True when a person will sit at the terminal. offline: None = `looks_offline()`,
    or a reason string / '' to force it. tokens_per_sec_per_gpu: planned speed (default: an H100 at
    40% MFU for the model being trained).
    """
    path = Path(path)
    name = path.name
    environ = dict(os.environ if environ is None else environ)
    base_dir = Path(base_dir).expanduser()
    data_dir = Path(data_dir) if data_dir else checkout.data_dir(base_dir)
    offline = looks_offline(environ) if offline is None else offline
    problems = bash_syntax(path)
    try:
        facts = read_script(path, checkout, environ)
    except ShellReadError as e:
        return problems + [Problem("error", 0, f"{name}: cannot read the script: {e}",
                                   "unreadable")]
    except OSError as e:
        return [Problem("error", 0, f"{name}: cannot read the script: {e.strerror}", "unreadable")]
    problems += _lint_stages(facts.stages, name, checkout, base_dir,
                             vocab_size=vocab_size or checkout.era.default_vocab, gpus=gpus,
                             environ=environ, offline=offline,
                             tokens_per_sec_per_gpu=tokens_per_sec_per_gpu, cache_dir=cache_dir)
    problems += _base_dir_problems(facts, name, base_dir, checkout)
    problems += _link_problems(facts, name, checkout, base_dir, data_dir)
    problems += _read_problems(facts, name, interactive)
    problems += _errexit_problems(facts, name, checkout)
    if offline:
        problems += [Problem("warning", line, f"{name}:{line}: the machine looks offline "
                             f"({offline}), but this step {what}", "offline")
                     for line, what in facts.downloads]
    return sorted(problems, key=lambda p: (p.line, p.severity != "error"))


def lint_command(argv: list, checkout: Checkout, *, base_dir=None, vocab_size=None, gpus=8,
                 environ=None, offline="", tokens_per_sec_per_gpu=None, cache_dir=None) -> list:
    """Problems of one generated command (`torchrun ... -m scripts.base_train -- --depth=12`)."""
    call = parse_command(argv, 0)
    shown = " ".join(argv)
    if call is None:
        return [Problem("error", 0, f"`{shown}` starts no Python program this checklist can "
                        "check", "not-a-launch")]
    environ = dict(os.environ if environ is None else environ)
    stage = _Stage(call, Command(0), True, True, None, 0)
    base_dir = Path(base_dir).expanduser() if base_dir else Path("~/.cache/nanochat").expanduser()
    return _lint_stages([stage], "command", checkout, base_dir,
                        vocab_size=vocab_size or checkout.era.default_vocab, gpus=gpus,
                        environ=environ, offline=offline,
                        tokens_per_sec_per_gpu=tokens_per_sec_per_gpu, cache_dir=cache_dir)


def find_calls(path, checkout: Checkout, environ=None) -> list:
    """The Python programs a script starts, in order (Call objects with resolved arguments)."""
    return [stage.call for stage in read_script(Path(path), checkout, environ).stages]


def base_train_of(calls: list):
    """The first base-training call among `calls`, or None."""
    return next((c for c in calls if c.kind == "module" and c.target == "scripts.base_train"), None)

# ----------------------------------------------------------------------------------------------
# launch.py's candidates (a script file, or a generated command).

def launch_environ(settings) -> dict:
    """The environment launch.py starts a candidate with: ours plus the validated base dir."""
    return dict(os.environ, NANOCHAT_BASE_DIR=str(settings.base_dir))


def calls_of(candidate, checkout: Checkout, environ=None) -> list:
    """The Python programs a LaunchCandidate starts (its script's calls, or its one command)."""
    if candidate.path is not None:
        return find_calls(candidate.path, checkout, environ)
    call = parse_command(list(candidate.argv))
    return [call] if call else []


def lint_candidate(candidate, settings, vocab_size=None, environ=None) -> list:
    """lint_script / lint_command for a LaunchCandidate, as launch.py would start it."""
    environ = launch_environ(settings) if environ is None else environ
    common = dict(vocab_size=vocab_size, gpus=settings.gpus, environ=environ,
                  cache_dir=settings.cache_dir / "params")
    if candidate.path is not None:
        return lint_script(candidate.path, settings.checkout, settings.base_dir,
                           data_dir=settings.data_dir, **common)
    return lint_command(list(candidate.argv), settings.checkout, base_dir=settings.base_dir,
                        offline=looks_offline(environ), **common)
