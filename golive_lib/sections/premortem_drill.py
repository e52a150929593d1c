"""The pre-mortem's fault drill, run for real: the inject command, then Prometheus'
alerts API polled until the expected alert fires, then the recovery command (always,
also when the alert never fired or the inject failed), then the API polled until the
alert is gone. Nothing is injected when a precondition fails (a variable of
`required_variables` unset, Prometheus unreachable, the alert unknown or already firing).
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from ..drills import DrillResult, run_command
from ..errors import SourceError
from ..params import FaultDrill, Params
from ..sources.prometheus import PrometheusClient


@dataclass(frozen=True)
class DrillOutcome:
    """What happened in the fault drill; ``skipped`` says why nothing ran."""

    alert: str
    skipped: str | None = None
    inject: DrillResult | None = None
    recover: DrillResult | None = None
    detect_s: float | None = None  # inject start -> alert firing
    recover_s: float | None = None  # recover start -> alert gone
    watch_errors: tuple[str, ...] = ()
    states: tuple[tuple[float, str], ...] = ()  # (seconds since inject, alert state)
    # The wall-clock window the service was disturbed: inject start to the end of the
    # recovery watch. Metric history of this window shows the injected fault.
    disturbed_from: datetime | None = None
    disturbed_to: datetime | None = None


def _firing(client: PrometheusClient, alert: str) -> str:
    """The alert's state now: firing, pending or inactive."""
    states = {a.state for a in client.alerts() if a.name == alert}
    if "firing" in states:
        return "firing"
    return "pending" if "pending" in states else "inactive"


def _quiet_start(
    cfg: FaultDrill,
    client: PrometheusClient,
    clock: Callable[[], float],
    sleep: Callable[[float], None],
) -> DrillOutcome | None:
    """Why the drill must not inject (the alert unknown or not inactive, Prometheus not
    answering), as a skipped outcome; None when it may."""
    try:
        known = any(
            r.kind == "alerting" and r.name == cfg.alert for g in client.rules() for r in g.rules
        )
        # A quiet start: the alert may still be pending or resolving (a fresh Prometheus,
        # a previous drill); wait for it to be inactive, as long as a recovery may take.
        settle_until = clock() + cfg.recover_deadline_s
        before = _firing(client, cfg.alert)
        while known and before != "inactive" and clock() < settle_until:
            sleep(cfg.poll_interval_s)
            before = _firing(client, cfg.alert)
    except SourceError as e:
        return DrillOutcome(cfg.alert, skipped=f"{e.source}: {e.message}; nothing was injected")
    if not known:
        return DrillOutcome(
            cfg.alert,
            skipped=f"no alerting rule named {cfg.alert} in {client.url}; nothing was injected",
        )
    if before != "inactive":
        return DrillOutcome(
            cfg.alert,
            skipped=(
                f"{cfg.alert} is still {before} {cfg.recover_deadline_s:g} s after the drill "
                "began waiting for a quiet start; nothing was injected"
            ),
        )
    return None


def run_fault_drill(
    cfg: FaultDrill,
    client: PrometheusClient,
    repository: Path,
    *,
    progress: Callable[[str], None] | None = None,
    redact: dict[str, str] | None = None,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
    now: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> DrillOutcome:
    """Inject, wait for the alert to fire, recover (always), wait for it to resolve."""
    say = progress or (lambda _msg: None)
    if (skipped := _quiet_start(cfg, client, clock, sleep)) is not None:
        return skipped
    states: list[tuple[float, str]] = []
    errors: list[str] = []
    t0 = clock()
    disturbed_from = now()

    def watch(want_firing: bool, deadline_s: float, since: float) -> float | None:
        while True:
            elapsed = clock() - since
            try:
                state = _firing(client, cfg.alert)
            except SourceError as e:
                errors.append(f"{e.source}: {e.message}")
                state = "unknown"
            states.append((clock() - t0, state))
            if (state == "firing") == want_firing and state != "unknown":
                return clock() - since
            if elapsed >= deadline_s:
                return None
            sleep(min(cfg.poll_interval_s, max(deadline_s - elapsed, 0.05)))

    def run(command: str) -> DrillResult:
        t = cfg.command_timeout_s
        return run_command(command, cwd=repository, timeout_s=t, env=redact, progress=progress)

    say(f"fault drill: injecting ({cfg.inject})")
    inject: DrillResult | None = None
    recover: DrillResult | None = None
    detect_s: float | None = None
    recover_s: float | None = None
    try:
        inject = run(cfg.inject)
        if inject.ok:
            say(f"fault drill: waiting up to {cfg.detect_deadline_s:g} s for {cfg.alert}")
            detect_s = watch(True, cfg.detect_deadline_s, t0)
    finally:
        say(f"fault drill: recovering ({cfg.recover})")
        t1 = clock()
        recover = run(cfg.recover)
        if detect_s is not None or (inject is not None and inject.ok):
            recover_s = watch(False, cfg.recover_deadline_s, t1)
    return DrillOutcome(
        alert=cfg.alert,
        inject=inject,
        recover=recover,
        detect_s=detect_s,
        recover_s=recover_s,
        watch_errors=tuple(dict.fromkeys(errors)),
        states=tuple(states),
        disturbed_from=disturbed_from,
        disturbed_to=now(),
    )


def _stderr(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def drill(
    params: Params, client: PrometheusClient | None, *, progress: bool = True
) -> DrillOutcome | None:
    """The configured fault drill's outcome; None when no drill is configured."""
    cfg = params.premortem.fault_drill
    if cfg is None:
        return None
    missing = [name for name in cfg.required_variables if not os.environ.get(name)]
    if missing:
        return DrillOutcome(
            cfg.alert,
            skipped=(
                f"the environment variable(s) {', '.join(missing)} are not set (the drill needs "
                "them, e.g. from the demo stack); nothing was injected"
            ),
        )
    if client is None:
        return DrillOutcome(
            cfg.alert,
            skipped="no Prometheus configured (observability.prometheus); nothing was injected",
        )
    return run_fault_drill(
        cfg,
        client,
        params.repository,
        progress=_stderr if progress else None,
        redact=params.secret_env(),
    )
