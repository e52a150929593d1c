#!/usr/bin/env bash
set -euo pipefail
if [ "$1" = unit ]; then
  pytest tests/unit
else
  pytest tests/integration
fi
