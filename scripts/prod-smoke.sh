#!/usr/bin/env bash
# Production smoke test, outside Docker: mirrors what the Dockerfile does and runs what the image would run.
#   1. npm run build in the repository (dist/viewer, dist/src, dist/seeds, dist/bundle);
#   2. copy package.json, package-lock.json, dist/ and migrations/ into a temporary folder;
#   3. npm ci --omit=dev there (better-sqlite3 compiles its native addon; ~1 minute);
#   4. start `node dist/bundle/server.js` with the image's settings (NODE_ENV=production, SEED_ON_START=false) on a
#      loopback port: /health answers, there are no trips, and the log warns about the placeholder
#      CALENDAR_UID_DOMAIN;
#   5. restart it with SEED_ON_START=true and a real CALENDAR_UID_DOMAIN: the seeded itinerary, no warning;
#   and check that no dev dependency (vitest, tsx, typescript...) is present.
# Prints `prod smoke: ok` on success; exits non-zero with a message on failure.
# Env: SMOKE_PORT (default 3917; a free port is picked if it is taken), SMOKE_TIMEOUT (seconds, default 30),
#      SMOKE_KEEP=1 to keep the temporary folder for inspection.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SMOKE_TIMEOUT="${SMOKE_TIMEOUT:-30}"
TMP_DIR=""
SERVER_PID=""

log() { printf '[prod-smoke] %s\n' "$*"; }
fail() {
  printf '[prod-smoke] FAILED: %s\n' "$*" >&2
  if [[ -n "${TMP_DIR}" && -s "${TMP_DIR}/server.log" ]]; then
    printf '[prod-smoke] --- server log (last 40 lines) ---\n' >&2
    tail -n 40 "${TMP_DIR}/server.log" >&2 || true
  fi
  exit 1
}

