# syntax=docker/dockerfile:1
#
# Telegram Connector. Build: docker build -t telegram-connector .
# Run:   docker run -p 127.0.0.1:5000:5000 -e API_TOKEN=... -v connector-data:/app/data telegram-connector
# The first stage type-checks src/, bundles it into dist/ and trims node_modules to the production
# dependencies; the second runs `node dist/main.js` with only those, as an unprivileged user.

ARG NODE_IMAGE=node:24-slim

# ---- build: every dependency, the TypeScript compiler and esbuild, then production node_modules only ----
FROM ${NODE_IMAGE} AS build
# better-sqlite3 (a dependency of @mtcute/node) builds from source when no prebuilt binary
# fits the platform; that needs a C++ compiler, make and Python (node-gyp).
RUN apt-get update \
 && apt-get install -y --no-install-recommends g++ make python3 \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json package-lock.json ./
# The emulator is a workspace package: npm ci needs its manifest; the build bundles its sources
# into the sandbox's chunk.
COPY packages/emulator/package.json ./packages/emulator/
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY scripts ./scripts
COPY packages ./packages
COPY src ./src
RUN npm run build \
 && npm prune --omit=dev --no-audit --no-fund \
 && npm cache clean --force

# ---- runtime: compiled JavaScript, production dependencies, no compiler, not root ----
FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=5000
WORKDIR /app
# Owned by root and so read-only to the service: only the data directory is writable.
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
# The default SESSION_URL is file:./data/session; mount a volume here to keep the session
# (and, in sandbox mode, the emulator's state) across containers. Mode 0700: it holds auth keys.
RUN mkdir -p /app/data && chown node:node /app/data && chmod 0700 /app/data
USER node
EXPOSE 5000
# /health needs no token. Node's own fetch: the slim image has no curl or wget. The container is
# healthy while the service answers: 200 ok, or 503 degraded while Telegram is unreachable (a
# restart would not bring Telegram back; readiness is /health's status, docs/api.md).
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 5000) + '/health').then((r) => process.exit(r.status === 200 || r.status === 503 ? 0 : 1), () => process.exit(1))"]
# Node itself is PID 1 (no npm wrapper), so SIGTERM reaches the service, which saves the
# session and releases its lease before exiting. NODE_OPTIONS=--enable-source-maps maps stack
# traces back to src/ (dist/ carries the maps), at some cost to the start-up.
CMD ["node", "dist/main.js"]
