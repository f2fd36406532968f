/** Lambda entry for the REST API: thin, routing and rules live in service.ts and the core. */
import middy from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { apiRuntime, type ApiRuntime } from '../wiring/api.ts';
import { fromApiGatewayEvent, toApiGatewayResult } from '../http.ts';
import { httpErrorBoundary } from '../middleware.ts';

export const makeApiHandler = (getRuntime: () => Promise<ApiRuntime>) =>
  middy<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2>()
    .use(httpErrorBoundary())
    .handler(async (event) => {
      const rt = await getRuntime();
      return toApiGatewayResult(await rt.api.handle(fromApiGatewayEvent(event)));
    });

export const handler = makeApiHandler(apiRuntime);