cleanup() {
  local status=$?
  if [[ -n "${SERVER_PID}" ]] && kill -0 "${SERVER_PID}" 2>/dev/null; then
    kill "${SERVER_PID}" 2>/dev/null || true
    for _ in $(seq 1 50); do
      kill -0 "${SERVER_PID}" 2>/dev/null || break
      sleep 0.1
    done
    kill -9 "${SERVER_PID}" 2>/dev/null || true
    wait "${SERVER_PID}" 2>/dev/null || true
  fi
  if [[ -n "${TMP_DIR}" && -d "${TMP_DIR}" ]]; then
    if [[ "${SMOKE_KEEP:-}" == "1" ]]; then
      log "kept ${TMP_DIR}"
    else
      rm -rf "${TMP_DIR}"
    fi
  fi
  if [[ ${status} -ne 0 ]]; then
    printf '[prod-smoke] prod smoke: FAILED (exit %s)\n' "${status}" >&2
  fi
  exit "${status}"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# Step seconds, for the log.
step_start=0
step() { step_start=${SECONDS}; log "$*"; }
step_done() { log "  done in $((SECONDS - step_start)) s"; }

cd "${ROOT}"
for f in package.json package-lock.json; do
  [[ -f "${f}" ]] || fail "${f} not found in ${ROOT}"
done
[[ -d migrations ]] || fail "migrations/ not found in ${ROOT}"

step "npm run build"
npm run build || fail "npm run build failed"
[[ -f dist/bundle/server.js ]] || fail "dist/bundle/server.js was not produced by npm run build"
[[ -f dist/viewer/index.html ]] || fail "dist/viewer/index.html (the itinerary viewer) was not produced by npm run build"
step_done

TMP_DIR="$(mktemp -d "${TMPDIR:-/tmp}/prod-smoke.XXXXXX")"
APP_DIR="${TMP_DIR}/app"
mkdir -p "${APP_DIR}"
step "copy package.json, package-lock.json, dist/, migrations/ to ${APP_DIR}"
cp package.json package-lock.json "${APP_DIR}/"
cp -R dist migrations "${APP_DIR}/"
step_done

step "npm ci --omit=dev (compiles better-sqlite3)"
(cd "${APP_DIR}" && npm ci --omit=dev --ignore-scripts=false --no-audit --no-fund) \
  || fail "npm ci --omit=dev failed"
# Same trim as the Dockerfile: only build/Release/better_sqlite3.node is needed at run time, and v13's prebuilt
# addons for glibc Linux.
(
  cd "${APP_DIR}/node_modules/better-sqlite3" \
    && rm -rf deps src build/deps build/Release/obj build/Release/obj.target build/Release/.deps \
      build/Release/sqlite3.a build/Release/test_extension.node \
    && cd ../better-sqlite3-napi \
    && rm -rf deps src prebuilds/darwin-* prebuilds/win32-* prebuilds/linuxmusl-*
) || fail "could not trim better-sqlite3 build leftovers"
step_done

# Only production dependencies may be present, and the native addon must have been built.
for dev_pkg in vitest tsx typescript @biomejs/biome @redocly/cli drizzle-kit supertest dockerfile-utils pino-pretty; do
  [[ ! -e "${APP_DIR}/node_modules/${dev_pkg}" ]] || fail "dev dependency ${dev_pkg} is installed by npm ci --omit=dev"
done
[[ -d "${APP_DIR}/node_modules/better-sqlite3" ]] || fail "better-sqlite3 is missing from production node_modules"
[[ -f "${APP_DIR}/node_modules/better-sqlite3/build/Release/better_sqlite3.node" ]] \
  || fail "better-sqlite3 native addon (better_sqlite3.node) was not built"
[[ -f "${APP_DIR}/node_modules/better-sqlite3-napi/prebuilds/linux-x64.node" ]] \
  || fail "better-sqlite3-napi has no prebuilt addon for linux-x64"
log "production node_modules: no dev dependencies, better-sqlite3 addon built"

# A loopback port: SMOKE_PORT (default 3917) if free, else one chosen by the OS.
PORT="$(
  SMOKE_PORT="${SMOKE_PORT:-3917}" node -e '
    const net = require("node:net");
    const tryListen = (port) => new Promise((resolve, reject) => {
      const srv = net.createServer();
      srv.once("error", reject);
      srv.listen(port, "127.0.0.1", () => { const p = srv.address().port; srv.close(() => resolve(p)); });
    });
    tryListen(Number(process.env.SMOKE_PORT)).catch(() => tryListen(0)).then((p) => console.log(p));
  '
)"
[[ "${PORT}" =~ ^[0-9]+$ ]] || fail "could not find a free loopback port"
BASE_URL="http://127.0.0.1:${PORT}"

# start_server <log> [VAR=value...]: starts `node dist/bundle/server.js` as the image runs it (the Dockerfile's ENV:
# NODE_ENV=production, SEED_ON_START=false), with the given settings on top, and waits for /health.
start_server() {
  local log="$1"
  shift
  (
    cd "${APP_DIR}"
    # A clean environment for Node: no loaders (tsx) or extra module paths leaking in from the caller.
    exec env -u NODE_OPTIONS -u NODE_PATH -u CALENDAR_UID_DOMAIN \
      NODE_ENV=production SEED_ON_START=false HOST=127.0.0.1 PORT="${PORT}" \
      DATABASE_PATH="${TMP_DIR}/data/itinerary.db" LOG_LEVEL=warn "$@" \
      node dist/bundle/server.js
  ) >"${log}" 2>&1 &
  SERVER_PID=$!
  local deadline=$((SECONDS + SMOKE_TIMEOUT))
  until node -e "fetch('${BASE_URL}/health').then((r) => process.exit(r.status === 200 ? 0 : 1), () => process.exit(1))" 2>/dev/null; do
    kill -0 "${SERVER_PID}" 2>/dev/null || fail "server exited before /health answered (log: ${log})"
    ((SECONDS < deadline)) || fail "/health did not return 200 within ${SMOKE_TIMEOUT} s"
    sleep 0.5
  done
}

stop_server() {
  kill "${SERVER_PID}" 2>/dev/null || true
  wait "${SERVER_PID}" 2>/dev/null || true
  SERVER_PID=""
}

