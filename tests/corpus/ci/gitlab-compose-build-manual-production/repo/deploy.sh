#!/bin/sh
set -eu
helm upgrade --install orders ./chart -f "chart/values-$1.yaml"
