import { AsyncLocalStorage } from 'node:async_hooks';

// Who is writing: the name of the API key behind the current request. The audit triggers read it through a
// SQLite function (itinerary_actor()) that the connection registers, so every write path, whatever code makes it,
// records its author in the same statement. AsyncLocalStorage keeps concurrent requests apart.

export type Actor = { keyName: string | null };

export const actorContext = new AsyncLocalStorage<Actor>();

export const currentActor = (): string | null => actorContext.getStore()?.keyName ?? null;

/** Runs `work` as the named actor (commands use names such as `command:seed`). */
export const asActor = <T>(keyName: string | null, work: () => T): T => actorContext.run({ keyName }, work);
