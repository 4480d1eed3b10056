import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { renderOpenApi } from '../src/openapi.js';
import { renderClient, writeClient } from './client-package.js';

// Writes openapi.yaml from the routes the app registers, then the typed client's generated types and compiled
// JavaScript (client/generated, client/dist) from that document. A test fails when any committed file drifts.
const target = fileURLToPath(new URL('../openapi.yaml', import.meta.url));
const document = await renderOpenApi();
writeFileSync(target, document);
console.log(`wrote ${target}`);
const client = await renderClient(document);
writeClient(client);
console.log(`wrote ${[...client.keys()].map((path) => `client/${path}`).join(', ')}`);
