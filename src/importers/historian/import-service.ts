import { basename } from 'node:path';
import type { DatabaseHandle } from '../../db/client.js';
import {
  createImportStore,
  type ImportStore,
  type MappingRow,
  type ParticipantValues,
  type Resource,
  type StopRow,
  type StopValues,
  type TripValues,
} from '../../repositories/historian-import-store.js';
import type { Source } from '../../schemas/common.js';
import { displayCountry, resolveCountry, UNKNOWN_COUNTRY } from './countries.js';
import { groupLegs } from './grouping.js';
import {
  type FileKind,
  type HistorianRecord,
  ImportFileError,
  readFileRecords,
  readTextRecords,
  type TravelRecord,
  type VisitRecord,
} from './parser.js';
import {
  displayName,
  nameKey,
  sameName,
  splitVisitor,
  TRAVELER_ORGANIZATIONS,
  TRAVELER_TITLES,
} from './people.js';
import { resolvePlace } from './places.js';

// Imports the Office of the Historian's records of travel (<trips>) and of visits (<visits>).
//
// - Each file is one transaction: a file that cannot be read (broken XML, a bad date, a start after the end) is
//   reported with its line and leaves the database as it was, and the import goes on with the next file.
// - Records are keyed by their collection and id (table import_records): importing the same files again changes
//   nothing (no version moves), and a corrected file updates just the records it corrects.
// - A person's legs are grouped into trips (see grouping.ts); each leg is a stop citing its record.
// - Records that describe a journey already entered by hand (the seed's trip 1) are matched to it rather than
//   entered twice: same traveler, overlapping dates, and for each leg the trip's stops in the same country on
//   overlapping dates. Those stops get the record as a source, unless they cite it already; where their dates
//   disagree with the record's, the import says so. Matched records are never rewritten.
// - Hand corrections survive: the importer notes the version of every row it writes (table import_writes); a row
//   whose version has moved since was edited by someone else, and is kept and listed unless `overwriteEdits`.
// - A record's file is noted (import_records.file): a record id that another file already holds for another
//   person is a collision, imported under a key of its own (`<id>@<file>`) so that neither overwrites the other;
//   records a file no longer holds are listed, and their stops removed only under `removeMissing`.

export const HISTORIAN_PUBLISHER = 'Office of the Historian, US Department of State';
const SITE = 'https://history.state.gov/departmenthistory';

export type Severity = 'error' | 'warning';

export type ImportFlag = {
  file: string;
  recordId: string | null;
  line: number | null;
  /** Errors make the file fail (nothing of it is written); warnings are about records that were imported. */
  severity: Severity;
  reason: string;
};

/** `kept`: rows edited by hand since the import wrote them, left as they are; `recreated`: deleted by hand, made again. */
export type Counts = { created: number; updated: number; unchanged: number; recreated: number; kept: number };

/** A row the import would have changed but that was edited by someone else since the import last wrote it. */
export type HandEdit = {
  file: string;
  resource: Resource;
  id: number;
  recordIds: string[];
  /** The fields the import would have set. */
  fields: string[];
  /** `kept` by default; `overwritten` under the `overwriteEdits` option. */
  action: 'kept' | 'overwritten';
};

/** A stop whose record its file no longer holds (an editor deleted it upstream). */
export type MissingRecord = {
  file: string;
  recordId: string;
  stopId: number;
  tripId: number | null;
  /** `kept` by default; `removed` under the `removeMissing` option. */
  action: 'kept' | 'removed';
};

/** A traveler whose id the upstream data renamed while keeping their records' ids: one participant, re-keyed. */
export type RenamedTraveler = { file: string; participantId: number; from: string; to: string };

export type FileStatus = 'imported' | 'unchanged' | 'failed';

export type ImportReport = {
  /** `imported`: the file changed something; `unchanged`: it changed nothing; `failed`: it was not imported. */
  files: { file: string; kind: FileKind | null; records: number; status: FileStatus }[];
  /** `unchanged` when no file changed anything. */
  outcome: 'changed' | 'unchanged';
  /** Records read, in every file (a failed file's too, up to where it failed). */
  records: number;
  /** `matched`: existing trips that records were matched to; `deleted`: imported trips left without stops. */
  trips: Counts & { matched: number; deleted: number };
  /** `missing`: stops of records their file no longer holds, left in place; `removed`: those removed. */
  stops: Counts & { missing: number; removed: number };
  /** `matched`: existing participants that records were matched to (the seed's Rex Tillerson). */
  participants: Counts & { matched: number; renamed: number };
  /** Stops whose country code, or whose zone (chosen from the country alone), is a guess. */
  inferred: { countries: number; timeZones: number };
  /** Records that describe an existing trip, which now cites them. */
  matched: { file: string; tripId: number; recordIds: string[] }[];
  edits: HandEdit[];
  renamed: RenamedTraveler[];
  missing: MissingRecord[];
  flagged: ImportFlag[];
  durationMs: number;
};

/**
 * A document to import: a file on disk, or a text such as an HTTP body. `file` is the name records are filed
 * under (a file's base name), by which records the document no longer holds and record ids that two files share
 * are found; null for an unnamed body, which skips both checks.
 */
export type ImportInput = {
  name: string;
  file: string | null;
  read: (onRecord: (record: HistorianRecord) => void) => Promise<{ kind: FileKind; records: number }>;
};

export const fileInput = (path: string): ImportInput => ({
  name: path,
  file: basename(path),
  read: (onRecord) => readFileRecords(path, onRecord),
});

