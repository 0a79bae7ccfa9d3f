# syntax=docker/dockerfile:1
# Debian-based on purpose: onnxruntime-node has no musl (Alpine) build.
# With Docker: `docker build .` against the public image. Without a registry: `npm run container:build`
# makes an image of that name locally first (scripts/container/base-image.sh).
ARG BASE_IMAGE=docker.io/library/node:22-bookworm-slim

# Compiles src/ with the dev dependencies; only dist/ leaves this stage.
FROM ${BASE_IMAGE} AS build
# Build time only (never in a layer of the final image): a CA bundle for a TLS-intercepting proxy,
# mounted by the build command (`--volume`), e.g. /etc/ssl/certs/ca-certificates.crt.
ARG NODE_EXTRA_CA_CERTS
# onnxruntime-node's installer would fetch GPU binaries; the CPU binaries ship in the package.
ENV ONNXRUNTIME_NODE_INSTALL=skip NPM_CONFIG_UPDATE_NOTIFIER=false
WORKDIR /app
COPY package.json package-lock.json .npmrc ./
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY console ./console
COPY scripts/build-console.mjs ./scripts/
RUN npm run build

# Production dependencies alone, without other platforms' native binaries.
FROM ${BASE_IMAGE} AS deps
ARG NODE_EXTRA_CA_CERTS
ENV ONNXRUNTIME_NODE_INSTALL=skip NPM_CONFIG_UPDATE_NOTIFIER=false
WORKDIR /app
COPY package.json package-lock.json .npmrc ./
# --ignore-scripts: the one production install script (onnxruntime-node's) only downloads GPU
# binaries, skipped here; sharp's native parts come as platform packages, which need no script.
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund
COPY scripts/container/prune-modules.mjs ./
RUN node prune-modules.mjs node_modules

FROM ${BASE_IMAGE}
ARG BASE_IMAGE
ARG VERSION=0.1.0
ARG REVISION=unknown
ARG CREATED=unknown
LABEL org.opencontainers.image.title="feedguard" \
      org.opencontainers.image.description="Content-filtering microservice: per-item allow/blur/hide decisions for feed candidates" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.created="${CREATED}" \
      org.opencontainers.image.licenses="MIT" \
      org.opencontainers.image.base.name="${BASE_IMAGE}"
# ORT_DISABLE_TELEMETRY: onnxruntime would otherwise print non-JSON lines to stderr.
ENV NODE_ENV=production \
    ORT_DISABLE_TELEMETRY=1 \
    HOST=0.0.0.0 \
    PORT=8080 \
    MODELS_DIR=/app/models
WORKDIR /app
# Owned by root (COPY's default), read-only to the service user: a compromised process cannot rewrite
# the code or the models (the smoke test checks that nothing under /app is writable by uid 1000).
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
COPY scripts/build-if-needed.mjs ./scripts/
COPY models ./models
# Numeric, so Kubernetes' runAsNonRoot can verify it.
USER 1000:1000
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||8080)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
# SIGTERM: /readyz turns 503, requests drain, the process exits 0.
STOPSIGNAL SIGTERM
CMD ["node", "dist/src/server.js"]
