"""Read a bash script into its simple commands, and expand their words as the script runs.

`read_commands` turns bash text into `Command`s in order: words made of `Part`s (literals, quoted
or not; `$VAR`/`${VAR<op>word}`; `$(...)`/backquotes; `$((...))`; `~user`), `NAME=value` prefixes,
redirections, and the operator before and after each command (`&&`, `||`, `;`, `&`, pipes,
newline). It follows line continuations, comments, quoting, `$'...'`, here-documents (skipped) and
if/while/until/for/case/function/`{ }`/subshell blocks, marking commands that may not run, or may
run often (`conditional`), and the tests of if/while (`condition`).
`Shell` expands words with the variables a script has set so far, top to bottom: defaults
(`${VAR:-x}`, `${VAR:=x}`, `${VAR:+x}`), `~`, integer `$((...))` and field splitting of unquoted
expansions; whatever is known only at run time (command substitution, `$@`, `${#VAR}`, patterns,
a variable set inside a branch or a loop) expands to `argparse_reader.UNKNOWN`.
Limits: a reader for launch scripts, not a shell. No globbing, brace expansion, aliases, arrays
(an array assignment is kept as literal text), `eval` or `source`; `cd` and functions are not
followed; an unterminated quote or substitution raises `ShellReadError`.
"""

import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from preflight.readers.argparse_reader import UNKNOWN

_OPERATORS = ("&&", "||", ";;&", ";;", ";&", "|&", "&>>", "&>", ">>", ">&", ">|", "<<<", "<<-",
              "<<", "<&", "<>", ">", "<", "|", "&", ";", "(", ")")
_REDIRECTS = {"&>>", "&>", ">>", ">&", ">|", "<<<", "<&", "<>", ">", "<"}
_RESERVED = {"if", "then", "elif", "else", "fi", "while", "until", "do", "done", "for", "select",
             "case", "esac", "{", "}", "!", "time", "function"}
VAR_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


class ShellReadError(ValueError):
    """The script cannot be read (an unterminated quote or substitution)."""


@dataclass
class Part:
    """One piece of a word: literal text or an expansion."""
    kind: str            # lit | var | cmd | arith | tilde
    text: str            # literal text, variable name, substitution source, or tilde user
    quoted: bool = False
    op: str = ""         # ${name<op>word}: ":-", "-", ":=", "=", ":+", "+", ":?", "?", "other"
    arg: list = None     # the parts of that word


@dataclass
class Word:
    """One shell word, as the parts it is made of."""
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
    """One simple command, with the block and operators around it."""
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
            m = VAR_NAME.match(s, i + 1) or re.compile(r"[0-9@*#?$!-]").match(s, i + 1)
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


def is_assignment(word: Word):
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
            assignment = is_assignment(value) if not cur.words else None
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


class Shell:
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
        for name in set(VAR_NAME.findall(expr)):
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
