# syntax=docker/dockerfile:1

# Diplomatic itinerary API: multi-stage image.
#   build   : installs all dependencies (compiling better-sqlite3 with node-gyp), compiles TypeScript,
#             then prunes the dev dependencies away.
#   runtime : slim Node image with only production node_modules, dist/, migrations/ and package.json,
#             running as the non-root `node` user with the SQLite database on the /data volume.
# Both stages use the same base image so the native better-sqlite3 addon matches the runtime (glibc, Node ABI).
# Node 24 is the active LTS line (package.json engines: 20.19+, 22 and 24; CI tests 20 and 24). Another line builds
# with --build-arg NODE_IMAGE=node:22-bookworm-slim.

ARG NODE_IMAGE=node:24.21-bookworm-slim

FROM ${NODE_IMAGE} AS build
WORKDIR /app

# Toolchain for better-sqlite3's node-gyp build (used when no prebuilt binary can be downloaded).
RUN apt-get update \
  && apt-get install -y --no-install-recommends python3 make g++ \
  && rm -rf /var/lib/apt/lists/*

# Dependencies first, so this layer is cached until package.json / package-lock.json change.
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts=false --no-audit --no-fund

# Sources needed by `npm run build`: Vite builds the itinerary viewer (viewer/, on the typed client of client/) into
# dist/viewer, esbuild bundles the server into dist/bundle (scripts/bundle.mjs: one file to load, not ~950), and
# tsc -p tsconfig.build.json compiles src/ and seeds/ into dist/ (the command-line tools run from there).
COPY tsconfig.json tsconfig.build.json ./
COPY scripts/build-viewer.mjs scripts/bundle.mjs ./scripts/
COPY client/dist ./client/dist
COPY viewer ./viewer
COPY src ./src
COPY seeds ./seeds
COPY migrations ./migrations
# Compile, then drop the dev dependencies and better-sqlite3's build leftovers (SQLite sources, object files: ~27 MB);
# only build/Release/better_sqlite3.node is loaded at run time. better-sqlite3-napi (v13, loaded on Node 24 and later:
# see src/db/driver.ts) ships prebuilt addons: keep the glibc Linux ones (~20 MB less).
RUN npm run build \
  && test -f dist/viewer/index.html \
  && npm prune --omit=dev --no-audit --no-fund \
  && npm cache clean --force \
  && cd node_modules/better-sqlite3 \
  && rm -rf deps src build/deps build/Release/obj build/Release/obj.target build/Release/.deps \
    build/Release/sqlite3.a build/Release/test_extension.node \
  && test -f build/Release/better_sqlite3.node \
  && cd ../better-sqlite3-napi \
  && rm -rf deps src prebuilds/darwin-* prebuilds/win32-* prebuilds/linuxmusl-* \
  && ls prebuilds/linux-*.node

FROM ${NODE_IMAGE} AS runtime
WORKDIR /app

# The demo trip is for trying the API locally, not for a real deployment: run with -e SEED_ON_START=true to get it.
ENV NODE_ENV=production \
  HOST=0.0.0.0 \
  PORT=3000 \
  DATABASE_PATH=/data/itinerary.db \
  SEED_ON_START=false

# The SQLite database lives on a volume owned by the unprivileged `node` user (uid 1000) of the base image.
RUN mkdir -p /data && chown node:node /data

# The IANA tz database with its pre-1970 history (backzone): every instant, conflict and VTIMEZONE is computed from
# /usr/share/zoneinfo (src/domain/tzdb.ts), not from Node's own zone data, which lacks that history.
RUN apt-get update \
  && apt-get install -y --no-install-recommends tzdata \
  && rm -rf /var/lib/apt/lists/* \
  && grep -q '^# ddeps.*backzone' /usr/share/zoneinfo/tzdata.zi

COPY --from=build --chown=root:root /app/package.json ./package.json
COPY --from=build --chown=root:root /app/node_modules ./node_modules
COPY --from=build --chown=root:root /app/dist ./dist
COPY --from=build --chown=root:root /app/migrations ./migrations

VOLUME /data
USER node
EXPOSE 3000

# No curl in the slim image: use Node's built-in fetch against the loopback address.
HEALTHCHECK --interval=30s --timeout=5s --start-period=15s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 3000) + '/health').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]

# A bounded old generation: under load V8 otherwise grows the heap far past the live data (the benchmark's peak RSS
# went from about 260 MB to 180 MB with this flag, at the same throughput). npm start and npm run bench use it too.
CMD ["node", "--max-old-space-size=192", "dist/bundle/server.js"]
