import { execFileSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { build, type Rollup } from 'vite';
import { afterEach, describe, expect, it } from 'vitest';
import { clientFolder, GENERATED_FOLDERS, renderClient, renderSchema } from '../scripts/client-package.js';
import { buildTestApp } from './helpers.js';

// The client package as consumers get it (client/): generated and compiled files that match the OpenAPI document,
// an `exports` map that plain Node and a Vite build resolve, and the README's browser example run in Chromium
// against the real server from another origin. tests/client.test.ts drives the server through it on each engine.

const root = new URL('..', import.meta.url);
const read = (path: string) => readFileSync(new URL(path, root), 'utf8');
const manifest = JSON.parse(read('client/package.json')) as {
  name: string;
  type: string;
  exports: Record<string, string | Record<string, string>>;
  dependencies: Record<string, string>;
};

/** A folder made for one test, removed after it. */
const folders: string[] = [];
afterEach(() => {
  for (const folder of folders.splice(0)) rmSync(folder, { recursive: true, force: true });
});

/** An empty project folder whose node_modules holds the client package as `npm install ../client` links it. */
function consumer(): string {
  const folder = mkdtempSync(join(tmpdir(), 'itinerary-client-'));
  folders.push(folder);
  mkdirSync(join(folder, 'node_modules'));
  symlinkSync(clientFolder, join(folder, 'node_modules', manifest.name), 'dir');
  return folder;
}

describe('the client package', () => {
  it('its committed generated types and compiled JavaScript are what `npm run openapi` writes now', async () => {
    const files = await renderClient(read('openapi.yaml'));
    expect([...files.keys()].toSorted()).toEqual([
      'dist/index.d.ts',
      'dist/index.js',
      'generated/schema.d.ts',
    ]);
    for (const [path, text] of files) {
      expect(read(`client/${path}`), `client/${path} is stale: run \`npm run openapi\``).toBe(text);
    }
    // Nothing else lies in the generated folders (a file left from an older layout would ship).
    const onDisk = GENERATED_FOLDERS.flatMap((folder) =>
      readdirSync(join(clientFolder, folder)).map((name) => `${folder}/${name}`),
    );
    expect(onDisk.toSorted()).toEqual([...files.keys()].toSorted());
  });

  it('the check sees a change of the document: another summary gives other types', async () => {
    const document = read('openapi.yaml');
    const changed = document.replace('summary: List trips, earliest first, with filters', 'summary: Trips');
    expect(changed).not.toBe(document);
    const schema = await renderSchema(changed);
    expect(schema).not.toBe(read('client/generated/schema.d.ts'));
    expect(schema).toContain('         * Trips\n');
    expect(schema).not.toContain('List trips, earliest first');
  });

  it('is an ES module whose exports name files that exist, and pins the openapi-fetch it was tested with', () => {
    expect(manifest.type).toBe('module');
    expect(manifest.exports['.']).toEqual({ types: './dist/index.d.ts', import: './dist/index.js' });
    for (const target of Object.values(manifest.exports).flatMap((entry) =>
      typeof entry === 'string' ? [entry] : Object.values(entry),
    )) {
      expect(existsSync(join(clientFolder, target)), target).toBe(true);
    }
    const tested = (JSON.parse(read('package.json')) as { devDependencies: Record<string, string> })
      .devDependencies['openapi-fetch'];
    expect(manifest.dependencies).toEqual({ 'openapi-fetch': tested });
    expect(tested).toMatch(/^\d+\.\d+\.\d+$/);
  });

  it('plain Node imports it by name, without TypeScript, and it sends the key as a bearer token', () => {
    const folder = consumer();
    const script = `
      import { createItineraryClient, isProblem } from '${manifest.name}';
      const seen = [];
      const fetch = async (request) => {
        seen.push([request.method, request.url, request.headers.get('authorization')]);
        return new Response(JSON.stringify({ type: 'about:blank', title: 'Not Found', status: 404, detail: 'x', code: 'not_found' }),
          { status: 404, headers: { 'content-type': 'application/problem+json' } });
      };
      const api = createItineraryClient({ baseUrl: 'http://api.test', token: 'itk_abc', fetch });
      const { error } = await api.GET('/trips/{id}', { params: { path: { id: '7' } } });
      console.log(JSON.stringify({ seen, problem: isProblem(error), code: error.code }));
    `;
    const output = execFileSync(process.execPath, ['--input-type=module', '-e', script], {
      cwd: folder,
      encoding: 'utf8',
    });
    expect(JSON.parse(output)).toEqual({
      seen: [['GET', 'http://api.test/trips/7', 'Bearer itk_abc']],
      problem: true,
      code: 'not_found',
    });
  });
});

const CHROMIUM = '/usr/bin/chromium';
const present = existsSync(CHROMIUM);
const required = process.env.CI === 'true';

/**
 * Serves the files (by path) on 127.0.0.1, as `vite preview` would, until the test ends; answers the origin. The
 * page is on a loopback address like the API, as a developer's is, so Chromium lets it call the API (a page of a
 * public origin may not reach a loopback address).
 */
async function serve(files: Map<string, string>): Promise<string> {
  const server = createServer((request, response) => {
    const path = new URL(request.url ?? '/', 'http://page').pathname;
    const body = files.get(path);
    response.writeHead(body === undefined ? 404 : 200, {
      'content-type': path.endsWith('.js') ? 'text/javascript' : 'text/html',
    });
    response.end(body);
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}
const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => new Promise((resolve) => server.close(resolve))));
});

