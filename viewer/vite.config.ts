import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

// The itinerary viewer, built into dist/viewer (scripts/build-viewer.mjs) and served by src/plugins/viewer.ts: pages at
// / and /view/trips/:id, hashed assets under /view/assets/. Everything is bundled (no CDN, no web font), so the page
// works offline and under the API's Content-Security-Policy (script-src 'self', no inline script).
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/view/',
  publicDir: false,
  build: {
    outDir: fileURLToPath(new URL('../dist/viewer', import.meta.url)),
    emptyOutDir: true,
    assetsInlineLimit: 0,
    target: 'es2022',
    // The world's outlines (world-atlas, 110m) are a chunk of their own, fetched by the trip page only.
    chunkSizeWarningLimit: 400,
  },
});
