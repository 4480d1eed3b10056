import type { Db, Transaction } from '../db/client.js';
import { type Scope, scopeOf } from './dialect.js';

// Statements prepared once and run again with new parameters. Building a query with drizzle and having SQLite
// compile it cost more than running it (about 0.2 ms each for the itinerary's queries, against 0.01–0.05 ms to
// run them), so the queries of every hot read are built and prepared once per connection and reused.
//
// A prepared statement belongs to the connection it was prepared on, and runs there: so each is prepared for the
// drizzle instance of the transaction it runs in (`tx.db`: SQLite's one connection; on PostgreSQL, the pooled
// connection that holds the transaction), the first time one runs there.
//
// A list of ids goes in as one parameter (dialect.ts: inIdList), so that the statement's text does not depend on
// how many ids there are; SQLite still searches the column's index for each id (see scripts/query-plans.ts).

export { idList } from './dialect.js';

/** A statement that `prepare` builds for a connection (from its drizzle instance, tables and dialect). */
export function preparedOnce<Statement>(
  prepare: (db: Db, scope: Scope) => Statement,
): (tx: Transaction) => Statement {
  const statements = new WeakMap<Db, Statement>();
  return ({ db }) => {
    let statement = statements.get(db);
    if (statement === undefined) {
      statement = prepare(db, scopeOf(db));
      statements.set(db, statement);
    }
    return statement;
  };
}

/** A statement per shape of a query (`key`), prepared for a connection the first time that shape runs there. */
export function preparedBy<Key, Statement>(
  prepare: (key: Key, db: Db, scope: Scope) => Statement,
): (tx: Transaction, key: Key) => Statement {
  const statements = new WeakMap<Db, Map<Key, Statement>>();
  return ({ db }, key) => {
    let shapes = statements.get(db);
    if (shapes === undefined) {
      shapes = new Map();
      statements.set(db, shapes);
    }
    let statement = shapes.get(key);
    if (statement === undefined) {
      statement = prepare(key, db, scopeOf(db));
      shapes.set(key, statement);
    }
    return statement;
  };
}