mkdir -p "${TMP_DIR}/data"
step "start node dist/bundle/server.js on ${BASE_URL} with the image's settings"
start_server "${TMP_DIR}/server.log"
step_done

# The process really is plain `node dist/bundle/server.js`, with no tsx loader.
if [[ -r "/proc/${SERVER_PID}/cmdline" ]]; then
  cmdline="$(tr '\0' ' ' <"/proc/${SERVER_PID}/cmdline")"
  [[ "${cmdline}" != *tsx* ]] || fail "server process uses tsx: ${cmdline}"
  log "server process: ${cmdline}"
fi

step "GET /health and /trips: no demo trip unless asked; a warning for the placeholder CALENDAR_UID_DOMAIN"
# shellcheck disable=SC2016 # JavaScript template literals, not shell expansions
BASE_URL="${BASE_URL}" node -e '
  const base = process.env.BASE_URL;
  const die = (msg) => { console.error(msg); process.exit(1); };
  (async () => {
    const health = await fetch(`${base}/health`);
    const healthBody = await health.json().catch(() => null);
    if (health.status !== 200 || healthBody?.status !== "ok") {
      die(`GET /health: expected 200 {"status":"ok"}, got ${health.status} ${JSON.stringify(healthBody)}`);
    }
    const trips = await (await fetch(`${base}/trips`)).json();
    if (!Array.isArray(trips.data) || trips.data.length !== 0) {
      die(`GET /trips: expected no trips with SEED_ON_START=false, got ${JSON.stringify(trips).slice(0, 300)}`);
    }
    // The itinerary viewer, built into dist/ and served without any dev dependency: its page and its script.
    const page = await fetch(`${base}/view/trips/1`);
    const html = await page.text();
    const script = /src="(\/view\/assets\/[^"]+\.js)"/.exec(html)?.[1];
    if (page.status !== 200 || !script) die(`GET /view/trips/1: expected the viewer page, got ${page.status}: ${html.slice(0, 300)}`);
    const asset = await fetch(`${base}${script}`);
    if (asset.status !== 200) die(`GET ${script}: expected 200, got ${asset.status}`);
    console.log("[prod-smoke]   /health ok; /trips is empty; the viewer is served");
  })().catch((err) => die(`request failed: ${err.message}`));
' || fail "HTTP checks failed"
grep -q '"level":40.*CALENDAR_UID_DOMAIN is diplomatic-itinerary.invalid' "${TMP_DIR}/server.log" \
  || fail "no start-up warning about CALENDAR_UID_DOMAIN in the log"
log "  warned: CALENDAR_UID_DOMAIN is a placeholder"
stop_server
step_done

step "restart with SEED_ON_START=true and a CALENDAR_UID_DOMAIN: GET /trips/1?include=stops,meetings,participants"
start_server "${TMP_DIR}/server-seeded.log" SEED_ON_START=true CALENDAR_UID_DOMAIN=itinerary.example.org
# shellcheck disable=SC2016 # JavaScript template literals, not shell expansions
BASE_URL="${BASE_URL}" node -e '
  const base = process.env.BASE_URL;
  const die = (msg) => { console.error(msg); process.exit(1); };
  (async () => {
    const res = await fetch(`${base}/trips/1?include=stops,meetings,participants`);
    const text = await res.text();
    if (res.status !== 200) die(`GET /trips/1: expected 200, got ${res.status}: ${text.slice(0, 500)}`);
    let body;
    try { body = JSON.parse(text); } catch { die(`GET /trips/1: response is not JSON: ${text.slice(0, 500)}`); }
    const stops = body.stops ?? body.data?.stops ?? body.trip?.stops;
    if (!Array.isArray(stops)) die(`GET /trips/1: no stops array in ${text.slice(0, 500)}`);
    const countries = new Set(stops.map((s) => s.country ?? s.countryCode ?? s.country_code));
    const missing = ["MX", "AR", "PE", "CO", "JM"].filter((c) => !countries.has(c));
    if (missing.length > 0) die(`GET /trips/1: stops lack ${missing.join(", ")} (got ${[...countries].join(", ")})`);
    console.log(`[prod-smoke]   /trips/1 has ${stops.length} stops in ${[...countries].join(", ")}`);
  })().catch((err) => die(`request failed: ${err.message}`));
