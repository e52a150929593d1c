#!/usr/bin/env bash
set -euo pipefail
helm upgrade --install ledger ./chart -f "chart/values-$1.yaml"
