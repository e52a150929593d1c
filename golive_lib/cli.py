"""The command line (typer). Only here do errors become one-line messages and exit codes.

Exit codes: 0 go, 1 no-go (per --fail-on), 2 bad input (nothing written), 3 internal error
or, in a batch, a service that could not be reviewed (the others still are).
"""

from __future__ import annotations

import os
import signal
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer

EXIT_GO, EXIT_NO_GO, EXIT_BAD_INPUT, EXIT_INTERNAL = 0, 1, 2, 3

app = typer.Typer(
    name="golive",
    help="golive: a living runbook for production go-live reviews.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


class Executor(StrEnum):
    local = "local"
    dask = "dask"


class FailOn(StrEnum):
    blocking = "blocking"
    any = "any"
    never = "never"


def _terminate(signum: int, _frame: object) -> None:
    """First signal: ask the run to stop at its next checkpoint (it polls every 0.1 s).

    Raising from a signal handler is unsafe: once it landed inside logging's at-fork
    hook, left the logging lock held, and the run deadlocked. A second signal exits
    at once (the temporary folder may then be left, hidden, beside the reports).
    """
    from .report.run import STOP

    if STOP.is_set():
        raise SystemExit(128 + signum)
    _SIGNALLED.append(signum)
    STOP.set()


_SIGNALLED: list[int] = []  # the signal that asked the run to stop (exit code 128 + it)


def _interrupted_code() -> int:
    """130 for Ctrl-C, 143 for SIGTERM: the shell's convention, 128 + the signal."""
    return 128 + (_SIGNALLED[0] if _SIGNALLED else signal.SIGINT)


def _err(message: str) -> None:
    typer.echo(message, err=True)


@app.command()
def run(
    params: Annotated[list[Path], typer.Argument(help="parameters files, one per service")],
    out: Annotated[Path, typer.Option(help="reports folder")] = Path("reports"),
    sections: Annotated[
        str | None, typer.Option(help="comma-separated section ids, e.g. architecture,cicd")
    ] = None,
    workers: Annotated[
        int | None,
        typer.Option(
            min=1,
            help="notebook processes shared by all services (default: the cores, up to 4);"
            " with --executor dask, per task (default: the worker's cores over its threads,"
            " up to 4)",
            show_default=False,
        ),
    ] = None,
    fail_on: Annotated[FailOn, typer.Option(help="what makes the exit code 1")] = FailOn.blocking,
    cell_timeout: Annotated[
        int | None, typer.Option(min=1, help="per-cell timeout in seconds (overrides the file)")
    ] = None,
    notebooks: Annotated[Path | None, typer.Option(help="notebooks folder")] = None,
    executor: Annotated[
        Executor, typer.Option(help="local: this machine; dask: one task per service")
    ] = Executor.local,
    scheduler: Annotated[
        str | None,
        typer.Option(help="Dask scheduler address, e.g. tcp://10.0.0.5:8786 (--executor dask)"),
    ] = None,
    metrics_file: Annotated[
        Path | None,
        typer.Option(help="at the end, write every service's latest review as Prometheus metrics"),
    ] = None,
) -> None:
    """Review each service and render its dated report folder; print each folder.

    Services are reviewed concurrently; one that cannot be reviewed is reported in the
    summary table and the others go on. Exit code: the worst outcome."""
    from .report import speed

    speed.switch_on()  # before the heavy imports; GOLIVE_PLAIN_KERNELS=1 keeps it off
    from . import paramsfile
    from .errors import GoliveError, ParamsError
    from .model import Decision
    from .params import load_params
    from .report import batch
    from .report.run import DEFAULT_NOTEBOOKS, RunOptions, RunOutcome
    from .report.run import run as run_reviews

    if executor is Executor.dask and not scheduler:
        _err("error: --executor dask needs --scheduler ADDRESS\nnothing was written.")
        raise typer.Exit(EXIT_BAD_INPUT)
    # a pipe (/dev/stdin, a FIFO) gives its text once: every later read is of a copy
    params = [paramsfile.spill(p) for p in params]
    names = []
    for path in params:  # for the display only; run() validates and reports properly
        try:
            names.append(load_params(path).service.name)
        except ParamsError:
            names.append(path.stem)
    # SIGTERM (a CI job cancelled, a container stopped) unwinds like Ctrl-C, so the
    # half-rendered temporary folder is removed and no partial report is left in place.
    signal.signal(signal.SIGTERM, _terminate)
    signal.signal(signal.SIGINT, _terminate)
    try:
        with batch.progress_display(names) as (progress, events):
            options = RunOptions(
                out=out,
                sections=tuple(s.strip() for s in sections.split(",") if s.strip())
                if sections
                else None,
                workers=workers,
                notebooks_dir=notebooks or DEFAULT_NOTEBOOKS,
                cell_timeout_s=cell_timeout,
                progress=progress,
                events=events,
            )
            if executor is Executor.dask:
                from .report.dask_executor import run_dask

                outcomes = run_dask(params, options, scheduler or "")
            else:
                outcomes = run_reviews(params, options)
    except ParamsError as e:
        _err(f"error: {e}\nnothing was written.")
        raise typer.Exit(EXIT_BAD_INPUT) from None
    except GoliveError as e:
        _err(f"error: {e}")
        raise typer.Exit(EXIT_INTERNAL) from None
    except (KeyboardInterrupt, SystemExit) as e:
        code = e.code if isinstance(e, SystemExit) and isinstance(e.code, int) else None
        code = code or _interrupted_code()
        _err("golive: interrupted; the unfinished report was removed, earlier reports are intact")
        raise typer.Exit(code) from None
    for o in outcomes:
        if o.folder is not None:
            typer.echo(str(o.folder))  # one report folder per line: scripts parse this
    batch.print_summary(outcomes)
    if metrics_file is not None:
        _write_metrics(out, metrics_file)

    def no_go(o: RunOutcome) -> bool:
        return {
            FailOn.blocking: o.decision is Decision.NO_GO,
            FailOn.any: any(o.counts.get(s, 0) for s in ("fail", "error", "pending", "warn")),
            FailOn.never: False,
        }[fail_on]

    raise typer.Exit(batch.exit_code(outcomes, no_go))


def _write_metrics(reports: Path, target: Path, trust_for: Any = None) -> None:
    from .report import metrics

    try:
        metrics.write_textfile(reports, target, trust_for)
    except OSError as e:
        _err(f"error: cannot write the metrics to {target}: {e}")
        raise typer.Exit(EXIT_INTERNAL) from None


@app.command("metrics")
def metrics_command(
    reports: Annotated[Path, typer.Option(help="reports folder")] = Path("reports"),
    textfile: Annotated[
        Path | None,
        typer.Option(help="write to this file atomically (node_exporter's textfile collector)"),
    ] = None,
    pushgateway: Annotated[
        str | None, typer.Option(help="push to this Pushgateway, e.g. http://pushgateway:9091")
    ] = None,
    job: Annotated[str, typer.Option(help="the Pushgateway job name")] = "golive",
    trusted_signers: TrustedSignersOpt = None,
) -> None:
    """Every service's latest review as Prometheus metrics: to stdout, a file, a Pushgateway.
    Sign-offs count when they verify against each service's trusted signers (its
    parameters file here, or $GOLIVE_TRUSTED_SIGNERS), or the --trusted-signers given."""
    from .errors import ReportError
    from .report import metrics
    from .report.signoff import trusted_for

    if not reports.is_dir():
        _err(f"error: no reports folder {reports}")
        raise typer.Exit(EXIT_BAD_INPUT)
    trust_for = None
    if trusted_signers is not None:
        try:
            trusted_for("", trusted_signers)  # read once: a bad file is bad input
        except ReportError as e:
            _err(f"error: {e}")
            raise typer.Exit(EXIT_BAD_INPUT) from None
        path = trusted_signers

        def trust_for(service: str) -> Any:
            return trusted_for(service, path)

    if textfile is not None:
        _write_metrics(reports, textfile, trust_for)
    if pushgateway:
        try:
            metrics.push(reports, pushgateway, job, trust_for=trust_for)
        except OSError as e:
            _err(f"error: cannot push the metrics to {pushgateway}: {e}")
            raise typer.Exit(EXIT_INTERNAL) from None
    if textfile is None and not pushgateway:
        typer.echo(metrics.exposition(reports, trust_for), nl=False)


@app.command()
def lab(
    params: Annotated[Path, typer.Argument(help="parameters file to preselect")],
    port: Annotated[int | None, typer.Option(help="port for JupyterLab")] = None,
    no_browser: Annotated[bool, typer.Option("--no-browser", help="do not open a browser")] = False,
) -> None:
    """Open JupyterLab on the notebooks with PARAMS preselected."""
    from .errors import ParamsError
    from .names import LAB_PARAMS_ENV
    from .params import load_params
    from .report.run import DEFAULT_NOTEBOOKS

    try:
        load_params(params)
    except ParamsError as e:
        _err(f"error: {e}")
        raise typer.Exit(EXIT_BAD_INPUT) from None
    env = {**os.environ, LAB_PARAMS_ENV: str(params.resolve())}
    argv = [sys.executable, "-m", "jupyterlab", f"--notebook-dir={DEFAULT_NOTEBOOKS}"]
    if port:
        argv.append(f"--port={port}")
    if no_browser:
        argv.append("--no-browser")
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        argv.append("--allow-root")  # containers and CI machines often run as root
    _err(f"golive: JupyterLab on {DEFAULT_NOTEBOOKS}, reviewing {params}")
    os.execve(sys.executable, argv, env)


@app.command()
def init(
    service: Annotated[str, typer.Argument(help="service name (a slug)")],
    repository: Annotated[Path, typer.Option(help="the service repository")] = Path("."),
    out: Annotated[Path | None, typer.Option(help="file to write")] = None,
) -> None:
    """Write a commented parameters file to start from (never overwrites).

    What the repository says (overview, pipelines, environments, Dockerfiles, release docs,
    owners) is filled in, each with a comment naming where it was found; the rest is unset.
    """
    from .params import SLUG_RE
    from .sources.discovery import discover
    from .templates import parameters_template, schema_reference

    if not SLUG_RE.fullmatch(service):
        _err(f"error: service name {service!r} is not a slug (e.g. ingest-api)")
        raise typer.Exit(EXIT_BAD_INPUT)
    target = out or Path("parameters") / f"{service}.yaml"
    if target.exists():
        _err(f"error: {target} exists; not overwritten")
        raise typer.Exit(EXIT_BAD_INPUT)
    target.parent.mkdir(parents=True, exist_ok=True)
    rel = os.path.relpath(repository.resolve(), target.resolve().parent)
    with target.open("x", encoding="utf-8") as fh:
        schema = schema_reference(target)
        fh.write(parameters_template(service, rel, found=discover(repository), schema=schema))
    typer.echo(str(target))


class SignDecision(StrEnum):
    go = "go"
    no_go = "no-go"


TrustedSignersOpt = Annotated[
    Path | None,
    typer.Option(
        help="OpenSSH allowed_signers file: who may sign which roles (default: "
        "signoff.trusted_signers of --params, else of parameters/SERVICE.yaml, else "
        "$GOLIVE_TRUSTED_SIGNERS)",
        show_default=False,
    ),
]
ParamsOpt = Annotated[
    Path | None,
    typer.Option(help="the service's parameters file (for signoff.trusted_signers)"),
]


@app.command()
def signoff(
    folder: Annotated[Path, typer.Argument(help="the dated report folder to sign")],
    key: Annotated[Path, typer.Option(help="your SSH private key (or its .pub, with ssh-agent)")],
    signer: Annotated[
        str, typer.Option("--signer", "--name", help="your e-mail, as in the trusted signers")
    ],
    role: Annotated[str, typer.Option(help="the signer's role, e.g. service-owner, sre")],
    decision: Annotated[SignDecision, typer.Option(help="go or no-go")],
    comment: Annotated[str, typer.Option(help="why, conditions, follow-ups")] = "",
    trusted_signers: TrustedSignersOpt = None,
    params: ParamsOpt = None,
) -> None:
    """Sign a report: append an in-toto Statement over every file, signed with your SSH
    key (ssh-keygen -Y sign), to signoffs.jsonl."""
    from .errors import ReportError
    from .names import SIGNOFFS_JSONL
    from .report import portfolio
    from .report import signoff as so

    try:
        doc = so.load_results(folder)
        trust = so.trusted_for(str(doc["service"]), trusted_signers, params)
        so.sign(folder, key, signer, role, so.SignDecision(decision.value), comment, trust)
        st = so.state(folder, doc, trust)
    except ReportError as e:
        _err(f"error: {e}; nothing was signed.")
        raise typer.Exit(EXIT_BAD_INPUT) from None
    except OSError as e:
        _err(f"error: cannot append to {folder / SIGNOFFS_JSONL}: {e}; nothing was signed.")
        raise typer.Exit(EXIT_INTERNAL) from None
    _err(f"golive: signed {decision.value} as {role}; {st.label}")
    mine = so.verify(folder, trust).entries[-1:]
    for entry in mine:
        if not entry.verified:
            _err(f"warning: this sign-off does not verify: {'; '.join(entry.reasons)}")
    if folder.resolve().parent.parent.is_dir():
        try:
            portfolio.write(folder.resolve().parent.parent)
        except OSError as e:
            _err(f"warning: the portfolio page could not be rewritten: {e}")
    typer.echo(str(folder / SIGNOFFS_JSONL))


@app.command()
def verify(
    folder: Annotated[Path, typer.Argument(help="a signed report folder")],
    trusted_signers: TrustedSignersOpt = None,
    params: ParamsOpt = None,
) -> None:
    """Check every sign-off: signature by a trusted signer allowed the role, files as
    signed, decision consistent. Exit 0 when every one verifies; 1 naming each that does
    not, with why."""
    from .errors import ReportError
    from .report import signoff as so

    try:
        doc = so.load_results(folder)
        trust = so.trusted_for(str(doc["service"]), trusted_signers, params)
        result = so.verify(folder, trust)
    except ReportError as e:
        _err(f"error: {e}")
        raise typer.Exit(EXIT_BAD_INPUT) from None
    if not result.signed:
        _err(f"error: {folder} has no sign-off yet; nothing to verify")
        raise typer.Exit(EXIT_BAD_INPUT)
    if trust.signers is None:
        _err(f"error: {trust.source}; nothing can be verified")
        raise typer.Exit(EXIT_BAD_INPUT)
    for entry in result.entries:
        if entry.verified:
            typer.echo(f"line {entry.lineno}: verified: {entry.describe()}")
        else:
            typer.echo(
                f"line {entry.lineno}: UNVERIFIED: {entry.describe()}: {'; '.join(entry.reasons)}"
            )
    bad = sum(1 for x in result.entries if not x.verified)
    st = so.state(folder, doc, trust, result.entries)
    if result.ok:
        _err(f"golive: every sign-off verified against {trust.source}; {st.label}")
        raise typer.Exit(0)
    _err(f"golive: {bad} of {len(result.entries)} sign-offs do not verify; {st.label}")
    raise typer.Exit(1)


@app.command()
def attest(
    params: Annotated[Path, typer.Argument(help="the service's parameters file")],
    key: Annotated[Path, typer.Option(help="your SSH private key (or its .pub, with ssh-agent)")],
    signer: Annotated[str, typer.Option(help="your e-mail, as in the trusted signers")],
    check: Annotated[str, typer.Option(help="the check id attested, e.g. premortem.gameday")],
    link: Annotated[str, typer.Option(help="where the record lives (repository file, URL)")],
    item: Annotated[str | None, typer.Option(help="sub-item, e.g. processor-agreements")] = None,
    outcome: Annotated[str, typer.Option(help="what happened, in a sentence")] = "",
    on: Annotated[
        str | None, typer.Option(help="the date it happened, YYYY-MM-DD (default: today)")
    ] = None,
) -> None:
    """Record a signed human attestation (game day held, restore drill done, DPA signed)
    in the service's repository: .golive/attestations.intoto.jsonl."""
    from datetime import date

    from . import signed_attestations as sa
    from .errors import GoliveError
    from .params import Attestation, load_params

    try:
        loaded = load_params(params)
        attestation = Attestation.model_validate(
            {"check": check, "item": item, "by": signer, "link": link, "outcome": outcome,
             "date": date.fromisoformat(on) if on else date.today()}
        )  # fmt: skip
        sa.record(loaded, key, signer, attestation)
    except (GoliveError, ValueError) as e:  # pydantic's ValidationError is a ValueError
        _err(f"error: {e}; nothing was attested.")
        raise typer.Exit(EXIT_BAD_INPUT) from None
    except OSError as e:
        _err(f"error: cannot append to {loaded.repository / sa.BUNDLE}: {e}")
        raise typer.Exit(EXIT_INTERNAL) from None
    last = sa.read(loaded)[-1:]
    for entry in last:
        if not entry.verified:
            _err(f"warning: this attestation does not verify: {'; '.join(entry.reasons)}")
    typer.echo(str(loaded.repository / sa.BUNDLE))


@app.command()
def history(
    service: Annotated[str, typer.Argument(help="service name")],
    reports: Annotated[Path, typer.Option(help="reports folder")] = Path("reports"),
    trusted_signers: TrustedSignersOpt = None,
    params: ParamsOpt = None,
) -> None:
    """Every dated run of a service: decision, counts per status, sign-off state (only
    verified sign-offs count; the others are shown as unverified)."""
    from .errors import ReportError
    from .report import history as hist
    from .report.signoff import trusted_for

    try:
        runs = hist.service_runs(service, reports)
        trust = trusted_for(service, trusted_signers, params)
    except ReportError as e:
        _err(f"error: {e}")
        raise typer.Exit(EXIT_BAD_INPUT) from None
    typer.echo(hist.format_table(hist.table(runs, trust)))


@app.command()
def diff(
    old: Annotated[Path, typer.Argument(help="the earlier report folder")],
    new: Annotated[Path, typer.Argument(help="the later report folder")],
) -> None:
    """The checks whose status changed between two report folders."""
    from .errors import ReportError
    from .report import history as hist

    try:
        before, after = hist.load(old), hist.load(new)
    except ReportError as e:
        _err(f"error: {e}")
        raise typer.Exit(EXIT_BAD_INPUT) from None
    changes = hist.status_changes(before, after)
    _err(
        f"golive: {before['service']} {before['date']} ({before['decision']}) -> "
        f"{after['service']} {after['date']} ({after['decision']}): {len(changes)} changed"
    )
    for c in changes:
        typer.echo(f"{c['id']}: {c['old'] or 'absent'} -> {c['new'] or 'absent'}")


@app.command()
def demo(
    out: Annotated[Path, typer.Option(help="reports folder")] = Path("reports"),
    keep: Annotated[
        bool, typer.Option("--keep", help="keep the stack running after the review (Ctrl-C stops)")
    ] = False,
    params: Annotated[Path | None, typer.Option(help="parameters file to review")] = None,
    workers: Annotated[
        int | None,
        typer.Option(
            min=1, help="notebook processes (default: the cores, up to 4)", show_default=False
        ),
    ] = None,
    sections: Annotated[
        str | None, typer.Option(help="comma-separated section ids (default: every section)")
    ] = None,
) -> None:
    """Start the demo stack on loopback (the example service, Prometheus with weeks of
    history, Alertmanager), review the example service, print the report folder, stop.
    With --keep the stack stays up until Ctrl-C or SIGTERM, then everything is stopped."""
    from .report import speed

    speed.switch_on()  # before the heavy imports; GOLIVE_PLAIN_KERNELS=1 keeps it off
    from .demo.processes import DemoError
    from .demo.stack import DemoStack
    from .errors import GoliveError, ParamsError
    from .report.run import DEFAULT_NOTEBOOKS, STOP, RunOptions
    from .report.run import run as run_reviews

    root = Path(__file__).resolve().parents[1]
    params_path = params or root / "parameters" / "ingest-api.yaml"
    signal.signal(signal.SIGTERM, _terminate)
    signal.signal(signal.SIGINT, _terminate)
    stack = DemoStack(progress=True)
    kept = False  # --keep ended by Ctrl-C / SIGTERM: an orderly stop, exit 0
    try:
        with stack:
            _err(f"golive: demo stack ready in {stack.timings.get('start_s', 0):.1f} s")
            os.environ.update(stack.env())  # the example's parameters read the URLs from these
            options = RunOptions(
                out=out,
                workers=workers,
                sections=tuple(x.strip() for x in sections.split(",") if x.strip())
                if sections
                else None,
                notebooks_dir=DEFAULT_NOTEBOOKS,
                progress=lambda msg: _err(f"golive: {msg}"),
            )
            outcomes = run_reviews([params_path], options)
            for o in outcomes:
                if o.folder is None or o.decision is None:
                    _err(f"error: {o.service} could not be reviewed: {o.error}")
                    raise typer.Exit(EXIT_INTERNAL)
                _demo_signoff(o.folder, out)
                typer.echo(str(o.folder))
            if keep:
                _err(
                    f"golive: stack kept running (Ctrl-C stops it):\n"
                    f"  Prometheus    {stack.prometheus_url}\n"
                    f"  Alertmanager  {stack.alertmanager_url}\n"
                    f"  ingest-api    {stack.service_url}\n"
                    + "\n".join(f"  export {k}={v}" for k, v in stack.env().items())
                )
                try:
                    while not STOP.wait(0.5):  # Ctrl-C and SIGTERM set it (_terminate)
                        pass
                except (KeyboardInterrupt, SystemExit):
                    pass
                signal.signal(signal.SIGINT, signal.SIG_IGN)  # a second Ctrl-C must not
                signal.signal(signal.SIGTERM, signal.SIG_IGN)  # cut the clean-up short
                _err("golive: stopping the demo stack")
                kept = True
    except DemoError as e:
        _err(f"error: {e}")
        raise typer.Exit(EXIT_INTERNAL) from None
    except ParamsError as e:
        _err(f"error: {e}\nnothing was written.")
        raise typer.Exit(EXIT_BAD_INPUT) from None
    except GoliveError as e:
        _err(f"error: {e}")
        raise typer.Exit(EXIT_INTERNAL) from None
    except KeyboardInterrupt:
        _err("golive: interrupted; the demo stack was stopped")
        raise typer.Exit(_interrupted_code()) from None
    if kept:
        _err("golive: the demo stack was stopped")
    raise typer.Exit(EXIT_GO)


def _demo_signoff(folder: Path, out: Path) -> None:
    """The demo report signed with a throwaway key, so its pages show a verified sign-off."""
    from .demo import signer
    from .errors import GoliveError

    try:
        allowed = signer.sign(folder, out)
    except (GoliveError, OSError) as e:
        _err(f"warning: the demo report was not signed: {e}")
        return
    _err(
        f"golive: signed with a throwaway demo key; check it: golive verify {folder} "
        f"--trusted-signers {allowed}"
    )


@app.command()
def rules(
    slo_spec: Annotated[
        Path, typer.Argument(help="a parameters file, a Sloth (prometheus/v1) or OpenSLO file")
    ],
    period: Annotated[
        str | None,
        typer.Option(help="SLO period of Sloth specs (Sloth's --default-slo-period; 30d)"),
    ] = None,
    windows: Annotated[
        list[Path] | None,
        typer.Option(help="a Sloth AlertWindows file (custom windows for its period)"),
    ] = None,
) -> None:
    """Print Prometheus recording and multi-window burn-rate alert rules for the SLOs,
    as `sloth generate` writes them."""
    from .errors import ParamsError
    from .slo import DEFAULT_PLUGINS, SLOSpecError, generate_rules, rules_yaml, window_delta
    from .slo.specs import load_alert_windows, load_file, with_windows

    try:
        text = slo_spec.read_text(encoding="utf-8")
    except OSError as e:
        _err(f"error: {slo_spec}: {e}")
        raise typer.Exit(EXIT_BAD_INPUT) from None
    try:
        if "schema_version:" in text and "observability:" in text:
            from .params import load_params
            from .sections.observability import load_slos

            loaded, problems = load_slos(load_params(slo_spec))
            if problems:
                raise SLOSpecError("; ".join(problems))
        else:
            days = window_delta(period, "--period") if period else None
            tables = tuple(load_alert_windows(w) for w in windows or [])
            loaded = with_windows(load_file(slo_spec, period=days), tables)
    except (SLOSpecError, ParamsError) as e:
        _err(f"error: {e}")
        raise typer.Exit(EXIT_BAD_INPUT) from None
    groups = []
    for one in loaded:
        if other := sorted(set(one.plugins) - DEFAULT_PLUGINS):
            _err(
                f"error: {one.source}: SLO {one.name}: Sloth plugin {other[0]} shapes the rules "
                "in a way golive cannot reproduce; generate them with sloth"
            )
            raise typer.Exit(EXIT_BAD_INPUT)
        groups += generate_rules(one, meta=True)["groups"]
    typer.echo(f"# generated by golive rules {slo_spec.name}", nl=True)
    typer.echo(rules_yaml({"groups": groups}), nl=False)


@app.command()
def version() -> None:
    """Print golive's version."""
    from . import __version__

    typer.echo(__version__)


def main() -> None:
    app()
