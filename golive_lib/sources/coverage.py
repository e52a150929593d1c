"""Coverage reports: Cobertura XML, JaCoCo XML and LCOV tracefiles, read into one model.

Rates are ratios in 0..1. A report that measured no branches (coverage.py without
``--branch`` writes ``branch-rate="0"``; JaCoCo omits the BRANCH counter; LCOV has no
``BRDA``/``BRF``) has ``branch_rate`` None: "not measured", never 0 %.

- Cobertura (coverage.py, istanbul, gcovr, Cobertura 2.1): each class's ``<lines>``, every
  (file, line number) once (hits > 0 is covered; ``condition-coverage`` "(covered/total)"
  for branches); method-level ``<line>`` repeats are not counted again. The root's
  ``lines-valid``/``lines-covered``/``branches-valid``/``branches-covered`` are used only
  when there is no line element; else compared, and a disagreement named
  (``Coverage.contradictions``). Ignored: rates (recomputed from counts), complexity,
  ``<sources>``.
- JaCoCo (report.dtd 1.1, groups of a multi-module aggregate included): the sum of the
  ``<sourcefile>`` LINE and BRANCH counters (the report-level counters only when there is
  no source file element; else compared, and a disagreement named). Ignored: INSTRUCTION,
  COMPLEXITY, METHOD, CLASS counters, ``<line>`` details, session info.
- LCOV: see `parse_lcov`.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from ..errors import SourceError
from .xmlfile import read_xml

Format = Literal["cobertura", "jacoco", "lcov"]
FORMATS: tuple[Format, ...] = ("cobertura", "jacoco", "lcov")

_LCOV_LINE_RE = re.compile(r"^([A-Z]+):(.*)$")
_CONDITION_RE = re.compile(r"\((\d+)/(\d+)\)")


@dataclass(frozen=True)
class FileCoverage:
    name: str
    lines_covered: int
    lines_valid: int

    @property
    def line_rate(self) -> float | None:
        return self.lines_covered / self.lines_valid if self.lines_valid else None


@dataclass(frozen=True)
class Coverage:
    """One report's totals (and per-file line coverage, for the least covered files)."""

    source: str  # the file, as shown to the reviewer
    format: Format
    lines_covered: int
    lines_valid: int
    branches_covered: int
    branches_valid: int
    files: tuple[FileCoverage, ...] = ()
    #: Where the report's own totals disagree with its elements (the counts above are the
    #: elements'), e.g. "root lines-valid=120 but its <line> elements count 96".
    contradictions: tuple[str, ...] = ()

    @property
    def line_rate(self) -> float | None:
        return self.lines_covered / self.lines_valid if self.lines_valid else None

    @property
    def branch_rate(self) -> float | None:
        """None when no branches were measured."""
        return self.branches_covered / self.branches_valid if self.branches_valid else None


def combine(reports: list[Coverage]) -> Coverage | None:
    """The totals of several reports (e.g. one per module); None for none."""
    if not reports:
        return None
    if len(reports) == 1:
        return reports[0]
    return Coverage(
        source=", ".join(r.source for r in reports),
        format=reports[0].format,
        lines_covered=sum(r.lines_covered for r in reports),
        lines_valid=sum(r.lines_valid for r in reports),
        branches_covered=sum(r.branches_covered for r in reports),
        branches_valid=sum(r.branches_valid for r in reports),
        files=tuple(f for r in reports for f in r.files),
        contradictions=tuple(c for r in reports for c in r.contradictions),
    )


def detect(path: Path) -> Format:
    """The format from the file's start: an LCOV record, or the XML root element."""
    try:
        with path.open("rb") as f:
            head = f.read(4096).decode("utf-8", errors="replace")
    except OSError as e:
        raise SourceError(str(path), f"cannot read: {e.strerror or e}") from e
    stripped = head.lstrip()
    if re.match(r"^(TN|SF):", stripped):
        return "lcov"
    if "<report" in head or "JACOCO" in head:
        return "jacoco"
    if "<coverage" in head:
        return "cobertura"
    if path.suffix in (".info", ".lcov"):
        return "lcov"
    raise SourceError(
        str(path), "not a Cobertura, JaCoCo or LCOV report (set its format in the parameters)"
    )


