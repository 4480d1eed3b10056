// Walks the README's curl examples, from "A tour with curl" to the end, in order, against a fresh server started as
// the Quick start says (`npm start` with the default settings, on a new database), and checks each shown output.
//
//   npx tsx scripts/readme-tour.ts [--verbose]        (npm run readme:tour)
//   npx tsx scripts/readme-tour.ts --postgres          the same tour on a new PostgreSQL database, made with the
//                                                      role of TEST_DATABASE_URL and dropped at the end
//
// What a README example is:
// - a ```sh block whose commands are curl calls, `npm run keys -- create …` or `export TOKEN=…` (the tour's key is
//   made by the keys command; its token replaces the README's in $TOKEN);
// - the fenced block right after it, if any, is the output of the block's last command. A trailing comment such as
//   `# → 200, etag: "v2"` states the status and headers of that command's answer.
// How an output is compared:
// - `…` stands for any text, including none (the README's elisions);
// - run-time values are masked on both sides: timestamps with milliseconds (createdAt, updatedAt…), the calendar's
//   DTSTAMP and LAST-MODIFIED, API tokens, and hash ETags (they hash those timestamps);
// - JSON may be wrapped over several lines in the README;
// - `HTTP/1.1 …` outputs: the status line must match, each header shown must be in the answer, the body must match;
// - an output block preceded by `<!-- readme-tour: part -->` is a part of the answer, found anywhere in it; with
//   that comment, prose may stand between the commands and their output.
// Exits 0 when every example matches, 1 otherwise, printing each mismatch with its README line.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { ConfigSchema } from '../src/config.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const verbose = process.argv.includes('--verbose');
const onPostgres = process.argv.includes('--postgres');
const ELLIPSIS = '…';

type Block = { line: number; info: string; text: string; directive: string | null; after: number };
type Example = { line: number; commands: Command[]; expected: Block | null };
type Command = { text: string; note: string | null };

/** The fenced blocks of a Markdown text, list-indented or not, with the `<!-- readme-tour: … -->` before each. */
function fencedBlocks(markdown: string): Block[] {
  const lines = markdown.split('\n');
  const blocks: Block[] = [];
  let directive: string | null = null;
  for (let i = 0; i < lines.length; i += 1) {
    const line = lines[i] ?? '';
    const comment = /^\s*<!--\s*readme-tour:\s*(.*?)\s*-->\s*$/.exec(line);
    if (comment) {
      directive = comment[1] ?? null;
      continue;
    }
    const open = /^(\s*)```(\S*)\s*$/.exec(line);
    if (!open) {
      if (line.trim() !== '') directive = null;
      continue;
    }
    const indent = open[1]?.length ?? 0;
    const body: string[] = [];
    let j = i + 1;
    while (j < lines.length && !/^\s*```\s*$/.test(lines[j] ?? '')) {
      body.push((lines[j] ?? '').slice(indent));
      j += 1;
    }
    blocks.push({ line: i + 1, info: open[2] ?? '', text: body.join('\n'), directive, after: j + 1 });
    directive = null;
    i = j;
  }
  return blocks;
}

/** The commands of a shell block: continuation lines joined, comment lines dropped, a trailing `# …` kept apart. */
function commandsOf(text: string): Command[] {
  const joined = text.replace(/\\\n\s*/g, '');
  return joined
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) => {
      const note = /\s#\s(.*)$/.exec(line);
      return { text: note ? line.slice(0, note.index).trim() : line, note: note?.[1] ?? null };
    });
}

const isTourCommand = (command: string) =>
  /^curl\s/.test(command) || /^npm run keys -- create\s/.test(command) || /^export TOKEN=/.test(command);

function examples(markdown: string): Example[] {
  const start = markdown.split('\n').findIndex((line) => line.startsWith('## A tour with curl')) + 1;
  if (start === 0) throw new Error('README.md has no "## A tour with curl" section');
  const blocks = fencedBlocks(markdown).filter((block) => block.line > start);
  const found: Example[] = [];
  for (let i = 0; i < blocks.length; i += 1) {
    const block = blocks[i] as Block;
    if (block.info !== 'sh') continue;
    const commands = commandsOf(block.text);
    if (commands.length === 0 || !commands.every((c) => isTourCommand(c.text))) continue;
    const next = blocks[i + 1];
    // An output sits right after its commands (a blank line at most between them), or has prose in between and is
    // marked with a readme-tour comment; it is not itself a command.
    const expected =
      next && next.info !== 'sh' && (next.line <= block.after + 2 || next.directive) ? next : null;
    if (expected) i += 1;
    found.push({ line: block.line, commands, expected });
  }
  return found;
}

/**
 * Masks what differs on every run, so that two runs (and the README) compare equal; on PostgreSQL also the change
 * feed's tokens, whose (opaque) text holds transaction ids there.
 */
