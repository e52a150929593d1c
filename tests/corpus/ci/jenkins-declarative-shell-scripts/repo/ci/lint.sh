#!/usr/bin/env bash
set -euo pipefail
ruff check src tests
hadolint Dockerfile
