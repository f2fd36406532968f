/** Public routes: health, the OpenAPI document. */
import * as z from 'zod';
import { json } from '../../http.ts';
import { Timestamp } from '../responses.ts';
import { defineRoute, type ApiRoute } from '../route.ts';

const HealthSchema = z.object({ status: z.literal('ok'), time: Timestamp }).meta({ id: 'Health', example: { status: 'ok', time: '2026-11-25T09:30:00.000Z' } });

/** The document itself: its full shape is the OpenAPI 3.1 schema's; only the top is declared here. */
const OpenApiDocumentSchema = z
  .looseObject({ openapi: z.string().regex(/^3\.1\.\d+$/), info: z.looseObject({ title: z.string(), version: z.string() }), paths: z.record(z.string(), z.unknown()) })
  .meta({ id: 'OpenApiDocument' });

/**
 * The document is generated from the route declarations on the first request and kept for the
 * container's life. Generating it here (zod-openapi, loaded only then) costs the bundle ~20 KB;
 * embedding the committed openapi.json would cost ~52 KB (bench figures in README).
 */
let documentBody: Promise<string> | undefined;
const openApiBody = (): Promise<string> =>
  (documentBody ??= import('../openapi.ts').then(({ openApiJson }) => JSON.stringify(JSON.parse(openApiJson())))).catch((e: unknown) => {
    documentBody = undefined;
    throw e;
  });

export const metaRoutes: readonly ApiRoute<any, any>[] = [
  defineRoute({
    method: 'GET',
    path: '/health',
    summary: 'Liveness: the function answers',
    responses: { 200: { description: 'The function answers.', schema: HealthSchema } },
    async handle({ deps }) {
      return json(200, { status: 'ok', time: deps.clock.now().toISOString() });
    },
  }),
  defineRoute({
    method: 'GET',
    path: '/openapi.json',
    summary: 'This OpenAPI 3.1 document',
    responses: {
      200: {
        description: 'The OpenAPI document of this API (as `npm run openapi` writes it to openapi.json).',
        schema: OpenApiDocumentSchema,
        example: { openapi: '3.1.0', info: { title: 'Support desk API', version: '1.0.0' }, paths: {} },
      },
    },
    async handle() {
      return { statusCode: 200, headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'public, max-age=300' }, body: await openApiBody() };
    },
  }),
];
