import { buildApp } from './app.js';
import { loadConfig } from './config.js';
import { openApiYaml } from './plugins/swagger.js';

/** The OpenAPI document as YAML, generated from an app built like production on an empty in-memory database. */
export async function renderOpenApi(): Promise<string> {
  const config = loadConfig({}, { DATABASE_PATH: ':memory:', SEED_ON_START: 'false', LOG_LEVEL: 'silent' });
  const app = await buildApp(config, { logger: false });
  try {
    return openApiYaml(app);
  } finally {
    await app.close();
  }
}
