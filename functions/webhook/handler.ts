/** Lambda entry for POST /webhooks/{provider}: thin, everything else is in service.ts. */
import middy from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import type { FunctionRuntime } from '../wiring/common.ts';
import { webhookRuntime } from '../wiring/webhook.ts';
import { fromApiGatewayEvent, toApiGatewayResult } from '../http.ts';
import { httpErrorBoundary } from '../middleware.ts';
import { handleWebhook } from './service.ts';

export const makeWebhookHandler = (getRuntime: () => Promise<FunctionRuntime>) =>
  middy<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2>()
    .use(httpErrorBoundary())
    .handler(async (event, context) => {
      const rt = await getRuntime();
      const deadline = context?.getRemainingTimeInMillis ? Date.now() + context.getRemainingTimeInMillis() : undefined;
      return toApiGatewayResult(await handleWebhook(rt.deps, rt.config, fromApiGatewayEvent(event), deadline ? { deadline } : {}));
    });

export const handler = makeWebhookHandler(webhookRuntime);
