/** Provider form fields that carry JSON, read with zod: a wrong shape is a 400 or ignored, never a 500. */
import type { z } from 'zod';
import { ClientError } from '../../core/errors.ts';
import { zodDetails } from '../shared/http.ts';

/**
 * Parse an optional JSON field. `required: true` fields (those that decide where or how a mail is
 * stored) answer 400 invalid_payload with the issues; informational ones fall back to `undefined`.
 */
export function jsonField<T extends z.ZodType>(value: string | undefined, schema: T, name: string, required: boolean): z.infer<T> | undefined {
  if (value === undefined) return undefined;
  let json: unknown;
  try {
    json = JSON.parse(value);
  } catch {
    if (!required) return undefined;
    throw new ClientError(400, 'invalid_payload', `The "${name}" field is not valid JSON.`);
  }
  const r = schema.safeParse(json);
  if (r.success) return r.data;
  if (!required) return undefined;
  throw new ClientError(400, 'invalid_payload', `The "${name}" field does not have the expected shape.`, zodDetails(r.error.issues).map((d) => ({ ...d, path: d.path ? `${name}.${d.path}` : name })));
}
