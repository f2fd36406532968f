/**
 * After a simulated call: watch the API (with backoff) until the call's ticket exists, its recording
 * is stored or refused, and its transcript text is on the message (Vonage's is fetched by the worker
 * from the simulator's stub, which must stay up until then), and say what happened.
 */

/** The call's message as the API shows it (GET /v1/tickets/{id}, the message whose voice.callId matches). */
export interface CallView {
  readonly text: string;
  readonly attachments: number;
  readonly recordings: ReadonlyArray<{ readonly stored: boolean; readonly refused: string | null }>;
  /** Only if the API lists transcripts: an entry's `refused` says why its file will never be read. */
  readonly transcripts?: ReadonlyArray<{ readonly text?: string; readonly refused?: string | null }>;
}

export interface TicketRef {
  readonly id: string;
  /** "new ticket <id> (…)" or "appended to ticket <id> (…)", as the other scenarios print it. */
  readonly line: string;
}

/** How the simulator reads the running stack (the CLI implements it over the HTTP API). */
export interface VoiceApi {
  ticket(from: string): Promise<TicketRef | undefined>;
  call(ticketId: string, callId: string): Promise<CallView | undefined>;
}

export type Landing = 'stored' | 'refused' | 'pending';

export interface Watched {
  readonly ticket?: TicketRef | undefined;
  readonly call?: CallView | undefined;
  readonly audio: Landing;
  /** Why the server will never fetch the audio (`foreign_host`, `not_configured`, …). */
  readonly audioRefused?: string | undefined;
  readonly transcript: Landing;
  readonly polls: number;
}

export interface WatchOptions {
  readonly from: string;
  readonly callId: string;
  /** The words the transcript says; undefined: do not wait for one (a missed call). */
  readonly transcript?: string | undefined;
  /** Only the ticket is awaited (a missed call: no recording). */
  readonly ticketOnly?: boolean | undefined;
  /** Give up after this long (default 20 s). */
  readonly timeoutMs?: number | undefined;
  readonly sleep?: ((ms: number) => Promise<void>) | undefined;
  readonly now?: (() => number) | undefined;
}

export const FIRST_POLL_MS = 250;
export const MAX_POLL_MS = 2000;

const flat = (s: string) => s.replace(/\s+/g, ' ').trim();

/** What the message shows of the call now. */
export function landing(call: CallView | undefined, transcript: string | undefined): Omit<Watched, 'ticket' | 'call' | 'polls'> {
  const recs = call?.recordings ?? [];
  const refused = recs.find((r) => r.refused)?.refused ?? undefined;
  const audio: Landing = refused ? 'refused' : recs.length && recs.every((r) => r.stored) && (call?.attachments ?? 0) > 0 ? 'stored' : 'pending';
  let said: Landing = 'pending';
  if (call && transcript !== undefined && flat(call.text).includes(flat(transcript))) said = 'stored';
  else if (call?.transcripts?.some((t) => t.refused)) said = 'refused';
  return { audio, audioRefused: refused, transcript: said };
}

/** Poll with backoff (250 ms doubling to 2 s) until everything landed, the server refused the audio, or the timeout. */
export async function watchCall(api: VoiceApi, o: WatchOptions): Promise<Watched> {
  const sleep = o.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const now = o.now ?? Date.now;
  const end = now() + (o.timeoutMs ?? 20_000);
  let delay = FIRST_POLL_MS;
  let ticket: TicketRef | undefined;
  let call: CallView | undefined;
  let polls = 0;
  for (;;) {
    polls++;
    ticket ??= await api.ticket(o.from).catch(() => undefined);
    if (ticket) call = await api.call(ticket.id, o.callId).catch(() => call);
    const l = landing(call, o.transcript);
    const done =
      (ticket && o.ticketOnly) ||
      // A refused recording: the transcript is fetched from the same host, so it will not land either.
      l.audio === 'refused' ||
      (l.audio === 'stored' && (o.transcript === undefined || l.transcript !== 'pending'));
    if (done || now() + delay > end) return { ticket, call, ...l, polls };
    await sleep(delay);
    delay = Math.min(delay * 2, MAX_POLL_MS);
  }
}

/** `PORT=<p> ` when the server runs on another port than 3000 (the ready line's hint style), for a local URL. */
export function portPrefix(baseUrl: string): string {
  try {
    const u = new URL(baseUrl);
    const port = u.port || (u.protocol === 'https:' ? '443' : '80');
    return port === '3000' ? '' : `PORT=${port} `;
  } catch {
    return '';
  }
}

/** The command that restarts the stack so it downloads from the stub (every provider at once, as --help says). */
export const stubEnvLine = (stubUrl: string): string =>
  `TWILIO_API_BASE_URL=${stubUrl} TWILIO_ACCOUNT_SID=AC${'0'.repeat(32)} VONAGE_API_BASE_URL=${stubUrl}`;

/** The summary lines after a voicemail call. */
export function report(w: Watched, o: { baseUrl: string; stubUrl: string; transcriptWanted: boolean; auth: string }): string[] {
  const lines = [w.ticket ? w.ticket.line : 'ticket: not seen yet (the worker may still be busy; check GET /v1/tickets shortly)'];
  if (w.audio === 'stored') lines.push(`audio: stored; the server downloaded the recording from the stub (${o.auth || 'no request logged'})`);
  else {
    const why = w.audio === 'refused' ? `the server refused it (${w.audioRefused})` : 'not stored yet';
    lines.push(`audio: ${why}: it downloads only from its own TWILIO_API_BASE_URL / VONAGE_API_BASE_URL, which must be this stub (${o.stubUrl}).`);
    lines.push(`  restart the stack with: ${portPrefix(o.baseUrl)}${stubEnvLine(o.stubUrl)} npm start   (then run this again)`);
  }
  if (o.transcriptWanted) {
    lines.push(
      w.transcript === 'stored'
        ? 'transcript: on the message (its text replaced the placeholder)'
        : w.transcript === 'refused' || w.audio === 'refused'
          ? 'transcript: not fetched (the server refuses the stub, as for the audio)'
          : 'transcript: not on the message yet (gave up waiting; the server log says why)',
    );
  }
  return lines;
}
