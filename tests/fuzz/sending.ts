import type { IncomingMessage } from 'node:http';
import { remember, resolveValue, type State } from './learnt-values.js';
import type { FuzzRequest } from './requests.js';

// Sending a generated request: its pooled values taken, its parameters percent-encoded as a client would (a lone
// surrogate as ill-formed UTF-8), the oversize body built, and the request sent through supertest with the answer
// kept as raw text; then learning from the answer (ETags, ids from Location, next cursors and change tokens) for
// the requests after it.

export type Sent = {
  method: string;
  url: string;
  headers: Record<string, string>;
  contentType?: string;
  payload?: string | Buffer;
  note?: string;
  oversize: boolean;
};

export type Answer = { status: number; headers: Record<string, string | string[] | undefined>; text: string };

/**
 * Percent-encodes as a client would, except that a lone surrogate (which encodeURIComponent refuses) goes out as
 * the bytes of its code point: ill-formed UTF-8 the server must decode safely.
 */
export function encodeLoose(text: string): string {
  try {
    return encodeURIComponent(text);
  } catch {
    return [...text]
      .map((ch) => {
        const code = ch.codePointAt(0) ?? 0;
        if (code < 0xd800 || code > 0xdfff) return encodeURIComponent(ch);
        return [0xe0 | (code >> 12), 0x80 | ((code >> 6) & 0x3f), 0x80 | (code & 0x3f)]
          .map((byte) => `%${byte.toString(16).toUpperCase()}`)
          .join('');
      })
      .join('');
  }
}

/** The request as it goes out: pooled values taken, parameters encoded, the oversize body built. */
export function resolveRequest(request: FuzzRequest, state: State, bodyLimit: number): Sent {
  const path = request.op.path.replace(/\{([^}]+)\}/g, (_, name: string) =>
    encodeLoose(resolveValue(request.pathParams[name] ?? '', state, '')),
  );
  const query = request.query
    .map((part) =>
      'raw' in part ? part.raw : `${encodeLoose(part[0])}=${encodeLoose(resolveValue(part[1], state, ''))}`,
    )
    .join('&');
  const url = query ? `${path}?${query}` : path;
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.headers))
    headers[name] = resolveValue(value, state, url);
  const sent: Sent = { method: request.op.method, url, headers, oversize: false };
  const body = request.body;
  if (!body) return sent;
  sent.contentType = body.contentType;
  sent.note = body.note;
  if (body.kind === 'text') sent.payload = body.text;
  else if (body.kind === 'bytes') sent.payload = Buffer.from(body.bytes);
  else {
    const head = '{"title":"';
    sent.payload = `${head}${'x'.repeat(Math.max(bodyLimit + 1 - head.length - 2, 0))}"}`;
    sent.oversize = true;
  }
  return sent;
}

export type Agent = {
  get(url: string): RequestLike;
  post(url: string): RequestLike;
  put(url: string): RequestLike;
  patch(url: string): RequestLike;
  delete(url: string): RequestLike;
};
type RequestLike = {
  set(name: string, value: string): RequestLike;
  send(payload: string | Buffer): RequestLike;
  timeout(ms: { response: number; deadline: number }): RequestLike;
  buffer(on: boolean): RequestLike;
  parse(
    parser: (res: NodeJS.ReadableStream, done: (err: Error | null, body: unknown) => void) => void,
  ): RequestLike;
  then<T>(
    onfulfilled: (res: { status: number; headers: Record<string, string>; body: unknown }) => T,
  ): Promise<T>;
};

/**
 * Reads an answer's bytes whole; an event stream (GET /changes/stream), which never ends by itself, is read up to
 * its first message and then closed, as a client that has seen enough closes it.
 */
const rawParser = (res: NodeJS.ReadableStream, done: (err: Error | null, body: unknown) => void) => {
  const message = res as IncomingMessage;
  const streaming = String(message.headers?.['content-type'] ?? '').startsWith('text/event-stream');
  const chunks: Buffer[] = [];
  let finished = false;
  const finish = (error: Error | null, body: Buffer | undefined) => {
    if (finished) return;
    finished = true;
    done(error, body);
  };
  res.on('data', (chunk: Buffer) => {
    chunks.push(chunk);
    if (streaming && Buffer.concat(chunks).includes('\n\n')) {
      finish(null, Buffer.concat(chunks));
      message.destroy();
    }
  });
  res.on('end', () => finish(null, Buffer.concat(chunks)));
  res.on('error', (error: Error) => finish(error, undefined));
};

export async function send(api: Agent, sent: Sent): Promise<Answer> {
  let request = api[sent.method as keyof Agent](sent.url);
  for (const [name, value] of Object.entries(sent.headers)) request = request.set(name, value);
  if (sent.payload !== undefined) {
    if (sent.contentType !== undefined) request = request.set('content-type', sent.contentType);
    request = request.send(sent.payload);
  }
  request = request.timeout({ response: 10_000, deadline: 15_000 }).buffer(true).parse(rawParser);
  const res = await request.then((r) => r);
  const text = Buffer.isBuffer(res.body) ? res.body.toString('utf8') : '';
  return { status: res.status, headers: res.headers, text };
}

/** Learns cursors, change tokens, ETags and new ids from an answer, for later requests to use. */
export function learn(state: State, sent: Sent, answer: Answer): void {
  const etag = answer.headers.etag;
  if (typeof etag === 'string' && answer.status === 200) state.etags.set(sent.url, etag);
  const path = sent.url.split('?')[0] ?? sent.url;
  if (typeof etag === 'string' && answer.status >= 200 && answer.status < 300) state.tags.set(path, etag);
  if (sent.method === 'delete' && answer.status === 204) state.tags.delete(path);
  const location = answer.headers.location;
  if (typeof location === 'string') {
    const id = /\/(\d+)$/.exec(location)?.[1];
    if (id) remember(state.ids, id);
  }
  if (!String(answer.headers['content-type'] ?? '').includes('json')) return;
  try {
    const body = JSON.parse(answer.text) as { nextCursor?: unknown; nextToken?: unknown };
    if (typeof body.nextCursor === 'string') remember(state.cursors, body.nextCursor);
    if (typeof body.nextToken === 'string') remember(state.tokens, body.nextToken);
  } catch {
    // Not JSON: the checker says so.
  }
}
