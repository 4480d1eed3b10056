import { useEffect, useMemo, useState } from 'preact/hooks';
import {
  type CountrySummary,
  listCountries,
  listTravelers,
  listTrips,
  type SearchResult,
  search,
  type TravelerChoice,
  type Trip,
  type TripFilters,
  tripPagePath,
} from './api.js';
import { formatRange } from './time.js';

// The list of trips, with search as you type (GET /search, which folds accents: `pena` finds Peña) and filters by
// traveler, country and years (GET /trips). The filters live in the page's address, so a filtered list can be
// shared and the back button works.

const FILTER_KEYS = ['q', 'traveler', 'participant', 'country', 'fromYear', 'toYear'] as const;
type ListState = TripFilters & { q?: string };

function readState(): ListState {
  const params = new URLSearchParams(window.location.search);
  const state: ListState = {};
  for (const key of FILTER_KEYS) {
    const value = params.get(key);
    if (value) state[key] = value;
  }
  return state;
}

function writeState(state: ListState) {
  const params = new URLSearchParams();
  for (const key of FILTER_KEYS) if (state[key]) params.set(key, state[key] as string);
  const query = params.toString();
  window.history.replaceState(null, '', query ? `/?${query}` : '/');
}

/** The snippet of a search result, whose only markup is <mark> around matches, as text and <mark> elements. */
export function Snippet({ html }: { html: string }) {
  const decode = (text: string) =>
    text.replace(/&(amp|lt|gt|quot|#39);/g, (_, name: string) =>
      name === 'amp' ? '&' : name === 'lt' ? '<' : name === 'gt' ? '>' : name === 'quot' ? '"' : "'",
    );
  return (
    <span class="snippet">
      {html
        .split(/(<mark>.*?<\/mark>)/)
        .map((part, i) =>
          part.startsWith('<mark>') ? <mark key={i}>{decode(part.slice(6, -7))}</mark> : decode(part),
        )}
    </span>
  );
}

const TYPE_LABEL: Record<SearchResult['type'], string> = {
  trip: 'Trip',
  stop: 'Stop',
  meeting: 'Meeting',
  participant: 'Person',
};

/** Where a search result leads: its trip's page, or the trips of a participant. */
function resultHref(result: SearchResult): string {
  if (result.type === 'trip') return tripPagePath(result.id);
  if (result.type === 'participant') return `/?participant=${result.id}`;
  return result.tripId !== null ? tripPagePath(result.tripId) : '/';
}

/** A year filter: a number field whose empty value means no bound. */
function YearField(props: {
  id: 'fromYear' | 'toYear';
  label: string;
  value: string | undefined;
  onChange: (year: string | undefined) => void;
}) {
  return (
    <div class="field field-year">
      <label for={props.id}>{props.label}</label>
      <input
        id={props.id}
        type="number"
        inputMode="numeric"
        min="1776"
        max="2100"
        value={props.value ?? ''}
        onChange={(event) => props.onChange(event.currentTarget.value || undefined)}
      />
    </div>
  );
}

function useDebounced<T>(value: T, ms: number): T {
  const [debounced, setDebounced] = useState(value);
  useEffect(() => {
    const timer = setTimeout(() => setDebounced(value), ms);
    return () => clearTimeout(timer);
  }, [value, ms]);
  return debounced;
}

export function TripList() {
  const [state, setState] = useState<ListState>(readState);
  const [trips, setTrips] = useState<Trip[] | null>(null);
  const [results, setResults] = useState<SearchResult[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [countries, setCountries] = useState<CountrySummary[]>([]);
  const [travelers, setTravelers] = useState<TravelerChoice[]>([]);
  const q = useDebounced(state.q?.trim() ?? '', 200);

  const update = (patch: Partial<ListState>) => {
    const next = { ...state, ...patch };
    setState(next);
    writeState(next);
  };

  // The choices of the filters: visited countries, and the travelers with the most trips (a facet of /trips, so
  // one request however many trips there are), by name.
  useEffect(() => {
    listCountries().then(setCountries, () => setCountries([]));
    listTravelers().then(
      (found) => setTravelers([...found].sort((a, b) => a.name.localeCompare(b.name))),
      () => setTravelers([]),
    );
  }, []);

  const filterKey = JSON.stringify([
    state.traveler,
    state.participant,
    state.country,
    state.fromYear,
    state.toYear,
  ]);
  useEffect(() => {
    const controller = new AbortController();
    setTrips(null);
    listTrips(state, controller.signal).then(
      (found) => {
        setTrips(found);
        setError(null);
      },
      (thrown: unknown) => {
        if (!controller.signal.aborted) setError(thrown instanceof Error ? thrown.message : String(thrown));
      },
    );
    return () => controller.abort();
  }, [filterKey]);

  useEffect(() => {
    if (!/[\p{L}\p{N}]/u.test(q)) {
      setResults(null);
      return;
    }
    const controller = new AbortController();
    search(q, controller.signal).then(setResults, () => {
      if (!controller.signal.aborted) setResults([]);
    });
    return () => controller.abort();
  }, [q]);

  const participantName = useMemo(
    () => travelers.find((t) => t.id === state.participant)?.name,
    [travelers, state.participant],
  );

  return (
    <main id="main">
      <h1>Diplomatic itineraries</h1>
      <search>
        <form class="filters" onSubmit={(event) => event.preventDefault()}>
          <div class="field field-search">
            <label for="q">Search trips, places, meetings and people</label>
            <input
              id="q"
              type="search"
              autocomplete="off"
              placeholder="e.g. pena nieto, bogota"
              value={state.q ?? ''}
              onInput={(event) => update({ q: event.currentTarget.value })}
            />
          </div>
          <div class="field">
            <label for="traveler">Traveler</label>
            <select
              id="traveler"
              value={state.traveler ?? ''}
              onChange={(event) => update({ traveler: event.currentTarget.value || undefined })}
            >
              <option value="">Anyone</option>
              {travelers.map((t) => (
                <option key={t.id} value={t.id}>
                  {t.name} ({t.trips})
                </option>
              ))}
            </select>
          </div>
          <div class="field">
            <label for="country">Country</label>
            <select
              id="country"
              value={state.country ?? ''}
              onChange={(event) => update({ country: event.currentTarget.value || undefined })}
            >
              <option value="">Any</option>
              {countries.map((c) => (
                <option key={c.code} value={c.code}>
                  {c.name}
                </option>
              ))}
            </select>
          </div>
          <YearField
            id="fromYear"
            label="From year"
            value={state.fromYear}
            onChange={(fromYear) => update({ fromYear })}
          />
          <YearField
            id="toYear"
            label="To year"
            value={state.toYear}
            onChange={(toYear) => update({ toYear })}
          />
        </form>
      </search>

      {results !== null && (
        <section aria-labelledby="results-heading" class="results">
          <h2 id="results-heading">Search results</h2>
          <p class="muted" role="status">
            {results.length === 0 ? `Nothing matches “${q}”.` : `${results.length} found for “${q}”.`}
          </p>
          <ul class="result-list" data-testid="search-results">
            {results.map((result) => (
              <li key={`${result.type}-${result.id}`}>
                <a href={resultHref(result)}>
                  <span class="badge">{TYPE_LABEL[result.type]}</span> {result.title}
                </a>
                <div class="muted">
                  <Snippet html={result.snippet} />
                </div>
              </li>
            ))}
          </ul>
        </section>
      )}

      <section aria-labelledby="trips-heading">
        <h2 id="trips-heading">
          Trips{state.participant && ` of ${participantName ?? `participant ${state.participant}`}`}
        </h2>
        {state.participant && (
          <p>
            <button type="button" class="link" onClick={() => update({ participant: undefined })}>
              Show every trip
            </button>
          </p>
        )}
        {error && <p role="alert">The trips could not be read: {error}</p>}
        {trips === null && !error && <p aria-busy="true">Loading trips…</p>}
        {trips !== null && trips.length === 0 && <p>No trip matches these filters.</p>}
        {trips !== null && trips.length > 0 && (
          <ul class="trip-list" data-testid="trip-list">
            {trips.map((trip) => (
              <li key={trip.id} class="trip-card">
                <a href={tripPagePath(trip.id)} class="trip-link">
                  {trip.title}
                </a>
                <div class="muted">
                  {trip.traveler?.name && `${trip.traveler.name} · `}
                  {formatRange(trip.startDate, trip.endDate)} · {trip.status}
                </div>
              </li>
            ))}
          </ul>
        )}
      </section>
    </main>
  );
}
