import { parseArgs } from 'node:util';
import { loadConfigOrExit } from '../config.js';
import { AppError } from '../errors.js';
import { CreateKeySchema } from '../schemas/keys.js';
import { prepareOrExit } from './prepare-or-exit.js';

// npm run keys -- create --name <name> --scope <read|write|admin>   prints the new token alone on the last line
// npm run keys -- list
// npm run keys -- revoke <name>
// Works on DATABASE_URL or DATABASE_PATH, like the server (and migrates it first, so a first key can come before a first start).

const USAGE = [
  'usage: npm run keys -- create --name <name> --scope <read|write|admin>',
  '       npm run keys -- list',
  '       npm run keys -- revoke <name>',
].join('\n');

function fail(message: string, code = 2): never {
  console.error(message);
  process.exit(code);
}

const { values, positionals } = (() => {
  try {
    return parseArgs({
      args: process.argv.slice(2),
      options: { name: { type: 'string' }, scope: { type: 'string' } },
      allowPositionals: true,
    });
  } catch (error) {
    return fail(`${error instanceof Error ? error.message : String(error)}\n${USAGE}`);
  }
})();
const [command, argument] = positionals;

const config = loadConfigOrExit();
const { database, repos } = await prepareOrExit(config, 'never');
try {
  const { keys } = repos;
  if (command === 'create') {
    const input = CreateKeySchema.safeParse({ name: values.name, scope: values.scope });
    if (!input.success) {
      fail(`${input.error.issues.map((i) => `--${String(i.path[0])}: ${i.message}`).join('\n')}\n${USAGE}`);
    }
    const { key, token } = await database.transaction((tx) => keys.create(input.data, tx));
    console.log(`created key ${key.name} (scope ${key.scope}); the token below is shown only once:`);
    console.log(token);
  } else if (command === 'list') {
    for (const key of await database.read((tx) => keys.list(tx))) {
      const state = key.revokedAt ? `revoked ${key.revokedAt}` : `last used ${key.lastUsedAt ?? 'never'}`;
      console.log(`${key.name}\t${key.scope}\tcreated ${key.createdAt}\t${state}`);
    }
  } else if (command === 'revoke' && argument) {
    await database.transaction((tx) => keys.revoke(argument, tx));
    console.log(`revoked ${argument}`);
  } else {
    fail(USAGE);
  }
} catch (error) {
  if (error instanceof AppError) fail(error.message, 1);
  throw error;
} finally {
  await database.close();
}
