import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import openapiTS, { astToString, COMMENT_HEADER } from 'openapi-typescript';
import ts from 'typescript';

// The typed client package (client/): its types are generated from openapi.yaml by openapi-typescript, and its
// small hand-written layer (client/src) is compiled to JavaScript with declarations, so that browsers (through a
// bundler) and Node import it without TypeScript. Both are committed; `npm run openapi` writes them, and a test
// fails when they differ from what this module renders now.

/** The client package's folder. */
export const clientFolder = fileURLToPath(new URL('../client/', import.meta.url));

/** The generated files of the client package, as paths relative to client/ (what renderClient answers). */
export const GENERATED_FOLDERS = ['generated', 'dist'] as const;

const SCHEMA = 'generated/schema.d.ts';

/**
 * The client package's generated files from the OpenAPI document (YAML text): `generated/schema.d.ts` (the
 * `paths`, `components` and `operations` types) and `dist/` (client/src compiled by client/tsconfig.json against
 * those types), as a map from path relative to client/ to text. Writes nothing. Throws on a TypeScript error in
 * client/src or in the generated types, with the diagnostics in the message.
 */
export async function renderClient(openApiYaml: string): Promise<Map<string, string>> {
  const schema = await renderSchema(openApiYaml);
  const files = new Map([[SCHEMA, schema]]);
  for (const [path, text] of compileClient(schema)) files.set(path, text);
  return files;
}

/**
 * The `paths`, `components` and `operations` types of the OpenAPI document (YAML text), as openapi-typescript
 * writes them. A property with a default is optional, as a request may leave it out (openapi-typescript would
 * otherwise make it required); a response lists every property it always has as required anyway.
 */
export async function renderSchema(openApiYaml: string): Promise<string> {
  return `${COMMENT_HEADER}${astToString(await openapiTS(openApiYaml, { silent: true, defaultNonNullable: false }))}`;
}

/** Writes the files renderClient answered into client/, making folders as needed. */
export function writeClient(files: Map<string, string>): void {
  for (const [path, text] of files) {
    const target = join(clientFolder, path);
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, text);
  }
}

/** client/src compiled with the given generated types in place of the file on disk; paths relative to client/. */
function compileClient(schema: string): Map<string, string> {
  const schemaPath = resolve(clientFolder, SCHEMA);
  const config = ts.getParsedCommandLineOfConfigFile(
    join(clientFolder, 'tsconfig.json'),
    {},
    {
      ...ts.sys,
      onUnRecoverableConfigFileDiagnostic: (diagnostic) => {
        throw new Error(ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n'));
      },
    },
  );
  if (!config) throw new Error('client/tsconfig.json could not be read');
  const host = ts.createCompilerHost(config.options);
  const readFile = host.readFile.bind(host);
  const fileExists = host.fileExists.bind(host);
  const directoryExists = host.directoryExists?.bind(host);
  // On a fresh checkout neither the file nor its folder is there yet.
  host.readFile = (file) => (resolve(file) === schemaPath ? schema : readFile(file));
  host.fileExists = (file) => resolve(file) === schemaPath || fileExists(file);
  host.directoryExists = (dir) => resolve(dir) === dirname(schemaPath) || (directoryExists?.(dir) ?? true);
  const output = new Map<string, string>();
  host.writeFile = (file, text) => output.set(relative(clientFolder, file).split('\\').join('/'), text);
  const program = ts.createProgram({ rootNames: config.fileNames, options: config.options, host });
  const diagnostics = [...config.errors, ...ts.getPreEmitDiagnostics(program), ...program.emit().diagnostics];
  if (diagnostics.length > 0) {
    throw new Error(
      `client/ does not compile:\n${ts.formatDiagnostics(diagnostics, {
        getCanonicalFileName: (name) => name,
        getCurrentDirectory: () => clientFolder,
        getNewLine: () => '\n',
      })}`,
    );
  }
  return output;
}
