/** Logger on Powertools Logger (structured JSON). Callers pass ids, never secrets or bodies. */
import { Logger as PtLogger } from '@aws-lambda-powertools/logger';
import type { Logger } from '../core/ports.ts';

export const createLogger = (serviceName = 'support-webhooks'): Logger & { raw: PtLogger } => {
  const raw = new PtLogger({ serviceName });
  return {
    raw,
    info: (m, e) => raw.info(m, e ?? {}),
    warn: (m, e) => raw.warn(m, e ?? {}),
    error: (m, e) => raw.error(m, e ?? {}),
  };
};