export const textInput = (name: string, xml: string, file: string | null = null): ImportInput => ({
  name,
  file,
  read: async (onRecord) => readTextRecords(xml, onRecord),
});

export type ImportProgress = {
  /** Files done so far (1-based), of `total`. */
  done: number;
  total: number;
  file: string;
  records: number;
  status: FileStatus;
};

export type ImportOptions = {
  /** Write over rows edited by hand since the import last wrote them (default: keep them, and list them). */
  overwriteEdits?: boolean;
  /** Delete the stops of records that their file no longer holds (default: keep them, and list them). */
  removeMissing?: boolean;
  onProgress?: (progress: ImportProgress) => void;
};

/** Items by key, in their order (Map.groupBy arrives with Node 21). */
function groupBy<T, K>(items: Iterable<T>, key: (item: T) => K): Map<K, T[]> {
  const groups = new Map<K, T[]>();
  for (const item of items) {
    const k = key(item);
    const list = groups.get(k);
    if (list) list.push(item);
    else groups.set(k, [item]);
  }
  return groups;
}

type Tally = Pick<
  ImportReport,
  'trips' | 'stops' | 'participants' | 'inferred' | 'matched' | 'edits' | 'renamed' | 'missing' | 'flagged'
>;

const counts = () => ({ created: 0, updated: 0, unchanged: 0, recreated: 0, kept: 0 });

const emptyTally = (): Tally => ({
  trips: { ...counts(), matched: 0, deleted: 0 },
  stops: { ...counts(), missing: 0, removed: 0 },
  participants: { ...counts(), matched: 0, renamed: 0 },
  inferred: { countries: 0, timeZones: 0 },
  matched: [],
  edits: [],
  renamed: [],
  missing: [],
  flagged: [],
});

function addTally(into: Tally, from: Tally): void {
  for (const key of ['trips', 'stops', 'participants', 'inferred'] as const) {
    const target = into[key] as Record<string, number>;
    for (const [name, n] of Object.entries(from[key])) target[name] = (target[name] ?? 0) + n;
  }
  into.matched.push(...from.matched);
  into.edits.push(...from.edits);
  into.renamed.push(...from.renamed);
  into.missing.push(...from.missing);
  into.flagged.push(...from.flagged);
}

/** Whether a file's import wrote anything: rows made, changed, re-keyed or removed. */
function changedAnything({ trips, stops, participants, edits }: Tally): boolean {
  return (
    trips.created + trips.updated + trips.recreated + trips.deleted > 0 ||
    stops.created + stops.updated + stops.recreated + stops.removed > 0 ||
    participants.created + participants.updated + participants.renamed > 0 ||
    edits.some((e) => e.action === 'overwritten')
  );
}

/** Imports the documents in order, each in its own transaction. */
export async function importHistorian(
  database: Pick<DatabaseHandle, 'db' | 'sqlite'>,
  inputs: ImportInput[],
  options: ImportOptions = {},
): Promise<ImportReport> {
  const started = performance.now();
  const store = createImportStore(database);
  const report: ImportReport = {
    files: [],
    outcome: 'unchanged',
    records: 0,
    ...emptyTally(),
    durationMs: 0,
  };
  const run = new RunContext(options);
  let done = 0;
  for (const input of inputs) {
    const records: HistorianRecord[] = [];
    const tally = emptyTally();
    let kind: FileKind | null = null;
    let status: FileStatus = 'imported';
    try {
      kind = (await input.read((record) => records.push(record))).kind;
      database.db.transaction(() => {
        const ctx = new FileContext(store, input.name, input.file, tally, run);
        if (kind === 'travels') importTravels(ctx, records as TravelRecord[]);
        else importVisits(ctx, records as VisitRecord[]);
      });
      addTally(report, tally);
      if (changedAnything(tally)) report.outcome = 'changed';
      else status = 'unchanged';
    } catch (error) {
      status = 'failed';
      report.flagged.push(failure(input.name, error));
    }
    report.records += records.length;
    report.files.push({ file: input.name, kind, records: records.length, status });
    done += 1;
    options.onProgress?.({ done, total: inputs.length, file: input.name, records: records.length, status });
  }
  report.durationMs = Math.round(performance.now() - started);
  return report;
}

function failure(file: string, error: unknown): ImportFlag {
  if (error instanceof ImportFileError) {
    return { file, recordId: error.recordId, line: error.line, severity: 'error', reason: error.message };
  }
  const reason = error instanceof Error ? error.message : String(error);
  if ((error as NodeJS.ErrnoException | undefined)?.code === 'ENOENT') {
    return { file, recordId: null, line: null, severity: 'error', reason: 'no such file' };
  }
  return { file, recordId: null, line: null, severity: 'error', reason: `could not be imported: ${reason}` };
}

/** What lasts across the files of one import: its options, and each collection's spans, read once. */
class RunContext {
  readonly spans = new Map<string, number[]>();
  constructor(readonly options: ImportOptions) {}
}

/** One file's import: its store, its tally, and the participants it has resolved. */
class FileContext {
  readonly people = new Map<string, number>();
  constructor(
    readonly store: ImportStore,
    readonly file: string,
    /** The name records are filed under (see ImportInput); null for an unnamed body. */
    readonly fileKey: string | null,
    readonly tally: Tally,
    readonly run: RunContext,
  ) {}

  get options(): ImportOptions {
    return this.run.options;
  }

