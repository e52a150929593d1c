"""One redactor for everything golive did not write itself, and the environment of children.

Whatever comes from a process golive runs (a drill, a log command, a scanner) or from a
remote answer passes through :class:`Redactor` before it can reach a notebook output, and
every executed notebook is scrubbed once more (:func:`scrub_notebook`) before anything
reads it: results.json, junit.xml and every page are built from the notebooks, so the
notebook is the boundary. The redactor replaces with ``***``:

- the value of every environment variable whose *name* looks secret
  (:data:`SECRET_NAME_GLOBS`, plus ``execution.secret_variables`` of the parameters);
- the value of every variable a ``*_env`` field of the parameters names;
- what detect-secrets' pattern plugins recognise (AWS keys, private keys, GitHub, GitLab,
  Slack, Stripe, ... tokens, JWTs, credentials in URLs).

Limits: a value shorter than :data:`MIN_LEN` characters is not replaced (it would hit
ordinary words); a secret that a child transforms (base64, split over lines) is not
recognised; detect-secrets' entropy and keyword plugins are not used (they would blank
digests and ordinary assignments), nor its public-IP one and the four that find IBM and
Cloudant keys by the keyword before them.

Children get :func:`child_env`: golive's environment without the secret-looking variables,
except those the parameters name (``*_env`` fields, ``execution.child_variables``);
``execution.child_environment: inherit`` passes everything.
"""

from __future__ import annotations

import fnmatch
import functools
import json
import os
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .params import Params

MARK = "***"
#: Name globs (case-insensitive) of variables whose values are secret.
SECRET_NAME_GLOBS: tuple[str, ...] = (
    "*KEY*",
    "*SECRET*",
    "*TOKEN*",
    "*PASSWORD*",
    "*PASSWD*",
    "*CREDENTIAL*",
    "AWS_*",
    "SNOWFLAKE_*",
)
#: Matched by a glob above, yet never a secret: their values (a region, a role name) are
#: words a report uses, which blanking would garble.
NOT_SECRET_NAMES = frozenset(
    {
        "AWS_REGION",
        "AWS_DEFAULT_REGION",
        "AWS_PROFILE",
        "AWS_DEFAULT_OUTPUT",
        "AWS_PAGER",
        "SNOWFLAKE_ROLE",
        "SNOWFLAKE_WAREHOUSE",
        "SNOWFLAKE_DATABASE",
        "SNOWFLAKE_SCHEMA",
    }
)
#: Values shorter than this are not replaced.
MIN_LEN = 4


def looks_secret(name: str, extra_globs: Iterable[str] = ()) -> bool:
    """Whether an environment variable's name says its value is a secret."""
    upper = name.upper()
    if upper in NOT_SECRET_NAMES:
        return False
    return any(fnmatch.fnmatchcase(upper, g.upper()) for g in (*SECRET_NAME_GLOBS, *extra_globs))


@functools.cache
def _plugins() -> tuple[Any, ...]:
    """detect-secrets' regex plugins that recognise a secret by its own form."""
    from detect_secrets.core.plugins.util import get_mapping_from_secret_type_to_class
    from detect_secrets.plugins.base import RegexBasedDetector

    classes: list[Any] = list(get_mapping_from_secret_type_to_class().values())
    return tuple(
        c()
        for c in classes
        if issubclass(c, RegexBasedDetector) and c.__name__ not in _NOT_USED_PLUGINS
    )


#: An address is no secret; the others find a value by the keyword before it
#: (``softlayer_api_key = ...``), like the keyword plugin left out, and cost most of the
#: scan: a variable holding such a key is blanked by its name.
_NOT_USED_PLUGINS = frozenset(
    {
        "IPPublicDetector",
        "CloudantDetector",
        "IbmCloudIamDetector",
        "IbmCosHmacDetector",
        "SoftlayerDetector",
    }
)


# A PEM private key: detect-secrets' plugin knows its first line; its body goes too (to
# the END line, or to the end of the text when that was cut off).
_PEM_BEGIN = re.compile(r"-----BEGIN[A-Z0-9 ]* PRIVATE KEY(?: BLOCK)?-----")
_PEM_END = re.compile(r"-----END[A-Z0-9 ]* PRIVATE KEY(?: BLOCK)?-----")
_PEM = re.compile(_PEM_BEGIN.pattern + r"[\s\S]*?(?:" + _PEM_END.pattern + r"|\Z)")


def _forms(value: str) -> set[str]:
    """The ways a child may print a secret value: as it is, stripped, escaped as a JSON or
    Python string (a printed environment), and each string inside it when it is JSON (a
    credentials file held in a variable)."""
    forms = {value, value.strip(), json.dumps(value)[1:-1], repr(value)[1:-1]}
    if value.lstrip().startswith(("{", "[")):
        try:
            doc = json.loads(value)
        except ValueError:
            doc = None
        stack = [doc]
        while stack:
            item = stack.pop()
            if isinstance(item, str):
                forms |= _forms(item)
            elif isinstance(item, dict):
                stack.extend(item.values())
            elif isinstance(item, list):
                stack.extend(item)
    return forms


