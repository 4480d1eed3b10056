import { readdirSync, readFileSync } from 'node:fs';
import { STATUS_CODES } from 'node:http';
import { join, posix } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type DependencyTree, parseCircular, parseDependencyTree } from 'dpdm';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

// The shape of src/, checked on its source: imports flow one way (no file imports, even for a type, a file that
// imports it back, however far round). The graph is the one TypeScript resolves with the project's tsconfig.json
// (dpdm), type-only and dynamic imports included.

const root = fileURLToPath(new URL('..', import.meta.url));

/** The import graph of the files a glob (relative to the repository) names, keyed by path from the root. */
const importGraph = (glob: string): Promise<DependencyTree> =>
  parseDependencyTree(glob, {
    cwd: root,
    context: root,
    tsconfig: 'tsconfig.json',
    skipDynamicImports: false,
  });

/** The relative imports TypeScript could not resolve to a file: a graph with any of them would miss edges. */
const unresolved = (tree: DependencyTree) =>
  Object.values(tree)
    .flatMap((deps) => deps ?? [])
    .filter((d) => d.request.startsWith('.') && d.id === null)
    .map((d) => `${d.issuer} imports ${d.request}`);

describe('the import graph of src/', () => {
  it('has no circle', async () => {
    const tree = await importGraph('src/**/*.ts');
    // The check sees the whole of src/: every file, every relative import resolved to a file.
    expect(Object.keys(tree).filter((file) => file.startsWith('src/')).length).toBeGreaterThan(90);
    expect(tree['src/db/schema.ts']?.map((d) => d.id)).toContain('src/domain/vocabulary.ts');
    expect(unresolved(tree)).toEqual([]);
    expect(parseCircular(tree, false)).toEqual([]);
  });

  it('the check finds a circle where there is one, closed by a type-only import', async () => {
    const tree = await importGraph('tests/fixtures/import-circle/*.ts');
    expect(unresolved(tree)).toEqual([]);
    // A circle is reported from wherever the walk entered it: compare its members.
    expect(parseCircular(tree, false).map((circle) => circle.toSorted())).toEqual([
      ['tests/fixtures/import-circle/a.ts', 'tests/fixtures/import-circle/b.ts'],
    ]);
  });

  it('the vocabulary is a leaf: it imports nothing', async () => {
    const tree = await importGraph('src/domain/vocabulary.ts');
    expect(tree['src/domain/vocabulary.ts']).toEqual([]);
  });

  it('the tables reach nothing of the zod schemas, directly or through another file', async () => {
    const tree = await importGraph('src/db/schema.ts');
    expect(Object.keys(tree)).toContain('src/domain/vocabulary.ts');
    expect(Object.keys(tree).filter((file) => file.startsWith('src/schemas/'))).toEqual([]);
  });
});

// Storage and the domain rules know nothing of HTTP: they name fields (`travelerId`), and the error mapper says where
// in a request each one is (`body.travelerId`); the HTTP status of each domain error is given in src/errors.ts only.
// Read from the syntax tree, so comments, which may explain what a client sees, are not code that speaks HTTP.

/** A field path into a request, in a string or a piece of a template literal (`body.${name}` included). */
const REQUEST_PATH = /\b(body|query|path|params|header|headers)\.([\w$]|$)/;

/** Operators no HTTP status takes part in: a number in arithmetic (`year % 400`) is a quantity, not a status. */
const ARITHMETIC = new Set([
  ts.SyntaxKind.PercentToken,
  ts.SyntaxKind.AsteriskToken,
  ts.SyntaxKind.SlashToken,
  ts.SyntaxKind.PlusToken,
  ts.SyntaxKind.MinusToken,
  ts.SyntaxKind.AsteriskAsteriskToken,
]);
const inArithmetic = (node: ts.Node) =>
  ts.isBinaryExpression(node.parent) && ARITHMETIC.has(node.parent.operatorToken.kind);

/** Where a TypeScript source writes a request's field path or an HTTP status code, as `line: text`. */
function httpMentions(source: string): string[] {
  const file = ts.createSourceFile('checked.ts', source, ts.ScriptTarget.Latest, true);
  const found: string[] = [];
  const at = (node: ts.Node) =>
    `${file.getLineAndCharacterOfPosition(node.getStart()).line + 1}: ${node.getText()}`;
  const visit = (node: ts.Node): void => {
    if (ts.isStringLiteralLike(node) || ts.isTemplateLiteralToken(node)) {
      // Only the head and middle of a template continue with an expression: there `body.` ends the piece.
      const open = ts.isTemplateHead(node) || ts.isTemplateMiddle(node);
      const match = REQUEST_PATH.exec(node.text);
      if (match && (match[2] !== '' || open)) found.push(at(node));
    } else if (
      ts.isNumericLiteral(node) &&
      Number(node.text) >= 100 &&
      STATUS_CODES[Number(node.text)] &&
      !inArithmetic(node)
    ) {
      found.push(at(node));
    }
    ts.forEachChild(node, visit);
  };
  visit(file);
  return found;
}