  flag(record: { id: string; line: number } | null, severity: Severity, reason: string): void {
    this.tally.flagged.push({
      file: this.file,
      recordId: record?.id ?? null,
      line: record?.line ?? null,
      severity,
      reason,
    });
  }
}

// ---------------------------------------------------------------------------------------------------------------
// From records to plans

/** A record as a stop to be. */
type LegPlan = {
  id: string;
  line: number;
  startDate: string;
  endDate: string;
  country: string;
  countryLabel: string;
  stop: Omit<StopValues, 'tripId' | 'position' | 'sources'>;
  source: Source;
};

type GroupPlan = { travelerId: number; legs: LegPlan[]; trip: TripValues };

const MONTHS = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
];
const monthYear = (date: string) => ({
  month: MONTHS[Number(date.slice(5, 7)) - 1] ?? '',
  year: date.slice(0, 4),
});

/** "February 2018", "January–February 2018", "December 2017–January 2018". */
export function period(startDate: string, endDate: string): string {
  const a = monthYear(startDate);
  const b = monthYear(endDate);
  if (a.year !== b.year) return `${a.month} ${a.year}–${b.month} ${b.year}`;
  if (a.month !== b.month) return `${a.month}–${b.month} ${a.year}`;
  return `${a.month} ${a.year}`;
}

const TITLE_MAX = 300;

/** "Rex W. Tillerson: Mexico, Argentina, Peru, Colombia, Jamaica (February 2018)", kept within the title limit. */
export function tripTitle(name: string, countries: string[], startDate: string, endDate: string): string {
  const tail = ` (${period(startDate, endDate)})`;
  const shown: string[] = [];
  for (const [i, country] of countries.entries()) {
    const rest = countries.length - i - 1;
    const more = rest > 0 ? `, and ${rest} more` : '';
    if (`${name}: ${[...shown, country].join(', ')}${more}${tail}`.length > TITLE_MAX) {
      return `${name}: ${shown.join(', ')}, and ${countries.length - shown.length} more${tail}`;
    }
    shown.push(country);
  }
  return `${name}: ${shown.join(', ')}${tail}`;
}

const idList = (ids: string[]): string =>
  ids.length <= 8 ? ids.join(', ') : `${ids.slice(0, 8).join(', ')} and ${ids.length - 8} more`;

const QUOTE_MAX = 5000;

/** Notes: the record's own words, then what the import inferred or could not tell. */
function notesOf(text: string, remarks: (string | null)[]): string | null {
  const parts = [text, ...remarks].filter((p): p is string => p !== null && p !== '');
  return parts.length > 0 ? parts.join('\n\n') : null;
}

function legOf(
  ctx: FileContext,
  record: { id: string; line: number; startDate: string; endDate: string },
  place: { slug: string; label: string; locale: string } | { us: true },
  text: string,
  source: Omit<Source, 'quote' | 'recordId'>,
  quote: string,
): LegPlan {
  const country =
    'us' in place
      ? { code: 'US', label: 'United States', known: true, inferred: null }
      : resolveCountry(place.slug, place.label);
  const locale = 'us' in place ? '' : place.locale;
  const located = resolvePlace(country.code, country.label, locale);
  if (!country.known) {
    ctx.flag(
      record,
      'warning',
      `unknown country "${'us' in place ? '' : place.slug}" ("${country.label}"): imported with country ${UNKNOWN_COUNTRY}`,
    );
  } else if (country.inferred) {
    ctx.flag(
      record,
      'warning',
      `country "${'us' in place ? '' : place.slug}" ("${country.label}") inferred as ${country.code}: ${country.inferred}`,
    );
  }
  if (country.inferred) ctx.tally.inferred.countries += 1;
  if (located.inferred) ctx.tally.inferred.timeZones += 1;
  return {
    id: record.id,
    line: record.line,
    startDate: record.startDate,
    endDate: record.endDate,
    country: country.code,
    countryLabel: country.label,
    stop: {
      city: locale || displayCountry(country.label),
      country: country.code,
      countryName: 'us' in place ? null : country.label,
      latitude: located.latitude,
      longitude: located.longitude,
      timeZone: located.timeZone,
      arrivalDate: record.startDate,
      departureDate: record.endDate,
      notes: notesOf(text, [
        country.known
          ? null
          : `Country not identified: the record gives "${country.label}", so the code is ${UNKNOWN_COUNTRY}.`,
        country.inferred ? `Country inferred: ${country.inferred}, so the code is ${country.code}.` : null,
        located.inferred ? `Time zone inferred: ${located.inferred}.` : null,
      ]),
    },
    source: { ...source, quote: quote.slice(0, QUOTE_MAX), recordId: record.id },
  };
}

function assertUniqueIds(records: HistorianRecord[]): void {
  const seen = new Set<string>();
  for (const record of records) {
    if (seen.has(record.id)) {
      throw new ImportFileError(`record ${record.id} appears twice in the file`, record.line, record.id);
    }
    seen.add(record.id);
  }
}

