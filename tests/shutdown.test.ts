import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const dir = mkdtempSync(join(tmpdir(), 'itinerary-shutdown-'));
const children: ChildProcess[] = [];
afterAll(() => {
  for (const child of children) child.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

/** Starts the real server on a free port and answers its base URL once it listens. */
async function start(
  databasePath: string,
): Promise<{ child: ChildProcess; url: string; exited: Promise<number | null> }> {
  const server = fileURLToPath(new URL('../src/server.ts', import.meta.url));
  const child = spawn(process.execPath, ['--import', 'tsx', server], {
    env: {
      ...process.env,
      PORT: '0',
      DATABASE_PATH: databasePath,
      LOG_LEVEL: 'info',
      NODE_ENV: 'production',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const url = await new Promise<string>((resolve, reject) => {
    let output = '';
    const timer = setTimeout(() => reject(new Error(`the server did not start:\n${output}`)), 20_000);
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const match = /Server listening at (http:\/\/127\.0\.0\.1:\d+)/.exec(output);
      if (match?.[1]) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    });
  });
  return { child, url, exited };
}

describe('graceful shutdown', () => {
  it('on SIGTERM stops listening, finishes, closes the database cleanly and exits 0', async () => {
    const path = join(dir, 'term.db');
    const { child, url, exited } = await start(path);
    expect((await fetch(`${url}/health`)).status).toBe(200);
    expect(existsSync(`${path}-wal`)).toBe(true);
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    // A clean close checkpoints the write-ahead log and removes it.
    expect(existsSync(`${path}-wal`)).toBe(false);
    await expect(fetch(`${url}/health`)).rejects.toThrow();
  });

  it('two signals in a row end the process promptly, whichever finishes first', async () => {
    const { child, url, exited } = await start(join(dir, 'twice.db'));
    expect((await fetch(`${url}/health`)).status).toBe(200);
    // Keep a connection busy so the first signal's close has something to wait for.
    const slow = fetch(`${url}/trips?limit=200&include=stops,meetings,participants`).catch(() => undefined);
    child.kill('SIGINT');
    child.kill('SIGINT');
    const code = await exited;
    await slow;
    expect(code === 0 || code === 1).toBe(true);
  });
});
