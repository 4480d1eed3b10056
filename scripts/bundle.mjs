// Bundles the API server for production: `node scripts/bundle.mjs` (run by `npm run build`, before tsc).
//
// Output: dist/bundle/server.js, the entry the Dockerfile's CMD, `npm start` and `npm run bench` run, plus the
// chunks of the modules the server imports only when needed (the PostgreSQL driver, the Historian importer), each
// with a linked source map.
//
// Why: at start, Node resolved, opened, read and compiled about 950 files (the API's own and its dependencies'),
// which was most of a cold start. One ESM file and a few chunks take that to about twenty (see the README,
// Performance: Targets). tsc still compiles src/ into dist/src for the command-line tools (dist/src/cli) and for
// the type check; the bundle is the same code, from the same sources.
//
// Left out of the bundle and loaded from node_modules at run time:
// - better-sqlite3 and better-sqlite3-napi: native addons (src/db/driver.ts picks one by Node version);
// - pg-native: node-postgres's optional native binding, not installed;
// - @fastify/swagger-ui: serves the files of its own folder (/docs);
// - i18n-iso-countries: src/domain/iso-countries.ts loads its index and English names by path;
// - pino (with thread-stream), ioredis and @fastify/swagger: they find files of their own folders through
//   `__dirname` (pino's transport worker, which a terminal's pretty logs start; ioredis's error stacks and version;
//   @fastify/swagger's package.json), which an ES module does not have. The build fails if any bundled code still
//   uses it.
//
// The bundle sits two folders below the repository root, like dist/src/db: src/db/migrate.ts finds
// migrations/ from there, and src/plugins/viewer.ts finds dist/viewer.
//
// Like tsc --build, it does nothing when the bundle is newer than every file it was made from (the list esbuild
// wrote in dist/bundle/meta.json) and than this script, so `npm start` goes straight to the server; about a second
// otherwise. Delete dist/ to rebuild everything.
import { existsSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = fileURLToPath(new URL('..', import.meta.url));
const outdir = `${root}dist/bundle`;
const entry = `${outdir}/server.js`;
const metaPath = `${outdir}/meta.json`;

/** True when dist/bundle/server.js is newer than each input of its last build and than this script. */
function fresh() {
  if (!existsSync(entry) || !existsSync(metaPath)) return false;
  const built = statSync(entry).mtimeMs;
  let inputs;
  try {
    inputs = JSON.parse(readFileSync(metaPath, 'utf8')).inputs;
  } catch {
    return false;
  }
  if (!Array.isArray(inputs)) return false;
  return [...inputs.map((input) => `${root}${input}`), fileURLToPath(import.meta.url)].every(
    (file) => existsSync(file) && statSync(file).mtimeMs <= built,
  );
}

if (fresh()) process.exit(0);
rmSync(outdir, { recursive: true, force: true });
const { metafile } = await build({
  absWorkingDir: root,
  entryPoints: { server: 'src/server.ts' },
  outdir,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  sourcemap: 'linked',
  metafile: true,
  logLevel: 'warning',
  external: [
    'better-sqlite3',
    'better-sqlite3-napi',
    'pg-native',
    '@fastify/swagger-ui',
    'i18n-iso-countries',
    'pino',
    'ioredis',
    '@fastify/swagger',
  ],
  // Bundled CommonJS dependencies call require() for Node's built-in modules and the external packages; an ES
  // module has no require of its own, so each output file gets one for its own location.
  banner: {
    js: "import { createRequire as __bundleRequire } from 'node:module'; const require = __bundleRequire(import.meta.url);",
  },
});

// CommonJS's __dirname and __filename do not exist in an ES module: code that still names them would throw a
// ReferenceError only when it runs (a path that tests may not take), so a bundle that has any is refused.
const offending = Object.entries(metafile.outputs)
  .filter(([file]) => file.endsWith('.js'))
  .flatMap(([file]) => {
    const text = readFileSync(`${root}${file}`, 'utf8');
    return /\b__(dirname|filename)\b/.test(text) ? [file] : [];
  });
if (offending.length > 0) {
  rmSync(outdir, { recursive: true, force: true });
  console.error(
    `scripts/bundle.mjs: ${offending.join(', ')} use __dirname or __filename, which an ES module does not have: ` +
      'leave the package that does out of the bundle (external).',
  );
  process.exit(1);
}
writeFileSync(metaPath, JSON.stringify({ inputs: Object.keys(metafile.inputs) }));