function importTravels(ctx: FileContext, records: TravelRecord[]): void {
  assertUniqueIds(records);
  // One collection per role (the Secretaries', the Presidents'), one traveler per slug.
  const bySource = groupBy(records, (r) => `historian:${r.role}-travels`);
  for (const [source, sourceRecords] of bySource) {
    const groups: GroupPlan[] = [];
    for (const travels of groupBy(sourceRecords, (r) => r.who).values()) {
      const first = travels[0] as TravelRecord;
      const name = displayName(first.name);
      const travelerId = traveler(
        ctx,
        first,
        travels.map((r) => r.id),
      );
      for (const legs of groupLegs(travels)) {
        const plans = legs.map((r) =>
          legOf(
            ctx,
            r,
            { slug: r.countrySlug, label: r.countryLabel, locale: r.locale },
            r.remarks,
            {
              title: `Travels Abroad of the ${r.role === 'president' ? 'President' : 'Secretary of State'}: ${r.name}`,
              publisher: HISTORIAN_PUBLISHER,
              publishedAt: null,
              url: `${SITE}/travels/${r.role}/${r.who}`,
            },
            r.remarks || r.locale || r.countryLabel,
          ),
        );
        // Legs come in start order; a long leg can end after the last one starts.
        const startDate = plans[0]?.startDate ?? '';
        const endDate = plans.map((l) => l.endDate).sort()[plans.length - 1] ?? startDate;
        const countries = [
          ...new Map(
            plans.map((l) => [
              `${l.country}|${l.country === UNKNOWN_COUNTRY ? l.countryLabel : ''}`,
              displayCountry(l.countryLabel),
            ]),
          ).values(),
        ];
        const office = TRAVELER_TITLES[first.role] ?? first.role;
        groups.push({
          travelerId,
          legs: plans,
          trip: {
            title: tripTitle(name, countries, startDate, endDate),
            summary:
              `${name}'s travel as ${office}, from the Office of the Historian's ${plans.length === 1 ? 'record' : `${plans.length} records`} ` +
              `(${idList(plans.map((l) => l.id))}); each stop cites its record.`,
            travelerId,
            startDate,
            endDate,
            status: 'completed',
          },
        });
      }
    }
    applyGroups(ctx, source, groups);
  }
}

function importVisits(ctx: FileContext, records: VisitRecord[]): void {
  assertUniqueIds(records);
  const groups: GroupPlan[] = [];
  const sorted = [...records].sort(
    (a, b) => a.startDate.localeCompare(b.startDate) || a.id.localeCompare(b.id),
  );
  // Each visitor's latest visit in the file, whose title they carry (visits come sorted by date).
  const keyOf = (r: VisitRecord) => {
    const from = resolveCountry(r.fromSlug, r.fromLabel);
    return `${nameKey(splitVisitor(r.visitor).name)}|${from.known ? from.code : '-'}`;
  };
  const latest = new Map(sorted.map((r) => [keyOf(r), r]));
  for (const r of sorted) {
    const from = resolveCountry(r.fromSlug, r.fromLabel);
    if (!from.known) {
      ctx.flag(
        r,
        'warning',
        `unknown country "${r.fromSlug}" ("${from.label}"): the visitor is imported with no country`,
      );
    } else if (from.inferred) {
      ctx.flag(
        r,
        'warning',
        `country "${r.fromSlug}" ("${from.label}") inferred as ${from.code}: ${from.inferred}`,
      );
    }
    const { name } = splitVisitor(r.visitor);
    const travelerId = visitor(ctx, latest.get(keyOf(r)) ?? r, from.known ? from.code : null);
    const leg = legOf(
      ctx,
      r,
      { us: true },
      r.description,
      {
        title: `Visits by Foreign Leaders: ${from.label}`,
        publisher: HISTORIAN_PUBLISHER,
        publishedAt: null,
        url: `${SITE}/visits/${r.fromSlug || 'index'}`,
      },
      r.description || r.visitor,
    );
    groups.push({
      travelerId,
      legs: [leg],
      trip: {
        title: tripTitle(name, ['United States'], r.startDate, r.endDate),
        summary: `Visit of ${r.visitor} (${displayCountry(from.label)}) to the United States, from the Office of the Historian's record ${r.id} of visits by foreign leaders.`,
        travelerId,
        startDate: r.startDate,
        endDate: r.endDate,
        status: 'completed',
      },
    });
  }
  applyGroups(ctx, 'historian:visits', groups);
}

// ---------------------------------------------------------------------------------------------------------------
// Hand corrections

/**
 * Writes the import's changes to a row it owns, unless the row was edited by someone else since the import last
 * wrote it (its version moved past the one in import_writes): then the row is kept as edited and listed, or, under
 * `overwriteEdits`, written and listed as overwritten. `write` makes the change and gives the new version.
 */
function writeOwned(
  ctx: FileContext,
  resource: Resource,
  row: { id: number; version: number },
  written: number | undefined,
  diff: Record<string, unknown>,
  recordIds: string[],
  write: () => number,
  key?: { source: string; recordId: string },
): 'updated' | 'kept' {
  const edited = written !== undefined && written !== row.version;
  if (edited) {
    const action = ctx.options.overwriteEdits ? 'overwritten' : 'kept';
    ctx.tally.edits.push({
      file: ctx.file,
      resource,
      id: row.id,
      recordIds,
      fields: Object.keys(diff),
      action,
    });
    if (action === 'kept') return 'kept';
  }
  ctx.store.recordWrite(resource, row.id, write(), key);
  return 'updated';
}

// ---------------------------------------------------------------------------------------------------------------
// Participants

/** Only the fields that differ, or null when none does. */
function changes<T extends Record<string, unknown>>(
  current: Record<string, unknown>,
  wanted: T,
): Partial<T> | null {
  const diff: Partial<T> = {};
  let changed = false;
  for (const [key, value] of Object.entries(wanted)) {
    const now = current[key];
    const same =
      typeof value === 'object' && value !== null
        ? JSON.stringify(now) === JSON.stringify(value)
        : now === value;
    if (!same) {
      (diff as Record<string, unknown>)[key] = value;
      changed = true;
    }
  }
  return changed ? diff : null;
}