def _int(el: ET.Element, attr: str, label: str) -> int | None:
    raw = el.get(attr)
    if raw is None:
        return None
    try:
        return int(float(raw))
    except ValueError as e:
        raise SourceError(label, f"<{el.tag}> {attr}={raw!r} is not a number") from e


def _disagree(
    what: str, said: tuple[int | None, int | None], counted: tuple[int, int]
) -> list[str]:
    """A named contradiction when a report's (covered, valid) totals differ from its elements'."""
    if said[0] is None or said[1] is None or (said[0], said[1]) == counted:
        return []
    return [
        f"{what}: {said[0]}/{said[1]} covered, but the elements count {counted[0]}/{counted[1]}"
    ]


def parse_cobertura(path: Path, label: str | None = None) -> Coverage:
    """Counts from the ``<line>`` elements of each class's ``<lines>``, each (file, line
    number) once (hit when any class hit it; for branches the widest condition-coverage);
    the root's totals only when the report has no line element, else compared and any
    disagreement named."""
    label = label or str(path)
    root = read_xml(path, label)
    if root.tag != "coverage":
        raise SourceError(label, f"not a Cobertura report (root element <{root.tag}>)")
    lines: dict[str, dict[str, int]] = {}  # file -> line number -> hits
    branches: dict[tuple[str, str], tuple[int, int]] = {}  # (file, line) -> (covered, total)
    for cls in root.iter("class"):
        name = cls.get("filename") or cls.get("name") or "?"
        seen = lines.setdefault(name, {})
        for line in cls.findall("lines/line"):
            number = line.get("number", str(len(seen)))
            hits = _int(line, "hits", label) or 0
            seen[number] = max(seen.get(number, 0), hits)
            if line.get("branch") == "true":
                m = _CONDITION_RE.search(line.get("condition-coverage", ""))
                if m:
                    got = (int(m.group(1)), int(m.group(2)))
                    branches[(name, number)] = max(
                        branches.get((name, number), got), got, key=lambda b: (b[1], b[0])
                    )
    files = tuple(
        FileCoverage(n, sum(h > 0 for h in hits.values()), len(hits))
        for n, hits in sorted(lines.items())
    )
    counted_lines = (sum(f.lines_covered for f in files), sum(f.lines_valid for f in files))
    counted_branches = (sum(c for c, _ in branches.values()), sum(t for _, t in branches.values()))
    said_lines = (_int(root, "lines-covered", label), _int(root, "lines-valid", label))
    said_branches = (_int(root, "branches-covered", label), _int(root, "branches-valid", label))
    contradictions: list[str] = []
    if counted_lines[1] == 0 and said_lines[0] is not None and said_lines[1] is not None:
        # a summary without line elements: its totals are all there is
        counted_lines = (said_lines[0], said_lines[1])
        if said_branches[0] is not None and said_branches[1] is not None:
            counted_branches = (said_branches[0], said_branches[1])
    else:
        contradictions += _disagree(
            "the root's lines-covered/lines-valid", said_lines, counted_lines
        )
        contradictions += _disagree(
            "the root's branches-covered/branches-valid", said_branches, counted_branches
        )
    return Coverage(
        label,
        "cobertura",
        counted_lines[0],
        counted_lines[1],
        counted_branches[0],
        counted_branches[1],
        files,
        tuple(contradictions),
    )


def _counter(el: ET.Element, kind: str, label: str) -> tuple[int, int] | None:
    """(covered, covered + missed) of ``el``'s own counter of ``kind``."""
    for c in el.findall("counter"):
        if c.get("type") == kind:
            covered, missed = _int(c, "covered", label), _int(c, "missed", label)
            if covered is None or missed is None:
                raise SourceError(label, f"<counter type={kind!r}> lacks covered/missed")
            return covered, covered + missed
    return None


