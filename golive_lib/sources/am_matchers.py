"""Alertmanager's label matchers, parsed and evaluated as Alertmanager does.

Parsing follows Alertmanager's default ("fallback") mode since 0.27
(``matcher/compat``): the UTF-8 parser (``matcher/parse``: quoted or unquoted label
names and values, Go string escapes in quoted ones) is tried first; when it rejects the
text, the classic parser (``pkg/labels/parse.go``: a label name of ``[a-zA-Z_:]
[a-zA-Z0-9_:]*``, a value unquoted or in double quotes with only ``\\n``, ``\\"`` and
``\\\\`` unescaped) decides; when both accept but disagree, the classic result wins.

Regular expressions are Go's RE2 syntax, anchored as Alertmanager compiles them
(``^(?:<value>)$``), and run by the RE2 library itself (PyPI ``google-re2``): ``\\d``
and ``\\w`` are ASCII-only, ``[[:alpha:]]``, ``\\pL``, ``\\Q...\\E`` and ``\\z`` work,
and a pattern RE2 rejects (look-behind, back-references) is rejected here too. Go's
``regexp`` and C++ RE2 share one syntax; where they could differ (``\\C``, which Go
refuses) golive follows C++ RE2.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import re2

OPS = ("=~", "!~", "!=", "=")
# pkg/labels/parse.go
_CLASSIC_RE = re.compile(r"^\s*([a-zA-Z_:][a-zA-Z0-9_:]*)\s*(=~|=|!=|!~)\s*((?s:.*?))\s*$")
_RESERVED = set("{}!=~,\\\"'`")


class MatcherError(ValueError):
    """Text that is not a matcher, or a regex RE2 rejects."""


@lru_cache(maxsize=4096)
def compile_regex(value: str) -> Any:
    """The pattern as Alertmanager compiles it: ``^(?:value)$`` in RE2."""
    options = re2.Options()
    options.log_errors = False
    try:
        return re2.compile(f"^(?:{value})$", options)
    except re2.error as e:
        raise MatcherError(f"regex {value!r} is not valid RE2: {e}") from e


@dataclass(frozen=True)
class Matcher:
    name: str
    op: str  # =, !=, =~, !~
    value: str
    _regex: Any = field(default=None, repr=False, compare=False, hash=False)

    def __post_init__(self) -> None:
        if self.op not in OPS:
            raise MatcherError(f"unknown matcher operator {self.op!r}")
        if self.op in ("=~", "!~"):
            object.__setattr__(self, "_regex", compile_regex(self.value))

    def matches(self, labels: dict[str, str]) -> bool:
        """A missing label is the empty string, as in Alertmanager."""
        got = labels.get(self.name, "")
        if self.op == "=":
            return got == self.value
        if self.op == "!=":
            return got != self.value
        hit = self._regex.search(got) is not None
        return hit if self.op == "=~" else not hit

    def __str__(self) -> str:
        value = self.value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
        return f'{self.name}{self.op}"{value}"'


# --------------------------------------------------------------------------- Go strings


_SIMPLE_ESCAPES = {
    "a": "\a",
    "b": "\b",
    "f": "\f",
    "n": "\n",
    "r": "\r",
    "t": "\t",
    "v": "\v",
    "\\": "\\",
    '"': '"',
}


def go_unquote(text: str) -> str:
    """Go's ``strconv.Unquote`` of a double-quoted string (the UTF-8 parser's values)."""
    if len(text) < 2 or text[0] != '"' or text[-1] != '"':
        raise MatcherError(f"not a quoted string: {text}")
    body = text[1:-1]
    out = bytearray()
    i = 0
    while i < len(body):
        ch = body[i]
        if ch == '"' or ch == "\n":
            raise MatcherError(f"invalid character in quoted string: {text}")
        if ch != "\\":
            out += ch.encode("utf-8")
            i += 1
            continue
        if i + 1 >= len(body):
            raise MatcherError(f"unfinished escape: {text}")
        esc = body[i + 1]
        if esc in _SIMPLE_ESCAPES:
            out += _SIMPLE_ESCAPES[esc].encode()
            i += 2
        elif esc in "xuU":
            width = {"x": 2, "u": 4, "U": 8}[esc]
            digits = body[i + 2 : i + 2 + width]
            if len(digits) != width or any(c not in "0123456789abcdefABCDEF" for c in digits):
                raise MatcherError(f"invalid \\{esc} escape: {text}")
            n = int(digits, 16)
            if esc == "x":
                out.append(n)
            else:
                if n > 0x10FFFF or 0xD800 <= n <= 0xDFFF:
                    raise MatcherError(f"invalid code point in: {text}")
                out += chr(n).encode("utf-8")
            i += 2 + width
        elif esc in "01234567":
            digits = body[i + 1 : i + 4]
            if len(digits) != 3 or any(c not in "01234567" for c in digits) or int(digits, 8) > 255:
                raise MatcherError(f"invalid octal escape: {text}")
            out.append(int(digits, 8))
            i += 4
        else:
            raise MatcherError(f"invalid escape \\{esc}: {text}")
    try:
        return out.decode("utf-8")
    except UnicodeDecodeError as e:
        raise MatcherError(f"quoted string is not valid UTF-8: {text}") from e


# --------------------------------------------------------------------------- UTF-8 parser


def _tokens(text: str) -> list[tuple[str, str]]:
    """matcher/parse/lexer.go: (kind, text) with kinds { } , op quoted unquoted."""
    out: list[tuple[str, str]] = []
    i = 0
    while i < len(text):
        ch = text[i]
        if ch in "{},":
            out.append((ch, ch))
            i += 1
        elif ch in "=!":
            two = text[i : i + 2]
            if two in ("=~", "!=", "!~"):
                out.append(("op", two))
                i += 2
            elif ch == "=":
                out.append(("op", "="))
                i += 1
            else:
                raise MatcherError(f"{text}: expected =~ or != after !")
        elif ch == '"':
            j = i + 1
            escaped = False
            while j < len(text):
                if escaped:
                    escaped = False
                elif text[j] == "\\":
                    escaped = True
                elif text[j] == '"':
                    break
                j += 1
            if j >= len(text):
                raise MatcherError(f"{text}: missing end quote")
            out.append(("quoted", text[i : j + 1]))
            i = j + 1
        elif ch.isspace():
            i += 1
        elif ch not in _RESERVED:
            j = i
            while j < len(text) and not (text[j].isspace() or text[j] in _RESERVED):
                j += 1
            out.append(("unquoted", text[i:j]))
            i = j
        else:
            raise MatcherError(f"{text}: invalid input {ch!r}")
    return out


def _value(token: tuple[str, str]) -> str:
    return go_unquote(token[1]) if token[0] == "quoted" else token[1]


def parse_utf8(text: str) -> list[Matcher]:
    """matcher/parse.Matchers: ``{a="b", "c d"=~"e"}`` or the same without braces."""
    toks = _tokens(text)
    braced = bool(toks) and toks[0][0] == "{"
    if braced:
        if toks[-1][0] != "}":
            raise MatcherError(f"{text}: expected close brace")
        toks = toks[1:-1]
    elif any(k in "{}" for k, _ in toks):
        raise MatcherError(f"{text}: unexpected brace")
    out: list[Matcher] = []
    i = 0
    while i < len(toks):
        if len(toks) - i < 3:
            raise MatcherError(f"{text}: incomplete matcher")
        name, op, value = toks[i], toks[i + 1], toks[i + 2]
        if name[0] not in ("quoted", "unquoted") or op[0] != "op":
            raise MatcherError(f"{text}: expected a label name and an operator")
        if value[0] not in ("quoted", "unquoted"):
            raise MatcherError(f"{text}: expected a label value")
        out.append(Matcher(_value(name), op[1], _value(value)))
        i += 3
        if i < len(toks):
            if toks[i][0] != ",":
                raise MatcherError(f"{text}: expected a comma")
            i += 1
    return out


# --------------------------------------------------------------------------- classic parser


def _classic_one(text: str) -> Matcher:
    m = _CLASSIC_RE.match(text)
    if not m:
        raise MatcherError(f"bad matcher format: {text}")
    raw = m.group(3)
    quoted = raw.startswith('"')
    if quoted:
        raw = raw[1:]
    value: list[str] = []
    escaped = False
    for i, ch in enumerate(raw):
        if escaped:
            escaped = False
            if ch == "n":
                value.append("\n")
            elif ch in '"\\':
                value.append(ch)
            else:
                value.append("\\" + ch)
            continue
        if ch == "\\":
            if i < len(raw) - 1:
                escaped = True
                continue
            value.append("\\")
        elif ch == '"':
            if not quoted or i < len(raw) - 1:
                raise MatcherError(f"matcher value contains unescaped double quote: {text}")
            quoted = False
        else:
            value.append(ch)
    if quoted:
        raise MatcherError(f"matcher value contains unescaped double quote: {text}")
    return Matcher(m.group(1), m.group(2), "".join(value))


def parse_classic(text: str) -> list[Matcher]:
    """pkg/labels.ParseMatchers: split on commas outside quotes, then each matcher."""
    body = text.strip()
    body = body.removeprefix("{").removesuffix("}")
    tokens: list[str] = []
    buf: list[str] = []
    quoted = escaped = False
    for ch in body:
        if ch == "," and not quoted:
            tokens.append("".join(buf))
            buf = []
            continue
        if ch == '"':
            if not escaped:
                quoted = not quoted
            else:
                escaped = False
        elif ch == "\\":
            escaped = not escaped
        else:
            escaped = False
        buf.append(ch)
    if "".join(buf).strip():
        tokens.append("".join(buf).strip())
    return [_classic_one(t) for t in tokens]


def parse_matchers(text: str) -> list[Matcher]:
    """One ``matchers:`` list item, as Alertmanager's default fallback parser reads it."""
    try:
        new = parse_utf8(text)
    except MatcherError:
        return parse_classic(text)
    try:
        classic = parse_classic(text)
    except MatcherError:
        return new
    return classic if classic != new else new


def parse_matcher(text: str) -> Matcher:
    """Exactly one matcher."""
    found = parse_matchers(text)
    if len(found) != 1:
        raise MatcherError(f"expected one matcher, found {len(found)}: {text!r}")
    return found[0]
