// The advisory locks this application takes on PostgreSQL (https://www.postgresql.org/docs/current/explicit-locking.html#ADVISORY-LOCKS),
// each under a key of its own, in one table so that no two uses share a key by accident. The numbers are four ASCII
// letters read as a 32-bit integer. A lock taken with one bigint key and one taken with two integer keys never
// meet (PostgreSQL keeps the two forms apart), so the record locks, keyed (kind, id), cannot collide with these.

export const ADVISORY_LOCK = {
  /** Session lock around migrations: several instances starting together migrate once ("itin"). */
  migrations: 0x6974696e,
  /** Transaction lock around the start's catching up (reconciling zones, seeding): waited for ("strt"). */
  startup: 0x73747274,
  /** Transaction lock tried by the periodic maintenance: one instance prunes at a time ("main"). */
  maintenance: 0x6d61696e,
  /**
   * First key of the lock over every schedule, with 0 as the second ("sche"): held shared by each checked write of
   * meetings, alongside the locks of the participants and trips it touches, and exclusive by a checked write of a
   * trip or a stop, which can move any number of people at once.
   */
  schedules: 0x73636865,
  /** First key of a participant's schedule lock, with the participant's id as the second ("part"). */
  participantSchedule: 0x70617274,
  /** First key of a trip's schedule lock, with the trip's id as the second ("trip"). */
  tripSchedule: 0x74726970,
} as const;
