import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import fp from 'fastify-plugin';
import { sendProblem } from './errors.js';

// The itinerary viewer (viewer/, built by Vite into dist/viewer: scripts/build-viewer.mjs): a small web app on the
// API's own JSON. Its pages are `/` (the trips) and `/view/trips/{id}` (a trip), both answered with the one
// index.html, so a trip's address opens directly and can be shared; its hashed scripts, styles and map data are
// under `/view/assets/`, cached for a year as immutable (a new build gives new names). Nothing else is claimed: every
// other path stays the API's, with its 404 and 405 problems. The pages run under the API's Content-Security-Policy
// as it is (script-src 'self': Vite writes no inline script), and are hidden from the OpenAPI document.

/**
 * Where the built viewer is: dist/viewer, seen from src/plugins (run by tsx), from dist/src/plugins (compiled by
 * tsc) or from dist/bundle (the production bundle, scripts/bundle.mjs).
 */
const BUILT = fileURLToPath(
  new URL(
    import.meta.url.endsWith('.ts')
      ? '../../dist/viewer/'
      : import.meta.url.includes('/dist/bundle/')
        ? '../viewer/'
        : '../../viewer/',
    import.meta.url,
  ),
);

/** The path of a trip's page: a trip id in canonical decimal digits (other ids are the API's 404). */
export const TRIP_PAGE = '/view/trips/:id(^[1-9]\\d{0,15}$)';

export type ViewerPluginOptions = {
  /** The built viewer's folder (holding index.html and assets/); defaults to dist/viewer. */
  root?: string;
};

/**
 * Serves the built viewer: GET / and GET /view/trips/{id} answer its index.html (text/html, no-cache), and
 * /view/assets/* its files. When the viewer is not built, those pages answer a 503 problem `viewer_not_built` that
 * says how to build it (`npm run build`), and the API runs as before.
 */
export default fp<ViewerPluginOptions>(
  async (app, opts) => {
    const root = opts.root ?? BUILT;
    const index = existsSync(join(root, 'index.html')) ? readFileSync(join(root, 'index.html')) : undefined;
    const page = { schema: { hide: true } };

    if (index) {
      await app.register(fastifyStatic, {
        root: join(root, 'assets'),
        prefix: '/view/assets/',
        index: false,
        decorateReply: false,
        // Vite names every asset by its content's hash: a name never changes its bytes.
        immutable: true,
        maxAge: '365d',
      });
    }
    const answer = (request: Parameters<typeof sendProblem>[0], reply: Parameters<typeof sendProblem>[1]) => {
      if (!index) {
        return sendProblem(
          request,
          reply,
          503,
          'viewer_not_built',
          'The viewer is not built: run `npm run build` (or `npm start`, which builds it).',
        );
      }
      return reply.type('text/html; charset=utf-8').header('cache-control', 'no-cache').send(index);
    };
    app.get('/', page, answer);
    app.get(TRIP_PAGE, page, answer);
  },
  { name: 'viewer', dependencies: ['errors'] },
);
