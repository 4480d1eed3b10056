import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Database } from './driver.js';

// An import's scratch space: one document's records, held in a SQLite file of their own in the system's temporary
// folder (never in the application's database, whichever engine that is), so that a document of any size is read
// once, checked whole, and then walked in the order the import needs (a traveler's legs together, by date) with only
// a page of records in memory at a time. SQLite sorts on disk what does not fit its small cache. The file is
// scratch: no journal, no sync, deleted on close; a process killed mid-import leaves it in the temporary folder.

/** A record as staged: its place in the document, its keys for ordering and lookups, and the record as JSON. */
export type StagedRecord = {
  /** The record's position in the document (1, 2, …). */
  seq: number;
  line: number;
  /** The record's own id, as read. */
  id: string;
  /** The key it is imported under: its id, or a suffixed id for a repeat (see `setKey`). */
  key: string;
  /** The record, as given to `add` (its line aside). */
  data: string;
};

export type StagedInput = {
  line: number;
  id: string;
  /** The collection the record belongs to (`historian:secretary-travels`). */
  source: string;
  /** The records walked together in `grouped()`: a traveler's, say. */
  group: string;
  startDate: string;
  endDate: string;
  /** Days the record spans, for the collection's histogram (`spanCounts`). */
  days: number;
  /** What `latest(lookup)` finds the record by (a visitor's key); '' for none. */
  lookup: string;
  data: string;
};

const PAGE = 1000;

/**
 * Opens a scratch store in a new temporary folder. Records go in with `add`, then `seal()` before anything is read.
 * Every method is synchronous (better-sqlite3); `close()` deletes the folder. Statements are of fixed size: lists
 * are read a page at a time, never passed in.
 */
