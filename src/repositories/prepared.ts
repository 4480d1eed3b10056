// Statements prepared once and run again with new parameters. Building a query with drizzle and having SQLite
// compile it cost more than running it (about 0.2 ms each for the itinerary's queries, against 0.01–0.05 ms to
// run them), so the queries of every hot read are built and prepared once per repository.
//
// A list of ids goes in as one parameter (dialect.ts: inIdList), so that the statement's text does not depend on
// how many ids there are; SQLite still searches the column's index for each id (see scripts/query-plans.ts).

export { idList, inIdList } from './dialect.js';

/** Prepares a statement per shape of a query the first time that shape is asked for, then reuses it. */
export function preparedBy<Key, Statement>(prepare: (key: Key) => Statement): (key: Key) => Statement {
  const statements = new Map<Key, Statement>();
  return (key) => {
    let statement = statements.get(key);
    if (statement === undefined) {
      statement = prepare(key);
      statements.set(key, statement);
    }
    return statement;
  };
}
