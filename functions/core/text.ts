/** Text from outside, bounded for storage: every channel clips the same way. */

/** At most `max` UTF-16 units, never splitting a surrogate pair; lone surrogates become U+FFFD. */
export function clip(s: string, max: number): string {
  if (s.length <= max) return s.toWellFormed();
  const end = /[\uD800-\uDBFF]/.test(s[max - 1] ?? '') ? max - 1 : max;
  return s.slice(0, end).toWellFormed();
}