/**
 * A traveler: one participant per person slug, or the existing person they are (same office and name). When the
 * slug is new but the person's records were imported before under another slug (the upstream data renamed the
 * traveler's id and kept the record ids), that participant is kept and re-keyed, and the report says so.
 */
function traveler(ctx: FileContext, record: TravelRecord, recordIds: string[]): number {
  const source = 'historian:people';
  const cached = ctx.people.get(`${source}|${record.who}`);
  if (cached !== undefined) return cached;
  if (ctx.store.mappings(source, [record.who]).length === 0) {
    renamedTraveler(ctx, source, record, recordIds);
  }
  const wanted: ParticipantValues = {
    name: displayName(record.name),
    title: TRAVELER_TITLES[record.role] ?? null,
    country: 'US',
    organization: TRAVELER_ORGANIZATIONS[record.role] ?? null,
  };
  const id = resolvePerson(
    ctx,
    source,
    record.who,
    wanted,
    (p) => p.title === wanted.title && sameName(p.name, wanted.name),
  );
  ctx.people.set(`${source}|${record.who}`, id);
  return id;
}

/** Re-keys the participant that the records' stops belong to, when it was imported under another slug. */
function renamedTraveler(ctx: FileContext, source: string, record: TravelRecord, recordIds: string[]): void {
  const { store, tally } = ctx;
  // The trips the records were imported into, or matched to (the seed's journey, whose traveler was adopted).
  const known = store
    .mappings(`historian:${record.role}-travels`, recordIds)
    .filter((r) => r.tripId !== null);
  const travelers = new Set(
    store.trips([...new Set(known.map((r) => r.tripId as number))]).map((t) => t.travelerId),
  );
  const [participantId] = travelers;
  if (travelers.size !== 1 || participantId === undefined) return;
  const previous = store
    .participantMappings(source)
    .find((m) => m.participantId === participantId && m.recordId !== record.who);
  if (!previous) return;
  store.renameMapping(previous.id, record.who);
  tally.participants.renamed += 1;
  tally.renamed.push({ file: ctx.file, participantId, from: previous.recordId, to: record.who });
}

/**
 * A visitor: one participant per name and country across visits, titled as at their latest visit ("Foreign
 * Minister" in 1995, "Prime Minister" in 1999), whatever order documents are imported in.
 */
function visitor(ctx: FileContext, latest: VisitRecord, country: string | null): number {
  const source = 'historian:visitors';
  const { title, name } = splitVisitor(latest.visitor);
  const key = `${nameKey(name)}|${country ?? '-'}`;
  const cached = ctx.people.get(`${source}|${key}`);
  if (cached !== undefined) return cached;
  const wanted: ParticipantValues = { name, title, country, organization: null };
  const id = resolvePerson(
    ctx,
    source,
    key,
    wanted,
    (p) => nameKey(p.name) === nameKey(name),
    latest.startDate,
  );
  ctx.people.set(`${source}|${key}`, id);
  return id;
}

function resolvePerson(
  ctx: FileContext,
  source: string,
  key: string,
  wanted: ParticipantValues,
  isSame: (p: { name: string; title: string | null }) => boolean,
  asOf: string | null = null,
): number {
  const { store, tally } = ctx;
  const row = store.mappings(source, [key]).find((r) => r.participantId !== null);
  if (row?.participantId) {
    const id = row.participantId;
    if (row.adopted) {
      tally.participants.unchanged += 1;
      return id;
    }
    // The latest record wins the title; an older one leaves it.
    const older = asOf !== null && row.asOf !== null && asOf < row.asOf;
    const current = store.participant(id);
    const diff = older || !current ? null : changes(current, wanted);
    if (diff && current) {
      const written = store.writtenVersions('participant', [id]).get(id);
      const outcome = writeOwned(ctx, 'participant', current, written, diff, [key], () =>
        store.updateParticipant(id, diff),
      );
      tally.participants[outcome] += 1;
    } else {
      tally.participants.unchanged += 1;
    }
    if (asOf !== null && (row.asOf === null || asOf > row.asOf)) store.setMappingAsOf(row.id, asOf);
    return id;
  }
  const same = store.unclaimedPeople(wanted.country).filter(isSame);
  if (same.length === 1 && same[0]) {
    store.addMapping({
      source,
      recordId: key,
      tripId: null,
      stopId: null,
      participantId: same[0].id,
      adopted: true,
      asOf,
      file: ctx.fileKey,
    });
    tally.participants.matched += 1;
    return same[0].id;
  }
  const { id, version } = store.insertParticipant(wanted);
  store.recordWrite('participant', id, version);
  store.addMapping({
    source,
    recordId: key,
    tripId: null,
    stopId: null,
    participantId: id,
    adopted: false,
    asOf,
    file: ctx.fileKey,
  });
  tally.participants.created += 1;
  return id;
}

// ---------------------------------------------------------------------------------------------------------------
// Upstream corrections: one record id in two files, implausible spans, records removed upstream

/**
 * Record ids that another file already holds for another person (an id used twice upstream, as once in the 1960
 * and 2010 visits): such a leg is keyed `<id>@<file>` instead, so that the two records keep a stop each. A record
 * that moved files for the same person (a renamed file) is the same record.
 */
