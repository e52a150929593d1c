"""SLO maths: small pure functions on ratios, budgets and burn rates."""

from __future__ import annotations

import math
from datetime import timedelta

BURN_WINDOWS = (timedelta(hours=1), timedelta(hours=6), timedelta(days=1), timedelta(days=3))


def compliance(bad: float, total: float) -> float | None:
    """Share of good events; None when there were no events (no data is never 100%)."""
    if not total or total <= 0 or math.isnan(total) or math.isnan(bad):
        return None
    return max(0.0, min(1.0, 1.0 - bad / total))


def budget_remaining(compliance_ratio: float, objective: float) -> float:
    """Share of the error budget left (1 = untouched, 0 = spent, < 0 = overspent)."""
    return 1.0 - (1.0 - compliance_ratio) / (1.0 - objective)


def burn_rate(error_ratio: float, objective: float) -> float:
    """How many times faster than sustainable the budget is spent (1 = exactly on budget)."""
    return error_ratio / (1.0 - objective)


def time_to_exhaustion(remaining: float, rate: float, window: timedelta) -> timedelta | None:
    """At burn rate ``rate``, when the remaining budget is gone; 0 when already spent,
    None when nothing is burning."""
    if remaining <= 0:
        return timedelta(0)
    if rate <= 0:
        return None
    return window * (remaining / rate)


def chart_step(window: timedelta, max_points: int = 720) -> timedelta:
    """The range-query step giving at most ``max_points`` points over ``window``."""
    return timedelta(seconds=math.ceil(window.total_seconds() / max_points))


def burn_down(bad: list[float], total: list[float], objective: float) -> list[float]:
    """Remaining budget after each step, budget = (1 - objective) x all events of the window."""
    allowed = (1 - objective) * sum(total)
    out, spent = [], 0.0
    for b in bad:
        spent += b
        out.append(1 - spent / allowed if allowed > 0 else math.nan)
    return out
