"""What the living scorecard ships beside `golive metrics` (golive_lib.report.metrics):
Prometheus alerting rules for drift and a Grafana dashboard of the portfolio.

    golive metrics --textfile /var/lib/node_exporter/textfile/golive.prom
    # load RULES into Prometheus, import DASHBOARD into Grafana
"""

from __future__ import annotations

from pathlib import Path

HERE = Path(__file__).parent
RULES = HERE / "golive-drift.rules.yml"
DASHBOARD = HERE / "golive-portfolio.dashboard.json"
