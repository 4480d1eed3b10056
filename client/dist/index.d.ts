import { type Client, type ClientOptions } from 'openapi-fetch';
import type { components, paths } from '../generated/schema.js';
export type { components, operations, paths } from '../generated/schema.js';
/** A named schema of the API's OpenAPI document: `Schema<'Trip'>`, `Schema<'TripDetail'>`, `Schema<'Meeting'>`. */
export type Schema<Name extends keyof components['schemas']> = components['schemas'][Name];
/**
 * An RFC 9457 problem (`application/problem+json`), the body of every 4xx and 5xx answer: `status`, `title`,
 * `detail`, a stable `code` (`validation_failed`, `precondition_failed`, …) and, for invalid input, `errors[]`
 * naming each bad field by its place in the request (`body.country`, `query.limit`).
 */
export type Problem = Schema<'Problem'>;
/** A 409 problem: under `Prefer: handling=strict`, `conflicts` lists the scheduling conflicts a write would make. */
export type ConflictProblem = Schema<'ConflictProblem'>;
/**
 * The media types the client reads: JSON and problem+json. Some routes also answer CSV or iCalendar, which a JSON
 * client does not ask for; leaving them out keeps `data` typed as the JSON body.
 */
export type JsonMediaType = `${string}/json` | `${string}/${string}+json`;
/** openapi-fetch's client over the API's paths: `GET`, `POST`, `PATCH`, `PUT`, `DELETE`, typed per route. */
export type ItineraryClient = Client<paths, JsonMediaType>;
/** openapi-fetch's options (`baseUrl`, `fetch`, `headers`, …), and the API key to send. */
export type ItineraryClientOptions = ClientOptions & {
    /**
     * An API key's token (`itk_…`), sent as `Authorization: Bearer <token>` with every request. Reads need none;
     * writes need a key with the write scope. A request's own `headers` take precedence.
     */
    token?: string;
};
/**
 * A typed client of the API at `baseUrl` (for example `http://127.0.0.1:3000`; the default is the page's own
 * origin in a browser). Each call answers `{ data, error, response }`: `data` is the parsed body of a 2xx answer,
 * `error` the parsed problem of any other (see isProblem), and `response` the fetch Response, for headers such as
 * `ETag` and `Location`. Network failures reject, as fetch does.
 */
export declare function createItineraryClient(options?: ItineraryClientOptions): ItineraryClient;
/**
 * Whether a value is an RFC 9457 problem as this API sends them: an object with a numeric `status` and a string
 * `title`. `error` is not one when something between the client and the API answered (a proxy's HTML 502 comes
 * back as text), so check before reading `code` or `errors`.
 */
export declare function isProblem(value: unknown): value is Problem;
