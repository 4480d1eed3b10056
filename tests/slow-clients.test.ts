import { connect, type Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import { buildTestApp } from './helpers.js';

// Slow clients and errors of Node's HTTP parser, over real sockets against a real listening server.

const SHORT = { REQUEST_TIMEOUT_MS: 1000, HEADERS_TIMEOUT_MS: 600 } as const;

async function listening(config: Record<string, unknown> = {}) {
  const test = await buildTestApp({ config });
  await test.app.listen({ port: 0, host: '127.0.0.1' });
  const address = test.app.server.address();
  if (address === null || typeof address === 'string') throw new Error('not listening on TCP');
  return { ...test, port: address.port };
}

/** A raw connection that records what it receives, and when it closed (ms after it opened). */
function rawConnection(port: number) {
  const socket: Socket = connect(port, '127.0.0.1');
  const opened = Date.now();
  let received = '';
  socket.setEncoding('latin1');
  socket.on('data', (chunk: string) => {
    received += chunk;
  });
  socket.on('error', () => {});
  const closed = new Promise<number>((resolve) => socket.on('close', () => resolve(Date.now() - opened)));
  return { socket, closed, received: () => received };
}

/** Writes one byte every `everyMs` until the socket closes or `limit` bytes were sent. */
function trickle(socket: Socket, everyMs: number, limit: number): () => void {
  let sent = 0;
  const timer = setInterval(() => {
    if (socket.destroyed || sent >= limit) return clearInterval(timer);
    socket.write('x');
    sent += 1;
  }, everyMs);
  return () => clearInterval(timer);
}

/** The status codes of the responses in a raw HTTP/1.1 stream. */
const statuses = (raw: string) => [...raw.matchAll(/HTTP\/1\.1 (\d{3}) /g)].map((m) => Number(m[1]));

/** The body of the last response, parsed. */
const lastBody = (raw: string) => JSON.parse(raw.slice(raw.lastIndexOf('\r\n\r\n') + 4));

describe('slow clients', () => {
  it('a keyless body sent a byte at a time gets its 401, then the connection closes at the request timeout', async () => {
    const { port } = await listening(SHORT);
    const { socket, closed, received } = rawConnection(port);
    socket.write(
      'POST /participants HTTP/1.1\r\nHost: itinerary.test\r\nContent-Type: application/json\r\n' +
        'Content-Length: 1000\r\n\r\n',
    );
    const stop = trickle(socket, 200, 1000);
    const after = await closed;
    stop();
    // One answer only: the 401; the timeout closes the connection without a second one.
    expect(statuses(received())).toEqual([401]);
    expect(received()).toContain('content-type: application/problem+json');
    expect(after).toBeGreaterThanOrEqual(1000);
    expect(after).toBeLessThan(4000);
  });

  it('a body that never ends, with a valid key, answers 408 problem+json and closes', async () => {
    const { port, token } = await listening(SHORT);
    const { socket, closed, received } = rawConnection(port);
    socket.write(
      `POST /participants HTTP/1.1\r\nHost: itinerary.test\r\nAuthorization: Bearer ${await token('write')}\r\n` +
        'Content-Type: application/json\r\nContent-Length: 1000\r\n\r\n{',
    );
    const stop = trickle(socket, 200, 1000);
    const after = await closed;
    stop();
    expect(statuses(received())).toEqual([408]);
    expect(received()).toContain('Content-Type: application/problem+json');
    expect(lastBody(received())).toEqual({
      type: 'about:blank',
      title: 'Request Timeout',
      status: 408,
      detail:
        'The request was not received in time: headers must arrive within 600 ms and the whole request within 1000 ms.',
      code: 'request_timeout',
    });
    expect(after).toBeLessThan(4000);
  });

  it('headers sent a byte at a time answer 408 at the headers timeout', async () => {
    const { port } = await listening(SHORT);
    const { socket, closed, received } = rawConnection(port);
    socket.write('GET /trips HTTP/1.1\r\nHost: itinerary.test\r\nX-Slow: ');
    const stop = trickle(socket, 100, 1000);
    const after = await closed;
    stop();
    expect(statuses(received())).toEqual([408]);
    expect(lastBody(received()).code).toBe('request_timeout');
    expect(after).toBeGreaterThanOrEqual(600);
    expect(after).toBeLessThan(3000);
  });

  it('an idle socket closes at CONNECTION_TIMEOUT_MS, an idle keep-alive one at KEEP_ALIVE_TIMEOUT_MS', async () => {
    // With the request timeout off, only the idle timeout ends a connection that stopped sending.
    const idle = await listening({ REQUEST_TIMEOUT_MS: 0, CONNECTION_TIMEOUT_MS: 500 });
    const silent = rawConnection(idle.port);
    silent.socket.write('GET /trips HTTP/1.1\r\nHost: itinerary.test\r\n');
    const silentAfter = await silent.closed;
    expect(silentAfter).toBeGreaterThanOrEqual(450);
    expect(silentAfter).toBeLessThan(3000);

    const kept = await listening({ KEEP_ALIVE_TIMEOUT_MS: 300 });
    const client = rawConnection(kept.port);
    client.socket.write('GET /health HTTP/1.1\r\nHost: itinerary.test\r\n\r\n');
    const keptAfter = await client.closed;
    expect(statuses(client.received())).toEqual([200]);
    expect(client.received()).toContain('Keep-Alive: timeout=0');
    expect(keptAfter).toBeLessThan(3000);
  });

  it('refuses timeouts Node would refuse, by name', () => {
    expect(() => loadConfig({ REQUEST_TIMEOUT_MS: '1000', HEADERS_TIMEOUT_MS: '5000' })).toThrow(
      'HEADERS_TIMEOUT_MS="5000" must be between 1 and REQUEST_TIMEOUT_MS (1000)',
    );
    expect(() => loadConfig({ CONNECTION_TIMEOUT_MS: '-1' })).toThrow(/CONNECTION_TIMEOUT_MS/);
  });
});

describe('errors of Node’s HTTP parser', () => {
  const exchange = async (port: number, request: string) => {
    const { socket, closed, received } = rawConnection(port);
    socket.write(request);
    await closed;
    return received();
  };

  it('answer problem+json: 431 for large headers or a URL too long even for the 414 check', async () => {
    const { port } = await listening();
    for (const request of [
      `GET /trips HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`,
      `GET /trips?q=${'a'.repeat(20_000)} HTTP/1.1\r\nHost: x\r\n\r\n`,
    ]) {
      const raw = await exchange(port, request);
      expect(statuses(raw)).toEqual([431]);
      expect(raw).toContain('Content-Type: application/problem+json');
      expect(lastBody(raw)).toEqual({
        type: 'about:blank',
        title: 'Request Header Fields Too Large',
        status: 431,
        detail: 'The request line and headers are larger than 16384 bytes.',
        code: 'header_fields_too_large',
      });
    }
  });

  it('answer problem+json: 400 for a malformed Content-Length', async () => {
    const { port } = await listening();
    for (const length of ['abc', '1, 2', '-1']) {
      const raw = await exchange(
        port,
        `POST /participants HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${length}\r\n\r\n{}`,
      );
      expect(statuses(raw)).toEqual([400]);
      expect(lastBody(raw)).toMatchObject({ status: 400, code: 'bad_content_length' });
    }
    const garbage = await exchange(port, 'NOT HTTP AT ALL\r\n\r\n');
    expect(statuses(garbage)).toEqual([400]);
    expect(lastBody(garbage)).toMatchObject({ status: 400, code: 'malformed_request' });
  });

  it('are in the OpenAPI document, on every operation', async () => {
    const { app } = await buildTestApp();
    const document = app.swagger() as {
      paths: Record<string, Record<string, { responses?: Record<string, unknown> }>>;
    };
    let operations = 0;
    for (const [path, item] of Object.entries(document.paths)) {
      for (const [method, operation] of Object.entries(item)) {
        operations += 1;
        for (const status of ['400', '408', '431']) {
          expect(operation.responses?.[status], `${method} ${path} ${status}`).toBeDefined();
        }
      }
    }
    expect(operations).toBeGreaterThan(30);
  });
});
