import fc from 'fast-check';

// Values learnt from answers (cursors, change tokens, ETags, tags, created ids): a request holds a reference to a
// pool rather than the value, resolved when the request is sent, as is or tampered with (a flipped character, a
// re-encoded cursor), so that generated requests can follow and abuse what the server handed out.

/** Learnt values: next-page cursors, change tokens, ETags by URL (for If-None-Match) and by path (for If-Match). */
export type PoolName = 'cursor' | 'token' | 'etag' | 'tag' | 'id';

/** A value taken at send time from what earlier answers gave: a cursor, a change token, an ETag or a new id. */
export type PoolRef = { pool: PoolName; pick: number; tamper: number; fallback: string };

export type Value = string | PoolRef;

export type State = {
  cursors: string[];
  tokens: string[];
  ids: string[];
  etags: Map<string, string>;
  tags: Map<string, string>;
};

export const newState = (): State => ({
  cursors: [],
  tokens: [],
  ids: [],
  etags: new Map(),
  tags: new Map(),
});

export const remember = (list: string[], value: string) => {
  if (list.includes(value)) return;
  list.push(value);
  if (list.length > 50) list.shift();
};

export const poolRef = (pool: PoolName, fallback: fc.Arbitrary<string>, tampers: number) =>
  fc
    .record({ pick: fc.nat(1000), tamper: fc.nat(tampers), fallback })
    .map((ref): PoolRef => ({ pool, ...ref }));

const flipChar = (text: string, at: number) => {
  if (text.length === 0) return 'A';
  const i = at % text.length;
  return `${text.slice(0, i)}${text[i] === 'A' ? 'B' : 'A'}${text.slice(i + 1)}`;
};

export const toBase64url = (text: string) => Buffer.from(text).toString('base64url');

function tamperCursor(cursor: string, tamper: number, pick: number): string {
  let body: { s?: unknown; f?: unknown; k?: unknown[] } | undefined;
  try {
    body = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    body = undefined;
  }
  const weird: unknown[] = [
    1e308,
    -1,
    0,
    '',
    'x'.repeat(3000),
    '\u0000',
    1.5,
    2 ** 53 + 2,
    [1],
    { a: 1 },
    null,
  ];
  const withKey = (k: unknown[]) => toBase64url(JSON.stringify({ ...body, k }));
  const keys = Array.isArray(body?.k) ? body.k : [];
  switch (tamper) {
    case 0:
      return cursor;
    case 1:
      return withKey(keys.map((_, i) => weird[(pick + i) % weird.length]));
    case 2:
      return toBase64url(
        JSON.stringify({ ...body, s: ['-startDate', 'title', 'date', 'name', ''][pick % 5] }),
      );
    case 3:
      return flipChar(cursor, pick);
    case 4:
      return cursor.slice(0, pick % Math.max(cursor.length, 1));
    case 5:
      return withKey([...keys, weird[pick % weird.length]]);
    case 6:
      return withKey(keys.map((key) => (typeof key === 'number' ? String(key) : key)));
    default:
      return `${cursor}==`;
  }
}

function tamperToken(token: string, tamper: number, pick: number): string {
  const seq = Number(/^changes:(\d+)$/.exec(Buffer.from(token, 'base64url').toString('utf8'))?.[1] ?? 0);
  switch (tamper) {
    case 0:
      return token;
    case 1:
      return toBase64url(`changes:${seq + 1 + (pick % 1000)}`);
    case 2:
      return toBase64url(`changes:${Math.max(seq - 1 - (pick % 50), 0)}`);
    case 3:
      return toBase64url('changes:-1');
    case 4:
      return flipChar(token, pick);
    case 5:
      return toBase64url(`changes:${'9'.repeat(15 + (pick % 3))}`);
    default:
      return toBase64url(`changes:${seq}.5`);
  }
}

export function resolveValue(value: Value, state: State, url: string): string {
  if (typeof value === 'string') return value;
  if (value.pool === 'tag') {
    const tag = state.tags.get(url.split('?')[0] ?? url);
    if (tag === undefined) return value.fallback;
    const stale = tag.replace(/\d+/, (n) => String(Math.max(Number(n) - 1, 0)));
    return [tag, tag, tag, `W/${tag}`, stale, `"x", ${tag}`, '*', '"v99999999"'][value.tamper % 8] ?? tag;
  }
  if (value.pool === 'etag') {
    const own = state.etags.get(url);
    const all = [...state.etags.values()];
    const tag = own ?? all[value.pick % Math.max(all.length, 1)];
    if (tag === undefined) return value.fallback;
    return (
      [tag, `"x", ${tag}`, tag.replace(/^"/, 'W/"'), `${tag.slice(0, -2)}"`, '*'][value.tamper % 5] ?? tag
    );
  }
  const list = value.pool === 'cursor' ? state.cursors : value.pool === 'token' ? state.tokens : state.ids;
  const item = list[value.pick % Math.max(list.length, 1)];
  if (item === undefined) return value.fallback;
  if (value.pool === 'cursor') return tamperCursor(item, value.tamper, value.pick);
  if (value.pool === 'token') return tamperToken(item, value.tamper, value.pick);
  return item;
}
