/** The OpenAPI document: valid 3.1, current, complete, its examples true, and the contract check it drives. */
import { readFileSync } from 'node:fs';
import { Validator } from '@seriousme/openapi-schema-validator';
import { describe, expect, it } from 'vitest';
import * as z from 'zod';
import { buildOpenApiDocument, errorStatuses, openApiJson } from '../../functions/api/openapi.ts';
import * as reportResponses from '../../functions/api/report-responses.ts';
import * as responses from '../../functions/api/responses.ts';
import { EXAMPLE_TICKET } from '../../functions/api/responses.ts';
import { API_ROUTES } from '../../functions/api/all-routes.ts';
import { ApiService } from '../../functions/api/service.ts';
import type { CoreDeps } from '../../functions/core/ports.ts';
import { ROUTES } from '../../functions/spec.ts';
import { ContractChecker, type OpenApiDocument } from '../helpers/contract.ts';
import { request, testConfig } from '../helpers/fixtures.ts';

const doc = buildOpenApiDocument(API_ROUTES) as unknown as OpenApiDocument & Record<string, any>;
const root = new URL('../../', import.meta.url);
const METHODS = ['get', 'post', 'patch', 'delete', 'put'];
const operations = (d: Record<string, any>) =>
  Object.entries(d['paths'] as Record<string, Record<string, any>>).flatMap(([path, item]) =>
    Object.entries(item)
      .filter(([m]) => METHODS.includes(m))
      .map(([m, op]) => ({ method: m.toUpperCase(), path, op })),
  );

