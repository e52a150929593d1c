#!/bin/sh
set -eu
helm upgrade --install billing ./chart --set image.tag="$GIT_COMMIT" -f "chart/values-$1.yaml"
