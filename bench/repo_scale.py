"""A review's cost as the repository grows: synthetic repositories of ~1k, 10k and 50k files.

Each repository is a git work tree made here (seeded, so every run builds the same one):
source files (Python, Go, JavaScript), tests, docs, CI files (GitHub Actions, GitLab CI),
Dockerfiles, lockfiles (npm, Poetry, Go sums: long hashes), vendored trees (vendor/,
node_modules/), binary files, and a few planted secrets (AWS key ids, keyword passwords,
a credentials URI) in source and test files.

On each it measures, in the same run:

- F: reading every file git lists once (after a first, untimed pass: the page cache is
  warm for the review too);
- E: the security section on an empty repository (a git work tree with no file), as the
  issue defines it; and E1 on a repository of one small tracked file, which also pays the
  secret engine's start (kingfisher loads its ~490 compiled rules: ~0.5-1 CPU-s whatever
  it scans), the fixed cost E leaves in the difference;
- every section's `evaluate()` in this process (the sections that need Prometheus,
  Alertmanager or a warehouse have none configured and say so fast), the listing of
  tracked files dropped before each (a review runs each section in its own kernel);
- the security section's first review twice more, its findings cache emptied before
  each (the fastest of the three is compared with F, which is timed warm too; the
  review's total keeps each section's one run);
- the security section again: a second review of the unchanged repository.

It prints security's time minus E against F (targets on 10k: first <= 5 x F, second
<= 1.5 x F), the whole review's time (target on 50k: < 60 s on 2 cores), the planted
secrets found, and how the ratios grow from the smallest to the largest repository.
kingfisher's compiled rules are built before timing (once per machine and version: a
few seconds; printed apart).

    .venv/bin/python bench/repo_scale.py [--sizes 1000,10000,50000] [--keep DIR]
"""

from __future__ import annotations

import argparse
import inspect
import os
import random
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable
from datetime import date
from importlib import import_module
from pathlib import Path
from typing import Any

import yaml

from golive_lib.params import Params, load_params
from golive_lib.report.summary import LIVE_SECTIONS
from golive_lib.sources import secret_engines, tracked
from golive_lib.sources import secrets as secretsrc

TODAY = date(2026, 12, 3)
ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
# The share of each kind of file in a repository (the rest: source files).
MIX = {"vendor": 0.25, "test": 0.12, "doc": 0.08, "binary": 0.04, "ci": 0.005}


def _token(rng: random.Random, n: int, alphabet: str = ALPHABET) -> str:
    return "".join(rng.choice(alphabet) for _ in range(n))


def _source(rng: random.Random, i: int, ext: str) -> str:
    lines = []
    for j in range(rng.randint(25, 70)):
        if ext == "py":
            lines.append(f"def handler_{i}_{j}(event, ctx):  # route {j}\n    return event['k{j}']")
        elif ext == "go":
            lines.append(f"func Handler{i}x{j}(w http.ResponseWriter, r *http.Request) {{ }}")
        else:
            lines.append(f"export function handler{i}x{j}(req, res) {{ return res.json({j}); }}")
    return "\n".join(lines) + "\n"


def _lockfile(rng: random.Random, n: int) -> str:
    deps = {
        f"node_modules/pkg-{k}": {
            "version": f"1.{k % 9}.{k % 7}",
            "resolved": f"https://registry.npmjs.org/pkg-{k}/-/pkg-{k}-1.0.0.tgz",
            "integrity": "sha512-" + _token(rng, 86) + "==",
        }
        for k in range(n)
    }
    import json

    return json.dumps({"name": "web", "lockfileVersion": 3, "packages": deps}, indent=2)


CI = """name: ci
on: [push]
jobs:
  build:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@b4ffde65f46336ab88eb53be808477a3936a8d06
      - run: docker build -t app@sha256:{digest} .
      - run: make test
        env:
          TOKEN: ${{{{ secrets.DEPLOY_TOKEN }}}}
"""


