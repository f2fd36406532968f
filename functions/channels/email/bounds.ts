/**
 * Bounded, storable forms of what an email carries: every value that lands in a DynamoDB item or
 * key is cut or hashed here deterministically (a retry yields the same form), and text that is not
 * well-formed UTF-16 (lone surrogates) or carries control characters is repaired. Pure.
 */
import { createHash } from 'node:crypto';
import { EMAIL_LIMITS } from '../../spec.ts';

export const sha256Hex = (data: string | Uint8Array): string => createHash('sha256').update(data).digest('hex');

import { clip } from '../shared/text.ts';

/** Lone surrogates become U+FFFD, so everything stored is readable UTF-8. */
export const wellFormed = (s: string): string => s.toWellFormed();

/** At most `max` UTF-16 units, never splitting a surrogate pair; well-formed. */
export const cut = clip;

/** C0/C1 controls and bidi overrides, which make names lie about what they are (e.g. "exe.txt"). */
const UNSAFE_IN_NAMES = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;

export const MAX_NAME_CHARS = 255;
export const MAX_DISPLAY_NAME_CHARS = 200;
export const MAX_CONTENT_ID_CHARS = 256;
export const MAX_HEADER_TEXT_CHARS = 200;

/** A file or display name: well-formed, no control characters, bounded. */
export const safeName = (name: string, max = MAX_NAME_CHARS): string => cut(wellFormed(name).replace(UNSAFE_IN_NAMES, ''), max).trim();

/** A strict `type/subtype` token (RFC 2045), lower-cased, parameters dropped; else octet-stream. */
export function safeContentType(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const bare = value.split(';', 1)[0]!.trim().toLowerCase();
  return /^[a-z0-9][a-z0-9!#$&^_.+-]{0,63}\/[a-z0-9][a-z0-9!#$&^_.+-]{0,126}$/.test(bare) ? bare : 'application/octet-stream';
}

/** Printable ASCII without spaces or angle brackets: what a Message-ID is and what a key can hold. */
const MESSAGE_ID = /^[\x21-\x3b\x3d\x3f-\x7e]+$/;

/**
 * A Message-ID (or provider id) bounded for keys: kept as is when short printable ASCII, else
 * replaced by `sha256:<hex>@hashed.invalid` of its bytes, the same for every copy of the mail, so
 * dedupe and threading still match.
 */
export function boundedMessageId(id: string): { id: string; hashed: boolean } {
  if (id.length <= EMAIL_LIMITS.maxMessageIdChars && MESSAGE_ID.test(id)) return { id, hashed: false };
  return { id: `sha256:${sha256Hex(wellFormed(id))}@hashed.invalid`, hashed: true };
}
