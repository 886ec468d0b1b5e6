# deskgate API image: the API (run by Node's type stripping, no compile step) with the built SDK and admin console.
#   docker build -t deskgate .
#   docker run -p 8787:8787 -v deskgate-data:/data deskgate
# `pnpm check:docker` runs this file's steps and the image's command on the machine at hand (no daemon needed):
# keep it readable by scripts/check-dockerfile.ts: COPY without wildcards, exec-form CMD and HEALTHCHECK, and RUN
# steps with relative paths or $VARIABLES rather than literal absolute paths.

# ---- build: all dependencies, the SDK and admin console builds, then a production-only node_modules ----
FROM node:24-bookworm-slim AS build
# The pnpm major of the lockfile (.ci/run installs the same).
ARG PNPM_VERSION=12
WORKDIR /app
RUN npm install -g --no-fund --no-audit "pnpm@${PNPM_VERSION}"
# The lockfile alone fills pnpm's store: this layer is reused until the lockfile changes.
COPY pnpm-lock.yaml pnpm-workspace.yaml ./
RUN pnpm fetch
COPY . .
RUN pnpm install --frozen-lockfile --offline
RUN pnpm build
# Production dependencies only. Workspace packages stay pnpm's symlinks to packages/*: Node strips the types of
# .ts files outside node_modules only, so `pnpm deploy` (which copies them into node_modules) would not start.
RUN rm -rf node_modules apps/*/node_modules packages/*/node_modules e2e/node_modules \
  && pnpm install --prod --frozen-lockfile --offline --config.hoist-workspace-packages=false

# ---- runtime: what the API needs to run, owned by root, run as node ----
FROM node:24-bookworm-slim AS runtime
WORKDIR /app
# V8's heap sized for this service (BENCHMARKS.md): a young generation of 1 MB semi-spaces and an old one of at
# most 96 MB (the heap in use stays near 40 MB under load), and glibc's malloc held to two arenas, keep the
# resident size under 150 MB under load, where V8's defaults let it grow past 300 MB at the same throughput.
# Node's compile cache on from the process's start: a restart then reads every module (main.ts too) back
# stripped and compiled, and never loads the type stripper, which alone keeps some 16 MB resident.
ENV NODE_ENV=production \
  NODE_OPTIONS="--max-semi-space-size=1 --max-old-space-size=96" \
  NODE_COMPILE_CACHE=/tmp/node-compile-cache \
  MALLOC_ARENA_MAX=2 \
  HOST=0.0.0.0 \
  PORT=8787 \
  DESKGATE_DATA_DIR=/data \
  DESKGATE_SDK_DIR=/app/packages/sdk/dist \
  DESKGATE_ADMIN_DIR=/app/apps/admin/dist
COPY --from=build /app/package.json ./package.json
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/packages/protocol ./packages/protocol
COPY --from=build /app/packages/core ./packages/core
COPY --from=build /app/packages/store ./packages/store
COPY --from=build /app/apps/api ./apps/api
COPY --from=build /app/packages/sdk/package.json ./packages/sdk/package.json
COPY --from=build /app/packages/sdk/dist ./packages/sdk/dist
COPY --from=build /app/apps/admin/package.json ./apps/admin/package.json
COPY --from=build /app/apps/admin/dist ./apps/admin/dist
# The embedded store (SQLite) and its generated master key, when DATABASE_URL is not set; node is uid 1000.
RUN mkdir -p "$DESKGATE_DATA_DIR" && chown 1000:1000 "$DESKGATE_DATA_DIR"
VOLUME ["/data"]
USER node
EXPOSE 8787
HEALTHCHECK --interval=15s --timeout=5s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||8787)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
# The server (serve.ts) drains requests and the mail run on SIGTERM, then exits 0.
STOPSIGNAL SIGTERM
CMD ["node", "apps/api/src/main.ts"]
