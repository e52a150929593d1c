#!/bin/bash
set -e
docker build -t "$IMAGE" .
docker push "$IMAGE"
