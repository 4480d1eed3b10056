import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Prepared, prepareDatabase } from '../src/db/prepare.js';
import { queryRows } from '../src/db/queries.js';
import { searchText } from '../src/domain/text.js';
import { testDatabaseUrl } from './helpers.js';

// PostgreSQL's search_text (migrations/postgres/0002, on unaccent) against the TypeScript rule it stands for
// (src/domain/text.ts, which SQLite calls): the text filters, name sorting and search find the same records on both
// engines only if the two agree. Checked on every letter and mark of the scripts the Historian's names use, on
// the unspaced scripts, and on names as they come.

let prepared: Prepared;

beforeAll(async () => {
  prepared = await prepareDatabase({ path: '', url: await testDatabaseUrl('file'), seed: 'never' });
});

afterAll(async () => {
  await prepared?.database.close();
});

/** PostgreSQL's search_text of each text, in one query. */
async function folded(texts: string[]): Promise<string[]> {
  const rows = await prepared.database.read((tx) =>
    queryRows<{ folded: string }>(
      tx,
      sql`select search_text(t.value) as folded
        from json_array_elements_text(${JSON.stringify(texts)}::json) with ordinality as t(value, n) order by t.n`,
    ),
  );
  return rows.map((row) => row.folded);
}

/** Every code point in [from, to] that is a letter, a digit or a mark, as a one-character text. */
const range = (from: number, to: number) =>
  Array.from({ length: to - from + 1 }, (_, i) => String.fromCodePoint(from + i)).filter((c) =>
    /[\p{L}\p{N}\p{M}]/u.test(c),
  );

describe('search_text on PostgreSQL', () => {
  it('folds every letter of the Latin, Greek and Cyrillic alphabets as the TypeScript rule does', async () => {
    // Latin-1 letters, Latin Extended-A (but ŉ, deprecated by Unicode), Greek (but its numeral sign), Cyrillic, Latin Extended
    // Additional (Vietnamese), the Latin ligatures, and full-width digits and letters.
    const letters = [
      ...range(0x00c0, 0x017f).filter((c) => c !== 'ŉ'),
      ...range(0x0370, 0x03ff).filter((c) => c !== '\u0374'),
      ...range(0x0400, 0x04ff),
      ...range(0x1e00, 0x1efb),
      ...range(0xfb00, 0xfb06),
      ...range(0xff10, 0xff5a),
    ];
    const ours = letters.map(searchText);
    const theirs = await folded(letters);
    const differ = letters.flatMap((c, i) =>
      ours[i] === theirs[i] ? [] : [`${c}: ${ours[i]} / ${theirs[i]}`],
    );
    expect(differ).toEqual([]);
  });

  it('differs from the TypeScript rule only on punctuation, symbols and rare phonetic letters', async () => {
    // Where unaccent's rules and fold-to-ascii's disagree (© is "(c)" for one and stays for the other; ɔ is "o"
    // for one and stays for the other). None of these is in a name of the Historian's data
    // (postgres-import.test.ts gives the same answers); README, "Text on PostgreSQL", lists them.
    const everything = [...range(0x00a0, 0x2fff), ...range(0x3000, 0x33ff), ...range(0xfb00, 0xffef)].concat(
      Array.from({ length: 0x2fff - 0x00a0 }, (_, i) => String.fromCodePoint(0x00a0 + i)).filter((c) =>
        /[\p{P}\p{S}]/u.test(c),
      ),
    );
    const ours = everything.map(searchText);
    const theirs = await folded(everything);
    // Latin Extended-B and -C, IPA, modifier and phonetic letters, Greek's numeral sign, subscript letters,
    // enclosing marks, the reversed C.
    const rare = (c: string) =>
      [
        [0x0149, 0x0149],
        [0x0180, 0x02ff],
        [0x0374, 0x0374],
        [0x1c80, 0x1c8f],
        [0x1d00, 0x1dbf],
        [0x1efc, 0x1eff],
        [0x2090, 0x209c],
        [0x20d0, 0x20ff],
        [0x2183, 0x2184],
        [0x2c60, 0x2c7f],
      ].some(([from = 0, to = 0]) => (c.codePointAt(0) ?? 0) >= from && (c.codePointAt(0) ?? 0) <= to);
    const differ = everything.filter((_, i) => ours[i] !== theirs[i]);
    expect(differ.length).toBeGreaterThan(0);
    expect(differ.filter((c) => !rare(c) && !/[\p{P}\p{S}\p{No}\u3007]/u.test(c))).toEqual([]);
  });

  it('spaces every character of the unspaced scripts as the TypeScript rule does', async () => {
    const unspaced = [
      ...range(0x3041, 0x30ff),
      ...range(0x4e00, 0x4e80),
      ...range(0xac00, 0xac80),
      ...range(0x3131, 0x318e),
      '北京',
      '在北京会见',
      'ソウルで会談',
      '서울에서',
      'Talks in 北京 (Beijing)',
    ];
    expect(await folded(unspaced)).toEqual(unspaced.map(searchText));
  });

  it('folds names as they come from the Historian and the seed', async () => {
    const names = [
      'Enrique Peña Nieto',
      'Łódź',
      'Ørsted',
      'Straße',
      'İstanbul',
      'Þór',
      'Æsir',
      'ﬁne',
      'Ａｂｃ',
      'Bogotá',
      'São Tomé and Príncipe',
      'Reykjavík',
      'Hà Nội',
      'Côte d’Ivoire',
      'Dağlıq Qarabağ',
      'Ñuñoa',
      'Ǧ Ǩ ǰ',
      'Mińsk',
      "O'Higgins",
      'A  B',
    ];
    expect(await folded(names)).toEqual(names.map(searchText));
  });
});
