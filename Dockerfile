# syntax=docker/dockerfile:1
#
# Telegram Connector. Build: docker build -t telegram-connector .
# Run:   docker run -p 127.0.0.1:5000:5000 -e API_TOKEN=... -v connector-data:/app/data telegram-connector
# The service runs its TypeScript through tsx (a runtime dependency): there is no compile step.

ARG NODE_IMAGE=node:20-slim

# ---- dependencies: production node_modules, with the toolchain for native addons ----
FROM ${NODE_IMAGE} AS deps
# better-sqlite3 (a dependency of @mtcute/node) builds from source when no prebuilt binary
# fits the platform; that needs a C++ compiler, make and Python (node-gyp).
RUN apt-get update \
 && apt-get install -y --no-install-recommends g++ make python3 \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund \
 && npm cache clean --force

# ---- runtime: no compiler, no npm cache, not root ----
FROM ${NODE_IMAGE} AS runtime
ENV HOST=0.0.0.0 \
    PORT=5000
WORKDIR /app
# Owned by root and so read-only to the service: only the data directory is writable.
COPY --from=deps /app/node_modules ./node_modules
COPY package.json tsconfig.json ./
COPY src ./src
# The default SESSION_URL is file:./data/session; mount a volume here to keep the session
# (and, in sandbox mode, the emulator's state) across containers. Mode 0700: it holds auth keys.
RUN mkdir -p /app/data && chown node:node /app/data && chmod 0700 /app/data
USER node
EXPOSE 5000
# /health needs no token. Node's own fetch: the slim image has no curl or wget.
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 5000) + '/health').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# Node itself is PID 1 (no npm or tsx wrapper), so SIGTERM reaches the service, which saves the
# session and releases its lease before exiting.
CMD ["node", "--import", "tsx", "src/main.ts"]
