import { createReadStream } from 'node:fs';
import { SaxesParser } from 'saxes';

// Reads the Office of the Historian's XML as a stream of SAX events (saxes): one record at a time is held, never
// the document, so memory stays flat whatever the file size. Two formats, told apart by their root element:
//   <trips><trip role="secretary" who="slug"><id/><name/><start-date/><end-date/><country id="slug">label</country>
//     <locale/><remarks/>…</trip></trips>          (travels of the Secretaries and Presidents)
//   <visits><visit><id/><start-date/><end-date/><visitor/><from id="slug">label</from><description/>…</visit>
//     </visits>                                     (visits of foreign leaders to the United States)

export type TravelRecord = {
  kind: 'travel';
  /** The line of the record's opening tag, for reports. */
  line: number;
  id: string;
  /** `secretary` or `president` (the <trip> role attribute). */
  role: string;
  /** The traveler's slug, such as `tillerson-rex-w`: one participant per slug. */
  who: string;
  name: string;
  startDate: string;
  endDate: string;
  countrySlug: string;
  countryLabel: string;
  locale: string;
  remarks: string;
};

export type VisitRecord = {
  kind: 'visit';
  line: number;
  id: string;
  startDate: string;
  endDate: string;
  /** Title and name together, such as "Prime Minister Erna Solberg". */
  visitor: string;
  fromSlug: string;
  fromLabel: string;
  description: string;
};

export type HistorianRecord = TravelRecord | VisitRecord;
export type FileKind = 'travels' | 'visits';

/** Why a file cannot be imported; the import leaves the database as it was before that file. */
export class ImportFileError extends Error {
  constructor(
    message: string,
    readonly line: number | null,
    readonly recordId: string | null = null,
  ) {
    super(message);
    this.name = 'ImportFileError';
  }
}

const ROOTS: Record<string, { kind: FileKind; record: string }> = {
  trips: { kind: 'travels', record: 'trip' },
  visits: { kind: 'visits', record: 'visit' },
};

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** A YYYY-MM-DD that is a day of the calendar. */
export function isCalendarDate(value: string): boolean {
  const m = DATE.exec(value);
  if (!m) return false;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const date = new Date(Date.UTC(y, mo - 1, d));
  return date.getUTCFullYear() === y && date.getUTCMonth() === mo - 1 && date.getUTCDate() === d;
}

/**
 * Record text keeps its words, not the line breaks and indentation of the XML; in NFC, as the API stores text,
 * and without the control characters that XML 1.0 lets through (DEL, C1), which separate words as spaces do.
 */
export const collapse = (text: string): string =>
  text
    .normalize('NFC')
    .replace(/[\s\p{Cc}]+/gu, ' ')
    .trim();

type Draft = { line: number; fields: Map<string, string>; attributes: Map<string, string> };

function finish(kind: FileKind, draft: Draft, recordAttrs: Record<string, string>): HistorianRecord {
  const f = (name: string) => collapse(draft.fields.get(name) ?? '');
  const id = f('id');
  const fail = (message: string): never => {
    throw new ImportFileError(message, draft.line, id || null);
  };
  if (!id) fail('the record has no <id>');
  for (const name of ['start-date', 'end-date']) {
    const value = f(name);
    if (!value) fail(`record ${id} has no <${name}>`);
    if (!isCalendarDate(value))
      fail(`record ${id} has an invalid <${name}> "${value}" (expected YYYY-MM-DD)`);
  }
  const startDate = f('start-date');
  const endDate = f('end-date');
  if (startDate > endDate) fail(`record ${id} starts (${startDate}) after it ends (${endDate})`);

  if (kind === 'travels') {
    const countrySlug = collapse(draft.attributes.get('country') ?? '');
    const countryLabel = f('country');
    if (!countrySlug && !countryLabel) fail(`record ${id} has no <country>`);
    const name = f('name');
    const who = collapse(recordAttrs.who ?? '') || slugOf(name);
    if (!who) fail(`record ${id} names no traveler (no who= and no <name>)`);
    return {
      kind: 'travel',
      line: draft.line,
      id,
      role: collapse(recordAttrs.role ?? '') || f('role') || 'secretary',
      who,
      name: name || who,
      startDate,
      endDate,
      countrySlug,
      countryLabel,
      locale: f('locale'),
      remarks: f('remarks'),
    };
  }
  const visitor = f('visitor');
  if (!visitor) fail(`record ${id} has no <visitor>`);
  const fromSlug = collapse(draft.attributes.get('from') ?? '');
  const fromLabel = f('from');
  if (!fromSlug && !fromLabel) fail(`record ${id} has no <from>`);
  return {
    kind: 'visit',
    line: draft.line,
    id,
    startDate,
    endDate,
    visitor,
    fromSlug,
    fromLabel,
    description: f('description'),
  };
}

