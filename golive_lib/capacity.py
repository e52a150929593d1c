"""Capacity maths: the knee, error rate over time, the Universal Scalability Law, the peak.

Pure functions of load-test samples and numbers; no I/O. Units as everywhere: requests
per second, milliseconds, ratios in 0..1.

USL (Gunther): X(N) = lambda N / (1 + sigma (N - 1) + kappa N (N - 1)), where lambda is
the throughput of one user, sigma contention and kappa coherency (crosstalk). Throughput
peaks at N* = sqrt((1 - sigma) / kappa) when kappa > 0; with kappa = 0 it tends to
lambda / sigma.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from .loadmodel import Sample

#: A sustained window within this fraction of the best sustained throughput counts as
#: saturated: the knee is the lowest load that reaches it.
PLATEAU_TOLERANCE = 0.05


@dataclass(frozen=True)
class Knee:
    """The best throughput sustained while the latency SLO held (the capacity), and the
    onset of saturation: the lowest load whose sustained throughput is within
    `PLATEAU_TOLERANCE` of that best (the knee)."""

    throughput: float  # requests/s, mean over the best window: the capacity
    users: float | None  # median concurrency of the onset window (the knee's users)
    latency_ms: float  # the worst percentile latency in the best window
    error_ratio: float
    start: datetime | None  # the best window (None for a summary that holds no time)
    end: datetime | None
    samples: int
    onset_throughput: float | None = None  # requests/s sustained at the onset window
    best_users: float | None = None  # median concurrency of the best window


def _median(values: list[float]) -> float | None:
    if not values:
        return None
    v = sorted(values)
    mid = len(v) // 2
    return v[mid] if len(v) % 2 else (v[mid - 1] + v[mid]) / 2


def within_slo(
    sample: Sample, percentile: int, threshold_ms: float, max_error_ratio: float
) -> bool:
    latency = sample.latency(percentile)
    if sample.requests == 0:
        return True
    if latency is None or latency > threshold_ms:
        return False
    return sample.error_ratio <= max_error_ratio


@dataclass(frozen=True)
class _Window:
    throughput: float
    users: float | None
    latency_ms: float
    error_ratio: float
    first: Sample
    last: Sample
    samples: int


def _windows(
    ordered: Sequence[Sample],
    percentile: int,
    threshold_ms: float,
    max_error_ratio: float,
    window_s: float,
) -> list[_Window]:
    """For each start, the shortest window of at least ``window_s`` seconds every interval
    of which met the objective and whose errors stayed under ``max_error_ratio``."""
    found: list[_Window] = []
    n = len(ordered)
    for i in range(n):
        span = 0.0
        for j in range(i, n):
            s = ordered[j]
            if not within_slo(s, percentile, threshold_ms, max_error_ratio):
                break
            span += s.interval_s
            if span + 1e-9 < window_s:
                continue
            window = ordered[i : j + 1]
            requests = sum(w.requests for w in window)
            failures = sum(w.failures for w in window)
            ratio = failures / requests if requests else 0.0
            if ratio <= max_error_ratio:
                lat = [w.latency(percentile) for w in window if w.requests]
                found.append(
                    _Window(
                        throughput=requests / span,
                        users=_median([w.users for w in window if w.users is not None]),
                        latency_ms=max((x for x in lat if x is not None), default=0.0),
                        error_ratio=ratio,
                        first=window[0],
                        last=window[-1],
                        samples=len(window),
                    )
                )
            break  # a longer window averages shorter ones: it never sustains more
    return found


def knee(
    samples: Sequence[Sample],
    percentile: int,
    threshold_ms: float,
    max_error_ratio: float,
    window_s: float,
    tolerance: float = PLATEAU_TOLERANCE,
) -> Knee | None:
    """The best sustained throughput within the objective and the onset of saturation.

    Windows of at least ``window_s`` seconds, every interval of which met the latency
    objective and whose errors stayed under ``max_error_ratio``, are the candidates. The
    best is the one with the highest mean throughput (the capacity). On a plateau noise
    decides which window is best, so the knee is the candidate at the lowest load (median
    users; the earliest when users are unknown) whose throughput is within ``tolerance``
    of the best. None when no candidate exists."""
    ordered = sorted(samples, key=lambda s: s.time)
    found = _windows(ordered, percentile, threshold_ms, max_error_ratio, window_s)
    if not found:
        return None
    best = max(found, key=lambda w: w.throughput)
    near = [w for w in found if w.throughput >= (1 - tolerance) * best.throughput]
    onset = min(
        near,
        key=lambda w: (
            w.users if w.users is not None else math.inf,
            w.first.time,
        ),
    )
    return Knee(
        throughput=best.throughput,
        users=onset.users,
        latency_ms=best.latency_ms,
        error_ratio=best.error_ratio,
        start=best.first.time,
        end=best.last.time,
        samples=best.samples,
        onset_throughput=onset.throughput,
        best_users=best.users,
    )


def error_series(samples: Sequence[Sample]) -> list[tuple[datetime, float]]:
    """Error ratio of each interval, in time order."""
    return [(s.time, s.error_ratio) for s in sorted(samples, key=lambda s: s.time)]


# --------------------------------------------------------------------------- USL


def usl(n: Any, lam: float, sigma: float, kappa: float) -> Any:
    return lam * n / (1 + sigma * (n - 1) + kappa * n * (n - 1))


@dataclass(frozen=True)
class UslFit:
    lam: float
    sigma: float
    kappa: float
    r2: float
    points: int
    n_peak: float | None  # concurrency of peak throughput; None when kappa == 0
    x_peak: float | None  # predicted ceiling; None when it grows without bound

    def predict(self, n: float) -> float:
        value: float = usl(n, self.lam, self.sigma, self.kappa)
        return float(value)


def concurrency_points(
    samples: Sequence[Sample], max_points: int = 40
) -> list[tuple[float, float]]:
    """(concurrency, throughput) pairs: the mean throughput at each user count, binned
    into at most ``max_points`` equal-width bins. Intervals without users are skipped."""
    pairs = [(s.users, s.throughput) for s in samples if s.users and s.users > 0]
    if not pairs:
        return []
    levels: dict[float, list[float]] = {}
    for u, x in pairs:
        levels.setdefault(float(u), []).append(x)
    if len(levels) > max_points:
        lo, hi = min(levels), max(levels)
        width = (hi - lo) / max_points or 1.0
        bins: dict[int, list[tuple[float, float]]] = {}
        for u, x in pairs:
            bins.setdefault(min(int((u - lo) / width), max_points - 1), []).append((float(u), x))
        return sorted(
            (sum(u for u, _ in v) / len(v), sum(x for _, x in v) / len(v)) for v in bins.values()
        )
    return sorted((u, sum(xs) / len(xs)) for u, xs in levels.items())


def _usl_sse(n: Any, x: Any, sigma: Any, kappa: Any) -> tuple[Any, Any]:
    """For each (sigma, kappa), the least-squares lambda (closed form: the model is linear
    in lambda) and the sum of squared errors. Arrays broadcast over the grid."""
    import numpy as np

    g = n / (1 + sigma[..., None] * (n - 1) + kappa[..., None] * n * (n - 1))
    lam = np.maximum((g * x).sum(-1) / np.maximum((g * g).sum(-1), 1e-300), 1e-12)
    sse = ((lam[..., None] * g - x) ** 2).sum(-1)
    return lam, sse


_LOWER = (1e-12, 0.0, 0.0)  # lambda, sigma, kappa
_UPPER = (math.inf, 1.0, math.inf)


def _levenberg_marquardt(n: Any, x: Any, p: Any, iterations: int = 200) -> tuple[Any, float]:
    """Minimise the USL's squared error from ``p`` = (lambda, sigma, kappa); each step is
    projected onto the bounds and kept only when it lowers the error."""
    import numpy as np

    def residual(q: Any) -> Any:
        return usl(n, *q) - x

    lower, upper = np.array(_LOWER), np.array(_UPPER)
    r = residual(p)
    sse = float(r @ r)
    damping = 1e-3
    for _ in range(iterations):
        lam, sigma, kappa = p
        d = 1 + sigma * (n - 1) + kappa * n * (n - 1)
        jac = np.stack([n / d, -lam * n * (n - 1) / d**2, -lam * n * n * (n - 1) / d**2], axis=1)
        a = jac.T @ jac
        g = jac.T @ r
        # Active set: a parameter on a bound that the descent would push past stays put.
        free = ~(((p <= lower) & (g > 0)) | ((p >= upper) & (g < 0)))
        if not free.any():
            break
        af = a[np.ix_(free, free)]
        for _ in range(30):
            step = np.zeros_like(p)
            try:
                step[free] = np.linalg.solve(af + damping * np.diag(np.diag(af) + 1e-300), -g[free])
            except np.linalg.LinAlgError:
                damping *= 10
                continue
            q = np.clip(p + step, lower, upper)
            rq = residual(q)
            sq = float(rq @ rq)
            if sq < sse:
                break
            damping *= 4
        else:
            return p, sse  # no step lowers the error: a minimum
        gain = sse - sq
        p, r, sse = q, rq, sq
        damping = max(damping / 3, 1e-12)
        if gain <= 1e-12 * max(sse, 1e-300):
            break
    return p, sse


def fit_usl(points: Sequence[tuple[float, float]]) -> UslFit:
    """Least-squares USL fit with 0 <= sigma <= 1, kappa >= 0, lambda > 0.

    A grid over (sigma, kappa) with lambda solved in closed form for each point (the
    model is linear in lambda) finds the basin; Levenberg-Marquardt from the best few
    grid points finishes. numpy only: importing scipy.optimize cost a second in every
    review kernel.
    Raises ValueError when there are fewer than 3 distinct concurrency levels.
    """
    import numpy as np

    levels = {round(n, 9) for n, _ in points}
    if len(levels) < 3:
        raise ValueError(
            f"a USL fit needs throughput at 3 or more concurrency levels; got {len(levels)}"
        )
    n = np.array([p[0] for p in points], dtype=float)
    x = np.array([p[1] for p in points], dtype=float)
    if not (np.all(np.isfinite(n)) and np.all(np.isfinite(x))):
        raise ValueError("the USL fit needs finite concurrency and throughput values")
    # A coarse grid over (sigma, log10 kappa, and kappa = 0), lambda profiled out...
    sig = np.linspace(0.0, 1.0, 41)
    kap = np.concatenate(([0.0], np.logspace(-12, 1, 53)))
    s_grid, k_grid = np.meshgrid(sig, kap, indexing="ij")
    lam_grid, sse_grid = _usl_sse(n, x, s_grid, k_grid)
    order = np.argsort(sse_grid, axis=None)[:4]
    # ... then Levenberg-Marquardt from the best few grid points, bounds by projection.
    best: tuple[float, Any] | None = None
    for flat in order:
        i, j = np.unravel_index(int(flat), sse_grid.shape)
        start = np.array([lam_grid[i, j], s_grid[i, j], k_grid[i, j]])
        fitted, sse = _levenberg_marquardt(n, x, start)
        if best is None or sse < best[0]:
            best = (sse, fitted)
    assert best is not None
    sse, fitted = best
    lam, sigma, kappa = (float(v) for v in fitted)
    if kappa < 1e-12:
        kappa = 0.0
    sst = float(np.sum((x - x.mean()) ** 2))
    r2 = 1 - sse / sst if sst > 0 else 0.0
    if kappa > 1e-12:
        n_peak = math.sqrt(max(1 - sigma, 0.0) / kappa)
        n_peak = max(n_peak, 1.0)
        x_peak: float | None = float(usl(n_peak, lam, sigma, kappa))
    else:
        n_peak = None
        x_peak = float(lam / sigma) if sigma > 1e-12 else None
    return UslFit(float(lam), float(sigma), float(kappa), r2, len(points), n_peak, x_peak)


# --------------------------------------------------------------------------- peak


@dataclass(frozen=True)
class Projection:
    today_peak: float  # requests/s
    growth_per_year: float  # 0.4 = +40 % a year
    horizon_years: float
    event_multiplier: float  # Black Friday over an ordinary peak day
    source: str  # "prometheus" or "parameters"

    @property
    def growth_factor(self) -> float:
        return float((1 + self.growth_per_year) ** self.horizon_years)

    @property
    def projected(self) -> float:
        return self.today_peak * self.growth_factor * self.event_multiplier


def project_peak(
    today_peak: float,
    growth_per_year: float,
    horizon_years: float,
    event_multiplier: float,
    source: str = "parameters",
) -> Projection:
    if today_peak < 0 or growth_per_year <= -1 or horizon_years < 0 or event_multiplier <= 0:
        raise ValueError("peak >= 0, growth > -100 %, horizon >= 0 and multiplier > 0 required")
    return Projection(today_peak, growth_per_year, horizon_years, event_multiplier, source)


@dataclass(frozen=True)
class Headroom:
    capacity: float
    projected: float
    safety_margin: float

    @property
    def ratio(self) -> float:
        """Capacity over projected peak: 1.0 exactly covers it."""
        return self.capacity / self.projected if self.projected > 0 else math.inf

    @property
    def required(self) -> float:
        return self.projected * self.safety_margin

    @property
    def ok(self) -> bool:
        return self.capacity >= self.required

    @property
    def shortfall(self) -> float:
        return max(0.0, self.required - self.capacity)


def headroom(capacity: float, projected: float, safety_margin: float) -> Headroom:
    return Headroom(capacity, projected, safety_margin)
