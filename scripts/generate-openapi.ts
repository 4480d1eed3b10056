import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { renderOpenApi } from '../src/openapi.js';

// Writes openapi.yaml from the routes the app registers. A test fails when the committed file drifts.
const target = fileURLToPath(new URL('../openapi.yaml', import.meta.url));
writeFileSync(target, await renderOpenApi());
console.log(`wrote ${target}`);
