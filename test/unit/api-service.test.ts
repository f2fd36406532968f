/** The API function answers every request API Gateway's default route sends it with a JSON error. */
import { describe, expect, it } from 'vitest';
import { ApiService } from '../../functions/api/service.ts';
import type { CoreDeps } from '../../functions/core/ports.ts';
import { request, testConfig } from '../helpers/fixtures.ts';

const config = testConfig();
const api = new ApiService({ clock: { now: () => new Date('2026-03-02T10:00:00.000Z') } } as unknown as CoreDeps, config);

describe('unknown routes and methods', () => {
  it.each([
    ['GET', '/nope', 404, undefined],
    ['GET', '/v1/tickets/01ARZ3NDEKTSV4RRFFQ69G5FAV/nope', 404, undefined],
    ['DELETE', '/v1/tickets', 405, 'GET'],
    ['PUT', '/v1/tickets/01ARZ3NDEKTSV4RRFFQ69G5FAV', 405, 'GET, PATCH'],
    ['GET', '/webhooks/twilio', 405, 'POST'],
    ['DELETE', '/webhooks/meta', 405, 'GET, POST'],
  ])('%s %s → %i JSON error (Allow: %s)', async (method, path, status, allow) => {
    const r = await api.handle(request(method, path, ''));
    expect(r.statusCode).toBe(status);
    expect(r.headers['content-type']).toMatch(/^application\/json/);
    expect(JSON.parse(r.body).error.code).toBe(status === 404 ? 'not_found' : 'method_not_allowed');
    expect(r.headers['allow']).toBe(allow);
  });

  it('a known route still works', async () => {
    const r = await api.handle(request('GET', '/health', ''));
    expect(r.statusCode).toBe(200);
  });

  it.each([
    ['GET', '/v1/tickets/01ARZ3NDEKTSV4RRFFQ69G5FAV'],
    ['PATCH', '/v1/tickets/01ARZ3NDEKTSV4RRFFQ69G5FAV'],
    ['POST', '/v1/tickets/01ARZ3NDEKTSV4RRFFQ69G5FAV/replies'],
    ['GET', '/v1/contacts/01ARZ3NDEKTSV4RRFFQ69G5FAV/tickets'],
    ['POST', '/v1/webhook-subscriptions/01ARZ3NDEKTSV4RRFFQ69G5FAV/rotate-secret'],
    ['PATCH', '/v1/agents/ana'],
    ['GET', '/v1/tickets'],
  ])('%s %s (a route with its parameters filled in) is found: without a key, 401, not 404', async (method, path) => {
    const r = await api.handle(request(method, path, ''));
    expect(r.statusCode).toBe(401);
    expect(JSON.parse(r.body).error.code).toBe('unauthorized');
  });
});
