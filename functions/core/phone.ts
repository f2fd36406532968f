/** Phone numbers in E.164, via libphonenumber-js. */
import { parsePhoneNumberFromString } from 'libphonenumber-js';
import type { Identity } from './types.ts';

/** E.164 form of an international number, or undefined if it is not a valid one. */
export function toE164(raw: string): string | undefined {
  const cleaned = raw.trim();
  if (!cleaned.startsWith('+')) return undefined;
  const parsed = parsePhoneNumberFromString(cleaned);
  return parsed && parsed.isPossible() ? parsed.number : undefined;
}

/**
 * The identity of an SMS/WhatsApp sender: the E.164 phone when the address is one, otherwise
 * (short codes, alphanumeric sender ids) the raw sender as an identity of its own.
 */
export function phoneIdentity(address: string): Identity {
  const e164 = toE164(address);
  return e164 ? { kind: 'phone', value: e164 } : { kind: 'sms-sender', value: address.trim() };
}
