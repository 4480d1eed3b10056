import { type ChildProcess, spawn } from 'node:child_process';
import { readdirSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';

// Child processes of the benchmark (the API, the references, the CLI commands it times) and the temporary files
// it writes. Whatever way the run ends (normal exit, exception, Ctrl-C, SIGTERM), every child still running is
// killed and every temporary path is removed.

const children = new Set<ChildProcess>();
const temporaryPaths = new Set<string>();

export function removeOnExit(path: string): void {
  temporaryPaths.add(path);
}

function cleanUpNow(): void {
  for (const child of children) {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
  children.clear();
  for (const path of temporaryPaths) rmSync(path, { recursive: true, force: true });
  temporaryPaths.clear();
}

let installed = false;

/** Kills the children and removes the temporary files on exit, on SIGINT/SIGTERM and on an uncaught error. */
export function installCleanup(): void {
  if (installed) return;
  installed = true;
  process.on('exit', cleanUpNow);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.on(signal, () => {
      console.error(`\nbench: ${signal}, stopping the servers`);
      cleanUpNow();
      process.exit(130);
    });
  }
  process.on('uncaughtException', (error) => {
    console.error(error);
    cleanUpNow();
    process.exit(1);
  });
  process.on('unhandledRejection', (error) => {
    console.error(error);
    cleanUpNow();
    process.exit(1);
  });
}

export type Spawned = {
  child: ChildProcess;
  /** What the process wrote to stdout and stderr so far (the last 64 kB). */
  output: () => string;
  /** Resolves with the exit code (or the signal's name) once the process has ended. */
  exited: Promise<number | string>;
};

const OUTPUT_KEPT = 64 * 1024;

export function spawnTracked(command: string, args: string[], env: Record<string, string> = {}): Spawned {
  const child = spawn(command, args, {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(child);
  let output = '';
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString('utf8')).slice(-OUTPUT_KEPT);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<number | string>((resolve) => {
    child.on('exit', (code, signal) => {
      children.delete(child);
      resolve(code ?? signal ?? 'unknown');
    });
    child.on('error', (error) => {
      children.delete(child);
      output += `\n${error.message}`;
      resolve('spawn error');
    });
  });
  return { child, output: () => output, exited };
}

/** Runs a command to its end; throws with its output when it fails. Answers its output and wall time. */
export async function runCommand(
  command: string,
  args: string[],
  env: Record<string, string> = {},
): Promise<{ output: string; seconds: number }> {
  const started = performance.now();
  const spawned = spawnTracked(command, args, env);
  const status = await spawned.exited;
  const seconds = (performance.now() - started) / 1000;
  if (status !== 0) {
    throw new Error(`${command} ${args.join(' ')} ended with ${status}:\n${spawned.output()}`);
  }
  return { output: spawned.output(), seconds };
}

/** SIGTERM, then SIGKILL after the grace period. */
export async function stopProcess(spawned: Spawned, graceMs = 10_000): Promise<number | string> {
  const { child } = spawned;
  if (child.exitCode !== null || child.signalCode !== null) return spawned.exited;
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  const status = await spawned.exited;
  clearTimeout(timer);
  return status;
}

/** A TCP port free on the loopback interface right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** Whether the process holds a listening TCP socket on the port (Linux /proc; true where that cannot be read). */
export function listensOn(pid: number | undefined, port: number): boolean {
  if (pid === undefined) return false;
  try {
    const hexPort = port.toString(16).toUpperCase().padStart(4, '0');
    const inodes = new Set<string>();
    for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
      for (const line of readFileSync(table, 'utf8').split('\n').slice(1)) {
        const fields = line.trim().split(/\s+/);
        // local_address is ADDR:PORT in hex; state 0A is LISTEN; the inode is the tenth field.
        if (fields[1]?.endsWith(`:${hexPort}`) && fields[3] === '0A' && fields[9]) inodes.add(fields[9]);
      }
    }
    for (const fd of readdirSync(`/proc/${pid}/fd`)) {
      const target = readlinkSync(`/proc/${pid}/fd/${fd}`, { encoding: 'utf8' });
      const inode = /^socket:\[(\d+)\]$/.exec(target)?.[1];
      if (inode && inodes.has(inode)) return true;
    }
    return false;
  } catch {
    return process.platform !== 'linux';
  }
}

/**
 * Polls `url` until the spawned process answers it with 200; answers the milliseconds since `since` (a
 * performance.now() value). Fails when the process ends first, when another process answers on its port, or when
 * the timeout passes.
 */
export async function waitFor200(
  url: string,
  spawned: Spawned,
  since: number,
  timeoutMs = 120_000,
): Promise<number> {
  let ended = false;
  void spawned.exited.then(() => {
    ended = true;
  });
  const port = Number(new URL(url).port);
  let last = 'no answer';
  while (performance.now() - since < timeoutMs) {
    if (ended) throw new Error(`the server ended before answering ${url}:\n${spawned.output()}`);
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(5_000) });
      await response.arrayBuffer();
      const elapsed = performance.now() - since;
      if (response.status === 200) {
        if (!listensOn(spawned.child.pid, port)) {
          throw new Error(`another process answered on port ${port}; run the benchmark again`);
        }
        return elapsed;
      }
      last = `status ${response.status}`;
    } catch (error) {
      if (error instanceof Error && error.message.startsWith('another process')) throw error;
      last = error instanceof Error ? error.message : String(error);
    }
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  throw new Error(`${url} did not answer 200 within ${timeoutMs} ms (last: ${last}):\n${spawned.output()}`);
}

/** Peak and current resident set size of a live process, in bytes (Linux /proc; null elsewhere). */
export function memoryOf(pid: number | undefined): { peak: number; current: number } | null {
  if (pid === undefined) return null;
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
    const peak = kb('VmHWM');
    const current = kb('VmRSS');
    return Number.isFinite(peak) ? { peak: peak * 1024, current: current * 1024 } : null;
  } catch {
    return null;
  }
}
