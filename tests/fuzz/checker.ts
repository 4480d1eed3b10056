import Ajv2020Module from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { createParser } from 'eventsource-parser';
import ICAL from 'ical.js';
import type { OpenApiDocument, Operation } from './document.js';
import type { Answer, Sent } from './sending.js';

// Checking an answer against the document: a status the operation declares, below 500, a body that matches the
// declared schema for that status and content type (Ajv, JSON Schema 2020-12), problem+json that agrees with the
// status, conditional-request answers consistent with the ETags sent, and calendars that parse (ical.js).

type AjvLike = {
  addSchema(schema: object, key: string): unknown;
  addKeyword(name: string): unknown;
  compile(schema: object): ValidateFn;
};
type ValidateFn = ((data: unknown) => boolean) & { errors?: unknown };

// ajv and ajv-formats are CommonJS; depending on the loader the default import is the class or the module.
const Ajv2020 = ((Ajv2020Module as unknown as { default?: unknown }).default ?? Ajv2020Module) as new (
  options: object,
) => AjvLike;
const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ?? addFormatsModule) as (
  ajv: AjvLike,
) => void;

const pointer = (...parts: string[]) =>
  parts.map((p) => p.replaceAll('~', '~0').replaceAll('/', '~1')).join('/');

export class Checker {
  private readonly ajv: AjvLike;
  private readonly validators = new Map<string, ValidateFn>();
  private problem: ValidateFn | undefined;
  private readonly templates: { path: string; pattern: RegExp }[];

  constructor(private readonly doc: OpenApiDocument) {
    this.ajv = new Ajv2020({ strict: false, allErrors: true, validateSchema: false });
    addFormats(this.ajv);
    this.ajv.addKeyword('example');
    this.ajv.addSchema(doc, 'openapi');
    this.templates = Object.keys(doc.paths).map((path) => ({
      path,
      pattern: new RegExp(`^${path.replace(/\{[^}]+\}/g, '[^/]*')}/?$`),
    }));
  }

  private validator(path: string, method: string, status: string, media: string): ValidateFn {
    const key = `${method} ${path} ${status} ${media}`;
    let validate = this.validators.get(key);
    if (!validate) {
      const ref = `openapi#/${pointer('paths', path, method, 'responses', status, 'content', media, 'schema')}`;
      validate = this.ajv.compile({ $ref: ref });
      this.validators.set(key, validate);
    }
    return validate;
  }

