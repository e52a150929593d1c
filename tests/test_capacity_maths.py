"""golive_lib.capacity: the knee, the USL fit and the headroom maths on synthetic data."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from golive_lib import capacity as cap
from golive_lib.sources.loadtest import Sample

T0 = datetime(2026, 3, 2, tzinfo=UTC)
LAM, SIGMA, KAPPA = 10.0, 0.05, 0.0005  # peak at sqrt(0.95 / 0.0005) = 43.6 users


def step_test(levels, hold_s=20, noise=0.0, seed=0, think_s=0.0):
    """A stepped load test on a USL system; latency from Little's law, N / X - think time."""
    rng = np.random.default_rng(seed)
    out, t = [], 0
    for n in levels:
        x = cap.usl(n, LAM, SIGMA, KAPPA)
        for _ in range(hold_s):
            t += 1
            xs = max(0.0, x * (1 + rng.normal(0, noise)))
            latency = (n / x - think_s) * 1000
            out.append(
                Sample(
                    T0 + timedelta(seconds=t),
                    1.0,
                    float(n),
                    round(xs),
                    0,
                    latency * 0.8,
                    latency,
                    latency * 1.2,
                )
            )
    return out


def test_usl_parameters_are_recovered_from_a_clean_step_test():
    points = cap.concurrency_points(step_test([1, 2, 4, 8, 16, 24, 32, 48, 64, 80]))
    fit = cap.fit_usl(points)
    assert fit.lam == pytest.approx(LAM, rel=0.05)
    assert fit.sigma == pytest.approx(SIGMA, abs=0.01)
    assert fit.kappa == pytest.approx(KAPPA, rel=0.15)
    assert fit.n_peak == pytest.approx(math.sqrt((1 - SIGMA) / KAPPA), rel=0.1)
    assert fit.x_peak == pytest.approx(cap.usl(fit.n_peak, LAM, SIGMA, KAPPA), rel=0.03)
    assert fit.r2 > 0.99


def test_usl_fit_survives_noise():
    fit = cap.fit_usl(
        cap.concurrency_points(step_test([1, 4, 8, 16, 32, 48, 64, 96], noise=0.05, seed=3))
    )
    true_peak = float(cap.usl(math.sqrt((1 - SIGMA) / KAPPA), LAM, SIGMA, KAPPA))
    assert fit.x_peak == pytest.approx(true_peak, rel=0.08)


def test_linear_scaling_has_no_ceiling_and_pure_contention_an_asymptote():
    linear = [(n, 5.0 * n) for n in (1, 2, 4, 8)]
    fit = cap.fit_usl(linear)
    assert fit.x_peak is None or (fit.n_peak or math.inf) > 1000  # nowhere near the 8 tested
    amdahl = [(n, float(cap.usl(n, 5.0, 0.2, 0.0))) for n in (1, 2, 4, 8, 16, 32)]
    fit = cap.fit_usl(amdahl)
    assert fit.n_peak is None and fit.x_peak == pytest.approx(25.0, rel=0.05)


def test_fewer_than_three_levels_cannot_be_fitted():
    with pytest.raises(ValueError, match="3 or more concurrency levels"):
        cap.fit_usl([(1, 10.0), (1, 11.0), (2, 19.0)])


def test_the_knee_is_the_last_level_that_holds_the_latency_slo():
    levels = [1, 2, 4, 8, 16, 24, 32, 48, 64]
    samples = step_test(levels, think_s=0.0)
    # p95 = N / X(N) s: the latency at each level; the SLO sits between 24 and 32 users.
    lat = {n: n / cap.usl(n, LAM, SIGMA, KAPPA) * 1000 for n in levels}
    threshold = (lat[24] + lat[32]) / 2
    knee = cap.knee(samples, 95, threshold, 0.01, window_s=10)
    assert knee is not None
    assert knee.users == 24
    assert knee.throughput == pytest.approx(cap.usl(24, LAM, SIGMA, KAPPA), abs=0.6)
    assert knee.latency_ms <= threshold and knee.samples == 10


def test_errors_over_the_limit_disqualify_a_window():
    ok = [Sample(T0 + timedelta(seconds=i), 1.0, 10.0, 100, 0, 5, 10, 20) for i in range(10)]
    bad = [Sample(T0 + timedelta(seconds=10 + i), 1.0, 20.0, 200, 10, 5, 10, 20) for i in range(10)]
    knee = cap.knee(ok + bad, 99, 100, max_error_ratio=0.01, window_s=5)
    assert knee is not None and knee.throughput == 100 and knee.users == 10
    series = cap.error_series(bad + ok)
    assert series[0] == (ok[0].time, 0.0) and series[-1][1] == pytest.approx(0.05)


def test_no_window_long_enough_means_no_knee():
    spiky = [
        Sample(T0 + timedelta(seconds=i), 1.0, 5.0, 50, 0, 5, 10 if i % 3 else 999, 999)
        for i in range(30)
    ]
    assert cap.knee(spiky, 95, 100, 0.01, window_s=3) is None
    assert cap.knee(spiky, 95, 100, 0.01, window_s=2) is not None


@pytest.mark.parametrize(
    ("peak", "growth", "years", "event", "projected"),
    [
        (100, 0.0, 2, 1, 100),
        (100, 0.5, 2, 1, 225),
        (40, 0.6, 2, 4, 409.6),
        (10, 1.0, 0, 3, 30),
    ],
    ids=["no growth", "50% a year for 2 years", "the example", "horizon 0 keeps today"],
)
def test_the_projected_peak_compounds_growth_and_multiplies_the_event(
    peak, growth, years, event, projected
):
    assert cap.project_peak(peak, growth, years, event).projected == pytest.approx(projected)


def test_headroom_needs_the_margin_on_top_of_the_projection():
    h = cap.headroom(capacity=500, projected=400, safety_margin=1.3)
    assert h.ratio == pytest.approx(1.25) and h.required == pytest.approx(520)
    assert not h.ok and h.shortfall == pytest.approx(20)
    assert cap.headroom(520, 400, 1.3).ok


def test_impossible_projection_inputs_are_refused():
    with pytest.raises(ValueError):
        cap.project_peak(10, -1.0, 2, 1)


def test_on_a_flat_plateau_the_knee_is_where_saturation_starts_not_the_noisiest_window():
    # Throughput rises to ~100 req/s at 6 users, then stays flat to 16 users with +-2 %
    # noise; the single best window is then wherever the noise peaked.
    rng = np.random.default_rng(7)
    samples, t = [], 0
    for n in range(1, 17):
        x = min(100.0, 17.0 * n)
        for _ in range(10):
            t += 1
            xs = round(x * (1 + rng.uniform(-0.02, 0.02)))
            samples.append(Sample(T0 + timedelta(seconds=t), 1.0, float(n), xs, 0, 5, 10, 20))
    knee = cap.knee(samples, 95, 100, 0.01, window_s=10)
    assert knee is not None
    assert knee.users == 6  # the lowest load within 5 % of the best sustained throughput
    assert knee.onset_throughput == pytest.approx(100, rel=0.05)
    assert knee.throughput >= knee.onset_throughput  # the best sustained figure, also reported
    assert knee.best_users is not None and knee.best_users >= 6
