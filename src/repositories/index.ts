import { createActivityRepository } from './activity-repository.js';
import { createAuditRepository } from './audit-repository.js';
import { createChangesRepository } from './changes-repository.js';
import { createConflictsRepository } from './conflicts-repository.js';
import { createCountriesRepository } from './countries-repository.js';
import { createIdempotencyRepository } from './idempotency-repository.js';
import { createKeysRepository } from './keys-repository.js';
import { createMeetingsRepository } from './meetings-repository.js';
import { createParticipantsRepository } from './participants-repository.js';
import { createSearchRepository } from './search-repository.js';
import { createStopsRepository } from './stops-repository.js';
import { createTripsRepository } from './trips-repository.js';

// Every repository of the API, built once per database (each prepares its statements when built). Their methods
// are asynchronous and run on the transaction they are given (`tx`, from the database handle's transaction() or
// read()); they answer plain objects and domain errors (src/errors.ts) that name fields, never HTTP.

export type Repositories = {
  trips: ReturnType<typeof createTripsRepository>;
  stops: ReturnType<typeof createStopsRepository>;
  meetings: ReturnType<typeof createMeetingsRepository>;
  participants: ReturnType<typeof createParticipantsRepository>;
  search: ReturnType<typeof createSearchRepository>;
  changes: ReturnType<typeof createChangesRepository>;
  activity: ReturnType<typeof createActivityRepository>;
  countries: ReturnType<typeof createCountriesRepository>;
  keys: ReturnType<typeof createKeysRepository>;
  audit: ReturnType<typeof createAuditRepository>;
  idempotency: ReturnType<typeof createIdempotencyRepository>;
  conflicts: ReturnType<typeof createConflictsRepository>;
};

/**
 * The repositories. They hold no connection: each method runs on the transaction it is given and builds its SQL
 * from that transaction's engine (its tables and dialect), preparing its statements once per connection
 * (prepared.ts). So one set serves any database handle, on either engine.
 */
export function createRepositories(): Repositories {
  return {
    trips: createTripsRepository(),
    stops: createStopsRepository(),
    meetings: createMeetingsRepository(),
    participants: createParticipantsRepository(),
    search: createSearchRepository(),
    changes: createChangesRepository(),
    activity: createActivityRepository(),
    countries: createCountriesRepository(),
    keys: createKeysRepository(),
    audit: createAuditRepository(),
    idempotency: createIdempotencyRepository(),
    conflicts: createConflictsRepository(),
  };
}