describe('storage and the domain rules know nothing of HTTP', () => {
  it('no file under src/repositories or src/domain writes a request field path or an HTTP status', () => {
    const files = ['src/repositories', 'src/domain'].flatMap((dir) =>
      readdirSync(join(root, dir), { recursive: true, encoding: 'utf8' })
        .filter((name) => name.endsWith('.ts'))
        .map((name) => join(dir, name)),
    );
    expect(files.length).toBeGreaterThan(20);
    const mentions = files.flatMap((file) =>
      httpMentions(readFileSync(join(root, file), 'utf8')).map((line) => `${file}:${line}`),
    );
    expect(mentions).toEqual([]);
  });

  it('the check finds field paths in strings and templates, and status codes, but not comments or prose', () => {
    // A sample with one of each (lines 1, 2, 3, 5, 8) and the look-alikes the check must pass over (lines 4, 6, 7,
    // and the leap-year arithmetic of line 8).
    const source = readFileSync(join(root, 'tests/fixtures/http-mentions.ts.txt'), 'utf8');
    expect(httpMentions(source)).toEqual([
      "1: 'body.travelerId'",
      '2: `query.${',
      '3: }.x and path.id`',
      '5: 410',
      '8: 400',
    ]);
  });
});

// Only src/db/ (the database handle and what it opens) and src/repositories/ know the engine: nothing else imports
// the SQLite driver, drizzle's SQLite modules, a table module or the accessor of the connection behind a transaction
// (src/db/connection.ts), so a second engine replaces those two folders.
const ENGINE_PACKAGES = /^(better-sqlite3(-napi)?|drizzle-orm\/(sqlite-core|better-sqlite3))(\/|$)/;
const ENGINE_FILES = new Set(['src/db/schema', 'src/db/driver', 'src/db/connection']);

/** The imports (static, type-only, dynamic, re-exports) of `file` (a path from the root) that reach the engine. */
function engineImports(file: string, source: string): string[] {
  return ts
    .preProcessFile(source, true, true)
    .importedFiles.map((imported) => imported.fileName)
    .filter((specifier) => {
      if (ENGINE_PACKAGES.test(specifier)) return true;
      if (!specifier.startsWith('.')) return false;
      const target = posix.join(posix.dirname(file), specifier).replace(/\.(js|ts)$/, '');
      return ENGINE_FILES.has(target);
    });
}

describe('only src/db and src/repositories know the engine', () => {
  it('no other file under src/ imports better-sqlite3, drizzle-orm/sqlite-core, drizzle-orm/better-sqlite3, a table module or the connection accessor', () => {
    const files = readdirSync(join(root, 'src'), { recursive: true, encoding: 'utf8' })
      .filter((name) => name.endsWith('.ts'))
      .map((name) => posix.join('src', name.split('\\').join('/')))
      .filter((file) => !file.startsWith('src/db/') && !file.startsWith('src/repositories/'));
    expect(files.length).toBeGreaterThan(50);
    const found = files.flatMap((file) =>
      engineImports(file, readFileSync(join(root, file), 'utf8')).map((specifier) => `${file}: ${specifier}`),
    );
    expect(found).toEqual([]);
  });

  it('the check finds each kind of engine import, and passes over drizzle-orm itself and other files of src/db', () => {
    const source = [
      "import Database from 'better-sqlite3';",
      "import type { SQLiteTable } from 'drizzle-orm/sqlite-core';",
      "export { drizzle } from 'drizzle-orm/better-sqlite3';",
      "const napi = await import('better-sqlite3-napi');",
      "import { trips } from '../db/schema.js';",
      "import type { Database } from '../db/driver.js';",
      "import { engineOf } from '../db/connection.js';",
      "import { eq } from 'drizzle-orm';",
      "import type { DatabaseHandle } from '../db/handle.js';",
      "import { schema } from './schema.js';",
    ].join('\n');
    expect(engineImports('src/services/sample.ts', source)).toEqual([
      'better-sqlite3',
      'drizzle-orm/sqlite-core',
      'drizzle-orm/better-sqlite3',
      'better-sqlite3-napi',
      '../db/schema.js',
      '../db/driver.js',
      '../db/connection.js',
    ]);
  });
});

// Outside src/db/, nothing runs a query synchronously: repositories await drizzle's builders (which answer their
// rows) and prepared statements (`await statement.execute(…)`), and run raw SQL through src/db/queries.ts. So an
// engine whose queries can only be awaited (PostgreSQL's driver) runs the same repositories. Read from the syntax
// tree: the engine's synchronous calls are `.get()`, `.all()` and `.run()` on a query (a builder chain, drizzle's
// `db`, or a prepared statement given its placeholder values), which a Map's `get(key)` is not.
const SYNC_CALLS = new Set(['get', 'all', 'run']);

