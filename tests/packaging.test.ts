import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { configWarnings, loadConfig } from '../src/config.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const children: ChildProcess[] = [];
afterEach(() => {
  for (const child of children.splice(0)) child.kill('SIGKILL');
});

type LogLine = { level: number; msg: string };

/** Starts the real server (NODE_ENV=production, JSON logs) and answers its log lines up to "listening", and its URL. */
async function startProduction(env: Record<string, string>): Promise<{ url: string; logs: LogLine[] }> {
  const child = spawn(process.execPath, ['--import', 'tsx', `${root}src/server.ts`], {
    env: {
      ...process.env,
      PORT: '0',
      HOST: '127.0.0.1',
      DATABASE_PATH: ':memory:',
      LOG_LEVEL: 'info',
      NODE_ENV: 'production',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  return new Promise((resolve, reject) => {
    let output = '';
    const timer = setTimeout(() => reject(new Error(`the server did not start:\n${output}`)), 20_000);
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const match = /Server listening at (http:\/\/127\.0\.0\.1:\d+)/.exec(output);
      if (match?.[1]) {
        clearTimeout(timer);
        const logs = output
          .split('\n')
          .filter((line) => line.startsWith('{'))
          .map((line) => JSON.parse(line) as LogLine);
        resolve({ url: match[1], logs });
      }
    });
  });
}

describe('start-up warnings', () => {
  it('warn in production while CALENDAR_UID_DOMAIN is a .invalid placeholder, and only then', () => {
    const [warning, ...rest] = configWarnings(loadConfig({ NODE_ENV: 'production' }));
    expect(rest).toEqual([]);
    expect(warning).toMatch(/^CALENDAR_UID_DOMAIN is diplomatic-itinerary\.invalid, a placeholder: set it /);
    expect(
      configWarnings(loadConfig({ NODE_ENV: 'production', CALENDAR_UID_DOMAIN: 'cal.invalid' })),
    ).toHaveLength(1);
    expect(
      configWarnings(loadConfig({ NODE_ENV: 'production', CALENDAR_UID_DOMAIN: 'itinerary.example.org' })),
    ).toEqual([]);
    // A domain that merely contains the word is a real one.
    expect(
      configWarnings(loadConfig({ NODE_ENV: 'production', CALENDAR_UID_DOMAIN: 'invalid.example.org' })),
    ).toEqual([]);
    expect(configWarnings(loadConfig({ NODE_ENV: 'development' }))).toEqual([]);
    expect(configWarnings(loadConfig({ NODE_ENV: 'test' }))).toEqual([]);
  });

  it('the production server logs the warning at level warn before it listens', async () => {
    const { logs } = await startProduction({ SEED_ON_START: 'false' });
    const warnings = logs.filter((line) => line.level === 40).map((line) => line.msg);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/^CALENDAR_UID_DOMAIN is diplomatic-itinerary\.invalid, a placeholder/);
  });

  it('and logs none once the domain is set', async () => {
    const { logs } = await startProduction({
      SEED_ON_START: 'false',
      CALENDAR_UID_DOMAIN: 'itinerary.example.org',
    });
    expect(logs.filter((line) => line.level >= 40)).toEqual([]);
  });
});

