import createClient, { mergeHeaders } from 'openapi-fetch';
/**
 * A typed client of the API at `baseUrl` (for example `http://127.0.0.1:3000`; the default is the page's own
 * origin in a browser). Each call answers `{ data, error, response }`: `data` is the parsed body of a 2xx answer,
 * `error` the parsed problem of any other (see isProblem), and `response` the fetch Response, for headers such as
 * `ETag` and `Location`. Network failures reject, as fetch does.
 */
export function createItineraryClient(options = {}) {
    const { token, headers, ...rest } = options;
    return createClient({
        ...rest,
        headers: token === undefined ? headers : mergeHeaders({ authorization: `Bearer ${token}` }, headers),
    });
}
/**
 * Whether a value is an RFC 9457 problem as this API sends them: an object with a numeric `status` and a string
 * `title`. `error` is not one when something between the client and the API answered (a proxy's HTML 502 comes
 * back as text), so check before reading `code` or `errors`.
 */
export function isProblem(value) {
    if (typeof value !== 'object' || value === null)
        return false;
    const { status, title } = value;
    return typeof status === 'number' && typeof title === 'string';
}
