import type { IncomingHttpHeaders } from 'node:http';
import zlib from 'node:zlib';
import { negotiate } from '@fastify/accept-negotiator';

// Content codings of responses (RFC 9110 §8.4.1): what is compressed, with what, and how an ETag names a coded
// representation. One policy for the two places that compress: @fastify/compress, which compresses answers as they
// are sent (plugins/compression.ts), and the cache of whole answers, which keeps each coding's bytes
// (services/itinerary-cache.ts), so that both choose the same coding for a request and write the same bytes.

/** The codings offered, preferred first when a client accepts both equally: brotli is the smaller. */
export const CODINGS = ['br', 'gzip'] as const;
export type Coding = (typeof CODINGS)[number];

/** Bodies shorter than this (bytes) are sent as they are: a few hundred bytes gain little, and cost a round of zlib. */
export const COMPRESSION_THRESHOLD = 1024;

/** Brotli at quality 4 (of 11): about gzip's speed with smaller output; 11 costs ~50x the time for a few % less. */
export const BROTLI_OPTIONS: zlib.BrotliOptions = { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 4 } };

/** gzip at zlib's default level (6). */
export const GZIP_OPTIONS: zlib.ZlibOptions = {};

/**
 * Whether a media type (a Content-Type value, parameters allowed) is worth compressing: text, JSON, XML and YAML.
 * Never `text/event-stream`: an event stream must reach the client event by event, and a compressor buffers.
 */
export function isCompressible(contentType: string): boolean {
  const type = (contentType.split(';', 1)[0] ?? '').trim().toLowerCase();
  if (type === 'text/event-stream') return false;
  if (type.startsWith('text/')) return true;
  return /^application\/(?:[\w.-]+\+)?(?:json|xml|yaml)$|^application\/javascript$/.test(type);
}

/**
 * An `Accept-Encoding` value with its wildcard spelled out: `*` stands for every offered coding the value does not
 * name (RFC 9110 §12.5.3), so `gzip;q=0, *` becomes `gzip;q=0, br` (gzip stays refused); `x-gzip` is gzip. The
 * compression plugin puts this form in place of the request's header before either compressor reads it, since
 * both would otherwise read `*` as gzip, even a gzip the client refused. Undefined stays undefined.
 */
export function explicitAcceptEncoding(value: string | undefined): string | undefined {
  if (value === undefined || !value.includes('*')) return value?.replace(/x-gzip/gi, 'gzip');
  const entries = value
    .split(',')
    .map((entry) => entry.trim().replace(/^x-gzip\b/i, 'gzip'))
    .filter((entry) => entry.length > 0);
  const named = new Set(entries.map((entry) => (entry.split(';', 1)[0] ?? '').trim().toLowerCase()));
  const out: string[] = [];
  for (const entry of entries) {
    const [coding = '', ...params] = entry.split(';');
    if (coding.trim() !== '*') {
      out.push(entry);
      continue;
    }
    for (const offered of CODINGS) {
      if (!named.has(offered)) out.push([offered, ...params].join(';'));
    }
  }
  return out.join(', ');
}

/**
 * The coding to send for an `Accept-Encoding` header value: the offered coding the client weighs highest (q-values,
 * RFC 9110 §12.5.3), undefined for none (no header, `identity`, or every offered coding at q=0); `*` as
 * explicitAcceptEncoding spells it out, as @fastify/compress then reads it, so that a cached answer gets the coding a
 * fresh one would.
 */
export function preferredCoding(acceptEncoding: string | undefined): Coding | undefined {
  if (acceptEncoding === undefined) return undefined;
  const header = explicitAcceptEncoding(acceptEncoding.toLowerCase()) ?? '';
  return negotiate(header, [...CODINGS]) ?? undefined;
}

/**
 * The coding @fastify/compress would give an answer of `size` bytes of `contentType` to a request with these
 * headers: preferredCoding, for a compressible type of at least COMPRESSION_THRESHOLD bytes, unless the request
 * sends `x-no-compression` (the library's switch). Undefined to send it as it is.
 */
export function codingFor(
  headers: IncomingHttpHeaders,
  contentType: string,
  size: number,
): Coding | undefined {
  if (size < COMPRESSION_THRESHOLD || !isCompressible(contentType)) return undefined;
  if (headers['x-no-compression'] !== undefined) return undefined;
  return preferredCoding(headers['accept-encoding']);
}

/**
 * `body` in `coding`, with the options @fastify/compress is given; compressed on libuv's thread pool, so a large
 * itinerary does not hold the event loop. Rejects only on a zlib failure.
 */
export function encode(coding: Coding, body: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const done = (error: Error | null, coded: Buffer) => (error ? reject(error) : resolve(coded));
    if (coding === 'br') zlib.brotliCompress(body, BROTLI_OPTIONS, done);
    else zlib.gzip(body, GZIP_OPTIONS, done);
  });
}

/**
 * The entity tag of a representation in a content coding, from the tag of its identity form: `"abc"` becomes
 * `"abc-gzip"` (and `W/"abc"` `W/"abc-gzip"`). RFC 9110 §8.8.3 asks that a strong tag differ between two
 * representations whose bytes differ, and a gzip body's bytes differ from the identity body's.
 */
export const codedTag = (tag: string, coding: string): string => tag.replace(/"$/, `-${coding}"`);
