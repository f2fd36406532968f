/**
 * The contract check: every answer the test stack gives on an api route is checked against the
 * OpenAPI document (functions/api/openapi.ts, the same document `npm run openapi` commits): the
 * status must be one the operation declares, and a JSON body must match that status's schema
 * (ajv, JSON Schema 2020-12, formats on). Unknown paths and 405s must carry the shared error body.
 * Routes that declare no `responses` yet are reported (printed after each test file), not checked.
 *
 * startTestStack (test/helpers/stack.ts) installs it: a fetch wrapper for requests to the stack's
 * own URL, so `api()` and raw `fetch` calls in tests are both covered.
 */
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { buildOpenApiDocument } from '../../functions/api/openapi.ts';
import { API_ROUTES } from '../../functions/api/all-routes.ts';
import { findRoute } from '../../functions/routing.ts';

const addFormats = addFormatsModule as unknown as (ajv: Ajv2020) => Ajv2020;

export type OpenApiDocument = {
  paths: Record<string, Record<string, { responses: Record<string, { $ref?: string; content?: Record<string, unknown> }> }>>;
  components: { responses: Record<string, { content?: Record<string, unknown> }>; schemas: Record<string, any>; securitySchemes: Record<string, any> };
};

const DOC_ID = 'https://contract.test/openapi.json';
const pointer = (...parts: string[]) => parts.map((p) => p.replaceAll('~', '~0').replaceAll('/', '~1')).join('/');

/** Validates bodies against the schemas of one document. */
export class ContractChecker {
  readonly #doc: OpenApiDocument;
  readonly #ajv: Ajv2020;
  readonly #compiled = new Map<string, ValidateFunction>();
  readonly #undescribed: ReadonlySet<string>;
  /** Routes answered without a declared response schema (`GET /v1/contacts/{id}`). */
  readonly unchecked = new Set<string>();
  /** Answers checked against a declared schema, per `METHOD path status` (CONTRACT_REPORT=1 prints them). */
  readonly checked = new Map<string, number>();

  constructor(doc: OpenApiDocument = buildOpenApiDocument(API_ROUTES) as unknown as OpenApiDocument, undescribed = API_ROUTES.filter((r) => !r.responses).map((r) => `${r.method} ${r.path}`)) {
    this.#doc = doc;
    this.#undescribed = new Set(undescribed);
    // OpenAPI keywords (example, discriminator, …) are not JSON Schema ones: not strict.
    this.#ajv = addFormats(new Ajv2020({ strict: false, allErrors: true }));
    this.#ajv.addSchema(doc as object, DOC_ID);
  }