def parse_jacoco(path: Path, label: str | None = None) -> Coverage:
    label = label or str(path)
    root = read_xml(path, label)
    if root.tag != "report":
        raise SourceError(label, f"not a JaCoCo report (root element <{root.tag}>)")
    files = []
    branch_sum = [0, 0]
    sourcefiles = 0
    for pkg in root.iter("package"):
        for sf in pkg.findall("sourcefile"):
            sourcefiles += 1
            got = _counter(sf, "LINE", label)
            if got:
                name = f"{pkg.get('name', '')}/{sf.get('name', '?')}".lstrip("/")
                files.append(FileCoverage(name, got[0], got[1]))
            b = _counter(sf, "BRANCH", label)
            if b:
                branch_sum[0] += b[0]
                branch_sum[1] += b[1]
    said_line = _counter(root, "LINE", label)
    said_branch = _counter(root, "BRANCH", label)
    if not sourcefiles:  # no source file element: the report's counters are all there is
        line = said_line or (0, 0)
        branch = said_branch or (0, 0)
        return Coverage(label, "jacoco", line[0], line[1], branch[0], branch[1], ())
    line = (sum(f.lines_covered for f in files), sum(f.lines_valid for f in files))
    branch = (branch_sum[0], branch_sum[1])
    contradictions = _disagree(
        "the report's LINE counter", said_line or (None, None), line
    ) + _disagree("the report's BRANCH counter", said_branch or (None, None), branch)
    return Coverage(
        label, "jacoco", line[0], line[1], branch[0], branch[1], tuple(files), tuple(contradictions)
    )


@dataclass
class _LcovFile:
    """One source file's records, merged across the tracefile's tests (TN sections)."""

    lines: dict[int, int]  # DA: line -> hits, summed over records
    branches: dict[tuple[str, str, str], int]  # BRDA (line, block, branch) -> taken
    lf: int | None = None  # LF/LH/BRF/BRH: used only when a record has no DA/BRDA lines
    lh: int | None = None
    brf: int | None = None
    brh: int | None = None


def _record_disagrees(name: str, record: _LcovFile) -> list[str]:
    """One record's LF/LH (BRF/BRH) against its own DA (BRDA) lines."""
    said = []
    if record.lines:
        counted = (sum(h > 0 for h in record.lines.values()), len(record.lines))
        said += _disagree(f"{name}: LH/LF", (record.lh, record.lf), counted)
    if record.branches:
        counted = (sum(t > 0 for t in record.branches.values()), len(record.branches))
        said += _disagree(f"{name}: BRH/BRF", (record.brh, record.brf), counted)
    return said


def _lcov_number(value: str, n: int, key: str, label: str) -> int:
    try:
        return int(value)
    except ValueError:
        try:
            return int(float(value))  # some producers write hit counts as floats
        except ValueError as e:
            raise SourceError(label, f"line {n}: {key} {value!r} is not a number") from e


def _lcov_record(current: _LcovFile, key: str, value: str, n: int, label: str) -> None:
    """One line of a record (other than SF) into the record being read."""

    def number(v: str) -> int:
        return _lcov_number(v, n, key, label)

    if key == "LF":
        current.lf = number(value)
    elif key == "LH":
        current.lh = number(value)
    elif key == "BRF":
        current.brf = number(value)
    elif key == "BRH":
        current.brh = number(value)
    elif key == "DA":
        parts = value.split(",")
        if len(parts) < 2:
            raise SourceError(label, f"line {n}: DA needs line,hits: {value!r}")
        ln = number(parts[0])
        current.lines[ln] = current.lines.get(ln, 0) + max(number(parts[1]), 0)
    elif key == "BRDA":
        parts = value.split(",")
        if len(parts) < 4:
            raise SourceError(label, f"line {n}: BRDA needs 4 fields: {value!r}")
        branch = (parts[0], parts[1], ",".join(parts[2:-1]))
        taken = 0 if parts[-1] == "-" else max(number(parts[-1]), 0)
        current.branches[branch] = current.branches.get(branch, 0) + taken


