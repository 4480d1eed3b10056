import type Database from 'better-sqlite3';

// Reads SQLite query plans for what the API runs, and judges them against one rule. Shared by
// tests/query-plans.test.ts, which fails on a violation, and scripts/explain-queries.ts, which prints plans and
// timings for a database file.

/** A statement as the API ran it: its text with `?` placeholders, and the values bound to them. */
export type RanStatement = { sql: string; params: unknown[] };

type StatementMethod = 'all' | 'get' | 'iterate' | 'run';
const METHODS: StatementMethod[] = ['all', 'get', 'iterate', 'run'];

/**
 * Records every statement run on the connection, with its bound values, until `stop()`.
 *
 * better-sqlite3's `verbose` hook (the app's `onQuery`) hands over the text with the values spliced in as
 * literals, and that text can plan differently from what ran: an index on an expression matches a literal but
 * not a `?`, and with STAT4 the planner weighs the actual bound values. So this wraps the statement methods and
 * keeps the real text and values; EXPLAIN QUERY PLAN then binds the same values to the same text.
 */
export function recordStatements(sqlite: Database.Database): {
  statements: RanStatement[];
  stop: () => void;
} {
  const statements: RanStatement[] = [];
  const prototype = Object.getPrototypeOf(sqlite.prepare('select 1')) as Record<
    StatementMethod,
    (...args: unknown[]) => unknown
  >;
  const originals = METHODS.map((method) => [method, prototype[method]] as const);
  for (const [method, original] of originals) {
    prototype[method] = function (this: Database.Statement, ...params: unknown[]) {
      statements.push({ sql: this.source, params });
      return original.apply(this, params);
    };
  }
  return {
    statements,
    stop: () => {
      for (const [method, original] of originals) prototype[method] = original;
    },
  };
}

export type PlanStep = { id: number; parent: number; detail: string };

export const isQuery = (sql: string): boolean => /^\s*(select|with)\b/i.test(sql);

export function explain(sqlite: Database.Database, statement: RanStatement): PlanStep[] {
  return sqlite.prepare(`explain query plan ${statement.sql}`).all(...statement.params) as PlanStep[];
}

/** The plan as an indented tree, one step a line. */
export function formatPlan(steps: PlanStep[]): string {
  const depth = new Map<number, number>([[0, -1]]);
  return steps
    .map((step) => {
      const d = (depth.get(step.parent) ?? -1) + 1;
      depth.set(step.id, d);
      return `${'  '.repeat(d)}${step.detail}`;
    })
    .join('\n');
}

/** The tables that the rule protects: the two that grow with every trip. */
export const PROTECTED_TABLES = ['meetings', 'stops'];

