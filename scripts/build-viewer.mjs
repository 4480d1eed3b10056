// Builds the itinerary viewer (viewer/, a Preact app on the typed client of client/) with Vite into dist/viewer, which
// the server serves at / (see src/plugins/viewer.ts). Like `tsc --build`, it builds only when an input changed: the
// inputs' SHA-256 (every file under viewer/ and client/dist/, package-lock.json and this script) is kept in
// dist/viewer/.inputs, and an unchanged hash costs no build. `--force` builds all the same. Used by `npm run build`, `npm start`, the Dockerfile and the test suite's
// global setup.
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const source = join(root, 'viewer');
/** The folders whose files the build reads: the viewer's sources and the typed client's compiled module. */
const inputs = [source, join(root, 'client', 'dist')];
const out = join(root, 'dist', 'viewer');
const stamp = join(out, '.inputs');

/** The SHA-256 of the inputs' paths and bytes, in a stable order, as hex. */
function inputsHash() {
  const files = inputs.flatMap((folder) =>
    readdirSync(folder, { recursive: true, withFileTypes: true })
      .filter((entry) => entry.isFile())
      .map((entry) => join(entry.parentPath, entry.name)),
  );
  files.push(join(root, 'package-lock.json'), fileURLToPath(import.meta.url));
  const hash = createHash('sha256');
  for (const file of files.map((f) => relative(root, f)).sort()) {
    hash.update(`${file}\0`);
    hash.update(readFileSync(join(root, file)));
    hash.update('\0');
  }
  return hash.digest('hex');
}

const hash = inputsHash();
const fresh =
  !process.argv.includes('--force') &&
  existsSync(join(out, 'index.html')) &&
  existsSync(stamp) &&
  readFileSync(stamp, 'utf8') === hash;
if (!fresh) {
  const { build } = await import('vite');
  await build({ configFile: join(source, 'vite.config.ts'), logLevel: 'warn' });
  writeFileSync(stamp, hash);
}