export function openStaging() {
  const dir = mkdtempSync(join(tmpdir(), 'itinerary-import-'));
  const db = new Database(join(dir, 'staging.db'));
  db.pragma('journal_mode = OFF');
  db.pragma('synchronous = OFF');
  db.pragma('cache_size = -16000');
  // Nobody else opens it: no file lock to take and release around each statement.
  db.pragma('locking_mode = EXCLUSIVE');
  db.exec(`
    create table records (
      seq integer primary key, line integer not null, id text not null, key text,
      source text not null, grp text not null, start_date text not null, end_date text not null,
      days integer not null, lookup text not null, data text not null
    );
    create table ordered (pos integer primary key, seq integer not null);
    create table present (source text not null, key text not null, primary key (source, key)) without rowid;
  `);
  const insert = db.prepare(
    `insert into records (line, id, key, source, grp, start_date, end_date, days, lookup, data)
     values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const row = `r.seq, r.line, r.id, r.key, r.data`;
  let pending: StagedInput[] = [];
  const flush = db.transaction((rows: StagedInput[]) => {
    for (const r of rows) {
      insert.run(r.line, r.id, r.id, r.source, r.group, r.startDate, r.endDate, r.days, r.lookup, r.data);
    }
  });
  let sealed = false;
  // Statements prepared once (the per-record ones run a million times for a million records).
  const statements = {
    recordsOf: db.prepare(`select ${row} from records r where r.id = ? order by r.seq`),
    setKey: db.prepare('update records set key = ? where seq = ?'),
    latest: db.prepare(
      `select ${row} from records r where r.lookup = ? and r.key is not null
       order by r.start_date desc, r.key desc limit 1`,
    ),
    markPresent: db.prepare('insert or ignore into present (source, key) values (?, ?)'),
    isPresent: db.prepare('select 1 from present where source = ? and key = ?'),
    firstOfGroup: db.prepare(
      `select ${row} from records r where r.grp = ? and r.key is not null order by r.seq limit 1`,
    ),
  };
  const orderedPage = db.prepare(
    `select o.pos, ${row}, r.grp as "group" from ordered o join records r on r.seq = o.seq
     where o.pos > ? order by o.pos limit ${PAGE}`,
  );

  /** Walks `ordered` a page at a time (the connection is free between pages, for the other methods). */
  function* walk(): Generator<StagedRecord & { group: string }> {
    let after = 0;
    for (;;) {
      const rows = orderedPage.all(after) as (StagedRecord & { pos: number; group: string })[];
      for (const r of rows) yield r;
      const last = rows.at(-1);
      if (!last || rows.length < PAGE) return;
      after = last.pos;
    }
  }

  const order = (sql: string) => {
    db.exec('delete from ordered');
    db.exec(`insert into ordered (seq) ${sql}`);
  };

  return {
    /** Adds a record (written in transactions of a thousand). */
    add(record: StagedInput): void {
      if (sealed) throw new Error('the staging store is sealed');
      pending.push(record);
      if (pending.length >= PAGE) {
        flush(pending);
        pending = [];
      }
    },

    /** Ends the adding, and indexes the records for reading. */
    seal(): void {
      flush(pending);
      pending = [];
      sealed = true;
      db.exec(`
        create index records_id on records (id, seq);
        create index records_lookup on records (lookup, start_date, key) where lookup <> '';
        create index records_group on records (grp, seq);
      `);
    },

    /** Ids that more than one record holds, each once. */
    *repeatedIds(): Generator<string> {
      let after = '';
      const page = db.prepare(
        `select id from records where id > ? group by id having count(*) > 1 order by id limit ${PAGE}`,
      );
      for (;;) {
        const ids = (page.all(after) as { id: string }[]).map((r) => r.id);
        yield* ids;
        const last = ids.at(-1);
        if (last === undefined || ids.length < PAGE) return;
        after = last;
      }
    },

    /** The records of one id, in document order (a few: the repeats of one id). */
    recordsOf(id: string): StagedRecord[] {
      return statements.recordsOf.all(id) as StagedRecord[];
    },

    /** Sets the key a record is imported under; null leaves it out (an exact repeat). */
    setKey(seq: number, key: string | null): void {
      statements.setKey.run(key, seq);
    },

    /** Records (left-out repeats aside), group by group in order of first appearance, each by date, then key. */
    grouped(): Generator<StagedRecord & { group: string }> {
      order(`
        select seq from (
          select seq, start_date, end_date, key, min(seq) over (partition by source) as source_first,
            min(seq) over (partition by grp) as group_first
          from records where key is not null
        ) order by source_first, group_first, start_date, end_date, length(key), key`);
      return walk();
    },

    /** Records (left-out repeats aside) by start date, then key. */
    byDate(): Generator<StagedRecord & { group: string }> {
      order('select seq from records where key is not null order by start_date, key');
      return walk();
    },

    /** The keys of a group's records (left-out repeats aside), a page at a time. */
    *keysOfGroup(group: string): Generator<string[]> {
      let after = 0;
      const page = db.prepare(
        `select seq, key from records where grp = ? and seq > ? and key is not null order by seq limit ${PAGE}`,
      );
      for (;;) {
        const rows = page.all(group, after) as { seq: number; key: string }[];
        if (rows.length > 0) yield rows.map((r) => r.key);
        const last = rows.at(-1);
        if (!last || rows.length < PAGE) return;
        after = last.seq;
      }
    },

    /** The group's first record in document order (left-out repeats aside). */
    firstOfGroup(group: string): StagedRecord | undefined {
      return statements.firstOfGroup.get(group) as StagedRecord | undefined;
    },

    /** The record with this lookup that comes last by start date, then key. */
    latest(lookup: string): StagedRecord | undefined {
      return statements.latest.get(lookup) as StagedRecord | undefined;
    },

    /** How many records of each source span each number of days. */
    spanCounts(): { source: string; days: number; n: number }[] {
      return db
        .prepare(
          'select source, days, count(*) as n from records where key is not null group by source, days',
        )
        .all() as { source: string; days: number; n: number }[];
    },

    /** Notes that the document holds these records of `source`, under these keys (as finally keyed). */
    markPresent: db.transaction((source: string, keys: readonly string[]): void => {
      for (const key of keys) statements.markPresent.run(source, key);
    }) as (source: string, keys: readonly string[]) => void,

    isPresent(source: string, key: string): boolean {
      return statements.isPresent.get(source, key) !== undefined;
    },

    /** Closes the store and deletes its file. */
    close(): void {
      if (db.open) db.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export type Staging = ReturnType<typeof openStaging>;
