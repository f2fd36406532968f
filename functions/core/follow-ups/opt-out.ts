/**
 * Opt-out keywords (issue 12): a whole message of STOP, STOPALL, UNSUBSCRIBE, CANCEL, END or QUIT
 * (any case, surrounding spaces and a trailing full stop or exclamation mark ignored) opts the
 * sender's identity out of automated messages on that channel; START or UNSTOP opts back in.
 * "Stop sending me offers" is an ordinary message. Pure.
 */
export const OPT_OUT_KEYWORDS = ['STOP', 'STOPALL', 'UNSUBSCRIBE', 'CANCEL', 'END', 'QUIT'] as const;
export const OPT_IN_KEYWORDS = ['START', 'UNSTOP'] as const;

/** Channels where these keywords are the carrier's / platform's convention. */
export const KEYWORD_CHANNELS = ['sms', 'whatsapp'] as const;

export type OptCommand = 'opt-out' | 'opt-in';

export function optCommand(text: string): OptCommand | undefined {
  if (text.length > 64) return undefined;
  const word = text.normalize('NFKC').trim().replace(/[.!]+$/u, '').trim().toUpperCase();
  if ((OPT_OUT_KEYWORDS as readonly string[]).includes(word)) return 'opt-out';
  if ((OPT_IN_KEYWORDS as readonly string[]).includes(word)) return 'opt-in';
  return undefined;
}