function separateCollisions(ctx: FileContext, source: string, groups: GroupPlan[]): void {
  const { fileKey, store } = ctx;
  if (fileKey === null) return;
  const rows = store
    .mappings(
      source,
      groups.flatMap((g) => g.legs.map((l) => l.id)),
    )
    .filter((r) => !r.adopted && r.tripId !== null && r.file !== null && r.file !== fileKey);
  if (rows.length === 0) return;
  const travelerOf = new Map(
    store.trips([...new Set(rows.map((r) => r.tripId as number))]).map((t) => [t.id, t]),
  );
  const elsewhere = new Map(rows.map((r) => [r.recordId, r]));
  for (const group of groups) {
    for (const leg of group.legs) {
      const other = elsewhere.get(leg.id);
      const trip = other?.tripId ? travelerOf.get(other.tripId) : undefined;
      if (!other || !trip || trip.travelerId === group.travelerId) continue;
      const key = `${leg.id}@${fileKey}`;
      ctx.flag(
        leg,
        'warning',
        `record id ${leg.id} is also the id of a record of ${other.file} about another person (trip ${trip.id}, "${trip.title}"): ` +
          `both are kept, this one under the key ${key}`,
      );
      leg.id = key;
    }
  }
}

/** The median of the numbers (0 for none). */
function median(values: number[]): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/** A span is suspicious beyond this many times the collection's median span, and never below the floor. */
export const SUSPICIOUS_SPAN = { timesMedian: 30, floorDays: 90 };

const daysOf = (leg: { startDate: string; endDate: string }) =>
  Math.round((Date.parse(leg.endDate) - Date.parse(leg.startDate)) / 86_400_000) + 1;

/**
 * Flags legs that last far longer than the collection's norm (an end date a year late turns a one-day visit into
 * a year, and merges the journeys around it into one trip). The norm is the median span of the collection's
 * stops imported before the run and of the legs of the run's files so far, this one's included.
 */
function flagLongSpans(ctx: FileContext, source: string, groups: GroupPlan[]): void {
  let known = ctx.run.spans.get(source);
  if (!known) {
    known = ctx.store.spans(source);
    ctx.run.spans.set(source, known);
  }
  const legs = groups.flatMap((g) => g.legs);
  // The collection so far: what the database held when the run began, and every file of the run up to this one.
  known.push(...legs.map(daysOf));
  const norm = median(known);
  const limit = Math.max(SUSPICIOUS_SPAN.floorDays, SUSPICIOUS_SPAN.timesMedian * norm);
  for (const group of groups) {
    for (const leg of group.legs) {
      const days = daysOf(leg);
      if (days <= limit) continue;
      const merged = group.legs.length > 1 ? `; its trip holds ${group.legs.length} records` : '';
      ctx.flag(
        leg,
        'warning',
        `suspicious span: ${days} days (${leg.startDate} to ${leg.endDate}), far beyond the collection's norm ` +
          `(median ${norm} days, flagged above ${limit}); check the dates${merged}`,
      );
    }
  }
}

/**
 * The stops of records that the file held before and holds no longer (an editor deleted them upstream): listed,
 * and deleted under `removeMissing` unless edited by hand since; their trips are noted so that an emptied one goes.
 */