  #validator(ref: string): ValidateFunction {
    let v = this.#compiled.get(ref);
    if (!v) {
      v = this.#ajv.compile({ $ref: `${DOC_ID}#${ref}` });
      this.#compiled.set(ref, v);
    }
    return v;
  }

  /** A JSON value against a schema by JSON pointer into the document; the problems, or [] when it matches. */
  problems(ref: string, value: unknown): string[] {
    const v = this.#validator(ref);
    if (v(value)) return [];
    return (v.errors ?? []).slice(0, 8).map((e) => `${e.instancePath || '(body)'} ${e.message ?? ''}${e.params && 'additionalProperty' in e.params ? ` "${String(e.params['additionalProperty'])}"` : ''}`);
  }

  /**
   * Check one answer. Returns a readable failure, or undefined when it conforms (or is not ours to check:
   * webhook routes, routes without declared responses — those are added to `unchecked`).
   */
  check(method: string, path: string, status: number, contentType: string | null, body: string): string | undefined {
    const m = findRoute(method, path);
    const label = `${method} ${path} → ${status}`;
    if (m.kind === 'match' && m.route.fn !== 'api') return undefined;
    if (m.kind !== 'match') {
      // Unknown paths (404) and other methods on a known path (405): the shared error body.
      return this.#body(label, '/components/schemas/Error', contentType, body);
    }
    const key = `${m.route.method} ${m.route.path}`;
    const op = this.#doc.paths[m.route.path]?.[m.route.method.toLowerCase()];
    if (!op) return `${label}: the document has no operation ${key}; add the route to API_ROUTES and run \`npm run openapi\`.`;
    if (this.#undescribed.has(key)) {
      this.unchecked.add(key);
      return status >= 400 ? this.#body(label, '/components/schemas/Error', contentType, body) : undefined;
    }
    let response = op.responses[String(status)];
    let base = pointer('', 'paths', m.route.path, m.route.method.toLowerCase(), 'responses', String(status));
    if (!response) {
      return `${label}: ${key} does not declare ${status} (declared: ${Object.keys(op.responses).join(', ')}). Declare it on the route (responses or errors) or fix the answer.\n  body: ${body.slice(0, 300)}`;
    }
    this.checked.set(`${key} ${status}`, (this.checked.get(`${key} ${status}`) ?? 0) + 1);
    if (response.$ref) {
      base = response.$ref.slice(1);
      response = this.#doc.components.responses[base.split('/').at(-1)!]!;
    }
    const media = Object.keys(response.content ?? {});
    if (!media.length) return body ? `${label}: the document declares no body, but one came back: ${body.slice(0, 200)}` : undefined;
    const type = media.find((t) => (contentType ?? '').split(';')[0]!.trim() === t);
    if (!type) return `${label}: content-type ${contentType ?? '(none)'}; the document declares ${media.join(', ')}.`;
    if (type !== 'application/json') return undefined;
    return this.#body(label, `${base}/content/${pointer(type)}/schema`, contentType, body);
  }

  #body(label: string, ref: string, contentType: string | null, body: string): string | undefined {
    if (!/^application\/json\b/.test(contentType ?? '')) return `${label}: expected a JSON body, got content-type ${contentType ?? '(none)'}.`;
    let value: unknown;
    try {
      value = JSON.parse(body);
    } catch {
      return `${label}: the body is not JSON: ${body.slice(0, 200)}`;
    }
    const problems = this.problems(ref, value);
    return problems.length ? `${label}: the body does not match the document (${ref}):\n  ${problems.join('\n  ')}\n  body: ${body.slice(0, 400)}` : undefined;
  }
}

/** One checker per test file (the document is built once). */
let shared: ContractChecker | undefined;
export const contractChecker = (): ContractChecker => (shared ??= new ContractChecker());
/** The routes answered so far without a declared response schema. */
export const uncheckedRoutes = (): string[] => [...(shared?.unchecked ?? [])].sort();
/** `METHOD path status ×n` of the answers checked so far. */
export const checkedAnswers = (): string[] => [...(shared?.checked ?? [])].map(([k, n]) => `${k} ×${n}`).sort();

/** Failures seen in this file, even those a test's own try/catch swallowed; reported after the file. */
export const contractFailures: string[] = [];

const bases = new Set<string>();
let installed = false;

/** Check every fetch to `baseUrl` (a test stack) against the document; a mismatch rejects the fetch. */
export function checkResponsesOf(baseUrl: string): () => void {
  bases.add(baseUrl);
  if (!installed) {
    installed = true;
    const original = globalThis.fetch;
    globalThis.fetch = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
      const res = await original(input, init);
      const url = new URL(input instanceof Request ? input.url : String(input));
      if (![...bases].some((b) => url.href.startsWith(`${b}/`))) return res;
      const method = (init?.method ?? (input instanceof Request ? input.method : 'GET')).toUpperCase();
      const failure = contractChecker().check(method, url.pathname, res.status, res.headers.get('content-type'), await res.clone().text());
      if (failure) {
        contractFailures.push(failure);
        throw new Error(`Contract (openapi.json): ${failure}`);
      }
      return res;
    };
  }
  return () => bases.delete(baseUrl);
}
