/** Middy middleware shared by the HTTP handlers. */
import type { MiddlewareObj } from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { createLogger } from './adapters/logger.ts';
import { serverErrorResponse, toApiGatewayResult } from './http.ts';

const log = createLogger();

/** Anything unexpected becomes a 500 JSON error with the request id; the error is logged, never the body. */
export const httpErrorBoundary = (): MiddlewareObj<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2> => ({
  onError: async (request) => {
    const requestId = request.event?.requestContext?.requestId ?? 'unknown';
    log.error('unhandled error', {
      requestId,
      path: request.event?.rawPath,
      error: request.error instanceof Error ? { name: request.error.name, message: request.error.message, stack: request.error.stack } : String(request.error),
    });
    request.response = toApiGatewayResult(serverErrorResponse(requestId));
  },
});
