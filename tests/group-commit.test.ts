import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../src/db/client.js';
import { engineOf } from '../src/db/connection.js';
import { buildTestApp, newParticipant } from './helpers.js';

// Group commit (plugins/group-commit.ts): writes that arrive together share one commit, and no answer leaves
// before the commit that makes its write durable. Another connection to the file sees committed rows only, so it
// is the witness.

const dir = mkdtempSync(join(tmpdir(), 'group-commit-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('group commit', () => {
  it('acknowledges each of many concurrent writes only once it is committed', async () => {
    const databasePath = join(dir, 'concurrent.db');
    const { api } = await buildTestApp({ databasePath });
    const witness = openDatabase(databasePath);
    try {
      const committed = engineOf(witness)
        .sqlite.prepare('select name from participants where id = ?')
        .pluck();
      const answers = await Promise.all(
        Array.from({ length: 40 }, async (_, i) => {
          const res = await api.post('/participants').send(newParticipant({ name: `Concurrent ${i}` }));
          // At the moment the answer arrives, another connection already reads the row.
          return { status: res.status, id: res.body.id as number, seen: committed.get(res.body.id) };
        }),
      );
      for (const [i, answer] of answers.entries()) {
        expect(answer.status).toBe(201);
        expect(answer.seen).toBe(`Concurrent ${i}`);
      }
    } finally {
      await witness.close();
    }
  });

  it('keeps each request all or nothing inside a group: a failing one leaves no trace, the others land', async () => {
    const databasePath = join(dir, 'mixed.db');
    const { api } = await buildTestApp({ databasePath });
    const meeting = (participants: { participantId: number; role: string }[], title: string) =>
      api.post('/stops/1/meetings').send({ kind: 'bilateral', title, participants });
    const answers = await Promise.all([
      meeting([{ participantId: 1, role: 'host' }], 'Lands 1'),
      // The second participant does not exist: the meeting and its first participant must not stay either.
      meeting(
        [
          { participantId: 1, role: 'host' },
          { participantId: 999_999, role: 'attendee' },
        ],
        'Never lands',
      ),
      meeting([{ participantId: 2, role: 'host' }], 'Lands 2'),
      api.patch('/meetings/1').set('if-match', '"v999"').send({ title: 'Stale' }),
      api.patch('/meetings/2').send({ title: 'Changed in a group' }),
    ]);
    expect(answers.map((a) => a.status)).toEqual([201, 400, 201, 412, 200]);
    const witness = openDatabase(databasePath);
    try {
      const titles = engineOf(witness).sqlite.prepare('select title from meetings where id = ?').pluck();
      expect(titles.get(answers[0]?.body.id)).toBe('Lands 1');
      expect(titles.get(answers[2]?.body.id)).toBe('Lands 2');
      expect(titles.get(2)).toBe('Changed in a group');
      expect(titles.get(1)).not.toBe('Stale');
      const never = engineOf(witness)
        .sqlite.prepare("select count(*) from meetings where title = 'Never lands'")
        .pluck();
      expect(never.get()).toBe(0);
    } finally {
      await witness.close();
    }
  });

  it('can be turned off (GROUP_COMMIT=false): each write commits on its own, with the same answers', async () => {
    const databasePath = join(dir, 'off.db');
    const { api } = await buildTestApp({ databasePath, config: { GROUP_COMMIT: 'false' } });
    const answers = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        api.post('/participants').send(newParticipant({ name: `Alone ${i}` })),
      ),
    );
    expect(answers.map((a) => a.status)).toEqual(Array(10).fill(201));
  });
});