/** The fenced block of a Markdown text that follows the line `marker`. */
function blockAfter(markdown: string, marker: string): string {
  const at = markdown.indexOf(marker);
  expect(at, marker).toBeGreaterThanOrEqual(0);
  const match = /```\w*\n([\s\S]*?)\n```/.exec(markdown.slice(at));
  if (!match?.[1]) throw new Error(`no fenced block after ${marker}`);
  return match[1];
}

describe("the client README's browser example", () => {
  const example = read('client/examples/itinerary.ts');
  const readme = read('client/README.md');

  it('is client/examples/itinerary.ts, word for word, and the main README shows lines of it', () => {
    expect(`${blockAfter(readme, '<!-- example: client/examples/itinerary.ts -->')}\n`).toBe(example);
    const compact = blockAfter(read('README.md'), '## Typed client');
    const lines = compact.split('\n').filter((line) => line.trim() !== '');
    expect(lines.length).toBeGreaterThan(5);
    for (const line of lines) expect(example.split('\n'), line).toContain(line);
  });

  it.runIf(present || required)(
    'bundled by Vite, runs in Chromium against the real server from another origin and prints what the README shows',
    { timeout: 60_000 },
    async () => {
      expect(present, `${CHROMIUM} is missing: install Debian's chromium (apt-get install chromium)`).toBe(
        true,
      );
      // The page's origin (a secure context, as 127.0.0.1 is: crypto.randomUUID) answers once the app is built.
      const served = new Map<string, string>();
      const pageOrigin = await serve(served);
      const { app, token } = await buildTestApp({ config: { CORS_ORIGINS: pageOrigin } });
      await app.listen({ port: 0, host: '127.0.0.1' });
      const address = app.server.address();
      if (address === null || typeof address === 'string') throw new Error('not listening on TCP');

      // A Vite app as the README sets one up: the example as its script, its settings in .env.local.
      const folder = consumer();
      writeFileSync(join(folder, 'main.ts'), example);
      writeFileSync(
        join(folder, 'index.html'),
        '<!doctype html>\n<script type="module" src="/main.ts"></script>\n',
      );
      writeFileSync(
        join(folder, '.env.local'),
        `VITE_API_URL=http://127.0.0.1:${address.port}\nVITE_API_TOKEN=${await token('write')}\n`,
      );
      const built = (await build({
        root: folder,
        configFile: false,
        logLevel: 'silent',
        build: { write: false, target: 'es2022' },
      })) as Rollup.RollupOutput;
      for (const file of built.output) {
        served.set(
          `/${file.fileName === 'index.html' ? '' : file.fileName}`,
          file.type === 'chunk' ? file.code : String(file.source),
        );
      }
      expect(served.get('/')).toContain('<script type="module"');

      const expected = blockAfter(readme, 'It prints:').split('\n');
      const browser = await chromium.launch({
        executablePath: CHROMIUM,
        args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
      });
      try {
        const page = await browser.newPage();
        const printed: string[] = [];
        const done = new Promise<void>((resolve, reject) => {
          page.on('console', (message) => {
            // Chromium's own messages (a missing favicon) are not the example's.
            if (message.type() !== 'log') return;
            printed.push(message.text());
            if (printed.length === expected.length) resolve();
          });
          page.on('pageerror', reject);
        });
        await page.goto(`${pageOrigin}/`);
        // A line short of the README's shows as a difference below rather than as the test's timeout.
        await Promise.race([done, new Promise((resolve) => setTimeout(resolve, 30_000))]);
        expect(printed).toEqual(expected);
      } finally {
        await browser.close();
      }
    },
  );
});