  /** Every way the answer departs from the document (or from the rules that hold for every answer). */
  check(sent: Sent, answer: Answer): string[] {
    const faults: string[] = [];
    const { status } = answer;
    if (status >= 500) faults.push(`answered ${status}, a fault of the server`);
    // An XML external entity (or any path trick) must never bring a local file into an answer.
    if (/root:[^:\n]*:0:0:/.test(answer.text)) faults.push('the answer contains /etc/passwd');
    const path = sent.url.split('?')[0] ?? sent.url;
    const candidates = this.templates.filter((t) => t.pattern.test(path)).map((t) => t.path);
    const operations = candidates
      .map((candidate) => ({
        path: candidate,
        op: this.doc.paths[candidate]?.[sent.method] as Operation | undefined,
      }))
      .filter((c): c is { path: string; op: Operation } => c.op !== undefined);
    const documented = operations.find(({ op }) => op.responses[String(status)] !== undefined);
    const contentType = String(answer.headers['content-type'] ?? '');
    const media = contentType.split(';')[0]?.trim().toLowerCase() ?? '';

    if (status === 304 && sent.headers['if-none-match'] === undefined) {
      faults.push('answered 304 to a request without If-None-Match');
    }
    // A GET's body has no meaning (RFC 9110 §9.3.1): the server may ignore it, however large.
    if (sent.oversize && sent.method !== 'get' && status >= 200 && status < 300)
      faults.push(`accepted a body over the limit (${status})`);

    if (status === 405) {
      const allow = String(answer.headers.allow ?? '');
      if (!allow) faults.push('405 without an Allow header');
      if (allow.split(/,\s*/).includes(sent.method.toUpperCase())) {
        faults.push(`405 for ${sent.method.toUpperCase()}, yet Allow lists it: ${allow}`);
      }
    }
    faults.push(...conditionalFaults(sent, answer));

    if (!documented) {
      // A path no operation has, or a known path with a method it lacks, may answer 404 or 405.
      const outOfScope =
        (status === 404 && operations.length === 0) || (status === 405 && candidates.length > 0);
      if (!outOfScope) {
        const where =
          operations.map((o) => `${sent.method.toUpperCase()} ${o.path}`).join(' or ') || 'no operation';
        faults.push(`status ${status} is not documented for ${where}`);
      }
      if (status >= 400 && media !== 'application/problem+json') {
        faults.push(`error answered as ${contentType || 'no content type'}, not application/problem+json`);
      }
      if (media === 'application/problem+json') faults.push(...this.validateProblem(answer, path));
      return faults;
    }

    const response = documented.op.responses[String(status)] ?? {};
    // A creation whose description promises a Location: the new resource's own URL, not its collection's.
    const location = String(answer.headers.location ?? '');
    if (
      status === 201 &&
      /Location/.test(response.description ?? '') &&
      !/^\/[a-z]+\/[^/?#]+/.test(location)
    ) {
      faults.push(`201 without the Location its description promises (${location || 'none'})`);
    }
    const content = response.content;
    if (!content) {
      if (answer.text.length > 0) faults.push(`status ${status} is documented without a body, but has one`);
      return faults;
    }
    const declared = content[media];
    if (!declared) {
      faults.push(
        `content type ${contentType || '(none)'} is not documented for ${status}: ${Object.keys(content)}`,
      );
      return faults;
    }
    if (media === 'text/csv' || !declared.schema) return faults;
    if (media === 'text/calendar') {
      // A calendar must parse as one, with a VCALENDAR at its root.
      try {
        const root = new ICAL.Component(ICAL.parse(answer.text));
        if (root.name !== 'vcalendar')
          faults.push(`the text/calendar body is a ${root.name}, not a vcalendar`);
      } catch (error) {
        faults.push(`the text/calendar body does not parse: ${(error as Error).message}`);
      }
      return faults;
    }
    if (media === 'text/event-stream') {
      faults.push(...eventStreamFaults(answer.text));
      return faults;
    }
    let body: unknown;
    try {
      body = JSON.parse(answer.text);
    } catch {
      faults.push(`the ${media} body is not JSON`);
      return faults;
    }
    const validate = this.validator(documented.path, sent.method, String(status), media);
    if (!validate(body))
      faults.push(`the body does not match the document: ${schemaErrors(validate.errors)}`);
    if (media === 'application/problem+json') faults.push(...problemAgrees(body, status, path));
    return faults;
  }

  /** An answer no operation documents must still be a Problem. */
  private validateProblem(answer: Answer, path: string): string[] {
    let body: unknown;
    try {
      body = JSON.parse(answer.text);
    } catch {
      return ['the problem body is not JSON'];
    }
    this.problem ??= this.ajv.compile({ $ref: 'openapi#/components/schemas/Problem' });
    if (!this.problem(body))
      return [`the problem does not match Problem: ${schemaErrors(this.problem.errors)}`];
    return problemAgrees(body, answer.status, path);
  }
}

type SchemaError = { instancePath: string; message?: string; params?: Record<string, unknown> };

/** The first few validation errors, each with the field it names (an unknown property, a missing one). */
function schemaErrors(errors: unknown): string {
  const list = (errors ?? []) as SchemaError[];
  const shown = list.slice(0, 5).map((error) => {
    const field = error.params?.additionalProperty ?? error.params?.missingProperty;
    return `${error.instancePath || '/'} ${error.message ?? 'is invalid'}${field ? ` (${String(field)})` : ''}`;
  });
  return `${shown.join('; ')}${list.length > 5 ? `; and ${list.length - 5} more` : ''}`;
}

/** The opaque tags of an If-None-Match list (weak comparison, RFC 9110 §8.8.3.2). */
const opaqueTags = (header: string) => [...header.matchAll(/(?:W\/)?("[^"]*")/g)].map((m) => m[1]);

/** If-None-Match (RFC 9110 §13.1.2): a GET whose tag matches answers 304, and a 304 still sends its ETag. */
function conditionalFaults(sent: Sent, answer: Answer): string[] {
  const header = sent.headers['if-none-match'];
  const etag = answer.headers.etag;
  if (sent.method !== 'get' || header === undefined) return [];
  if (answer.status === 304 && typeof etag !== 'string') return ['304 without the ETag a 200 would carry'];
  if (answer.status !== 200 || typeof etag !== 'string') return [];
  const matches = header.trim() === '*' || opaqueTags(header).includes(etag.replace(/^W\//, ''));
  return matches ? [`answered 200 with ETag ${etag}, which If-None-Match matches: that is a 304`] : [];
}

/** A problem's own status and instance agree with the answer's status and the request's path. */
function problemAgrees(body: unknown, status: number, path: string): string[] {
  const problem = body as { status?: unknown; instance?: unknown };
  const faults: string[] = [];
  if (problem.status !== status)
    faults.push(`the problem says status ${String(problem.status)}, the answer ${status}`);
  if (problem.instance !== undefined && problem.instance !== path) {
    faults.push(`the problem's instance ${JSON.stringify(problem.instance)} is not the request path`);
  }
  return faults;
}

/** What is wrong with the start of a change stream: events other than `change` and `problem`, data not JSON. */
function eventStreamFaults(text: string): string[] {
  const faults: string[] = [];
  const parser = createParser({
    onEvent: (event) => {
      if (event.event !== 'change' && event.event !== 'problem')
        faults.push(`an event ${event.event ?? 'message'}`);
      try {
        JSON.parse(event.data);
      } catch {
        faults.push(`the ${event.event} event's data is not JSON`);
      }
    },
    onError: (error) => faults.push(`the event stream does not parse: ${error.message}`),
  });
  parser.feed(text);
  return faults;
}
