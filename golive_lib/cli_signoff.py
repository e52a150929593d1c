"""The commands about finished reviews: metrics, signoff, verify, attest, history, diff."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer

from .cli_common import EXIT_BAD_INPUT, EXIT_INTERNAL, err


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


def write_metrics(reports: Path, target: Path, trust_for: Any = None) -> None:
    from .report import metrics

    try:
        metrics.write_textfile(reports, target, trust_for)
    except OSError as e:
        err(f"error: cannot write the metrics to {target}: {e}")
        raise typer.Exit(EXIT_INTERNAL) from None


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
        err(f"error: no reports folder {reports}")
        raise typer.Exit(EXIT_BAD_INPUT)
    trust_for = None
    if trusted_signers is not None:
        try:
            trusted_for("", trusted_signers)  # read once: a bad file is bad input
        except ReportError as e:
            err(f"error: {e}")
            raise typer.Exit(EXIT_BAD_INPUT) from None
        path = trusted_signers

        def trust_for(service: str) -> Any:
            return trusted_for(service, path)

    if textfile is not None:
        write_metrics(reports, textfile, trust_for)
    if pushgateway:
        try:
            metrics.push(reports, pushgateway, job, trust_for=trust_for)
        except OSError as e:
            err(f"error: cannot push the metrics to {pushgateway}: {e}")
            raise typer.Exit(EXIT_INTERNAL) from None
    if textfile is None and not pushgateway:
        typer.echo(metrics.exposition(reports, trust_for), nl=False)


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
        err(f"error: {e}; nothing was signed.")
        raise typer.Exit(EXIT_BAD_INPUT) from None
    except OSError as e:
        err(f"error: cannot append to {folder / SIGNOFFS_JSONL}: {e}; nothing was signed.")
        raise typer.Exit(EXIT_INTERNAL) from None
    err(f"golive: signed {decision.value} as {role}; {st.label}")
    mine = so.verify(folder, trust).entries[-1:]
    for entry in mine:
        if not entry.verified:
            err(f"warning: this sign-off does not verify: {'; '.join(entry.reasons)}")
    if folder.resolve().parent.parent.is_dir():
        try:
            portfolio.write(folder.resolve().parent.parent)
        except OSError as e:
            err(f"warning: the portfolio page could not be rewritten: {e}")
    typer.echo(str(folder / SIGNOFFS_JSONL))


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
        err(f"error: {e}")
        raise typer.Exit(EXIT_BAD_INPUT) from None
    if not result.signed:
        err(f"error: {folder} has no sign-off yet; nothing to verify")
        raise typer.Exit(EXIT_BAD_INPUT)
    if trust.signers is None:
        err(f"error: {trust.source}; nothing can be verified")
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
        err(f"golive: every sign-off verified against {trust.source}; {st.label}")
        raise typer.Exit(0)
    err(f"golive: {bad} of {len(result.entries)} sign-offs do not verify; {st.label}")
    raise typer.Exit(1)


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
        err(f"error: {e}; nothing was attested.")
        raise typer.Exit(EXIT_BAD_INPUT) from None
    except OSError as e:
        err(f"error: cannot append to {loaded.repository / sa.BUNDLE}: {e}")
        raise typer.Exit(EXIT_INTERNAL) from None
    last = sa.read(loaded)[-1:]
    for entry in last:
        if not entry.verified:
            err(f"warning: this attestation does not verify: {'; '.join(entry.reasons)}")
    typer.echo(str(loaded.repository / sa.BUNDLE))


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
        err(f"error: {e}")
        raise typer.Exit(EXIT_BAD_INPUT) from None
    typer.echo(hist.format_table(hist.table(runs, trust)))


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
        err(f"error: {e}")
        raise typer.Exit(EXIT_BAD_INPUT) from None
    changes = hist.status_changes(before, after)
    err(
        f"golive: {before['service']} {before['date']} ({before['decision']}) -> "
        f"{after['service']} {after['date']} ({after['decision']}): {len(changes)} changed"
    )
    for c in changes:
        typer.echo(f"{c['id']}: {c['old'] or 'absent'} -> {c['new'] or 'absent'}")
