"""GNU Makefiles, read as far as CI evidence needs: rules, recipes, includes, variables.

``read_makefile`` parses a Makefile (and the files it ``include``s, in order) into its
rules; ``Makefile.commands(target)`` lists the recipe lines ``make target`` runs, its
prerequisites' first (depth first, each target once), each with its file and line.
``target=None`` is the default goal: ``.DEFAULT_GOAL`` or the first rule's first target
that does not start with a dot. Variables set with ``=``, ``:=``, ``?=`` (and ``+=``)
are expanded in recipes; ``$(MAKE)`` is ``make``. Conditionals (``ifeq``...) are read
as if every branch were taken; functions (``$(shell ...)``) are left as written.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from .files import read_text

MAX_INCLUDE_DEPTH = 5
_RULE_RE = re.compile(r"^(?P<targets>[^\s:=#][^:=#]*?)\s*(?P<colons>::?)(?!=)\s*(?P<rest>.*)$")
_ASSIGN_RE = re.compile(
    r"^(?:export\s+|override\s+)?(?P<name>\.?[A-Za-z_][\w.-]*)\s*(?P<op>:::=|::=|:=|\?=|\+=|!=|=)\s*(?P<value>.*)$"
)
_INCLUDE_RE = re.compile(r"^(?:-include|sinclude|include)\s+(?P<files>.+)$")
_VAR_RE = re.compile(r"\$[({]([A-Za-z_][\w.-]*)[)}]")
_CONDITIONAL_RE = re.compile(r"^(?:ifeq|ifneq|ifdef|ifndef|else|endif)\b")


@dataclass(frozen=True)
class RecipeLine:
    command: str
    path: Path
    line: int


@dataclass
class Rule:
    target: str
    path: Path
    line: int
    prerequisites: list[str] = field(default_factory=list)
    recipe: list[RecipeLine] = field(default_factory=list)


@dataclass
class Makefile:
    path: Path
    rules: dict[str, Rule] = field(default_factory=dict)
    patterns: list[Rule] = field(default_factory=list)  # `validate-%: build`
    variables: dict[str, str] = field(default_factory=dict)
    default_goal: str | None = None
    not_read: list[str] = field(default_factory=list)  # includes that could not be read

    def expand(self, text: str, depth: int = 0) -> str:
        """Substitute ``$(VAR)``/``${VAR}`` with known values (a few levels deep)."""
        if depth > 5 or "$" not in text:
            return text

        def sub(m: re.Match[str]) -> str:
            name = m.group(1)
            if name in ("MAKE", "MAKE_COMMAND"):
                return "make"
            return self.variables.get(name, m.group(0))

        out = _VAR_RE.sub(sub, text)
        return out if out == text else self.expand(out, depth + 1)

    def commands(self, target: str | None) -> list[tuple[str, RecipeLine]] | None:
        """(target, recipe line) that ``make target`` runs, or None when there is no such rule."""
        goal = target or self.default_goal
        if goal is None or (goal not in self.rules and self._pattern(goal)[0] is None):
            return None
        out: list[tuple[str, RecipeLine]] = []
        self._walk(goal, out, set(), 0)
        return out

    def _walk(
        self, target: str, out: list[tuple[str, RecipeLine]], seen: set[str], depth: int
    ) -> None:
        if target in seen or depth > 20:
            return
        seen.add(target)
        rule, stem = self.rules.get(target), ""
        if rule is None:
            rule, stem = self._pattern(target)
            if rule is None:
                return
        for prerequisite in rule.prerequisites:
            for name in self.expand(prerequisite.replace("%", stem)).split():
                self._walk(name, out, seen, depth + 1)
        for recipe in rule.recipe:
            text = recipe.command.replace("$*", stem).replace("$@", target)
            out.append((target, RecipeLine(self.expand(text), recipe.path, recipe.line)))

    def _pattern(self, target: str) -> tuple[Rule | None, str]:
        """The pattern rule whose target matches (``validate-%`` for ``validate-lint``)."""
        for rule in self.patterns:
            prefix, _, suffix = rule.target.partition("%")
            if target.startswith(prefix) and target.endswith(suffix) and rule.recipe:
                return rule, target[len(prefix) : len(target) - len(suffix)]
        return None, ""


def _logical_lines(text: str) -> list[tuple[int, str]]:
    """(1-based first line, text) with backslash continuations joined."""
    out: list[tuple[int, str]] = []
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        start, logical = i + 1, lines[i]
        while logical.endswith("\\") and i + 1 < len(lines):
            i += 1
            nxt = lines[i]
            logical = logical[:-1].rstrip() + " " + nxt.lstrip("\t ")
        out.append((start, logical))
        i += 1
    return out


def _strip_recipe(text: str) -> str:
    body = text.lstrip("\t ")
    while body[:1] in ("@", "-", "+"):
        body = body[1:].lstrip()
    return body


def _include(mk: Makefile, inc: re.Match[str], path: Path, depth: int, seen: set[Path]) -> None:
    """Read the files an ``include`` line names, in order, into ``mk``."""
    for name in mk.expand(inc.group("files")).split():
        if "$" in name:
            mk.not_read.append(f"include {name} (a variable golive cannot resolve)")
            continue
        for included in (
            sorted(path.parent.glob(name))
            if any(c in name for c in "*?[")
            else [path.parent / name]
        ):
            if included.resolve() in seen:
                continue
            if included.is_file():
                _read_into(mk, included, depth + 1, seen)
            elif not inc.group(0).startswith(("-", "s")):
                mk.not_read.append(f"include {name}: not found")


def _assign(mk: Makefile, assign: re.Match[str]) -> None:
    name, op, value = assign.group("name", "op", "value")
    if op == "?=":
        mk.variables.setdefault(name, value.strip())
    elif op == "+=":
        mk.variables[name] = (mk.variables.get(name, "") + " " + value.strip()).strip()
    elif op != "!=":
        mk.variables[name] = value.strip()


def _rule(mk: Makefile, rule_m: re.Match[str], path: Path, line: int) -> list[Rule]:
    """The rules a rule line opens (their recipe lines follow it), recorded in ``mk``."""
    named = mk.expand(rule_m.group("targets")).split()
    targets = [t for t in named if "%" not in t]
    rest = rule_m.group("rest")
    if re.match(r"^[A-Za-z_][\w.-]*\s*(?::?=|\?=|\+=)", rest):  # target-specific variable
        return []
    prereqs, _, inline = rest.partition(";")
    prerequisites = [p for p in prereqs.replace("|", " ").split()]
    current: list[Rule] = []
    for pattern in (t for t in named if "%" in t and t.count("%") == 1):
        rule = Rule(pattern, path, line, list(prerequisites))
        mk.patterns.append(rule)
        current.append(rule)
    for target in targets:
        if target == ".DEFAULT_GOAL":
            continue
        rule = mk.rules.setdefault(target, Rule(target, path, line))
        rule.prerequisites.extend(prerequisites)
        current.append(rule)
        if mk.default_goal is None and not target.startswith("."):
            mk.default_goal = target
    if inline.strip():
        for rule in current:
            rule.recipe.append(RecipeLine(_strip_recipe(inline), path, line))
    return current


def _read_into(mk: Makefile, path: Path, depth: int, seen: set[Path]) -> None:
    try:
        text = read_text(path, errors="replace")
    except OSError as e:
        mk.not_read.append(f"{path.name}: {e.strerror or e}")
        return
    seen.add(path.resolve())
    current: list[Rule] = []
    in_define = False
    for line, raw in _logical_lines(text):
        head = raw.strip()
        if in_define:
            in_define = head != "endef"
            continue
        if re.match(r"^(?:export\s+|override\s+)?define\b", head):
            in_define, current = True, []
            continue
        if raw.startswith("\t") and not current:
            raw = raw.lstrip("\t")  # indented text outside a rule (in an ifeq block)
        if raw.startswith("\t"):
            if current:
                command = _strip_recipe(raw)
                if command:
                    for rule in current:
                        rule.recipe.append(RecipeLine(command, path, line))
            continue
        stripped = raw.split("#", 1)[0].strip() if not raw.lstrip().startswith("#") else ""
        if not stripped:
            continue
        if _CONDITIONAL_RE.match(stripped) or (
            stripped.startswith(("export ", "unexport ")) and "=" not in stripped
        ):
            continue
        inc = _INCLUDE_RE.match(stripped)
        if inc:
            current = []
            if depth < MAX_INCLUDE_DEPTH:
                _include(mk, inc, path, depth, seen)
            continue
        assign = _ASSIGN_RE.match(stripped)
        if assign:
            _assign(mk, assign)
            current = []
            continue
        rule_m = _RULE_RE.match(stripped)
        current = [] if rule_m is None else _rule(mk, rule_m, path, line)
    goal = mk.variables.get(".DEFAULT_GOAL")
    if goal:
        mk.default_goal = mk.expand(goal).strip() or mk.default_goal


def read_makefile(path: Path) -> Makefile:
    """Parse a Makefile and its includes; unreadable includes are listed in ``not_read``."""
    mk = Makefile(path)
    _read_into(mk, path, 0, set())
    return mk
