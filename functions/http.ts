/** Transport-neutral HTTP request/response, and conversion from/to API Gateway HTTP API (v2) events. */
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { ClientError } from './core/errors.ts';

export interface HttpRequest {
  readonly method: string;
  readonly path: string;
  readonly rawQuery: string;
  /** Lower-cased header names; repeated headers joined with commas, as API Gateway does. */
  readonly headers: Readonly<Record<string, string | undefined>>;
  readonly body: Buffer;
  readonly pathParams: Readonly<Record<string, string | undefined>>;
  readonly query: URLSearchParams;
  readonly requestId: string;
}

export interface HttpResponse {
  readonly statusCode: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

export const json = (statusCode: number, body: unknown, headers: Record<string, string> = {}): HttpResponse => ({
  statusCode,
  headers: { 'content-type': 'application/json; charset=utf-8', ...headers },
  body: JSON.stringify(body),
});

export const errorBody = (code: string, message: string, details?: unknown) => ({
  error: { code, message, ...(details !== undefined ? { details } : {}) },
});

export const clientErrorResponse = (e: ClientError): HttpResponse => json(e.status, errorBody(e.code, e.message, e.details), { ...e.headers });

export const serverErrorResponse = (requestId: string): HttpResponse =>
  json(500, errorBody('internal_error', `Something went wrong on our side (request ${requestId}). It is safe to retry.`));

export function fromApiGatewayEvent(event: APIGatewayProxyEventV2): HttpRequest {
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(event.headers ?? {})) if (v !== undefined) headers[k.toLowerCase()] = v;
  if (event.cookies?.length) headers['cookie'] = event.cookies.join('; ');
  const raw = event.body ?? '';
  return {
    method: event.requestContext.http.method.toUpperCase(),
    path: event.rawPath,
    rawQuery: event.rawQueryString ?? '',
    headers,
    body: event.isBase64Encoded ? Buffer.from(raw, 'base64') : Buffer.from(raw, 'utf8'),
    pathParams: event.pathParameters ?? {},
    query: new URLSearchParams(event.rawQueryString ?? ''),
    requestId: event.requestContext.requestId,
  };
}

export const toApiGatewayResult = (r: HttpResponse): APIGatewayProxyStructuredResultV2 => ({
  statusCode: r.statusCode,
  headers: { ...r.headers },
  body: r.body,
  isBase64Encoded: false,
});