function mask(text: string): string {
  const masked = onPostgres ? text.replace(/("nextToken":")[A-Za-z0-9_-]+"/g, '$1<token>"') : text;
  return masked
    .replace(/\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+Z/g, '<time>')
    .replace(/^(DTSTAMP|LAST-MODIFIED|CREATED)(;[^:\n]*)?:.*$/gm, '$1:<time>')
    .replace(/itk_[A-Za-z0-9_-]+/g, '<token>')
    .replace(/^(etag: )(W\/)?"(?!v\d+")[^"]*"/gim, '$1"<hash>"');
}

/**
 * JSON wrapped over lines for reading, back on one line (a raw line break never occurs inside compact JSON), and
 * without the spaces the README puts around an elision (`}, …]`).
 */
const unwrapJson = (text: string) => text.replace(/\n\s*/g, '').replace(/\s*…\s*/g, ELLIPSIS);

/**
 * Whether `actual` matches `pattern`, where `…` stands for any text. Anchored at both ends unless `part`.
 * Answers null on a match, else a description of the first piece that was not found.
 */
function globMismatch(pattern: string, actual: string, part: boolean): string | null {
  const pieces = pattern.split(ELLIPSIS);
  const first = pieces[0] ?? '';
  let at = 0;
  if (!part) {
    if (!actual.startsWith(first)) return describe(first, actual, 0);
    at = first.length;
  } else {
    const found = actual.indexOf(first);
    if (found < 0) return describe(first, actual, 0);
    at = found + first.length;
  }
  for (let i = 1; i < pieces.length; i += 1) {
    const piece = pieces[i] ?? '';
    const last = i === pieces.length - 1;
    if (last && !part) {
      if (actual.length - piece.length < at || !actual.endsWith(piece))
        return describe(piece, actual, at, true);
      return null;
    }
    const found = actual.indexOf(piece, at);
    if (found < 0) return describe(piece, actual, at);
    at = found + piece.length;
  }
  if (!part && pieces.length === 1 && at !== actual.length) return describe('(end of output)', actual, at);
  return null;
}

function describe(piece: string, actual: string, at: number, atEnd = false): string {
  const shown = (s: string) => (s.length > 300 ? `${s.slice(0, 300)}…` : s);
  // The longest prefix of the piece that is there, to point at the first differing character.
  let common = 0;
  const from = atEnd ? Math.max(at, actual.length - piece.length) : at;
  while (common < piece.length && actual[from + common] === piece[common]) common += 1;
  return [
    `  expected${atEnd ? ' (at the end)' : ''}: ${shown(piece)}`,
    `  got:      ${shown(actual.slice(from, from + Math.max(piece.length, 80) + 20))}`,
    common > 0
      ? `  (the first ${common} characters match; they differ at ${JSON.stringify(piece.slice(common, common + 40))})`
      : '',
  ]
    .filter(Boolean)
    .join('\n');
}

type Http = { status: string; headers: string[]; body: string };
function splitHttp(text: string): Http {
  const [head = '', ...rest] = text.split(/\n\n/);
  const [status = '', ...headers] = head.split('\n');
  return { status: status.trim(), headers: headers.map((h) => h.trim()), body: rest.join('\n\n') };
}

/** Compares one output; answers the problems found (none on a match). */
function compare(expected: Block, actualRaw: string): string[] {
  const actual = mask(actualRaw.replace(/\r\n/g, '\n').trimEnd());
  let wanted = mask(expected.text.trimEnd());
  const part = expected.directive === 'part';
  if (wanted.startsWith('HTTP/')) {
    const want = splitHttp(wanted);
    const got = splitHttp(actual);
    const problems: string[] = [];
    if (want.status !== got.status) problems.push(`  status: expected ${want.status}, got ${got.status}`);
    const gotHeaders = new Set(got.headers.map((h) => h.toLowerCase()));
    for (const header of want.headers) {
      if (!gotHeaders.has(header.toLowerCase())) {
        const name = header.split(':')[0]?.toLowerCase() ?? '';
        const same = got.headers.filter((h) => h.toLowerCase().startsWith(`${name}:`));
        problems.push(`  header ${header}: got ${same.length > 0 ? same.join(' | ') : 'none'}`);
      }
    }
    const body = want.body.trimStart().startsWith('{') ? unwrapJson(want.body) : want.body;
    const mismatch = globMismatch(body, got.body, part);
    if (mismatch) problems.push(mismatch);
    return problems;
  }
  if (expected.info === 'json' || wanted.startsWith('{')) wanted = unwrapJson(wanted);
  const mismatch = globMismatch(wanted, actual, part);
  return mismatch ? [mismatch] : [];
}

/** Checks a `# → 200, etag: "v2"` note against an answer printed with curl -i. */
function checkNote(note: string, actualRaw: string): string[] {
  const arrow = /→\s*(\d{3})(.*)$/.exec(note);
  if (!arrow) return [];
  const got = splitHttp(actualRaw.replace(/\r\n/g, '\n'));
  const problems: string[] = [];
  if (!got.status.includes(` ${arrow[1]} `) && !got.status.endsWith(` ${arrow[1]}`)) {
    problems.push(`  status: expected ${arrow[1]}, got ${got.status}`);
  }
  for (const [, name, value] of (arrow[2] ?? '').matchAll(/([A-Za-z-]+):\s*("[^"]*"|\S+)/g)) {
    const header = `${name}: ${value}`.toLowerCase();
    if (!got.headers.some((h) => h.trim().toLowerCase() === header))
      problems.push(`  header ${name}: ${value} is missing`);
  }
  return problems;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

/** A new, empty database on the server of TEST_DATABASE_URL (a role that may create databases), and its drop. */
async function newPostgresDatabase(): Promise<{ url: string; drop: () => Promise<void> }> {
  const admin = process.env.TEST_DATABASE_URL;
  if (!admin) throw new Error('--postgres needs TEST_DATABASE_URL (a role that may create databases)');
  const name = `readme_tour_${process.pid}_${Date.now()}`;
  const run = async (statement: string) => {
    const client = new pg.Client({ connectionString: admin });
    await client.connect();
    try {
      await client.query(statement);
    } finally {
      await client.end();
    }
  };
  await run(`create database ${name}`);
  const url = new URL(admin);
  url.pathname = `/${name}`;
  return { url: url.toString(), drop: () => run(`drop database if exists ${name} with (force)`) };
}

async function main(): Promise<number> {
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  const tour = examples(readme);
  const dir = mkdtempSync(join(tmpdir(), 'readme-tour-'));
  const port = await freePort();
  // The README's settings are the defaults: drop any the caller's environment sets, then point at a new database.
  const env: Record<string, string | undefined> = { ...process.env };
  for (const key of Object.keys(ConfigSchema.shape)) delete env[key];
  const postgres = onPostgres ? await newPostgresDatabase() : undefined;
  Object.assign(env, {
    PORT: String(port),
    DATABASE_PATH: join(dir, 'itinerary.db'),
    ...(postgres ? { DATABASE_URL: postgres.url } : {}),
    LOG_LEVEL: 'warn',
    npm_config_loglevel: 'silent',
    npm_config_update_notifier: 'false',
  });
  const base = `localhost:${port}`;
  let server: ChildProcess | null = null;
  let serverLog = '';
  const stop = () => {
    if (server?.pid && server.exitCode === null) {
      try {
        process.kill(-server.pid, 'SIGTERM');
      } catch {
        // already gone
      }
    }
  };
  try {
    server = spawn('npm', ['start'], { cwd: root, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    server.stdout?.on('data', (chunk: Buffer) => {
      serverLog += chunk.toString();
    });
    server.stderr?.on('data', (chunk: Buffer) => {
      serverLog += chunk.toString();
    });
    const deadline = Date.now() + 120_000;
    for (;;) {
      const up = await fetch(`http://${base}/health`).then(
        (r) => r.ok,
        () => false,
      );
      if (up) break;
      if (server.exitCode !== null || Date.now() > deadline) {
        console.error(`readme tour: the server did not start (npm start):\n${serverLog}`);
        return 1;
      }
      await new Promise((r) => setTimeout(r, 100));
    }

    let token = '';
    let failed = 0;
    for (const example of tour) {
      let output = '';
      const problems: string[] = [];
      for (const command of example.commands) {
        if (command.text.startsWith('export TOKEN=')) continue;
        const text = command.text.replaceAll('localhost:3000', base);
        try {
          output = execFileSync('bash', ['-c', text], {
            cwd: root,
            env: { ...env, TOKEN: token },
            encoding: 'utf8',
            timeout: 60_000,
            stdio: ['ignore', 'pipe', 'pipe'],
          });
        } catch (error) {
          const e = error as { stdout?: string; stderr?: string; message: string };
          output = e.stdout ?? '';
          problems.push(`  command failed: ${e.stderr?.trim() || e.message}`);
        }
        if (command.text.startsWith('npm run keys')) token = output.trim().split('\n').at(-1) ?? '';
        if (command.note) problems.push(...checkNote(command.note, output));
      }
      if (example.expected) problems.push(...compare(example.expected, output));
      const label = `README.md:${example.line} ${example.commands.at(-1)?.text ?? ''}`;
      if (problems.length === 0) {
        if (verbose) console.log(`ok    ${label}`);
      } else {
        failed += 1;
        console.log(`FAIL  ${label}\n${problems.join('\n')}`);
        if (verbose) console.log(`  whole output:\n${output}`);
      }
    }
    const checked = tour.filter((e) => e.expected || e.commands.some((c) => c.note)).length;
    console.log(
      `readme tour${postgres ? ' (PostgreSQL)' : ''}: ${tour.length - failed} of ${tour.length} examples match (${checked} with a shown output)` +
        (failed > 0 ? `; ${failed} do not` : ''),
    );
    return failed > 0 ? 1 : 0;
  } finally {
    stop();
    await new Promise((r) => setTimeout(r, 300));
    rmSync(dir, { recursive: true, force: true });
    await postgres?.drop();
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
