#!/usr/bin/env bash
set -euo pipefail
case "$1" in
  unit) pytest tests/unit ;;
  integration) pytest tests/integration ;;
esac
