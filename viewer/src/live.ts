import { useEffect, useRef, useState } from 'preact/hooks';

// Live updates from the API's change stream (GET /changes/stream, Server-Sent Events). Each `change` event names a
// record that changed; the page does not patch its copy from it but reads the itinerary again, once per burst of
// changes (debounced). EventSource reconnects by itself and sends Last-Event-ID, so no change is missed across a
// dropped connection; a token too old to resume answers `event: problem` and closes: the page then reads everything
// again and opens a fresh stream.

export type LiveStatus = 'connecting' | 'live' | 'reconnecting' | 'off';

/** How long a burst of changes is gathered before the page reads the itinerary again, in milliseconds. */
const DEBOUNCE_MS = 250;

/**
 * Follows the changes of one trip (`/changes/stream?trip=<id>`) and calls `onChange` after each burst; answers the
 * connection's state for the page to show. Without EventSource (or without the stream on the server) it is 'off'.
 */
export function useTripChanges(tripId: number, onChange: () => void): LiveStatus {
  const [status, setStatus] = useState<LiveStatus>('connecting');
  const callback = useRef(onChange);
  callback.current = onChange;

  useEffect(() => {
    if (typeof EventSource === 'undefined') {
      setStatus('off');
      return;
    }
    let source: EventSource | undefined;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let closed = false;
    const changed = () => {
      clearTimeout(timer);
      timer = setTimeout(() => callback.current(), DEBOUNCE_MS);
    };
    const open = () => {
      source = new EventSource(`/changes/stream?${new URLSearchParams({ trip: String(tripId) })}`);
      source.addEventListener('open', () => setStatus('live'));
      source.addEventListener('change', changed);
      // The resume token expired: read everything again, and follow from now on a new stream.
      source.addEventListener('problem', () => {
        source?.close();
        changed();
        if (!closed) open();
      });
      source.addEventListener('error', () => {
        setStatus(source?.readyState === EventSource.CLOSED ? 'off' : 'reconnecting');
      });
    };
    open();
    return () => {
      closed = true;
      clearTimeout(timer);
      source?.close();
    };
  }, [tripId]);

  return status;
}