' || fail "HTTP checks failed"
if grep -q '"level":40' "${TMP_DIR}/server-seeded.log"; then
  fail "unexpected warning with CALENDAR_UID_DOMAIN set: $(grep '"level":40' "${TMP_DIR}/server-seeded.log")"
fi
[[ -s "${TMP_DIR}/data/itinerary.db" ]] || fail "database file ${TMP_DIR}/data/itinerary.db was not created"
step_done

# The production server is a bundle (scripts/bundle.mjs) that loads some modules only when first needed (the
# Historian importer) and leaves some in node_modules (better-sqlite3, @fastify/swagger-ui's files,
# i18n-iso-countries' names): reach each of them once, as a user would.
step "the bundle's lazy and external parts: /docs, a calendar, a search, and POST /imports with an admin key"
TOKEN="$(cd "${APP_DIR}" && env -u NODE_OPTIONS DATABASE_PATH="${TMP_DIR}/data/itinerary.db" \
  node dist/src/cli/keys.js create --name smoke --scope admin | tail -n 1)" || fail "could not create an admin key"
# One record in the Office of the Historian's format (Dean Acheson's May-June 1949 trip to Paris, from its public record).
cat >"${TMP_DIR}/travels.xml" <<'XML'
<?xml version="1.0" encoding="UTF-8"?>
<trips>
  <trip role="secretary" who="acheson-dean-gooderham">
    <id>3290</id>
    <role>secretary</role>
    <name>Dean Gooderham Acheson</name>
    <start-date>1949-05-20</start-date>
    <end-date>1949-06-20</end-date>
    <country id="france">France</country>
    <locale>Paris</locale>
    <remarks>Attended 6th Session of the Council of Foreign Ministers.</remarks>
  </trip>
</trips>
XML
# shellcheck disable=SC2016 # JavaScript template literals, not shell expansions
BASE_URL="${BASE_URL}" TOKEN="${TOKEN}" XML_FILE="${TMP_DIR}/travels.xml" node -e '
  const { readFileSync } = require("node:fs");
  const base = process.env.BASE_URL;
  const die = (msg) => { console.error(msg); process.exit(1); };
  const expect = async (path, status, type, init) => {
    const res = await fetch(`${base}${path}`, init);
    const text = await res.text();
    const got = res.headers.get("content-type") ?? "";
    if (res.status !== status || !got.startsWith(type)) die(`${init?.method ?? "GET"} ${path}: expected ${status} ${type}, got ${res.status} ${got}: ${text.slice(0, 300)}`);
    return text;
  };
  (async () => {
    await expect("/docs/", 200, "text/html");
    const ics = await expect("/trips/1/calendar.ics", 200, "text/calendar");
    if (!ics.includes("BEGIN:VEVENT")) die("GET /trips/1/calendar.ics: no VEVENT");
    await expect("/search?q=tillerson", 200, "application/json");
    const report = JSON.parse(await expect("/imports", 200, "application/json", {
      method: "POST",
      headers: { authorization: `Bearer ${process.env.TOKEN}`, "content-type": "application/xml" },
      body: readFileSync(process.env.XML_FILE),
    }));
    const trips = await (await fetch(`${base}/trips?country=FR`)).json();
    if (!Array.isArray(trips.data) || trips.data.length !== 1) die(`POST /imports: expected one trip to France after the import, got ${JSON.stringify(trips).slice(0, 300)} (report ${JSON.stringify(report).slice(0, 300)})`);
    console.log("[prod-smoke]   /docs, calendar.ics, /search and POST /imports answer; the import made a trip to France");
  })().catch((err) => die(`request failed: ${err.message}`));
' || fail "HTTP checks failed"
kill -0 "${SERVER_PID}" 2>/dev/null || fail "server is no longer running after the checks"
step_done

echo "prod smoke: ok"