/** `from meetings m`, `join "stops" as s`: which table each name in the FROM clauses stands for. */
function aliasesOf(sql: string): Map<string, string> {
  const aliases = new Map<string, string>();
  const pattern = /\b(?:from|join)\s+["`]?(\w+)["`]?(?:\s+(?:as\s+)?["`]?(\w+)["`]?)?/gi;
  const keywords = new Set([
    'on',
    'where',
    'join',
    'left',
    'inner',
    'cross',
    'natural',
    'order',
    'group',
    'limit',
    'union',
    'using',
    'select',
    'and',
    'or',
    'having',
    'window',
  ]);
  for (const match of sql.matchAll(pattern)) {
    const table = (match[1] as string).toLowerCase();
    aliases.set(table, table);
    const alias = match[2]?.toLowerCase();
    if (alias && !keywords.has(alias)) aliases.set(alias, table);
  }
  return aliases;
}

type Loop = { step: PlanStep; kind: 'SCAN' | 'SEARCH'; table: string; automatic: boolean; virtual: boolean };

function loopOf(step: PlanStep, aliases: Map<string, string>): Loop | undefined {
  const match = /^(SCAN|SEARCH) (\S+)/.exec(step.detail);
  if (!match) return undefined;
  const name = (match[2] as string).toLowerCase();
  return {
    step,
    kind: match[1] as 'SCAN' | 'SEARCH',
    table: aliases.get(name) ?? name,
    // An automatic index is built by reading the whole table first.
    automatic: step.detail.includes('AUTOMATIC'),
    virtual: step.detail.includes('VIRTUAL TABLE'),
  };
}

export type PlanContext = {
  /**
   * The request has no filter and no cursor: the only case where walking a whole index in order can stop after
   * LIMIT rows, because no condition makes SQLite skip rows on the way.
   */
  unfiltered: boolean;
  /** Real tables (not views, CTEs or virtual tables): a scan of one reads all of it. */
  tables: ReadonlySet<string>;
};

/**
 * THE RULE. A step that reads meetings or stops must be a SEARCH (a lookup or a range bounded by an index or the
 * rowid), and must not run once per row of a full scan of another table. A SCAN of them fails, whether of the
 * table or of an index (a walk of the whole index), and so does a search through an AUTOMATIC index (built by
 * reading the whole table). One exception: when the request has no filter and no cursor, a SCAN that is the
 * outer loop of a statement with a LIMIT and needs no temporary B-tree (for ORDER BY, GROUP BY or DISTINCT) at
 * that level reads rows already in the requested order and stops after LIMIT of them. Answers the violations.
 */
export function planViolations(steps: PlanStep[], sql: string, context: PlanContext): string[] {
  const aliases = aliasesOf(sql);
  const hasLimit = /\blimit\b/i.test(sql);
  const children = new Map<number, PlanStep[]>();
  for (const step of steps) children.set(step.parent, [...(children.get(step.parent) ?? []), step]);
  const loops = new Map<number, Loop>();
  for (const step of steps) {
    const loop = loopOf(step, aliases);
    if (loop) loops.set(step.id, loop);
  }

  const boundedWalk = (loop: Loop): boolean => {
    if (!context.unfiltered || !hasLimit || loop.kind !== 'SCAN' || loop.automatic) return false;
    const siblings = children.get(loop.step.parent) ?? [];
    const firstLoop = siblings.find((s) => loops.has(s.id));
    return firstLoop === loop.step && !siblings.some((s) => s.detail.startsWith('USE TEMP B-TREE'));
  };
  const fullScanOfTable = (loop: Loop): boolean =>
    loop.kind === 'SCAN' && !loop.virtual && context.tables.has(loop.table) && !boundedWalk(loop);

  const violations: string[] = [];
  for (const loop of loops.values()) {
    if (!PROTECTED_TABLES.includes(loop.table)) continue;
    if ((loop.kind === 'SCAN' && !boundedWalk(loop)) || loop.automatic) {
      violations.push(`full scan of ${loop.table}: ${loop.step.detail}`);
      continue;
    }
    // A search nested in a full scan of another table (an outer loop of the same join, or the loop that
    // evaluates a correlated subquery) runs once per row of that table.
    let node: PlanStep | undefined = loop.step;
    while (node) {
      const current: PlanStep = node;
      const siblings = children.get(current.parent) ?? [];
      const outer = siblings
        .filter((s) => s.id < current.id || current.detail.startsWith('CORRELATED'))
        .map((s) => loops.get(s.id))
        .find((l): l is Loop => l !== undefined && l.step !== current && fullScanOfTable(l));
      if (outer && (current === loop.step || current.detail.startsWith('CORRELATED'))) {
        violations.push(
          `${loop.table} searched once per row of a full scan of ${outer.table}: ${loop.step.detail} inside ${outer.step.detail}`,
        );
        break;
      }
      node = steps.find((s) => s.id === current.parent);
    }
  }
  return violations;
}

/** Values to query with, taken from the data so that every filter matches something. */
export type Sample = {
  trip: number;
  stop: number;
  meeting: number;
  /** Attends a typical number of meetings. */
  participant: number;
  /** Attends the most meetings, and travels. */
  busyParticipant: number;
  traveler: number;
  commonCountry: string;
  rareCountry: string;
  /** In another case than stored, as clients type it. */
  city: string;
  from: string;
  to: string;
  instantFrom: string;
  instantTo: string;
  topic: string;
  /** A word of meeting titles. */
  text: string;
  /** A word of participant names. */
  name: string;
  /** The change-feed token from before the first change. */
  firstToken: string;
};

export function pickSample(sqlite: Database.Database): Sample {
  const one = <T>(sql: string): T => {
    const row = sqlite.prepare(sql).raw().get() as unknown[] | undefined;
    if (!row) throw new Error(`no sample for ${sql}`);
    return row[0] as T;
  };
  const middle = (table: string) => `(select count(*) / 2 from ${table})`;
  const month = one<string>(
    `select substr(date, 1, 7) from meetings where date is not null order by date limit 1 offset ${middle('meetings')}`,
  );
  return {
    trip: one(
      `select trip_id from stops group by trip_id having count(*) >= 3 order by trip_id limit 1 offset ${middle('trips')} / 2`,
    ),
    stop: one(
      `select stop_id from meetings group by stop_id having count(*) >= 3 order by stop_id limit 1 offset ${middle('stops')} / 2`,
    ),
    meeting: one(
      `select meeting_id from meeting_participants group by meeting_id having count(*) >= 2 order by meeting_id limit 1 offset ${middle('meetings')} / 2`,
    ),
    participant: one(
      `select participant_id from meeting_participants group by participant_id order by count(*), participant_id limit 1 offset (select count(distinct participant_id) / 2 from meeting_participants)`,
    ),
    busyParticipant: one(
      'select participant_id from meeting_participants group by participant_id order by count(*) desc, participant_id limit 1',
    ),
    traveler: one(
      'select traveler_id from trips group by traveler_id order by count(*) desc, traveler_id limit 1 offset 5',
    ),
    commonCountry: one('select country from stops group by country order by count(*) desc, country limit 1'),
    rareCountry: one('select country from stops group by country order by count(*), country limit 1'),
    city: one<string>(
      'select city from stops group by city order by count(*), city limit 1 offset 10',
    ).toUpperCase(),
    from: `${month}-01`,
    to: `${month}-28`,
    instantFrom: `${month}-01T00:00:00Z`,
    instantTo: `${month}-28T23:59:59Z`,
    topic: one<string>(
      'select value from meetings, json_each(meetings.topics) group by value order by count(*), value limit 1 offset 3',
    ).toUpperCase(),
    text: 'press',
    name: one<string>(
      "select substr(name, instr(name, ' ') + 1) from participants where kind = 'person' order by id limit 1",
    ).toLowerCase(),
    firstToken: Buffer.from('changes:0').toString('base64url'),
  };
}

/** Query parameters that are not filters: with only these and no cursor, a request reads from the start. */
const NOT_FILTERS = new Set(['limit', 'sort', 'include', 'format', 'count']);
const TOP_COLLECTIONS = /^\/(trips|stops|meetings|participants|changes)$/;

export function isUnfiltered(url: string): boolean {
  const { pathname, searchParams } = new URL(url, 'http://localhost');
  return TOP_COLLECTIONS.test(pathname) && [...searchParams.keys()].every((key) => NOT_FILTERS.has(key));
}

/** A request with `{name}` in place of the sample's values, as in `/meetings?participant={participant}`. */
export function fill(template: string, sample: Sample): string {
  return template.replace(/\{(\w+)\}/g, (_, name: string) => {
    if (!(name in sample)) throw new Error(`no sample value for {${name}}`);
    return encodeURIComponent(String(sample[name as keyof Sample]));
  });
}

const each = (path: string, queries: string[]) => queries.map((q) => (q ? `${path}?${q}` : path));
const bothWays = (names: string[]) => names.flatMap((n) => [`sort=${n}`, `sort=-${n}`]);

/** Every list request the API serves: each filter alone, some together, each sort, and the includes. */
export const LIST_REQUESTS: string[] = [
  ...each('/trips', [
    '',
    ...bothWays(['startDate', 'endDate', 'title', 'createdAt', 'updatedAt']),
    'from={from}',
    'to={to}',
    'from={from}&to={to}',
    'country={commonCountry}',
    'country={rareCountry}',
    'country={rareCountry},{commonCountry}',
    'traveler={traveler}',
    'participant={participant}',
    'participant={busyParticipant}',
    'status=completed',
    'status=planned,confirmed',
    'topic={topic}',
    'q={name}',
    'country={commonCountry}&status=completed&from={from}',
    'country={rareCountry}&sort=-endDate',
    'participant={busyParticipant}&sort=title',
    'include=stops',
    'include=traveler',
    'include=stops,meetings,participants',
    'country={rareCountry}&include=stops,meetings,participants',
    'traveler={traveler}&count=true',
  ]),
  ...each('/trips/{trip}', ['', 'include=stops,meetings,participants']),
  ...each('/trips/{trip}/stops', [
    '',
    'sort=-position',
    'include=meetings,participants',
    'country={commonCountry}',
  ]),
  ...each('/stops', [
    '',
    ...bothWays(['position', 'arrivalDate']),
    'trip={trip}',
    'traveler={traveler}',
    'traveler={traveler}&sort=-arrivalDate',
    'country={commonCountry}',
    'country={rareCountry}',
    'city={city}',
    'from={from}',
    'to={to}',
    'from={from}&to={to}',
    'country={rareCountry}&from={from}',
    'country={commonCountry}&sort=-arrivalDate',
    'city={city}&sort=position',
    'include=meetings,participants',
    'country={rareCountry}&include=meetings',
    'country={commonCountry}&count=true',
  ]),
  ...each('/countries/{rareCountry}/stops', ['', 'from={from}&to={to}', 'include=meetings,participants']),
  ...each('/countries/{commonCountry}/stops', ['']),
  ...each('/meetings', [
    '',
    ...bothWays(['date', 'createdAt', 'updatedAt']),
    'trip={trip}',
    'stop={stop}',
    'traveler={traveler}',
    'traveler={traveler}&kind=bilateral',
    'from={from}',
    'to={to}',
    'from={from}&to={to}',
    'from={instantFrom}',
    'to={instantTo}',
    'from={instantFrom}&to={instantTo}',
    'country={commonCountry}',
    'country={rareCountry}',
    'participant={participant}',
    'participant={busyParticipant}',
    'kind=tour',
    'kind=tour,speech',
    'status=tentative',
    'status=confirmed',
    'topic={topic}',
    'q={text}',
    'country={rareCountry}&kind=bilateral',
    'country={commonCountry}&from={from}&to={to}',
    'participant={busyParticipant}&from={from}',
    'trip={trip}&stop={stop}&status=confirmed',
    'kind=press&status=confirmed&sort=-date',
    'country={rareCountry}&sort=createdAt',
    'trip={trip}&q={text}',
    'include=participants',
    'participant={participant}&include=participants',
    'status=tentative&count=true',
  ]),
  ...each('/stops/{stop}/meetings', ['', 'status=confirmed', 'include=participants', 'sort=-updatedAt']),
  ...each('/meetings/{meeting}', ['include=participants']),
  ...each('/meetings/{meeting}/participants', ['', 'limit=1']),
  ...each('/participants', [
    '',
    ...bothWays(['name', 'createdAt', 'updatedAt']),
    'q={name}',
    'country={commonCountry}',
    'kind=group',
  ]),
  ...each('/participants/{participant}/schedule', ['', 'from={from}&to={to}']),
  ...each('/participants/{busyParticipant}/schedule', ['', 'from={instantFrom}']),
  ...each('/participants/{traveler}/schedule', ['']),
  ...each('/participants/{participant}/counterparts', ['']),
  ...each('/participants/{busyParticipant}/counterparts', ['limit=5']),
  ...each('/participants/{busyParticipant}/whereabouts', ['date={from}']),
  ...each('/conflicts', [
    'participant={participant}',
    'participant={busyParticipant}',
    'participant={traveler}',
    'participant={busyParticipant}&from={from}&to={to}',
    'trip={trip}',
    'trip={trip}&kind=overlapping_stops',
    'from={from}&to={to}',
  ]),
  ...each('/countries', ['', 'limit=5']),
  ...each('/search', ['q={name}', 'q={text}&type=meeting', 'q={city}&type=stop,trip']),
  ...each('/changes', ['', 'since={firstToken}', 'since={firstToken}&limit=200']),
];