def build(root: Path, files: int, seed: int = 26) -> dict[str, int]:
    """A synthetic repository of ``files`` files; returns the planted secrets by kind."""
    rng = random.Random(seed)
    root.mkdir(parents=True)
    counts = {k: int(files * share) for k, share in MIX.items()}
    counts["source"] = files - sum(counts.values()) - 6
    planted = {"main": 0, "test": 0}
    for i in range(counts["source"]):
        ext = ("py", "go", "js")[i % 3]
        path = root / f"src/mod{i % 97}/pkg{i % 13}/file{i}.{ext}"
        path.parent.mkdir(parents=True, exist_ok=True)
        text = _source(rng, i, ext)
        if i % max(1, counts["source"] // 8) == 7:  # ~8 planted secrets in the service's code
            kind = planted["main"] % 3
            if kind == 0:
                key = "AKIA" + _token(rng, 16, "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")
                text += f'AWS_ACCESS_KEY_ID = "{key}"\n'
            elif kind == 1:
                text += f'db_password = "{_token(rng, 20)}"\n'
            else:
                text += f'DATABASE_URL = "postgres://app:{_token(rng, 18)}@db.prod.internal/app"\n'
            planted["main"] += 1
        path.write_text(text)
    for i in range(counts["test"]):
        path = root / f"tests/unit/t{i % 31}/test_file{i}.py"
        path.parent.mkdir(parents=True, exist_ok=True)
        text = _source(rng, i, "py")
        if i == 3:
            text += f'password = "{_token(rng, 16)}"\n'
            planted["test"] += 1
        path.write_text(text)
    for i in range(counts["doc"]):
        path = root / f"docs/section{i % 11}/page{i}.md"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"# Page {i}\n\n" + "Some prose about the service. " * rng.randint(20, 80))
    for i in range(counts["vendor"]):
        top = "vendor/github.com/acme" if i % 2 else "web/node_modules"
        path = root / f"{top}/lib{i % 53}/f{i}.{'go' if i % 2 else 'js'}"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(_source(rng, i, "go" if i % 2 else "js"))
    for i in range(counts["binary"]):
        path = root / f"assets/img{i % 7}/i{i}.png"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"\x89PNG\r\n\x1a\n" + rng.randbytes(4096))
    for i in range(max(1, counts["ci"])):
        path = root / f".github/workflows/ci{i}.yml"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(CI.format(digest=_token(rng, 64, "0123456789abcdef")))
    (root / "web").mkdir(exist_ok=True)
    (root / "web" / "package-lock.json").write_text(_lockfile(rng, max(50, files // 20)))
    (root / "go.sum").write_text(
        "".join(
            f"github.com/acme/lib{k} v1.{k}.0 h1:{_token(rng, 43)}=\n" for k in range(files // 50)
        )
    )
    (root / "Dockerfile").write_text('FROM python:3.12-slim\nCOPY . /app\nCMD ["python"]\n')
    (root / ".gitlab-ci.yml").write_text("test:\n  script: [make test]\n")
    (root / "README.md").write_text("# svc\n\n## Release\n\nTagged releases deploy.\n")
    (root / "docs" / "architecture.md").parent.mkdir(exist_ok=True)
    (root / "docs" / "architecture.md").write_text("# Architecture\n\n```mermaid\ngraph TD\n```\n")
    _git(root)
    return planted


def _git(root: Path) -> None:
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "b",
        "GIT_AUTHOR_EMAIL": "b@x",
        "GIT_COMMITTER_NAME": "b",
        "GIT_COMMITTER_EMAIL": "b@x",
    }
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    subprocess.run(["git", "-C", str(root), "add", "-A"], check=True, env=env)
    subprocess.run(
        ["git", "-C", str(root), "commit", "-q", "--allow-empty", "-m", "synthetic"],
        check=True,
        env=env,
    )


def params_for(folder: Path, repo: Path) -> Params:
    doc: dict[str, Any] = {
        "schema_version": 1,
        "service": {"name": "bench"},
        "repository": str(repo),
    }
    path = folder / f"{repo.name}.yaml"
    path.write_text(yaml.safe_dump(doc), encoding="utf-8")
    return load_params(path)


def read_all(repo: Path) -> float:
    paths = tracked.listing(repo, fresh=True).files()
    start = time.perf_counter()
    for p in paths:
        p.read_bytes()
    return time.perf_counter() - start


def engine_alone(repo: Path) -> float:
    """K: kingfisher alone, as golive runs it, on the files a first review gives it (the
    same inputs and skips; golive's listing, reading and cache left out)."""
    binary = secret_engines.kingfisher_binary()
    if binary is None:
        return float("nan")
    keys, _, _, _ = secretsrc._files(
        repo, (), secretsrc.DEFAULT_VENDORED, secretsrc._Cache(repo, "bench-none"), []
    )
    names = list(keys)
    inputs = secret_engines.cover(names, names)
    jobs = secretsrc._jobs()
    start = time.perf_counter()
    secret_engines.run_kingfisher(
        binary,
        repo,
        names,
        {},
        jobs,
        inputs=inputs,
        skip=secretsrc.DEFAULT_VENDORED,
        max_bytes=secretsrc.MAX_BYTES,
    )
    return time.perf_counter() - start


def _evaluate(module: Any, params: Params) -> Any:
    if "today" in inspect.signature(module.evaluate).parameters:
        return module.evaluate(params, today=TODAY)
    return module.evaluate(params)


CPU: dict[str, float] = {}  # the last timed call's CPU seconds (this process + children)


def _cpu() -> float:
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    tracked.forget()
    start, cpu = time.perf_counter(), _cpu()
    out = fn()
    CPU["last"] = _cpu() - cpu
    return time.perf_counter() - start, out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sizes", default="1000,10000,50000")
    ap.add_argument("--keep", type=Path, help="build the repositories here and keep them")
    args = ap.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    work = args.keep or Path(tempfile.mkdtemp(prefix="golive-repo-scale-"))
    work.mkdir(parents=True, exist_ok=True)
    cache = Path(tempfile.mkdtemp(prefix="golive-repo-scale-cache-"))
    # the findings cache starts empty; kingfisher's compiled rules stay where they are
    os.environ.setdefault("GOLIVE_KINGFISHER_RULE_CACHE", str(secret_engines.rule_cache()))
    os.environ["XDG_CACHE_HOME"] = str(cache)
    modules = {name: import_module(mod) for name, mod in LIVE_SECTIONS.items()}
    load = os.getloadavg()
    print(f"host: {os.cpu_count()} cores, load {load[0]:.1f} {load[1]:.1f} {load[2]:.1f}")

    empty = work / "empty"
    if not empty.exists():
        empty.mkdir()
        _git(empty)
    start = time.perf_counter()
    secretsrc.scan(Path(__file__).parent)  # compiles kingfisher's rules once (if not yet)
    warm = time.perf_counter() - start
    print(f"engine warm-up (kingfisher's rule compilation when new): {warm:.1f} s")
    security = modules["security"]
    e_s, _ = timed(lambda: security.evaluate(params_for(work, empty), today=TODAY))
    one = work / "one-file"
    if not one.exists():
        one.mkdir()
        (one / "README.md").write_text("# one file\n")
        _git(one)
    e1_s, _ = timed(lambda: security.evaluate(params_for(work, one), today=TODAY))
    print(
        f"E (security on an empty repository): {e_s:.2f} s; E1 (one tracked file): {e1_s:.2f} s\n"
    )

    rows = []
    for n in sizes:
        repo = work / f"repo-{n}"
        if repo.exists() and args.keep is None:
            shutil.rmtree(repo)
        start = time.perf_counter()
        planted = build(repo, n) if not repo.exists() else {"main": -1, "test": -1}
        made = time.perf_counter() - start
        listed = len(tracked.listing(repo, fresh=True).paths)
        read_all(repo)  # warm the page cache
        before = _cpu()
        f_s = min(read_all(repo) for _ in range(3))
        f_cpu = (_cpu() - before) / 3
        params = params_for(work, repo)
        per: dict[str, float] = {}
        checks: dict[str, Any] = {}
        cpu: dict[str, float] = {}
        for name, module in modules.items():
            per[name], got = timed(lambda m=module, p=params: _evaluate(m, p))
            cpu[name] = CPU["last"]
            checks.update({c.id: c for c in got})
        total = sum(per.values())  # each section once, the security section cold
        # the first review again twice, its findings cache emptied before each: timed warm,
        # as F is (kingfisher alone, on a tree just built and read, runs ~0.3 s slower the
        # first time than the next; its walk also looks for .git and HEAD in every folder,
        # which F never asks for)
        firsts = [per["security"]]
        for _ in range(2):
            shutil.rmtree(cache / "golive" / "secrets-v2", ignore_errors=True)
            firsts.append(timed(lambda p=params: security.evaluate(p, today=TODAY))[0])
        per["security"] = min(firsts)
        second, got = timed(lambda p=params: security.evaluate(p, today=TODAY))
        cpu_second = CPU["last"]
        k_s = min(engine_alone(repo) for _ in range(3))
        secret = next(c for c in got if c.id == "security.secrets-in-repo")
        found = secret.data.get("findings", [])
        first_ratio = (per["security"] - e_s) / f_s
        second_ratio = (second - e_s) / f_s
        rows.append((n, f_s, per["security"], second, total, first_ratio, second_ratio))
        print(f"== {n} files ({listed} listed, built in {made:.0f} s): F = {f_s:.3f} s")
        for name, s in sorted(per.items(), key=lambda kv: -kv[1]):
            print(f"   {name:<18} {s:7.2f} s")
        print(f"   review (sum)       {total:7.2f} s   target on 50k: < 60 s")
        print(
            f"   security - E: first {per['security'] - e_s:.2f} s = {first_ratio:.1f} x F "
            f"(min of {', '.join(f'{x:.2f}' for x in firsts)} s) "
            f"(<= 5), second {second - e_s:.2f} s = {second_ratio:.2f} x F (<= 1.5)"
        )
        print(
            f"   K (kingfisher alone on the same files) {k_s:.2f} s = {k_s / f_s:.1f} x F; "
            f"golive's own part of the first review (security - E - K) "
            f"{(per['security'] - e_s - k_s) / f_s:.1f} x F"
        )
        print(
            f"   security - E1: first {(per['security'] - e1_s) / f_s:.1f} x F, "
            f"second {(second - e1_s) / f_s:.2f} x F"
        )
        print(
            f"   security CPU (with kingfisher's): first {cpu['security']:.2f} CPU-s, "
            f"second {cpu_second:.2f} CPU-s; F {f_cpu:.2f} CPU-s (a busy host stretches wall "
            "time, not CPU time)"
        )
        print(
            f"   secrets: {len(found)} findings "
            f"({sum(1 for f in found if f.get('test_or_example'))} in test paths); planted "
            f"{planted['main']} + {planted['test']} in tests; "
            f"status {secret.status.value}; skipped {secret.data.get('skipped')}\n"
        )
    if len(rows) > 1:
        a, b = rows[0], rows[-1]
        print(
            f"growth {a[0]} -> {b[0]} files (x{b[0] / a[0]:.0f}): F x{b[1] / a[1]:.1f}, "
            f"security first x{b[2] / a[2]:.1f}, second x{b[3] / a[3]:.1f}, "
            f"review x{b[4] / a[4]:.1f}; (security-E)/F first {a[5]:.1f} -> {b[5]:.1f}, "
            f"second {a[6]:.2f} -> {b[6]:.2f}"
        )
    if args.keep is None:
        shutil.rmtree(work, ignore_errors=True)
    shutil.rmtree(cache, ignore_errors=True)


if __name__ == "__main__":
    main()
