import closeWithGrace from 'close-with-grace';
import { buildApp } from './app.js';
import { configWarnings, loadConfigOrExit } from './config.js';
import { rootMessage } from './errors.js';

// Loads the configuration, builds the app and listens; closes cleanly on SIGTERM/SIGINT.

async function main() {
  const config = loadConfigOrExit();

  const app = await buildApp(config);
  for (const warning of configWarnings(config)) app.log.warn(warning);

  closeWithGrace({ delay: 10_000 }, async ({ signal, err }) => {
    if (err) app.log.error({ err }, 'closing after an error');
    else app.log.info({ signal }, 'closing');
    await app.close();
  });

  await app.listen({ port: config.PORT, host: config.HOST });
}

main().catch((error: unknown) => {
  console.error(`The server could not start: ${rootMessage(error)}`);
  process.exit(1);
});
