/**
 * Sender-authentication verdicts (SPF, DKIM, DMARC) from what providers pass along, normalized to
 * lower-case result words (`pass`, `fail`, `softfail`, `none`, `gray`, ...). Pure and linear.
 */

export interface SenderAuth {
  spf?: string;
  dkim?: string;
  dmarc?: string;
}

/** Header values read at most this far (a real Authentication-Results header is a few hundred bytes). */
const MAX_HEADER_READ = 4096;

/** One result word: letters, `_` and `-` only, short; anything else is not a verdict. */
export function verdictWord(value: string | undefined): string | undefined {
  const w = value?.trim().toLowerCase();
  return w && /^[a-z_-]{1,20}$/.test(w) ? w : undefined;
}

/** Several DKIM results (one per signature): any pass is a pass, else the first result. */
const combineDkim = (results: readonly string[]): string | undefined => (results.includes('pass') ? 'pass' : results[0]);

/**
 * `spf=`, `dkim=` and `dmarc=` results of an RFC 8601 Authentication-Results header value
 * (comments in parentheses are skipped, so `(... dkim=fail ...)` inside one is not read).
 */
export function parseAuthenticationResults(value: string | undefined): SenderAuth {
  if (!value) return {};
  const text = value.slice(0, MAX_HEADER_READ).replace(/\([^()]*\)/g, ' ');
  const found: Record<'spf' | 'dkim' | 'dmarc', string[]> = { spf: [], dkim: [], dmarc: [] };
  for (const m of text.matchAll(/(?:^|[;\s])(spf|dkim|dmarc)[ \t]*=[ \t]*([A-Za-z_-]{1,20})/gi)) {
    found[m[1]!.toLowerCase() as 'spf' | 'dkim' | 'dmarc'].push(m[2]!.toLowerCase());
  }
  return pick({ spf: found.spf[0], dkim: combineDkim(found.dkim), dmarc: found.dmarc[0] });
}

/** SendGrid's `dkim` field: `none`, `{@example.com : pass}` or `{@a.com : pass, @b.com : fail}`. */
export function parseSendGridDkim(value: string | undefined): string | undefined {
  if (!value) return undefined;
  const text = value.slice(0, MAX_HEADER_READ);
  const results = [...text.matchAll(/:\s*([A-Za-z_-]{1,20})/g)].map((m) => m[1]!.toLowerCase());
  return results.length ? combineDkim(results) : verdictWord(text);
}

const pick = (a: SenderAuth): SenderAuth => Object.fromEntries(Object.entries(a).filter(([, v]) => v !== undefined)) as SenderAuth;

/** Verdicts from the provider itself win over an Authentication-Results header, field by field. */
export const mergeAuth = (...sources: ReadonlyArray<SenderAuth | undefined>): SenderAuth | undefined => {
  const out: SenderAuth = {};
  for (const s of sources) for (const [k, v] of Object.entries(pick(s ?? {}))) out[k as keyof SenderAuth] ??= v;
  return Object.keys(out).length ? out : undefined;
};

/**
 * Did the verdicts say the From is not authenticated? DMARC decides when it gave a verdict;
 * without one (none, gray, temperror, absent), SPF fail/softfail with no DKIM pass does.
 */
export function senderAuthFailed(a: SenderAuth): boolean {
  if (a.dmarc === 'fail') return true;
  if (a.dmarc === 'pass') return false;
  return (a.spf === 'fail' || a.spf === 'softfail') && a.dkim !== 'pass';
}