/** Where a TypeScript source runs a query synchronously, as `line: text`. */
function synchronousQueries(source: string): string[] {
  const file = ts.createSourceFile('checked.ts', source, ts.ScriptTarget.Latest, true);
  const found: string[] = [];
  const visit = (node: ts.Node): void => {
    if (
      ts.isCallExpression(node) &&
      ts.isPropertyAccessExpression(node.expression) &&
      SYNC_CALLS.has(node.expression.name.text)
    ) {
      const receiver = node.expression.expression;
      const args = node.arguments;
      const onBuilder = ts.isCallExpression(receiver) && args.length === 0;
      const onDrizzle = ts.isIdentifier(receiver) && /^(db|sqlite)$/.test(receiver.text);
      const withPlaceholders = args.length === 1 && ts.isObjectLiteralExpression(args[0] as ts.Node);
      if (onBuilder || onDrizzle || withPlaceholders) {
        found.push(
          `${file.getLineAndCharacterOfPosition(node.getStart()).line + 1}: ${node.getText().slice(-40)}`,
        );
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(file);
  return found;
}

describe('no synchronous query outside src/db', () => {
  it('no file under src/ but those of src/db runs a query synchronously, and repositories reach no connection', () => {
    const files = readdirSync(join(root, 'src'), { recursive: true, encoding: 'utf8' })
      .filter((name) => name.endsWith('.ts'))
      .map((name) => posix.join('src', name.split('\\').join('/')))
      .filter((file) => !file.startsWith('src/db/'));
    expect(files.length).toBeGreaterThan(80);
    const found = files.flatMap((file) =>
      synchronousQueries(readFileSync(join(root, file), 'utf8')).map((line) => `${file}:${line}`),
    );
    expect(found).toEqual([]);
    // Nothing outside src/db reaches the engine behind the handle (engineOf, engineConnectionOf): repositories run on
    // the transaction they are given, with its engine's tables and dialect, and hold no connection of their own.
    const connections = files.filter((file) =>
      /\b(engineConnectionOf|engineOf)\(/.test(readFileSync(join(root, file), 'utf8')),
    );
    expect(connections).toEqual([]);
  });

  it('the check finds each kind of synchronous query, and passes over maps and awaited queries', () => {
    const source = [
      'const a = db.select().from(trips).get();',
      'const b = statement.get({ id });',
      'db.run(sql`delete from x`);',
      'const c = db.delete(trips).where(eq(trips.id, 1)).run().changes;',
      'const d = byId.get(id);',
      'const e = await db.select().from(trips);',
      'const f = firstRow(await statement.execute({ id }));',
      'const g = new Map().get(1);',
    ].join('\n');
    expect(synchronousQueries(source).map((line) => line.split(':')[0])).toEqual(['1', '2', '3', '4']);
  });
});

// The SQL of the repositories that only SQLite reads is spelled in one file, src/repositories/dialect.ts, each piece
// behind a named helper that a second engine gives a twin; the engine's own folder (src/db/) holds the rest (pragmas,
// migrations' text, the search index's statements). Read from the strings and templates of the syntax tree.
const SQLITE_ONLY =
  /json_each|\bglob\b|julianday|bm25\(|snippet\(|highlight\(|search_index match|cross join|sqlite_sequence|sqlite_master|search_text\(|instr\(|\browid\b|pragma/i;

/** The strings and template pieces of a TypeScript source that hold SQL only SQLite reads, as `line: text`. */
function sqliteOnlySql(source: string): string[] {
  const file = ts.createSourceFile('checked.ts', source, ts.ScriptTarget.Latest, true);
  const found: string[] = [];
  const visit = (node: ts.Node): void => {
    if ((ts.isStringLiteralLike(node) || ts.isTemplateLiteralToken(node)) && SQLITE_ONLY.test(node.text)) {
      found.push(
        `${file.getLineAndCharacterOfPosition(node.getStart()).line + 1}: ${node.text.trim().slice(0, 50)}`,
      );
    }
    ts.forEachChild(node, visit);
  };
  visit(file);
  return found;
}

describe('SQLite-only SQL lives in src/repositories/dialect.ts and src/db', () => {
  it('no other repository writes SQL only SQLite reads', () => {
    const files = readdirSync(join(root, 'src/repositories'), { encoding: 'utf8' })
      .filter((name) => name.endsWith('.ts') && name !== 'dialect.ts')
      .map((name) => posix.join('src/repositories', name));
    expect(files.length).toBeGreaterThan(15);
    const found = files.flatMap((file) =>
      sqliteOnlySql(readFileSync(join(root, file), 'utf8')).map((line) => `${file}:${line}`),
    );
    expect(found).toEqual([]);
    expect(
      sqliteOnlySql(readFileSync(join(root, 'src/repositories/dialect.ts'), 'utf8')).length,
    ).toBeGreaterThan(8);
  });

  it('the check finds SQLite-only SQL in strings and templates, and not in comments', () => {
    const source = [
      'const a = sql`select value from json_each(' + '$' + '{x})`;',
      "const b = 'select seq from sqlite_sequence';",
      '// json_each in a comment is prose',
      'const c = sql`select x from ' + '$' + '{trips} cross join stops`;',
      "const d = 'a match in a title';",
    ].join('\n');
    expect(sqliteOnlySql(source).map((line) => line.split(':')[0])).toEqual(['1', '2', '4']);
  });
});
