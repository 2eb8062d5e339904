#!/usr/bin/env bash
# Builds the Docker runner's images: hirebus/sandbox-<language>:<tag> for
# every language in sandbox.Languages(), plus the sbxinit build image.
# Usage (from anywhere): docker/sandbox/build.sh [tag]
set -euo pipefail
tag="${1:-latest}"
root="$(cd "$(dirname "$0")/../.." && pwd)"
prefix="${HIREBUS_SANDBOX_DOCKER_IMAGE_PREFIX:-hirebus/sandbox-}"
docker build -f "$root/docker/sandbox/sbxinit.Dockerfile" -t "${prefix}sbxinit:$tag" "$root"
for lang in python javascript go c cpp java; do
  docker build -f "$root/docker/sandbox/$lang.Dockerfile" \
    --build-arg "SBXINIT_IMAGE=${prefix}sbxinit:$tag" \
    -t "${prefix}$lang:$tag" "$root"
done
