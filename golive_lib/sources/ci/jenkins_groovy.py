"""The Groovy scanner under the Jenkinsfile parser (`jenkins.py`): a small brace- and
quote-aware scanner (comments, '…', "…", '''…''', \"\"\"…\"\"\", nested parentheses and
closures) that turns the file into a tree of statements, each with its line, its string
literals and an optional ``{ … }`` body.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from ._yaml import PipelineError

_WORD_RE = re.compile(r"^([A-Za-z_][\w.]*)")
_CLOSURE_PARAMS_RE = re.compile(r"^\s*[A-Za-z_][\w\s,]*->\s*")
_LABEL_RE = re.compile(r"(\w+)\s*:\s*$")
_CONTINUES = (",", "+", ".", "=", "&", "|", "?", "\\")


@dataclass
class Stmt:
    """One statement: its text (strings kept verbatim), line, string literals, body."""

    text: str
    line: int
    strings: list[tuple[str, int]] = field(default_factory=list)
    labels: list[str | None] = field(default_factory=list)  # named argument of each string
    body: list[Stmt] | None = None

    @property
    def word(self) -> str:
        m = _WORD_RE.match(self.text.strip())
        return m.group(1) if m else ""

    def first_string(self) -> str | None:
        return self.strings[0][0] if self.strings else None


class Scanner:
    def __init__(self, text: str, path: Path) -> None:
        self.s = text
        self.n = len(text)
        self.i = 0
        self.line = 1
        self.path = path

    def fail(self, message: str, line: int) -> PipelineError:
        return PipelineError(self.path, message, line)

    def string(self) -> tuple[str, str, int]:
        """Read a string literal at ``i``: (value, raw text, line it starts on)."""
        start, line = self.i, self.line
        quote = self.s[self.i]
        delim = quote * 3 if self.s.startswith(quote * 3, self.i) else quote
        self.i += len(delim)
        chars: list[str] = []
        while self.i < self.n:
            c = self.s[self.i]
            if c == "\\" and self.i + 1 < self.n:
                nxt = self.s[self.i + 1]
                self.line += nxt == "\n"
                chars.append(nxt if nxt in "'\"\\$" else c + nxt)
                self.i += 2
                continue
            if self.s.startswith(delim, self.i):
                self.i += len(delim)
                return "".join(chars), self.s[start : self.i], line
            if c == "\n":
                if len(delim) == 1:
                    raise self.fail(f"unterminated string starting with {quote}", line)
                self.line += 1
            chars.append(c)
            self.i += 1
        raise self.fail(f"unterminated string starting with {delim}", line)

    def skip_comment(self) -> bool:
        if self.s.startswith("//", self.i):
            end = self.s.find("\n", self.i)
            self.i = self.n if end < 0 else end
            return True
        if self.s.startswith("/*", self.i):
            end = self.s.find("*/", self.i + 2)
            if end < 0:
                raise self.fail("unterminated /* comment", self.line)
            self.line += self.s.count("\n", self.i, end)
            self.i = end + 2
            return True
        return False

    def next_char_after_newline(self) -> str:
        j = self.i + 1
        while j < self.n and self.s[j] in " \t\r\n":
            j += 1
        return self.s[j] if j < self.n else ""

    def block(self, opened_at: int | None) -> list[Stmt]:
        """Statements up to the ``}`` closing a block opened at line ``opened_at`` (or EOF)."""
        stmts: list[Stmt] = []
        cur = Stmt("", 0)
        depth = 0  # (), [] and closures inside them
        while self.i < self.n:
            c = self.s[self.i]
            if c in "/" and self.skip_comment():
                continue
            if c in "'\"":
                self.string_into(cur)
                continue
            self.i += 1
            if c == "\n":
                self.line += 1
                ends = cur.text.rstrip().endswith(_CONTINUES)
                if depth == 0 and not ends and self.next_char_after_newline() != ".":
                    cur = _flushed(stmts, cur)
                else:
                    cur.text += " "
            elif c in "([":
                depth += 1
                cur.text += c
            elif c in ")]":
                depth = max(0, depth - 1)
                cur.text += c
            elif c == "{" and depth > 0:
                depth += 1
                cur.text += c
            elif c == "}" and depth > 0:
                depth -= 1
                cur.text += c
            elif c == "{":
                line = self.line
                body = self.block(line)
                if not cur.text.strip() and stmts and stmts[-1].body is None:
                    stmts[-1].body = body  # brace on the line after its head
                else:
                    cur.line = cur.line or line
                    cur.body = body
                    cur = _flushed(stmts, cur)
            elif c == "}":
                if opened_at is None:
                    raise self.fail("unexpected '}' with no block open", self.line)
                _flushed(stmts, cur)
                return stmts
            elif c == ";" and depth == 0:
                cur = _flushed(stmts, cur)
            else:
                if not c.isspace():
                    cur.line = cur.line or self.line
                cur.text += c
        if opened_at is not None:
            raise self.fail(f"'{{' opened at line {opened_at} is never closed", opened_at)
        _flushed(stmts, cur)
        return stmts

    def string_into(self, cur: Stmt) -> None:
        """The string literal here into the statement, with the label it is the value of."""
        value, raw, line = self.string()
        cur.line = cur.line or line
        label = _LABEL_RE.search(cur.text)
        cur.labels.append(label.group(1) if label else None)
        cur.text += raw
        cur.strings.append((value, line))


def _flushed(stmts: list[Stmt], cur: Stmt) -> Stmt:
    """The statement read so far appended to ``stmts`` (unless empty); a new one to read."""
    text = " ".join(cur.text.split())
    if not stmts:  # a closure's parameters: `{ c -> ...`
        text = _CLOSURE_PARAMS_RE.sub("", text, count=1)
    if text:
        cur.text = text
        stmts.append(cur)
    return Stmt("", 0)


def scan(text: str, path: Path) -> list[Stmt]:
    """The statement tree of a Jenkinsfile; raise PipelineError on unbalanced text."""
    return Scanner(text, path).block(None)
