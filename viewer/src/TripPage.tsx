import { useCallback, useEffect, useState } from 'preact/hooks';
import { ApiError, getItinerary, type Stop, type Trip, tripLinks } from './api.js';
import { type LiveStatus, useTripChanges } from './live.js';
import { isLocated, RouteMap } from './RouteMap.js';
import { Sources, Timeline } from './Timeline.js';
import { formatRange } from './time.js';

const LIVE_TEXT: Record<LiveStatus, string> = {
  connecting: 'Connecting to live updates…',
  live: 'Live: changes appear as they are made',
  reconnecting: 'Reconnecting to live updates…',
  off: 'Live updates are off: reload to see changes',
};

function StopItem({ stop }: { stop: Stop }) {
  const located = isLocated(stop);
  return (
    <li class="stop" data-testid="stop" data-located={String(located)}>
      <div class="stop-head">
        <span class="stop-number" aria-hidden="true">
          {stop.position}
        </span>
        <span class="stop-city">{stop.city}</span>
        <span class="muted">
          {stop.countryName ?? stop.country} · {formatRange(stop.arrivalDate, stop.departureDate)}
        </span>
      </div>
      <p class="muted stop-place">
        {located
          ? `${stop.latitude}, ${stop.longitude} · ${stop.timeZone}`
          : `Not on the map: no coordinates · ${stop.timeZone}`}
      </p>
      {stop.notes && <p>{stop.notes}</p>}
      <Sources sources={stop.sources} />
    </li>
  );
}

/** A trip's page: its route on a map, its stops, its timeline by local day, its calendar and downloads; live. */
export function TripPage({ id }: { id: number }) {
  const [trip, setTrip] = useState<Trip | null>(null);
  const [error, setError] = useState<string | null>(null);

  const load = useCallback(() => {
    getItinerary(id).then(
      (itinerary) => {
        setTrip(itinerary);
        setError(null);
        document.title = `${itinerary.title} · Itinerary viewer`;
      },
      (thrown: unknown) =>
        setError(
          thrown instanceof ApiError && thrown.status === 404
            ? `There is no trip ${id}.`
            : `The itinerary could not be read: ${thrown instanceof Error ? thrown.message : String(thrown)}`,
        ),
    );
  }, [id]);
  useEffect(load, [load]);
  const live = useTripChanges(id, load);

  if (error && !trip) {
    return (
      <main id="main">
        <p>
          <a href="/">← All trips</a>
        </p>
        <h1>Trip not shown</h1>
        <p role="alert">{error}</p>
      </main>
    );
  }
  if (!trip) {
    return (
      <main id="main" aria-busy="true">
        <p>Loading the itinerary…</p>
      </main>
    );
  }

  const stops = trip.stops ?? [];
  const unlocated = stops.filter((s) => !isLocated(s));
  const links = tripLinks(trip.id, window.location.origin);
  return (
    <main id="main">
      <p class="back">
        <a href="/">← All trips</a>
      </p>
      <header class="trip-header">
        <h1>{trip.title}</h1>
        <p class="trip-meta">
          {trip.traveler && (
            <span>
              {trip.traveler.name}
              {trip.traveler.title && `, ${trip.traveler.title}`} ·{' '}
            </span>
          )}
          {formatRange(trip.startDate, trip.endDate)} ·{' '}
          <span class={`badge status-${trip.status}`}>{trip.status}</span>
        </p>
        {trip.summary && <p class="summary">{trip.summary}</p>}
        <p class="live" role="status" data-testid="live-status" data-status={live}>
          <span class={`dot dot-${live}`} aria-hidden="true" /> {LIVE_TEXT[live]}
        </p>
        {error && <p role="alert">{error}</p>}
        <nav class="actions" aria-label="Calendar and downloads">
          <a class="button" href={links.webcal} data-testid="subscribe">
            Subscribe to the calendar
          </a>
          <a class="button secondary" href={links.calendar}>
            Calendar file (.ics)
          </a>
          <a class="button secondary" href={links.stopsCsv} download={`trip-${trip.id}-stops.csv`}>
            Stops as CSV
          </a>
          <a class="button secondary" href={links.routeGeoJson} download={`trip-${trip.id}-route.geojson`}>
            Route as GeoJSON
          </a>
        </nav>
      </header>

      <div class="trip-body">
        <section class="route" aria-labelledby="route-heading">
          <h2 id="route-heading">Route</h2>
          <RouteMap stops={stops} title={trip.title} />
          {unlocated.length > 0 && (
            <p class="unlocated" data-testid="unlocated">
              <strong>Not on the map</strong> (no coordinates): {unlocated.map((s) => s.city).join(', ')}.
            </p>
          )}
          <h2 id="stops-heading">Stops</h2>
          <ol class="stops" aria-labelledby="stops-heading">
            {stops.map((stop) => (
              <StopItem key={stop.id} stop={stop} />
            ))}
          </ol>
          <h2>Sources of the trip</h2>
          <Sources sources={trip.sources} />
        </section>
        <Timeline stops={stops} />
      </div>
    </main>
  );
}