@dataclass(frozen=True)
class Redactor:
    """Replaces known secret values and secret-looking patterns in text with ``***``."""

    values: tuple[str, ...] = ()  # longest first, so a value inside another goes with it
    patterns: bool = True

    @classmethod
    def of(cls, values: Iterable[str], patterns: bool = True) -> Redactor:
        kept: set[str] = set()
        for value in values:
            kept |= _forms(value)
        kept = {v for v in kept if len(v) >= MIN_LEN}
        return cls(tuple(sorted(kept, key=len, reverse=True)), patterns)

    def __call__(self, text: str) -> str:
        for value in self.values:
            if value in text:
                text = text.replace(value, MARK)
        if self.patterns and "PRIVATE KEY" in text:
            text = _PEM.sub(MARK, text)
        if self.patterns and len(text) >= MIN_LEN:
            for plugin in _plugins():
                for found in set(plugin.analyze_string(text)):
                    if len(found) >= MIN_LEN:
                        text = text.replace(found, MARK)
        return text

    def lines(self) -> Callable[[str], str]:
        """A redactor of one line after another of the same output: the lines of a private
        key, which no pattern knows alone, are blanked from its BEGIN line to its END."""
        inside = [False]

        def one(line: str) -> str:
            if inside[0]:
                if _PEM_END.search(line):
                    inside[0] = False
                    return self(line[_PEM_END.search(line).end() :])  # type: ignore[union-attr]
                return MARK
            begin = _PEM_BEGIN.search(line)
            if begin and not _PEM_END.search(line, begin.end()):
                inside[0] = True
                return self(line[: begin.start()]) + MARK
            return self(line)

        return one

    def deep(self, data: Any) -> Any:
        """``data`` (JSON-like: dicts, lists, strings) with every string redacted.

        The patterns run once over all the strings joined (a notebook holds thousands of
        short ones: a chart's timestamps), each string kept apart by a separator no
        pattern crosses; only strings holding something found are rewritten."""
        strings: list[str] = []
        _strings(data, strings)
        joined = _SEP.join(strings)
        needles = [v for v in self.values if v in joined]
        pem = self.patterns and "PRIVATE KEY" in joined
        if self.patterns:
            found = {f for p in _plugins() for f in p.analyze_string(joined)}
            needles += sorted(
                (f for f in found if len(f) >= MIN_LEN and "\0" not in f), key=len, reverse=True
            )
        if not needles and not pem:
            return data

        def one(text: str) -> str:
            if pem and "PRIVATE KEY" in text:
                text = _PEM.sub(MARK, text)  # before its header is blanked alone
            for needle in needles:
                if needle in text:
                    text = text.replace(needle, MARK)
            return text

        return _deep(one, data)


def secret_values(
    environ: Mapping[str, str] | None = None,
    names: Iterable[str] = (),
    extra_globs: Iterable[str] = (),
) -> set[str]:
    """The values of the variables named in ``names`` and of every secret-looking one."""
    env = os.environ if environ is None else environ
    wanted = set(names)
    globs = tuple(extra_globs)
    return {v for k, v in env.items() if v and (k in wanted or looks_secret(k, globs))}


def named_variables(params: Params) -> set[str]:
    """The variables the parameters name: every ``*_env`` field (endpoint ones too)."""
    from .params import env_names

    return env_names(params)


def for_params(params: Params | None, environ: Mapping[str, str] | None = None) -> Redactor:
    """The redactor of one review: the environment's secrets plus what the file names."""
    if params is None:
        return Redactor.of(secret_values(environ))
    names = {n for n in named_variables(params) if not n.upper().endswith("URL_ENV")}
    return Redactor.of(secret_values(environ, names, params.execution.secret_variables))


def for_params_path(path: str | os.PathLike[str] | None) -> Redactor:
    """:func:`for_params` of a parameters file; the environment's alone if it does not load.
    Kept per file version and environment: a worker redacts every notebook of a run."""
    from .errors import GoliveError

    try:
        info = os.stat(path) if path else None
    except OSError:
        info = None
    key = (
        str(path),
        info.st_mtime_ns if info else 0,
        info.st_size if info else 0,
        hash(frozenset(os.environ.items())),
    )
    if key not in _by_path:
        params = None
        if path and info is not None:
            try:
                from .params import load_params

                params = load_params(Path(path))
            except (GoliveError, OSError, ValueError):
                params = None
        if len(_by_path) >= 16:  # a worker serves a few reviews at a time
            _by_path.clear()
        _by_path[key] = for_params(params)
    return _by_path[key]