def _lcov_merge(merged: dict[str, _LcovFile], name: str, current: _LcovFile) -> list[str]:
    """A finished record merged into its source file's; what its summary lines contradict."""
    into = merged.setdefault(name, _LcovFile({}, {}))
    for ln, hits in current.lines.items():
        into.lines[ln] = into.lines.get(ln, 0) + hits
    for where, taken in current.branches.items():
        into.branches[where] = into.branches.get(where, 0) + taken
    if not current.lines:
        into.lf = max(into.lf or 0, current.lf or 0)
        into.lh = max(into.lh or 0, current.lh or 0)
    if not current.branches:
        into.brf = max(into.brf or 0, current.brf or 0)
        into.brh = max(into.brh or 0, current.brh or 0)
    return _record_disagrees(name, current)


def _lcov_totals(label: str, merged: dict[str, _LcovFile], contradictions: list[str]) -> Coverage:
    files: list[FileCoverage] = []
    bc = bv = 0
    for fname, f in merged.items():
        if f.lines:
            files.append(FileCoverage(fname, sum(h > 0 for h in f.lines.values()), len(f.lines)))
        else:
            files.append(FileCoverage(fname, f.lh or 0, f.lf or 0))
        if f.branches:
            bv += len(f.branches)
            bc += sum(t > 0 for t in f.branches.values())
        else:
            bv += f.brf or 0
            bc += f.brh or 0
    return Coverage(
        label,
        "lcov",
        sum(f.lines_covered for f in files),
        sum(f.lines_valid for f in files),
        bc,
        bv,
        tuple(files),
        tuple(contradictions),
    )


def parse_lcov(path: Path, label: str | None = None) -> Coverage:
    """An LCOV tracefile as geninfo(1) defines it.

    Records (``SF:`` ... ``end_of_record``) of the same source file, one per test name
    (``TN:``) in a multi-test or merged tracefile, are merged as ``lcov --summary``
    merges them: a line is found once and hit when any record hit it; a branch likewise.
    Totals come from ``DA``/``BRDA`` lines; ``LF``/``LH``/``BRF``/``BRH`` are used only for
    a record that lists no ``DA``/``BRDA`` line, else compared with them, and a record
    whose summary lines disagree is named (``Coverage.contradictions``). ``BRDA``'s taken
    count ``-`` means the block was never executed: not taken. Ignored: ``TN``, ``VER``,
    function records (``FN``/``FNDA``/``FNF``/``FNH``/``FNL``/``FNA``), MC/DC records and
    line checksums.
    """
    label = label or str(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError as e:
        raise SourceError(label, "file not found") from e
    except (OSError, UnicodeDecodeError) as e:
        raise SourceError(label, f"cannot read: {e}") from e
    merged: dict[str, _LcovFile] = {}
    contradictions: list[str] = []
    name: str | None = None
    current = _LcovFile({}, {})
    for n, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line:
            continue
        if line == "end_of_record":
            if name is None:
                raise SourceError(label, f"line {n}: end_of_record without SF")
            contradictions += _lcov_merge(merged, name, current)
            name = None
            current = _LcovFile({}, {})
            continue
        m = _LCOV_LINE_RE.match(line)
        if not m:
            raise SourceError(label, f"line {n}: not an LCOV record: {line[:60]!r}")
        key, value = m.groups()
        if key == "SF":
            name = value
        else:
            _lcov_record(current, key, value, n, label)
    if name is not None:
        raise SourceError(label, f"record for {name} has no end_of_record")
    if not merged:
        raise SourceError(label, "no LCOV records (SF ... end_of_record)")
    return _lcov_totals(label, merged, contradictions)


_PARSERS = {"cobertura": parse_cobertura, "jacoco": parse_jacoco, "lcov": parse_lcov}


def parse(path: Path, fmt: str = "auto", label: str | None = None) -> Coverage:
    """Read one coverage report; raise SourceError naming the file (and line) when bad."""
    label = label or str(path)
    if not path.is_file():
        raise SourceError(label, "file not found")
    kind = detect(path) if fmt == "auto" else fmt
    if kind not in _PARSERS:
        raise SourceError(label, f"unknown coverage format {fmt!r} (one of {', '.join(FORMATS)})")
    return _PARSERS[kind](path, label)
