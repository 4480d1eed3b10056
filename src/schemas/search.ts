import { z } from 'zod';
import { IdSchema, text } from './common.js';
import { PageQueryShape, repeatable } from './queries.js';

// Full-text search across the four resources. The results are a collection like any other: same paging, same
// CSV, same conditional GETs.

export const SEARCH_TYPES = ['trip', 'stop', 'meeting', 'participant'] as const;
export type SearchType = (typeof SEARCH_TYPES)[number];

export const SearchQuerySchema = z.strictObject({
  q: text({ error: 'is required: the text to search for' })
    .trim()
    .min(1, 'must not be empty')
    .max(200, 'must be at most 200 characters')
    .meta({
      description:
        'Words to find, up to 200 characters. Case and accents do not matter (`pena` finds "Peña"), every word ' +
        'must appear, and the last one also matches as the start of a word (`vide` finds "Videgaray"). Only ' +
        'letters and digits count: punctuation and operators such as `AND`, `*` or `"` are plain text. Text ' +
        'with no letter or digit is a 400.',
      example: 'pena nieto',
    }),
  type: repeatable(
    z.enum(SEARCH_TYPES, { error: `must be one of ${SEARCH_TYPES.join(', ')}` }),
    `Only results of these types (${SEARCH_TYPES.join(', ')}); repeat or comma-separate`,
  ),
  ...PageQueryShape,
});
export type SearchQuery = z.infer<typeof SearchQuerySchema>;

export const SearchResultSchema = z
  .object({
    type: z.enum(SEARCH_TYPES).meta({ description: 'The kind of record found' }),
    id: IdSchema.meta({
      description:
        'Its id: by `type`, the record is at /trips/{id}, /stops/{id}, /meetings/{id} or /participants/{id}',
    }),
    title: z.string().meta({
      description:
        'What the record is called (a trip or meeting title, a city, a name), as plain text: escape it before ' +
        'putting it into HTML',
    }),
    snippet: z.string().meta({
      description:
        'The passage that matched, as an HTML fragment: the text is HTML-escaped and each matching word is ' +
        'wrapped in `<mark>…</mark>`; `…` marks cut text. Safe to insert as HTML; to show it as plain text, ' +
        'drop the tags and unescape the entities.',
    }),
    tripId: IdSchema.nullable().meta({
      description: 'The trip a stop or meeting belongs to; null for trips and participants',
    }),
  })
  .meta({
    id: 'SearchResult',
    description: 'A record that matches a search, best matches first',
    examples: [
      {
        type: 'participant',
        id: 3,
        title: 'Enrique Peña Nieto',
        snippet: 'Enrique <mark>Peña</mark> <mark>Nieto</mark>',
        tripId: null,
      },
    ],
  });
export type SearchResult = z.infer<typeof SearchResultSchema>;
