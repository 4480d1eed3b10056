import { engineConnectionOf } from './connection.js';
import type { Transaction } from './handle.js';
import { rawStatement } from './queries.js';

// The change feed and the audit log of the trips and stops an import inserts (historian-import-store.ts). On SQLite
// they are written once per insert (`insert … select` over the new rows, in their order) while a row in
// `import_bulk_insert` has the per-row triggers skip those rows (SQLite migration 0014): the expressions below are the
// triggers' own, column for column. The flag row lives only inside the import's uncommitted transaction, and only
// for the length of the insert (withImportFeed below). PostgreSQL's triggers still write them row by row.
const TRIP_CHANGE = `'trip', t.id, 'created', t.version, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), t.id, t.traveler_id`;
const STOP_CHANGE = `'stop', s.id, 'created', s.version, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), s.trip_id,
  (select traveler_id from trips where id = s.trip_id)`;
const TRIP_AUDIT = `strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), itinerary_actor(), 'create', 'trip', t.id, t.version, null,
  json_object('id', t.id, 'title', t.title, 'summary', t.summary, 'travelerId', t.traveler_id,
    'startDate', t.start_date, 'endDate', t.end_date, 'status', t.status, 'topics', json(t.topics),
    'context', json(t.context), 'sources', json(t.sources), 'createdAt', t.created_at, 'updatedAt', t.updated_at,
    'version', t.version)`;
const STOP_AUDIT = `strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), itinerary_actor(), 'create', 'stop', s.id, s.version, null,
  json_object('id', s.id, 'tripId', s.trip_id, 'position', s.position, 'city', s.city, 'country', s.country,
    'latitude', s.latitude, 'longitude', s.longitude, 'timeZone', s.time_zone, 'arrivalDate', s.arrival_date,
    'departureDate', s.departure_date, 'notes', s.notes, 'sources', json(s.sources), 'createdAt', s.created_at,
    'updatedAt', s.updated_at, 'version', s.version)`;
const CHANGE_COLUMNS = 'resource, resource_id, action, version, changed_at, trip_id, traveler_id';
const AUDIT_COLUMNS = 'at, key_name, operation, resource, resource_id, version, before, after';
/** The rows of `table` (aliased `alias`) whose ids are in the JSON array bound as the one parameter, by id. */
const newRows = (table: string, alias: string) =>
  `from ${table} ${alias} where ${alias}.id in (select value from json_each(?)) order by ${alias}.id`;
const bulkFeed = {
  quiet: rawStatement('insert into import_bulk_insert (active) values (1)'),
  loud: rawStatement('delete from import_bulk_insert'),
  trip: [
    rawStatement(`insert into changes (${CHANGE_COLUMNS}) select ${TRIP_CHANGE} ${newRows('trips', 't')}`),
    rawStatement(`insert into audit_log (${AUDIT_COLUMNS}) select ${TRIP_AUDIT} ${newRows('trips', 't')}`),
  ],
  stop: [
    rawStatement(`insert into changes (${CHANGE_COLUMNS}) select ${STOP_CHANGE} ${newRows('stops', 's')}`),
    rawStatement(`insert into audit_log (${AUDIT_COLUMNS}) select ${STOP_AUDIT} ${newRows('stops', 's')}`),
  ],
};

/**
 * Runs `insert` (inserts of trips, or of stops, in `tx`, answering the new rows with their ids) and answers its rows.
 * On SQLite the change-feed and audit triggers skip the rows it inserts, and their rows are written after it, two
 * statements for all of them; `insert` rejecting leaves the triggers on all the same (and rejects with its error).
 * On PostgreSQL the triggers write them, row by row.
 */
export async function withImportFeed<Row extends { id: unknown }>(
  tx: Transaction,
  resource: 'trip' | 'stop',
  insert: () => Promise<Row[]>,
): Promise<Row[]> {
  if (engineConnectionOf(tx).engine !== 'sqlite') return insert();
  await bulkFeed.quiet.run(tx);
  let rows: Row[];
  try {
    rows = await insert();
  } finally {
    await bulkFeed.loud.run(tx);
  }
  if (rows.length > 0) {
    const ids = JSON.stringify(rows.map((r) => Number(r.id)));
    for (const statement of bulkFeed[resource]) await statement.run(tx, ids);
  }
  return rows;
}
