#!/usr/bin/env bash
# `npm run container:build`: the image with podman, from a locally made base image when the
# Dockerfile's FROM is not there yet (no registry needed). Prints the image's size and the build time.
#
# Environment: IMAGE (default localhost/feedguard:<package version>, also tagged :latest),
# PODMAN_RUNTIME (default runc), CA_BUNDLE (default /etc/ssl/certs/ca-certificates.crt when present:
# mounted for npm during the build only, for a TLS-intercepting proxy).
set -euo pipefail
cd "$(dirname "$0")/../.."

source scripts/container/podman.sh
version=$(node -p "require('./package.json').version")
IMAGE=${IMAGE:-localhost/feedguard:$version}
CA_BUNDLE=${CA_BUNDLE:-/etc/ssl/certs/ca-certificates.crt}
started=$(date +%s)

scripts/container/base-image.sh

ca_args=()
if [[ -f "$CA_BUNDLE" ]]; then
  # Mounted into the build's RUN steps only: nothing of it is written to a layer.
  ca_args=(--volume "$CA_BUNDLE:/run/build-ca.crt:ro" --build-arg NODE_EXTRA_CA_CERTS=/run/build-ca.crt)
fi

# --format docker: the OCI image format has no HEALTHCHECK.
"${PODMAN[@]}" build --format docker "${ULIMITS[@]}" \
  "${ca_args[@]}" \
  --build-arg "VERSION=$version" \
  --build-arg "REVISION=$(git rev-parse HEAD 2>/dev/null || echo unknown)" \
  --build-arg "CREATED=$(date -u +%Y-%m-%dT%H:%M:%SZ)" \
  --tag "$IMAGE" --tag "${IMAGE%:*}:latest" \
  .

size=$("${PODMAN[@]}" image inspect --format '{{.Size}}' "$IMAGE")
echo "container:build: $IMAGE, $((size / 1000 / 1000)) MB, built in $(($(date +%s) - started)) s"
