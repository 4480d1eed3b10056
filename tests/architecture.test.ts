import { fileURLToPath } from 'node:url';
import { type DependencyTree, parseCircular, parseDependencyTree } from 'dpdm';
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
