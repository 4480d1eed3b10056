import { type SQL, type SQLWrapper, sql } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { searchText } from '../domain/text.js';
import type { SearchType } from '../schemas/search.js';
import { dialectOf } from './dialect.js';
import { searchWords } from './search-repository.js';

// Filter conditions shared by the repositories. Text is matched by one rule, that of search (domain/text.ts):
// case, accents and letters such as ł, ß or þ do not matter, and Chinese, Japanese and Korean words are found
// inside longer runs. The searchable form of every record's text is kept by the search index (migration 0010),
// so the filters read it there rather than fold each row's text again. Each engine spells the index's rows, its
// full-text match and the JSON and text functions its own way (dialect.ts); `db` is the drizzle instance the
// condition's query runs on.

/** The ids, from the search index, of the records of a type whose index row meets `where`. */
const indexed = (db: Db, id: SQLWrapper, type: SearchType, where: SQL): SQL =>
  sql`${id} in (${dialectOf(db).searchIdsWhere(type, where)})`;

/**
 * The text appears anywhere in the record's indexed text, folded: in a trip's title, summary or topics, a
 * meeting's title, description or topics, a participant's name, title or organization (`id` is the record's id
 * column). Matches substrings (`vide` finds Videgaray, `100%` is literal), on the searchable forms.
 */
export const containsText = (db: Db, text: string, type: SearchType, id: SQLWrapper): SQL => {
  const { searchRowOf, textContains } = dialectOf(db);
  const form = searchText(text);
  // Row by row, each record's index row read by its rowid: a page of a walk in the requested order stops once
  // full, where a list of every match would read the text of every record of every type first.
  return sql`exists (select 1 from search_index where ${searchRowOf(id, type)}
    and (${textContains(sql`title_words`, form)} or ${textContains(sql`body_words`, form)}))`;
};

/**
 * What a record is called (a stop's city) equals the text, folded: `Bogota`, `BOGOTÁ` and `Bogotá` are one
 * city. The index's MATCH on the name's words finds the candidates; equality of the whole forms decides.
 */
export const titleEquals = (db: Db, text: string, type: SearchType, id: SQLWrapper): SQL => {
  const form = searchText(text);
  const words = searchWords(text);
  const match =
    words.length > 0 ? sql`${dialectOf(db).fullTextMatch(words, { column: 'title_words' })} and ` : sql``;
  return indexed(db, id, type, sql`${match}title_words = ${form}`);
};

/**
 * The JSON array of topics holds this topic, folded (`id` is the record's id column). The index's MATCH on the
 * topic's words, in the body that holds the topics, finds the candidates; equality of the whole forms decides.
 */
export const hasTopic = (
  db: Db,
  topics: SQLWrapper,
  topic: string,
  type: SearchType,
  id: SQLWrapper,
): SQL => {
  const { jsonArrayHas, foldedText, fullTextMatch } = dialectOf(db);
  const words = searchWords(topic);
  const exact = jsonArrayHas(topics, (element) => sql`${foldedText(element)} = ${searchText(topic)}`);
  if (words.length === 0) return exact;
  return sql`${indexed(db, id, type, fullTextMatch(words, { column: 'body_words' }))} and ${exact}`;
};