describe('the production image', () => {
  const dockerfile = readFileSync(`${root}Dockerfile`, 'utf8');
  const runtime = dockerfile.slice(dockerfile.indexOf('AS runtime'));

  it('does not seed the demo trip unless asked: SEED_ON_START=false in the runtime stage', () => {
    expect(runtime).toMatch(/^\s+SEED_ON_START=false\b/m);
  });

  it('a server started with the image settings has no trips', async () => {
    const { url } = await startProduction({ SEED_ON_START: 'false' });
    const trips = (await (await fetch(`${url}/trips`)).json()) as { data: unknown[] };
    expect(trips.data).toEqual([]);
  });

  it('builds the itinerary viewer in the build stage, and ships it in dist/', () => {
    const build = dockerfile.slice(dockerfile.indexOf('AS build'), dockerfile.indexOf('AS runtime'));
    const runBuild = build.indexOf('RUN npm run build');
    // npm run build runs scripts/build-viewer.mjs, which reads viewer/ and the typed client, and scripts/bundle.mjs:
    // all are there before it.
    for (const copy of [
      'COPY viewer ./viewer',
      'COPY client/dist ./client/dist',
      'COPY scripts/build-viewer.mjs scripts/bundle.mjs ./scripts/',
    ]) {
      expect(build.indexOf(copy), copy).toBeGreaterThan(0);
      expect(build.indexOf(copy), copy).toBeLessThan(runBuild);
    }
    expect(build.slice(runBuild)).toMatch(/^RUN npm run build \\\n\s+&& test -f dist\/viewer\/index\.html/);
    const scripts = (
      JSON.parse(readFileSync(`${root}package.json`, 'utf8')) as { scripts: Record<string, string> }
    ).scripts;
    expect(scripts.build).toMatch(/^node scripts\/build-viewer\.mjs && /);
    expect(scripts.start).toMatch(/^node scripts\/build-viewer\.mjs && /);
    expect(runtime).toMatch(/^COPY --from=build --chown=root:root \/app\/dist \.\/dist$/m);
    // The build context holds what those COPY lines name: the client's compiled module is not ignored.
    const ignored = readFileSync(`${root}.dockerignore`, 'utf8')
      .split('\n')
      .map((line) => line.trim())
      .filter((line) => line && !line.startsWith('#'));
    for (const path of ['viewer', 'scripts', 'client']) expect(ignored).not.toContain(path);
    expect(ignored.indexOf('!client/dist')).toBeGreaterThan(ignored.indexOf('client/*'));
  });

  it('runs the bundle that npm run build writes, as npm start does', () => {
    const scripts = (
      JSON.parse(readFileSync(`${root}package.json`, 'utf8')) as { scripts: Record<string, string> }
    ).scripts;
    const cmd = JSON.parse(/^CMD (\[.*\])$/m.exec(runtime)?.[1] ?? '[]') as string[];
    expect(cmd.at(-1)).toBe('dist/bundle/server.js');
    // tsc last: `npm run build -- --force` passes --force to it, as the README says.
    expect(scripts.build).toMatch(/ && node scripts\/bundle\.mjs && tsc --build tsconfig\.build\.json$/);
    // npm start builds the same way, then runs the image's command.
    expect(scripts.start).toBe(`${scripts.build} && exec ${cmd.join(' ')}`);
  });

  it('runs a Node line that package.json engines supports', () => {
    const image = /^ARG NODE_IMAGE=node:(\d+)\.\d+-bookworm-slim$/m.exec(dockerfile);
    expect(image?.[1]).toBeDefined();
    const engines = (JSON.parse(readFileSync(`${root}package.json`, 'utf8')) as { engines: { node: string } })
      .engines.node;
    // Each supported line is spelled `^<major>.<minor>` or `>=<major>` in engines.
    expect(engines.split('||').map((range) => /(\d+)/.exec(range)?.[1])).toContain(image?.[1]);
  });
});

describe('the production bundle', () => {
  it('starts as on a terminal, with the pretty logs of development', { timeout: 90_000 }, async () => {
    // On a terminal, outside production, pino writes through its pretty transport, a worker that pino finds in its
    // own folder: bundled, it did not start ("__dirname is not defined"). A module loaded first tells the server
    // its output is a terminal (src/app.ts: loggerOptions), so the transport starts as it would there.
    execFileSync(process.execPath, [`${root}scripts/bundle.mjs`], { cwd: root, stdio: 'pipe' });
    const asTerminal = 'data:text/javascript,process.stdout.isTTY=true';
    const child = spawn(process.execPath, ['--import', asTerminal, 'dist/bundle/server.js'], {
      cwd: root,
      env: {
        ...process.env,
        PORT: '0',
        HOST: '127.0.0.1',
        DATABASE_PATH: ':memory:',
        LOG_LEVEL: 'info',
        NODE_ENV: 'development',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.push(child);
    const output = await new Promise<string>((resolve, reject) => {
      let text = '';
      const timer = setTimeout(() => reject(new Error(`the bundle did not start:\n${text}`)), 60_000);
      const read = (chunk: Buffer) => {
        text += chunk.toString();
        if (/Server listening at http:\/\/127\.0\.0\.1:\d+/.test(text)) {
          clearTimeout(timer);
          resolve(text);
        }
      };
      child.stdout?.on('data', read);
      child.stderr?.on('data', read);
      child.on('exit', () => reject(new Error(`the bundle exited:\n${text}`)));
    });
    // pino-pretty's lines, not JSON ones.
    expect(output).toMatch(/^\[\d\d:\d\d:\d\d\] .*INFO.*: .*Server listening at/m);
    const url = /Server listening at (http:\/\/127\.0\.0\.1:\d+)/.exec(output)?.[1];
    expect((await fetch(`${url}/health`)).status).toBe(200);
  });
});

describe('the SQLite driver', () => {
  it('is loaded only through src/db/driver.ts, which picks the version that works on this Node', () => {
    // A direct import would load better-sqlite3 12 on Node 24, where its statements abort the process at teardown.
    const files = ['src', 'tests', 'scripts', 'bench', 'seeds'].flatMap((dir) =>
      readdirSync(`${root}${dir}`, { recursive: true, encoding: 'utf8' })
        .filter((file) => /\.[cm]?[jt]s$/.test(file))
        .map((file) => `${dir}/${file}`),
    );
    const direct = files.filter(
      (file) =>
        file !== 'src/db/driver.ts' &&
        /^import (?!type )[^;]*from 'better-sqlite3(-napi)?';/m.test(readFileSync(`${root}${file}`, 'utf8')),
    );
    expect(files.length).toBeGreaterThan(50);
    expect(direct).toEqual([]);
  });
});
