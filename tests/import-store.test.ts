import { describe, expect, it } from 'vitest';
import { createImportStore } from '../src/repositories/historian-import-store.js';
import { buildTestApp } from './helpers.js';

// The Historian import store (src/repositories/historian-import-store.ts) is built per transaction of the handle:
// every method answers a promise, every write lands in that transaction and goes with its rollback, and it runs
// only on a transaction the handle gave (the connection behind its prepared statements comes from the handle).

describe('the Historian import store', () => {
  it('answers a promise from every method', async () => {
    const { app } = await buildTestApp({ seed: false });
    const synchronous = await app.database.read(async (tx) =>
      Object.entries(createImportStore(tx))
        .filter(([, method]) => typeof method === 'function')
        .filter(([, method]) => (method as () => unknown).constructor.name !== 'AsyncFunction')
        .map(([name]) => name),
    );
    expect(synchronous).toEqual([]);
  });

  it('writes in the transaction it was built for, and its prepared inserts go with the rollback', async () => {
    const { app, api } = await buildTestApp({ seed: false });
    const failed = app.database.transaction(async (tx) => {
      const store = createImportStore(tx);
      const person = await store.insertParticipant({
        name: 'Ann Example',
        title: null,
        country: 'FR',
        organization: null,
      });
      const trip = await store.insertTrip({
        title: 'Ann Example: France (May 1990)',
        summary: null,
        travelerId: person.id,
        startDate: '1990-05-01',
        endDate: '1990-05-03',
        status: 'completed',
      });
      await store.recordWrite('trip', trip.id, trip.version);
      // Read back through the same transaction: the writes are there before it ends.
      expect((await store.trips([trip.id])).map((t) => t.title)).toEqual(['Ann Example: France (May 1990)']);
      expect((await store.writtenVersions('trip', [trip.id])).get(trip.id)).toBe(trip.version);
      throw new Error('the file failed');
    });
    await expect(failed).rejects.toThrow('the file failed');
    expect((await api.get('/trips').expect(200)).body.data).toEqual([]);
    expect((await api.get('/participants').expect(200)).body.data).toEqual([]);

    // A later transaction's store reuses the prepared statements, and its writes commit with it.
    const created = await app.database.transaction(async (tx) => {
      const store = createImportStore(tx);
      const person = await store.insertParticipant({
        name: 'Bo',
        title: null,
        country: null,
        organization: null,
      });
      return store.insertTrip({
        title: 'Bo: France (June 1990)',
        summary: null,
        travelerId: person.id,
        startDate: '1990-06-01',
        endDate: '1990-06-01',
        status: 'completed',
      });
    });
    const trip = await api.get(`/trips/${created.id}`).expect(200);
    expect(trip.body).toMatchObject({ title: 'Bo: France (June 1990)', version: created.version });
  });

  it('refuses a transaction the handle did not give', async () => {
    const { app } = await buildTestApp({ seed: false });
    // Its plain-SQL statements run on the connection of the handle's transaction: a hand-made one has none.
    const store = createImportStore(await app.database.read(async (tx) => ({ db: tx.db })));
    await expect(store.recordWrite('stop', 1, 1)).rejects.toThrow(/not a transaction of the database handle/);
  });
});
