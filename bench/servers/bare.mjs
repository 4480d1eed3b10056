// The bare references: Fastify with no database, no hooks and no schema, answering the API's own answers to
// scenario 1 (the trip objects it sent), so both send the same bytes.
//   GET /trips/{id}      R1: the stored object through JSON.stringify on every request
//   GET /raw/trips/{id}  R0: the same JSON already serialized, kept as a Buffer: the framework's ceiling for a
//                        cached answer, which is what the API's answer cache sends
//   node bench/servers/bare.mjs <trips.json> <port>
import { readFileSync } from 'node:fs';
import Fastify from 'fastify';

const [file, port] = process.argv.slice(2);
const trips = new Map(
  Object.entries(JSON.parse(readFileSync(file, 'utf8'))).map(([id, trip]) => [Number(id), trip]),
);
const bytes = new Map([...trips].map(([id, trip]) => [id, Buffer.from(JSON.stringify(trip))]));

const app = Fastify({ logger: false });

app.get('/health', (_request, reply) => {
  reply.type('application/json; charset=utf-8').send('{"status":"ok"}');
});

app.get('/trips/:id', (request, reply) => {
  const trip = trips.get(Number(request.params.id));
  if (trip === undefined) {
    reply.code(404).send();
    return;
  }
  reply.type('application/json; charset=utf-8').send(JSON.stringify(trip));
});

app.get('/raw/trips/:id', (request, reply) => {
  const body = bytes.get(Number(request.params.id));
  if (body === undefined) {
    reply.code(404).send();
    return;
  }
  reply.type('application/json; charset=utf-8').send(body);
});

process.on('SIGTERM', () => {
  void app.close().then(() => process.exit(0));
});

await app.listen({ port: Number(port), host: '127.0.0.1' });