describe('the OpenAPI document', () => {
  it('is a valid OpenAPI 3.1 document (@seriousme/openapi-schema-validator)', async () => {
    const validator = new Validator();
    const r = await validator.validate(structuredClone(doc));
    expect(r.errors).toBeUndefined();
    expect(r.valid).toBe(true);
    expect(validator.version).toBe('3.1');
  });

  it('the validator refuses a broken document (it can fail)', async () => {
    const broken = structuredClone(doc) as any;
    delete broken.paths['/health'].get.responses;
    broken.components.securitySchemes.apiKey.type = 'password';
    const r = await new Validator().validate(broken);
    expect(r.valid).toBe(false);
  });

  it('the committed openapi.json is what the code generates (`npm run openapi`)', () => {
    expect(readFileSync(new URL('openapi.json', root), 'utf8')).toBe(openApiJson());
  });

  it('has exactly one operation per api route of functions/spec.ts', () => {
    const inSpec = ROUTES.filter((r) => r.fn === 'api').map((r) => `${r.method} ${r.path}`).sort();
    expect(operations(doc).map((o) => `${o.method} ${o.path}`).sort()).toEqual(inSpec);
  });

  it('lists each operation’s scope as its bearer role; public ones need no key', () => {
    expect(doc['components'].securitySchemes.apiKey).toMatchObject({ type: 'http', scheme: 'bearer' });
    for (const route of API_ROUTES) {
      const op = doc.paths[route.path]![route.method.toLowerCase()] as any;
      expect(op.security, `${route.method} ${route.path}`).toEqual(route.scope ? [{ apiKey: [route.scope] }] : []);
      if (route.scope) expect(Object.keys(op.responses)).toEqual(expect.arrayContaining(['401', '403']));
    }
  });

  it('declares every error status a route can answer, each with the shared error body', () => {
    const patch = API_ROUTES.find((r) => r.method === 'PATCH' && r.path === '/v1/tickets/{id}')!;
    expect(errorStatuses(patch)).toEqual([400, 401, 403, 404, 409, 412, 413, 415, 429, 500]);
    const ops = operations(doc);
    for (const { method, path, op } of ops) {
      for (const [status, r] of Object.entries(op.responses as Record<string, any>)) {
        if (Number(status) < 400 || status === '413' || status === '429') continue; // the gateway's own answers
        const schema = r.$ref ? doc.components.responses[r.$ref.split('/').at(-1)]!.content!['application/json'] : r.content['application/json'];
        expect((schema as any).schema, `${method} ${path} ${status}`).toEqual({ $ref: '#/components/schemas/Error' });
      }
    }
  });

  it('renders request schemas input-side: defaults optional, the strict body closed', () => {
    const list = doc.paths['/v1/tickets']!['get'] as any;
    expect(list.parameters.find((p: any) => p.name === 'limit')).toMatchObject({ in: 'query', schema: { type: 'integer', minimum: 1, maximum: 100, default: 25 } });
    expect(list.parameters.find((p: any) => p.name === 'limit').required).toBeUndefined();
    const patch = doc.paths['/v1/tickets/{id}']!['patch'] as any;
    expect(patch.requestBody.content['application/json'].schema).toMatchObject({ type: 'object', additionalProperties: false });
    expect(patch.parameters.map((p: any) => `${p.in}:${p.name}`)).toEqual(expect.arrayContaining(['path:id', 'header:If-Match']));
  });

  it('every example matches its schema (JSON Schema of the document, and the zod schema it came from)', () => {
    const checker = new ContractChecker(doc);
    const seen: string[] = [];
    const check = (ref: string, example: unknown) => {
      seen.push(ref);
      expect(checker.problems(ref, example), ref).toEqual([]);
    };
    const esc = (s: string) => s.replaceAll('~', '~0').replaceAll('/', '~1');
    for (const [name, s] of Object.entries(doc['components'].schemas as Record<string, any>)) if ('example' in s) check(`/components/schemas/${name}`, s.example);
    for (const [name, r] of Object.entries(doc.components.responses as Record<string, any>)) {
      for (const [type, media] of Object.entries(r.content as Record<string, any>)) if ('example' in media) check(`/components/responses/${name}/content/${esc(type)}/schema`, media.example);
    }
    for (const { method, path, op } of operations(doc)) {
      const base = `/paths/${esc(path)}/${method.toLowerCase()}`;
      const body = op.requestBody?.content['application/json'];
      if (body?.example !== undefined) check(`${base}/requestBody/content/application~1json/schema`, body.example);
      for (const [status, r] of Object.entries(op.responses as Record<string, any>)) {
        for (const [type, media] of Object.entries((r.content ?? {}) as Record<string, any>)) if ('example' in media) check(`${base}/responses/${status}/content/${esc(type)}/schema`, media.example);
      }
    }
    expect(seen.length).toBeGreaterThan(20);
    // The same examples through zod: every response schema with an example parses it.
    let parsed = 0;
    for (const [name, schema] of Object.entries({ ...responses, ...reportResponses })) {
      if (!(schema instanceof z.ZodType)) continue;
      const example = schema.meta()?.['example'];
      if (example === undefined) continue;
      expect(schema.safeParse(example).error, name).toBeUndefined();
      parsed++;
    }
    expect(parsed).toBeGreaterThan(8);
  });

  it('GET /openapi.json serves the committed document without a key', async () => {
    const api = new ApiService({ clock: { now: () => new Date() } } as unknown as CoreDeps, testConfig());
    const r = await api.handle(request('GET', '/openapi.json', ''));
    expect(r.statusCode).toBe(200);
    expect(r.headers['content-type']).toMatch(/^application\/json/);
    expect(JSON.parse(r.body)).toEqual(JSON.parse(openApiJson()));
  });
});

