import { addDays } from '../../domain/time.js';

// The Historian records travel leg by leg, one country each. A trip is a person's run of consecutive legs:
// sorted by start date (then end date, then record id), a leg joins the trip so far when it starts no more than
// one day after that trip ends, the trip's end being the latest end among its legs. So a leg that starts the day
// after the previous one ends (a one-day gap: flying on) joins it, and one that starts two days after starts a new
// trip. Legs that overlap or nest always join.

export type Leg = { id: string; startDate: string; endDate: string };

/** The maximum days between a trip's end and the next leg's start for the leg to join the trip. */
export const JOIN_GAP_DAYS = 1;

const byDateThenId = (a: Leg, b: Leg): number =>
  a.startDate.localeCompare(b.startDate) ||
  a.endDate.localeCompare(b.endDate) ||
  a.id.length - b.id.length ||
  a.id.localeCompare(b.id);

/** Whether a leg that starts on `startDate` joins a trip that so far ends on `tripEnd` (legs in the order above). */
export function joinsTrip(tripEnd: string, startDate: string): boolean {
  const joinBy = tripEnd ? addDays(tripEnd, JOIN_GAP_DAYS) : undefined;
  return joinBy !== undefined && startDate <= joinBy;
}

/**
 * One traveler's legs, grouped into trips, each in visit order. (The import walks legs already in this order from
 * its scratch store and groups them with joinsTrip as they come.)
 */
export function groupLegs<T extends Leg>(legs: readonly T[]): T[][] {
  const sorted = [...legs].sort(byDateThenId);
  const trips: T[][] = [];
  let current: T[] = [];
  let end = '';
  for (const leg of sorted) {
    if (current.length > 0 && joinsTrip(end, leg.startDate)) {
      current.push(leg);
      if (leg.endDate > end) end = leg.endDate;
    } else {
      if (current.length > 0) trips.push(current);
      current = [leg];
      end = leg.endDate;
    }
  }
  if (current.length > 0) trips.push(current);
  return trips;
}

/** Items by key, in their order (Map.groupBy arrives with Node 21). */
export function groupBy<T, K>(items: Iterable<T>, key: (item: T) => K): Map<K, T[]> {
  const groups = new Map<K, T[]>();
  for (const item of items) {
    const k = key(item);
    const list = groups.get(k);
    if (list) list.push(item);
    else groups.set(k, [item]);
  }
  return groups;
}