_by_path: dict[tuple[str, int, int, int], Redactor] = {}


#: Always passed to children, whatever their name says.
_ALWAYS = frozenset({"PATH", "HOME", "USER", "LOGNAME", "LANG", "TZ", "TMPDIR", "SHELL"})


def child_env(
    params: Params | None,
    also: Iterable[str] = (),
    environ: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """The environment a child process of this review gets: golive's, less every
    secret-looking variable the parameters do not name (``*_env`` fields, ``also``,
    ``execution.child_variables``); all of it when ``execution.child_environment`` is
    ``inherit``."""
    env = dict(os.environ if environ is None else environ)
    if params is not None and params.execution.child_environment == "inherit":
        return env
    keep = set(also) | _ALWAYS
    globs: tuple[str, ...] = ()
    if params is not None:
        keep |= named_variables(params) | set(params.execution.child_variables)
        globs = tuple(params.execution.secret_variables)
    return {k: v for k, v in env.items() if k in keep or not looks_secret(k, globs)}


def scrub_notebook(path: Path, redact: Callable[[str], str]) -> bool:
    """Redact every output of an executed notebook in place (text, data, tracebacks) and
    its metadata; True when something was replaced. The file is rewritten only then."""
    try:
        raw = path.read_text(encoding="utf-8")
        nb = json.loads(raw)
    except (OSError, UnicodeDecodeError, ValueError):
        return False
    if not isinstance(nb, dict):
        return False

    def walk(d: Any) -> Any:
        return redact.deep(d) if isinstance(redact, Redactor) else _deep(redact, d)

    changed = False
    for cell in nb.get("cells") or []:
        if not isinstance(cell, dict) or not cell.get("outputs"):
            continue
        outputs = walk(cell["outputs"])
        if outputs != cell["outputs"]:
            cell["outputs"] = outputs
            changed = True
    meta = nb.get("metadata")
    if isinstance(meta, dict):
        new_meta = walk(meta)
        if new_meta != meta:
            nb["metadata"] = new_meta
            changed = True
    if changed:
        tmp = path.with_name(path.name + ".redacting")
        tmp.write_text(json.dumps(nb, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
        os.replace(tmp, path)
    return changed


_SEP = "\n\0\n"


def _strings(data: Any, into: list[str]) -> None:
    stack = [data]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            into.append(item)
        elif isinstance(item, list):
            stack.extend(item)
        elif isinstance(item, dict):
            stack.extend(item.values())


def _deep(redact: Callable[[str], str], data: Any) -> Any:
    if isinstance(data, str):
        return redact(data)
    if isinstance(data, list):
        return [_deep(redact, v) for v in data]
    if isinstance(data, dict):
        return {k: _deep(redact, v) for k, v in data.items()}
    return data


_CREDENTIAL_LIKE = re.compile(r"(?=.*[0-9])(?=.*[A-Za-z])\S{8,}")


def shown_value(value: Any, field: str = "") -> str:
    """How a message may show a value read from a parameters file: ``repr`` of a number,
    a boolean, null or a short plain string; a description only for a mapping or a list
    (never the input itself), for any value of a field that names a secret (``*_env``,
    ``*password*``, ...), and for a string that could be a credential: one a pattern or a
    secret of the environment matches, or a long run of letters and digits without a
    space (``p4ssw0rd-xyz``), which no field but a secret one expects."""
    if value is None or isinstance(value, bool | int | float):
        return repr(value)
    if isinstance(value, dict):
        return f"a mapping of {len(value)} keys"
    if isinstance(value, list | tuple):
        return f"a list of {len(value)} items"
    text = str(value)
    withheld = f"a value of {len(text)} characters (not shown: it could be a secret)"
    if field.lower().endswith("_env") or looks_secret(field):
        return withheld
    if len(text) > 60 or _default_redactor()(text) != text:
        return withheld
    plain_url = "://" in text and not re.search(r"[@?#]", text)
    if _CREDENTIAL_LIKE.fullmatch(text) and not plain_url:
        return withheld
    return repr(text)


def _default_redactor() -> Redactor:
    return Redactor.of(secret_values())


# The review this process works for (a kernel runs one section of one review): set by
# `notebook.Review.start`, read by every runner of child processes, so that the sections
# need not thread it through each call.
_current: list[Params] = []


def use(params: Params) -> None:
    """Make ``params`` the review whose environment rules this process's children follow."""
    _current[:] = [params]


def current() -> Params | None:
    return _current[0] if _current else None


def review_redactor(extra: Iterable[str] = ()) -> Redactor:
    """The redactor of the current review (the environment's alone without one), with the
    ``extra`` values too."""
    base = for_params(current())
    return Redactor.of((*base.values, *extra))


def review_env(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """:func:`child_env` of the current review, plus ``extra``."""
    return {**child_env(current()), **(extra or {})}