function handleMissing(
  ctx: FileContext,
  source: string,
  fileKey: string,
  present: Set<string>,
  trips: Set<number>,
): void {
  const { store, tally } = ctx;
  const missing = store.missingRecords(source, fileKey, present);
  if (missing.length === 0) return;
  const stopRows = new Map(store.stops(missing.map((r) => r.stopId as number)).map((s) => [s.id, s]));
  const written = store.writtenVersions('stop', [...stopRows.keys()]);
  for (const r of missing) {
    const stop = stopRows.get(r.stopId as number);
    if (!stop) continue;
    const edited = written.has(stop.id) && written.get(stop.id) !== stop.version;
    const remove = ctx.options.removeMissing === true && (!edited || ctx.options.overwriteEdits === true);
    if (remove) {
      store.deleteStop(stop.id);
      trips.add(stop.tripId);
      tally.stops.removed += 1;
    } else {
      tally.stops.missing += 1;
    }
    tally.missing.push({
      file: ctx.file,
      recordId: r.recordId,
      stopId: stop.id,
      tripId: stop.tripId,
      action: remove ? 'removed' : 'kept',
    });
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Trips and stops

/** A stop's span: arrival to departure, or the one day known; null when undated. */
const spanOf = (s: StopRow): [string, string] | null => {
  const start = s.arrivalDate ?? s.departureDate;
  const end = s.departureDate ?? s.arrivalDate;
  return start && end ? [start, end] : null;
};

const sameSource = (a: Source, b: Source) => a.recordId === b.recordId && a.url === b.url;

/** The stop's sources with the record's: replaced where the stop cites it already (`replace`) or left. */
function withSource(sources: Source[], source: Source, mode: 'replace' | 'keep'): Source[] {
  const at = sources.findIndex((s) => sameSource(s, source));
  if (at < 0) return [...sources, source];
  if (mode === 'keep') return sources;
  return sources.map((s, i) => (i === at ? source : s));
}

function applyGroups(ctx: FileContext, source: string, groups: GroupPlan[]): void {
  const { store, tally } = ctx;
  separateCollisions(ctx, source, groups);
  flagLongSpans(ctx, source, groups);
  const legIds = groups.flatMap((g) => g.legs.map((l) => l.id));
  const rows = store.mappings(source, legIds);
  if (ctx.fileKey !== null) {
    store.setMappingFile(
      rows.filter((r) => r.file !== ctx.fileKey).map((r) => r.id),
      ctx.fileKey,
    );
  }
  const rowsOf = groupBy(rows, (r) => r.recordId);
  const ownedStops = new Map(
    store
      .stops(rows.filter((r) => !r.adopted && r.stopId !== null).map((r) => r.stopId as number))
      .map((s) => [s.id, s]),
  );
  const stopOf = new Map<string, StopRow>();
  for (const r of rows) {
    const stop = !r.adopted && r.stopId !== null ? ownedStops.get(r.stopId) : undefined;
    if (stop) stopOf.set(r.recordId, stop);
  }
  // Records whose stop the import once wrote and which have none now: deleted by hand, to be re-created.
  const deleted = store.everWritten(
    source,
    legIds.filter((id) => !stopOf.has(id) && !(rowsOf.get(id) ?? []).some((r) => r.adopted)),
  );
  const previousTrips = new Set([...ownedStops.values()].map((s) => s.tripId));
  const tripRows = new Map(store.trips([...previousTrips]).map((t) => [t.id, t]));
  const tripWrites = store.writtenVersions('trip', [...previousTrips]);

  const claimed = new Set<number>();
  const layouts: { tripId: number; legs: LegPlan[] }[] = [];
  for (const group of groups) {
    const adopted = group.legs
      .flatMap((l) => rowsOf.get(l.id) ?? [])
      .find((r) => r.adopted && r.tripId !== null);
    if (adopted?.tripId) {
      cite(ctx, source, adopted.tripId, group, rowsOf);
      continue;
    }
    // The trip that holds most of these records' stops, unless another group of this file took it first.
    const held = new Map<number, number>();
    for (const leg of group.legs) {
      const stop = stopOf.get(leg.id);
      if (stop) held.set(stop.tripId, (held.get(stop.tripId) ?? 0) + 1);
    }
    let tripId = [...held]
      .sort((a, b) => b[1] - a[1] || a[0] - b[0])
      .map(([id]) => id)
      .find((id) => !claimed.has(id));
    if (tripId !== undefined) {
      const row = tripRows.get(tripId);
      const diff = row ? changes(row, group.trip) : null;
      if (diff && row) {
        const id = tripId;
        const outcome = writeOwned(
          ctx,
          'trip',
          row,
          tripWrites.get(id),
          diff,
          group.legs.map((l) => l.id),
          () => store.updateTrip(id, diff),
        );
        tally.trips[outcome] += 1;
      } else {
        tally.trips.unchanged += 1;
      }
    } else {
      const existing = matchingTrip(ctx, group);
      if (existing !== undefined) {
        cite(ctx, source, existing, group, rowsOf);
        continue;
      }
      const created = store.insertTrip(group.trip);
      store.recordWrite('trip', created.id, created.version);
      tripId = created.id;
      tally.trips[group.legs.some((l) => deleted.has(l.id)) ? 'recreated' : 'created'] += 1;
    }
    claimed.add(tripId);
    layouts.push({ tripId, legs: group.legs });
  }
  placeStops(ctx, source, layouts, stopOf, deleted);
  if (ctx.fileKey !== null) handleMissing(ctx, source, ctx.fileKey, new Set(legIds), previousTrips);
  // A trip whose records all moved to other trips (a corrected date can merge two) is left empty: drop it.
  for (const tripId of previousTrips) {
    if (!claimed.has(tripId) && store.countStops(tripId) === 0) {
      store.deleteTrip(tripId);
      tally.trips.deleted += 1;
    }
  }
}

/** Writes each imported trip's stops in visit order; stops added by hand follow them, in their order. */
function placeStops(
  ctx: FileContext,
  source: string,
  layouts: { tripId: number; legs: LegPlan[] }[],
  stopOf: Map<string, StopRow>,
  deleted: Set<string>,
): void {
  const { store, tally } = ctx;
  type Target = { existing: StopRow | undefined; leg: LegPlan | undefined; tripId: number; position: number };
  const targets: Target[] = [];
  const planned = new Set<number>();
  for (const { tripId, legs } of layouts) {
    legs.forEach((leg, i) => {
      const existing = stopOf.get(leg.id);
      if (existing) planned.add(existing.id);
      targets.push({ existing, leg, tripId, position: i + 1 });
    });
  }
  const others = groupBy(
    store.stopsOfTrips(layouts.map((l) => l.tripId)).filter((s) => !planned.has(s.id)),
    (s) => s.tripId,
  );
  for (const { tripId, legs } of layouts) {
    (others.get(tripId) ?? []).forEach((existing, i) => {
      targets.push({ existing, leg: undefined, tripId, position: legs.length + i + 1 });
    });
  }
  const written = store.writtenVersions('stop', [...planned]);
  // Positions are unique within a trip: stops that move wait aside until every stop is written.
  const moves = (t: Target) =>
    t.existing !== undefined && (t.existing.tripId !== t.tripId || t.existing.position !== t.position);
  for (const t of targets) if (moves(t) && t.existing) store.parkStop(t.existing.id);

  for (const t of targets) {
    if (!t.leg) {
      if (t.existing && moves(t)) {
        store.updateStop(t.existing.id, { position: t.position });
        tally.stops.updated += 1;
      }
      continue;
    }
    const values: StopValues = {
      tripId: t.tripId,
      position: t.position,
      ...t.leg.stop,
      sources: withSource(t.existing?.sources ?? [], t.leg.source, 'replace'),
    };
    const key = { source, recordId: t.leg.id };
    if (!t.existing) {
      const created = store.insertStop(values);
      store.recordWrite('stop', created.id, created.version, key);
      store.addMapping({
        source,
        recordId: t.leg.id,
        tripId: t.tripId,
        stopId: created.id,
        participantId: null,
        adopted: false,
        asOf: null,
        file: ctx.fileKey,
      });
      tally.stops[deleted.has(t.leg.id) ? 'recreated' : 'created'] += 1;
      continue;
    }
    const diff = changes(t.existing, values);
    if (!diff) {
      tally.stops.unchanged += 1;
      continue;
    }
    const { tripId, position, ...content } = diff;
    const layout = {
      ...(tripId === undefined ? {} : { tripId }),
      ...(position === undefined ? {} : { position }),
    };
    const stopId = t.existing.id;
    // A stop edited by hand keeps what it says, but still takes its place in the trip's order.
    const outcome =
      Object.keys(content).length === 0
        ? 'updated'
        : writeOwned(
            ctx,
            'stop',
            t.existing,
            written.get(stopId),
            content,
            [t.leg.id],
            () => store.updateStop(stopId, diff),
            key,
          );
    if (outcome === 'kept' || Object.keys(content).length === 0) {
      if (Object.keys(layout).length > 0) {
        const version = store.updateStop(stopId, layout);
        // A layout change keeps an unedited stop the importer's; an edited one stays edited.
        if (outcome !== 'kept' && written.get(stopId) === t.existing.version)
          store.recordWrite('stop', stopId, version, key);
      }
    }
    if (diff.tripId !== undefined) store.setMappingTrip(stopId, t.tripId);
    tally.stops[outcome] += 1;
  }
}

/** The stops of a trip that a leg describes: same country, overlapping dates. */
const stopsFor = (leg: LegPlan, tripStops: StopRow[]) =>
  tripStops.filter((s) => {
    const span = spanOf(s);
    return s.country === leg.country && span !== null && span[0] <= leg.endDate && span[1] >= leg.startDate;
  });

/** An existing trip of the traveler, entered by other means, that these records describe; the best one. */
function matchingTrip(ctx: FileContext, group: GroupPlan): number | undefined {
  const candidates = ctx.store.matchableTrips(group.travelerId, group.trip.startDate, group.trip.endDate);
  if (candidates.length === 0) return undefined;
  const stopsByTrip = groupBy(ctx.store.stopsOfTrips(candidates.map((t) => t.id)), (s) => s.tripId);
  let best: { id: number; legs: number } | undefined;
  for (const trip of candidates) {
    const tripStops = stopsByTrip.get(trip.id) ?? [];
    const legs = group.legs.filter((leg) => stopsFor(leg, tripStops).length > 0).length;
    if (legs > 0 && (!best || legs > best.legs)) best = { id: trip.id, legs };
  }
  return best?.id;
}

/**
 * Records that describe an existing trip: each stop they describe cites them (once), and the import reports
 * where the stop's dates fall outside the record's, and records with no stop to cite.
 */
function cite(
  ctx: FileContext,
  source: string,
  tripId: number,
  group: GroupPlan,
  rowsOf: Map<string, MappingRow[]>,
): void {
  const { store, tally } = ctx;
  const trip = store.trips([tripId])[0];
  const tripStops = store.stopsOfTrips([tripId]);
  const touched = new Map<number, boolean>();
  const mapped = (leg: LegPlan, stopId: number | null) =>
    (rowsOf.get(leg.id) ?? []).some((r) => r.adopted && r.tripId === tripId && r.stopId === stopId);
  for (const leg of group.legs) {
    const described = stopsFor(leg, tripStops);
    if (described.length === 0) {
      ctx.flag(
        leg,
        'warning',
        `matches trip ${tripId} ("${trip?.title}"), which has no stop in ${leg.countryLabel} from ${leg.startDate} to ${leg.endDate} to cite it; not imported as a stop`,
      );
      if (!mapped(leg, null)) {
        store.addMapping({
          source,
          recordId: leg.id,
          tripId,
          stopId: null,
          participantId: null,
          adopted: true,
          asOf: null,
          file: ctx.fileKey,
        });
      }
      continue;
    }
    for (const stop of described) {
      if (!mapped(leg, stop.id)) {
        store.addMapping({
          source,
          recordId: leg.id,
          tripId,
          stopId: stop.id,
          participantId: null,
          adopted: true,
          asOf: null,
          file: ctx.fileKey,
        });
      }
      const sources = withSource(stop.sources, leg.source, 'keep');
      if (sources !== stop.sources) {
        store.updateStop(stop.id, { sources });
        stop.sources = sources;
        touched.set(stop.id, true);
      } else if (!touched.has(stop.id)) {
        touched.set(stop.id, false);
      }
      const outside = [stop.arrivalDate, stop.departureDate].some(
        (d) => d !== null && (d < leg.startDate || d > leg.endDate),
      );
      if (outside) {
        ctx.flag(
          leg,
          'warning',
          `disagrees with trip ${tripId}: its stop ${stop.id} (${stop.city}) is dated ${stop.arrivalDate ?? '?'} to ${stop.departureDate ?? '?'}, ` +
            `the record dates ${leg.countryLabel} ${leg.startDate} to ${leg.endDate}`,
        );
      }
    }
  }
  for (const updated of touched.values()) tally.stops[updated ? 'updated' : 'unchanged'] += 1;
  tally.trips.matched += 1;
  tally.matched.push({ file: ctx.file, tripId, recordIds: group.legs.map((l) => l.id) });
}
