/**
 * Context values the app passes through to the functions' environment are checked at synth with
 * the functions' own configuration parser, so a bad value stops `cdk synth` naming the context key
 * instead of failing every cold start.
 */
import { buildConfig, ConfigError } from '../functions/config.ts';

/** Env variable → the context key it comes from. */
export const PASS_THROUGH_CONTEXT: Readonly<Record<string, string>> = {
  EMAIL_FROM_ADDRESS: 'emailFromAddress',
  SLA_FIRST_RESPONSE_SECONDS: 'slaFirstResponseSeconds',
  AUTO_ACK_ENABLED: 'autoAckEnabled',
  AUTO_ACK_TEXT: 'autoAckText',
  BUSINESS_CALENDARS: 'businessCalendars',
  SLA_POLICIES: 'slaPolicies',
};

/** Env variable → context key, for the settings the stack reads itself and also hands to the functions. */
export const STACK_CONTEXT_ENV: Readonly<Record<string, string>> = {
  PUBLIC_BASE_URL: 'publicBaseUrl',
  METRICS_NAMESPACE: 'metricsNamespace',
  SNS_TOPIC_ARNS: 'snsTopicArns',
};

/**
 * Undefined when the values are valid; otherwise one message naming every bad variable, by its
 * context key when it came from context (`named`: the env variables that did; default all of them).
 */
export function checkPassThroughContext(environment: Readonly<Record<string, string>>, named?: ReadonlySet<string>): string | undefined {
  try {
    // Queue URLs are placeholders here: CDK fills the real ones in.
    buildConfig({ ...environment, FOLLOWUP_QUEUE_URL: 'https://sqs.invalid/q', INGEST_QUEUE_URL: 'https://sqs.invalid/q' });
    return undefined;
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    let message = e.message;
    for (const [env, key] of Object.entries({ ...PASS_THROUGH_CONTEXT, ...STACK_CONTEXT_ENV })) {
      if (!named || named.has(env)) message = message.replaceAll(env, `context "${key}" (${env})`);
    }
    return message;
  }
}
