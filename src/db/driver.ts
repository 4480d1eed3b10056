import { createRequire } from 'node:module';
import type BetterSqlite3 from 'better-sqlite3';

// better-sqlite3 for the running Node line. Up to Node 22 it is v12, built from source on install. On Node 24 and
// later, v12's statements abort the process when they are freed at teardown (`Assertion failed: (env) != nullptr`
// in RemoveEnvironmentCleanupHook: Node 24's node::ObjectWrap registers a cleanup hook that v12's destructors remove
// after the environment is gone). v13 is rewritten on Node-API and does not, but it needs Node 22 or later and
// crashes on Node 20. So both are installed (v13 under the npm alias `better-sqlite3-napi`) and the one that works
// here is loaded. When Node 20 is dropped, depend on v13 alone and delete this file. Their APIs are the same.

const require = createRequire(import.meta.url);
const nodeMajor = Number(process.versions.node.split('.')[0]);

const driverName = nodeMajor >= 24 ? 'better-sqlite3-napi' : 'better-sqlite3';

/** The better-sqlite3 `Database` class for this Node version (v13 on Node 24+, else v12); same API as v12's types. */
export const Database: typeof BetterSqlite3 = require(driverName);
/** Where that module is, for code that loads it elsewhere (the checkpoint worker, db/checkpointer.ts). */
export const driverPath: string = require.resolve(driverName);
export type Database = BetterSqlite3.Database;
