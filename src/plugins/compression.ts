import compress from '@fastify/compress';
import fp from 'fastify-plugin';
import {
  BROTLI_OPTIONS,
  CODINGS,
  COMPRESSION_THRESHOLD,
  explicitAcceptEncoding,
  GZIP_OPTIONS,
  isCompressible,
} from '../content-coding.js';

// Compressed responses (RFC 9110 §8.4.1), by @fastify/compress, under the policy of content-coding.ts: brotli or
// gzip, whichever the client's Accept-Encoding weighs highest (brotli on a tie); text, JSON, XML and YAML only, never
// an event stream; bodies of COMPRESSION_THRESHOLD bytes or more. A compressed answer has `Vary: Accept-Encoding`.
//
// The library adds its onSend hook to each route, after every instance-wide one: it compresses what CSV, the
// ETag and the cache of whole answers made. http-caching then names the coded representation in its ETag and
// answers If-None-Match (it is registered after this plugin, so its own route hook runs after this one).
// An answer the route already coded (a cached itinerary or calendar, sent with its Content-Encoding) passes through.
//
// Request bodies are not decompressed (globalDecompression: false): the API reads JSON as sent, as before.

export default fp(
  async (app) => {
    // `*` spelled out before the library reads it: it would take `gzip;q=0, *` for gzip.
    app.addHook('onRequest', async (request) => {
      const accept = request.headers['accept-encoding'];
      if (typeof accept === 'string') request.headers['accept-encoding'] = explicitAcceptEncoding(accept);
    });
    await app.register(compress, {
      globalCompression: true,
      globalDecompression: false,
      encodings: [...CODINGS],
      threshold: COMPRESSION_THRESHOLD,
      customTypes: isCompressible,
      brotliOptions: BROTLI_OPTIONS,
      zlibOptions: GZIP_OPTIONS,
    });
  },
  { name: 'compression' },
);
