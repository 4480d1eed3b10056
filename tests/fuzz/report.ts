import type { Answer, Sent } from './sending.js';

// Reporting a failed answer: the request as sent, the answer (clipped), and the faults found, in one message.

const clip = (text: string, max = 600) =>
  text.length > max ? `${text.slice(0, max)}… (${text.length} characters in all)` : text;

/** The request and answer, readable, for a failure message. */
export function report(sent: Sent, answer: Answer | undefined, faults: string[]): string {
  const lines = [
    ...faults.map((fault) => `✗ ${fault}`),
    '',
    `${sent.method.toUpperCase()} ${clip(sent.url, 300)}`,
    ...Object.entries(sent.headers).map(([k, v]) => `${k}: ${JSON.stringify(v)}`),
  ];
  if (sent.payload !== undefined) {
    const text = Buffer.isBuffer(sent.payload)
      ? `<bytes> ${sent.payload.toString('hex', 0, 200)}`
      : sent.payload;
    lines.push(`content-type: ${sent.contentType ?? '(none)'}`, `(${sent.note}) ${clip(text, 300)}`);
  }
  if (answer) {
    const shown = ['allow', 'location', 'etag', 'idempotent-replayed', 'www-authenticate'];
    lines.push(
      '',
      `→ ${answer.status} ${String(answer.headers['content-type'] ?? '(no content type)')}`,
      ...shown
        .filter((h) => answer.headers[h] !== undefined)
        .map((h) => `${h}: ${String(answer.headers[h])}`),
      clip(answer.text, 800),
    );
  }
  return lines.join('\n');
}
