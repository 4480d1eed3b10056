import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';

// The OpenAPI document (openapi.yaml) read as a list of operations, each with its method, path, parameters,
// request body and declared answers; and the resolution of its `$ref`s.

export type Schema = {
  $ref?: string;
  type?: string | string[];
  anyOf?: Schema[];
  oneOf?: Schema[];
  enum?: unknown[];
  const?: unknown;
  properties?: Record<string, Schema>;
  required?: string[];
  additionalProperties?: boolean | Schema;
  items?: Schema;
  minItems?: number;
  maxItems?: number;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  format?: string;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
};

type MediaTypes = Record<string, { schema?: Schema }>;

export type Parameter = {
  name: string;
  in: 'path' | 'query' | 'header' | 'cookie';
  required?: boolean;
  schema?: Schema;
};

export type Operation = {
  method: 'get' | 'post' | 'put' | 'patch' | 'delete';
  path: string;
  label: string;
  parameters: Parameter[];
  requestBody?: { required?: boolean; content: MediaTypes };
  responses: Record<string, { description?: string; content?: MediaTypes }>;
};

export type OpenApiDocument = {
  paths: Record<string, Record<string, unknown>>;
  components: { schemas: Record<string, Schema> };
};

const METHODS = ['get', 'post', 'put', 'patch', 'delete'] as const;

export function loadDocument(): OpenApiDocument {
  const text = readFileSync(new URL('../../openapi.yaml', import.meta.url), 'utf8');
  return parseYaml(text) as OpenApiDocument;
}

/** Every operation of the document, in its order. */
export function operationsOf(doc: OpenApiDocument): Operation[] {
  const operations: Operation[] = [];
  for (const [path, item] of Object.entries(doc.paths)) {
    const shared = (item.parameters ?? []) as Parameter[];
    for (const method of METHODS) {
      const raw = item[method] as
        | {
            parameters?: Parameter[];
            requestBody?: Operation['requestBody'];
            responses?: Operation['responses'];
          }
        | undefined;
      if (!raw) continue;
      operations.push({
        method,
        path,
        label: `${method.toUpperCase()} ${path}`,
        parameters: [...shared, ...(raw.parameters ?? [])],
        requestBody: raw.requestBody,
        responses: raw.responses ?? {},
      });
    }
  }
  return operations;
}

export function resolveRef(doc: OpenApiDocument, schema: Schema): Schema {
  let current = schema;
  for (let depth = 0; current.$ref && depth < 10; depth += 1) {
    const name = current.$ref.replace('#/components/schemas/', '');
    const target = doc.components.schemas[name];
    if (!target) throw new Error(`the document has no schema ${current.$ref}`);
    current = target;
  }
  return current;
}
