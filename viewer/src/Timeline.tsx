import { useState } from 'preact/hooks';
import type { Meeting, Source, Stop } from './api.js';
import { byTimeOfDay, formatDay, formatUtc, zoneName } from './time.js';

// The itinerary by local day, as honest as the data: a day is the place's calendar day; a clock time is shown in the
// place's zone with its UTC instant on hover (and in the markup, <time datetime>); a part of the day ("morning") is
// shown as such, never turned into a made-up hour; meetings without a date are listed apart, never given one.

type Placed = Meeting & { stop: Stop };

/** The sources of a record, with their quotes, one click away (a native disclosure: keyboard and reader friendly). */
export function Sources({ sources }: { sources: Source[] }) {
  if (sources.length === 0) return <p class="muted">No source given.</p>;
  return (
    <details class="sources">
      <summary>
        {sources.length === 1 ? '1 source' : `${sources.length} sources`}
        <span class="visually-hidden"> and quotes</span>
      </summary>
      <ul>
        {sources.map((source) => (
          <li key={`${source.title}|${source.url ?? ''}|${source.quote ?? ''}`}>
            {source.quote && <blockquote>“{source.quote}”</blockquote>}
            <cite>
              {source.url ? (
                <a href={source.url} rel="noreferrer noopener">
                  {source.title}
                </a>
              ) : (
                source.title
              )}
              {source.publisher && `, ${source.publisher}`}
              {source.publishedAt && ` (${source.publishedAt})`}
            </cite>
          </li>
        ))}
      </ul>
    </details>
  );
}

/** When a meeting happens, as precisely as it is known. */
function When({ meeting, showUtc }: { meeting: Meeting; showUtc: boolean }) {
  if (meeting.startTime && meeting.startsAt) {
    const zone = zoneName(meeting.startsAt, meeting.timeZone);
    const utc = `${formatUtc(meeting.startsAt)}${meeting.endsAt ? ` – ${formatUtc(meeting.endsAt)}` : ''}`;
    return (
      <span class="when">
        <time dateTime={meeting.startsAt} title={utc}>
          {meeting.startTime}
          {meeting.endTime && `–${meeting.endTime}`}
        </time>
        <span class={showUtc ? 'utc' : 'visually-hidden'}> ({utc})</span>{' '}
        <abbr class="zone" title={meeting.timeZone}>
          {zone}
        </abbr>
      </span>
    );
  }
  if (meeting.partOfDay) return <span class="when part-of-day">{meeting.partOfDay}</span>;
  return <span class="when muted">no time given</span>;
}

function MeetingItem({ meeting, showUtc }: { meeting: Placed; showUtc: boolean }) {
  const participants = meeting.participants ?? [];
  return (
    <li class="meeting" data-testid="meeting" data-meeting-id={meeting.id}>
      <div class="meeting-head">
        {meeting.date !== null && <When meeting={meeting} showUtc={showUtc} />}
        <span class="meeting-title">{meeting.title}</span>
        <span class={`badge status-${meeting.status}`}>{meeting.status}</span>
      </div>
      <div class="meeting-place muted">
        {meeting.stop.city} · {meeting.kind}
      </div>
      {meeting.description && <p>{meeting.description}</p>}
      {participants.length > 0 && (
        <p class="participants">
          {participants.map((p, i) => (
            <span key={p.id}>
              {i > 0 && ', '}
              {p.name}
              {p.title && <span class="muted"> ({p.title})</span>}
            </span>
          ))}
        </p>
      )}
      <Sources sources={meeting.sources} />
    </li>
  );
}

/** Stops present on a local date: those whose arrival–departure range includes it. */
function stopsOn(date: string, stops: Stop[]): Stop[] {
  return stops.filter(
    (s) => s.arrivalDate !== null && s.arrivalDate <= date && date <= (s.departureDate ?? s.arrivalDate),
  );
}

/** Every date from `from` to `to` (YYYY-MM-DD, inclusive), at most 400. */
function daysBetween(from: string, to: string): string[] {
  const days: string[] = [];
  for (let d = new Date(`${from}T00:00:00Z`); days.length < 400; d.setUTCDate(d.getUTCDate() + 1)) {
    const day = d.toISOString().slice(0, 10);
    if (day > to) break;
    days.push(day);
  }
  return days;
}

export function Timeline({ stops }: { stops: Stop[] }) {
  // The UTC instants are on hover; a reader without a mouse shows them all at once.
  const [showUtc, setShowUtc] = useState(false);
  const meetings: Placed[] = stops.flatMap((stop) => (stop.meetings ?? []).map((m) => ({ ...m, stop })));
  const dated = meetings.filter((m) => m.date !== null);
  const undated = meetings.filter((m) => m.date === null);
  const stopDates = stops
    .flatMap((s) => [s.arrivalDate, s.departureDate])
    .filter((d): d is string => d !== null);
  const allDates = [...stopDates, ...dated.map((m) => m.date as string)].sort();
  const days = allDates.length > 0 ? daysBetween(allDates[0] as string, allDates.at(-1) as string) : [];

  return (
    <section class="timeline" aria-labelledby="timeline-heading">
      <h2 id="timeline-heading">Timeline</h2>
      <p class="muted">
        Each day is the local date of the place. Clock times are local; hover over one for its UTC instant.
      </p>
      <label class="toggle">
        <input
          type="checkbox"
          checked={showUtc}
          onChange={(event) => setShowUtc(event.currentTarget.checked)}
        />
        Show the UTC instants
      </label>
      {days.length === 0 && <p>No dated stop or meeting.</p>}
      <ol class="days">
        {days.map((day) => {
          const todays = dated.filter((m) => m.date === day).sort(byTimeOfDay);
          const here = stopsOn(day, stops);
          if (todays.length === 0 && here.length === 0) return null;
          return (
            <li key={day} class="day" data-testid="day" data-date={day}>
              <h3>
                <time dateTime={day}>{formatDay(day)}</time>
              </h3>
              <p class="day-places">
                {here.map((s, i) => (
                  <span key={s.id}>
                    {i > 0 && ' → '}
                    {s.city}
                    {s.arrivalDate === day && s.departureDate !== day && (
                      <span class="muted"> (arrival)</span>
                    )}
                    {s.departureDate === day && s.arrivalDate !== day && (
                      <span class="muted"> (departure)</span>
                    )}
                  </span>
                ))}
              </p>
              {todays.length > 0 && (
                <ul class="meetings">
                  {todays.map((m) => (
                    <MeetingItem key={m.id} meeting={m} showUtc={showUtc} />
                  ))}
                </ul>
              )}
            </li>
          );
        })}
      </ol>
      {undated.length > 0 && (
        <section class="undated" aria-labelledby="undated-heading" data-testid="undated-meetings">
          <h3 id="undated-heading">Date not known</h3>
          <p class="muted">
            The sources give no day for these meetings; they are listed by stop, not placed on a day.
          </p>
          <ul class="meetings">
            {undated.map((m) => (
              <MeetingItem key={m.id} meeting={m} showUtc={showUtc} />
            ))}
          </ul>
        </section>
      )}
    </section>
  );
}
