// The bare reference: Fastify with one route answering stored trip objects with JSON.stringify, no database, no
// hooks, no schema. The objects are the API's own answers to scenario 1, so both send the same bytes.
//   node bench/servers/bare.mjs <trips.json> <port>
import { readFileSync } from 'node:fs';
import Fastify from 'fastify';

const [file, port] = process.argv.slice(2);
const trips = new Map(
  Object.entries(JSON.parse(readFileSync(file, 'utf8'))).map(([id, trip]) => [Number(id), trip]),
);

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

process.on('SIGTERM', () => {
  void app.close().then(() => process.exit(0));
});

await app.listen({ port: Number(port), host: '127.0.0.1' });
