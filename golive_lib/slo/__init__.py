"""SLOs: one internal model, its units, the maths, and burn-rate rules as Sloth writes them.

Spec, model, output (as Sloth): the parameters file, Sloth and OpenSLO files
(`specs`) are loaded into `SLO`. Units are converted once, at the loaders:
objectives are ratios in 0..1, windows are timedeltas. The maths is small pure
functions; the window tables are data (`windows`); recognising alerts is `recognition`.

One module a concern: `model` (the SLO and its units), `maths`, `rules` (recording and
alert rules as Sloth writes them), `specs` (Sloth and OpenSLO files), `windows` (the
burn-rate window tables), `recognition` (reading alert rules by what they do). The model,
the maths and the rules are also importable from here (``from golive_lib import slo``).
"""

from __future__ import annotations

from .maths import (
    BURN_WINDOWS,
    budget_remaining,
    burn_down,
    burn_rate,
    chart_step,
    compliance,
    time_to_exhaustion,
)
from .model import (
    DEFAULT_PLUGINS,
    DEFAULT_SLOTH_WINDOW,
    RAW_TOTAL,
    SLO,
    WINDOW,
    Alerting,
    SLOSpecError,
    latency_slo,
    objective_ratio,
    ratio_slo,
    selector_text,
    window_delta,
)
from .rules import (
    generate_rules,
    go_float,
    record_name,
    rules_yaml,
    sloth_ids,
)

__all__ = [
    "Alerting",
    "BURN_WINDOWS",
    "DEFAULT_PLUGINS",
    "DEFAULT_SLOTH_WINDOW",
    "RAW_TOTAL",
    "SLO",
    "SLOSpecError",
    "WINDOW",
    "budget_remaining",
    "burn_down",
    "burn_rate",
    "chart_step",
    "compliance",
    "generate_rules",
    "go_float",
    "latency_slo",
    "objective_ratio",
    "ratio_slo",
    "record_name",
    "rules_yaml",
    "selector_text",
    "sloth_ids",
    "time_to_exhaustion",
    "window_delta",
]