describe('the contract check (test/helpers/contract.ts)', () => {
  const checker = new ContractChecker(doc, []);
  const JSON_TYPE = 'application/json; charset=utf-8';
  const page = (ticket: object) => JSON.stringify({ tickets: [ticket], nextCursor: null });

  it('passes an answer that matches', () => {
    expect(checker.check('GET', '/v1/tickets', 200, JSON_TYPE, page(EXAMPLE_TICKET))).toBeUndefined();
  });

  it('fails a field the document does not have, naming it', () => {
    expect(checker.check('GET', '/v1/tickets', 200, JSON_TYPE, page({ ...EXAMPLE_TICKET, secret: 1 }))).toMatch(/\/tickets\/0 must NOT have additional properties "secret"/);
  });

  it('fails a missing or mistyped field', () => {
    const { version: _v, ...noVersion } = EXAMPLE_TICKET;
    expect(checker.check('GET', '/v1/tickets', 200, JSON_TYPE, page(noVersion))).toMatch(/must have required property 'version'/);
    expect(checker.check('GET', '/v1/tickets', 200, JSON_TYPE, page({ ...EXAMPLE_TICKET, createdAt: 'yesterday' }))).toMatch(/createdAt must match format "date-time"/);
  });

  it('fails a status the operation does not declare', () => {
    expect(checker.check('GET', '/v1/tickets', 409, JSON_TYPE, '{"error":{"code":"x","message":"y"}}')).toMatch(/does not declare 409/);
  });

  it('checks error bodies, unknown paths and 405s against the shared error shape', () => {
    expect(checker.check('GET', '/v1/tickets', 401, JSON_TYPE, '{"error":{"code":"unauthorized","message":"no"}}')).toBeUndefined();
    expect(checker.check('GET', '/v1/tickets', 401, JSON_TYPE, '{"message":"no"}')).toMatch(/must have required property 'error'/);
    expect(checker.check('GET', '/nope', 404, JSON_TYPE, '{"error":{"code":"not_found","message":"No route"}}')).toBeUndefined();
    expect(checker.check('PUT', '/v1/tickets', 405, 'text/plain', 'no')).toMatch(/expected a JSON body/);
  });

  it('leaves webhook routes alone and reports routes without declared responses', () => {
    expect(checker.check('POST', '/webhooks/twilio', 200, 'text/xml', '<Response/>')).toBeUndefined();
    const lenient = new ContractChecker(doc, ['GET /v1/tickets']);
    expect(lenient.check('GET', '/v1/tickets', 200, JSON_TYPE, page({ ...EXAMPLE_TICKET, secret: 1 }))).toBeUndefined();
    expect([...lenient.unchecked]).toEqual(['GET /v1/tickets']);
  });
});

describe('README', () => {
  /** `| GET | `/v1/tickets` | `tickets:read` | …` rows of the "## Routes" section. */
  const rows = () => {
    const readme = readFileSync(new URL('README.md', root), 'utf8');
    const section = readme.slice(readme.indexOf('\n## Routes\n'), readme.indexOf('\n## ', readme.indexOf('\n## Routes\n') + 1));
    return section
      .split('\n')
      .map((line) => line.split('|').map((c) => c.trim().replaceAll('`', '')))
      .filter((cells) => /^(GET|POST|PATCH|DELETE|PUT)$/.test(cells[1] ?? ''))
      .map((cells) => ({ method: cells[1]!, path: cells[2]!, auth: cells[3]! }));
  };

  it('the route table lists exactly the routes of functions/spec.ts', () => {
    expect(rows().map((r) => `${r.method} ${r.path}`).sort()).toEqual(ROUTES.map((r) => `${r.method} ${r.path}`).sort());
  });

  it('the route table’s api rows are the document’s operations, each with its scope (or none)', () => {
    const api = rows()
      .filter((r) => !r.path.startsWith('/webhooks/'))
      .map((r) => `${r.method} ${r.path} ${r.auth}`)
      .sort();
    const documented = operations(doc)
      .map(({ method, path, op }) => `${method} ${path} ${op.security[0]?.apiKey[0] ?? 'none'}`)
      .sort();
    expect(api).toEqual(documented);
  });

  it('links the document and shows a typed client', () => {
    const readme = readFileSync(new URL('README.md', root), 'utf8');
    expect(readme.includes('openapi.json'), 'README mentions openapi.json').toBe(true);
    expect(readme.includes('npx openapi-typescript openapi.json'), 'README shows openapi-typescript').toBe(true);
  });
});