export const slugOf = (text: string): string =>
  text
    .normalize('NFD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '');

/**
 * A push parser: write the XML in chunks, then close. Each complete record goes to `onRecord` as soon as its
 * closing tag is read. Malformed XML, an unknown root element or an invalid record throws ImportFileError with
 * the line.
 */
export function createRecordReader(onRecord: (record: HistorianRecord) => void) {
  const parser = new SaxesParser({ position: true });
  let kind: FileKind | null = null;
  let recordName = '';
  let depth = 0;
  let draft: Draft | null = null;
  let recordAttrs: Record<string, string> = {};
  let field: string | null = null;
  let records = 0;
  let first = true;

  parser.on('error', (error) => {
    throw new ImportFileError(
      `malformed XML: ${error.message.replace(/^\d+:\d+: /, '')}`,
      parser.line,
      draft ? collapse(draft.fields.get('id') ?? '') || null : null,
    );
  });
  parser.on('opentag', (tag) => {
    depth += 1;
    if (depth === 1) {
      const root = ROOTS[tag.name];
      if (!root) {
        throw new ImportFileError(
          `the root element is <${tag.name}>, not <trips> (travels) or <visits> (visits)`,
          parser.line,
        );
      }
      kind = root.kind;
      recordName = root.record;
    } else if (depth === 2) {
      if (tag.name !== recordName) {
        throw new ImportFileError(
          `unexpected <${tag.name}> in <${kind === 'travels' ? 'trips' : 'visits'}>`,
          parser.line,
        );
      }
      draft = { line: parser.line, fields: new Map(), attributes: new Map() };
      recordAttrs = tag.attributes as Record<string, string>;
    } else if (depth === 3 && draft) {
      field = tag.name;
      draft.fields.set(field, '');
      const id = (tag.attributes as Record<string, string>).id;
      if (id !== undefined) draft.attributes.set(field, id);
    }
  });
  const onText = (text: string) => {
    // Text anywhere inside a field counts, including inside inline markup such as <em>.
    if (draft && field !== null && depth >= 3)
      draft.fields.set(field, (draft.fields.get(field) ?? '') + text);
  };
  parser.on('text', onText);
  parser.on('cdata', onText);
  parser.on('closetag', () => {
    if (depth === 3) field = null;
    if (depth === 2 && draft && kind) {
      records += 1;
      onRecord(finish(kind, draft, recordAttrs));
      draft = null;
    }
    depth -= 1;
  });

  return {
    write(chunk: string) {
      // A byte-order mark is not part of the document.
      parser.write(first && chunk.charCodeAt(0) === 0xfeff ? chunk.slice(1) : chunk);
      first = false;
    },
    close(): { kind: FileKind; records: number } {
      parser.close();
      if (!kind) throw new ImportFileError('the file is empty: no root element', parser.line);
      return { kind, records };
    },
  };
}

/** Streams a file through the reader. */
export async function readFileRecords(
  path: string,
  onRecord: (record: HistorianRecord) => void,
): Promise<{ kind: FileKind; records: number }> {
  const reader = createRecordReader(onRecord);
  for await (const chunk of createReadStream(path, { encoding: 'utf8', highWaterMark: 1 << 16 })) {
    reader.write(chunk as string);
  }
  return reader.close();
}

/** Reads a document held in memory (an HTTP body). */
export function readTextRecords(
  xml: string,
  onRecord: (record: HistorianRecord) => void,
): { kind: FileKind; records: number } {
  const reader = createRecordReader(onRecord);
  reader.write(xml);
  return reader.close();
}
