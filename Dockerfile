# syntax=docker/dockerfile:1
# Debian-based on purpose: onnxruntime-node has no musl (Alpine) build.
FROM node:22-bookworm-slim AS build
WORKDIR /app
# onnxruntime-node's installer would fetch GPU binaries; the CPU binaries ship in the package.
ENV ONNXRUNTIME_NODE_INSTALL=skip
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build && npm prune --omit=dev --ignore-scripts

FROM node:22-bookworm-slim
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=8080 \
    MODELS_DIR=/app/models
WORKDIR /app
COPY --from=build --chown=node:node /app/node_modules ./node_modules
COPY --from=build --chown=node:node /app/dist ./dist
COPY --chown=node:node package.json ./
COPY --chown=node:node models ./models
USER node
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=2s --start-period=20s CMD node -e "fetch('http://127.0.0.1:'+(process.env.PORT||8080)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
# SIGTERM closes the server gracefully (in-flight requests finish, connections close).
CMD ["node", "dist/src/server.js"]
