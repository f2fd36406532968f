/**
 * Sends email replies and acknowledgements through SES v2 SendEmail (raw MIME), with our own
 * Message-ID and In-Reply-To/References, so the customer's reply threads back to the ticket.
 */
import type { SESv2Client } from '@aws-sdk/client-sesv2';
import { outboundMessageId, replySubject } from '../core/email.ts';
import { PermanentSendError, type SendResult, type Sender } from '../core/ports.ts';
import type { Message, Ticket } from '../core/types.ts';
import { clientOf, type ClientSource } from './lazy-client.ts';

let mailComposer: Promise<typeof import('nodemailer/lib/mail-composer').default> | undefined;
const loadMailComposer = () => (mailComposer ??= import('nodemailer/lib/mail-composer').then((m) => m.default));

/** Build the RFC 5322 message for an outbound email on a ticket. */
export async function composeReply(ticket: Ticket, message: Message, history: readonly Message[], fromOverride?: string): Promise<Buffer> {
  const ids = history.flatMap((m) => (m.email?.messageId && m.id !== message.id ? [m.email.messageId] : []));
  const lastInbound = [...history].reverse().find((m) => m.direction === 'inbound' && m.email?.messageId);
  const cc = message.automated ? [] : (message.email?.cc ?? ticket.participants ?? []);
  // Loaded on the first email sent: the worker's other jobs never evaluate nodemailer.
  const MailComposer = await loadMailComposer();
  const composer = new MailComposer({
    from: fromOverride ?? ticket.inboxAddress,
    to: ticket.customerAddress,
    // Cc as recorded on the message when it was written (none on automated messages, ever).
    ...(cc.length ? { cc: [...cc] } : {}),
    subject: message.email?.subject ?? replySubject(ticket.subject, ticket.id),
    text: message.text,
    // Our own HTML alternative (survey links); an inbound message's `html` is never sent back out.
    ...(message.direction === 'outbound' && message.automated && message.email?.html ? { html: message.email.html } : {}),
    // Always set when the message was created; the fallback only covers messages stored before that.
    messageId: `<${message.email?.messageId ?? outboundMessageId(ticket, `${message.id}.${ticket.id}`)}>`,
    ...(lastInbound?.email?.messageId ? { inReplyTo: `<${lastInbound.email.messageId}>` } : {}),
    ...(ids.length ? { references: ids.slice(-20).map((i) => `<${i}>`) } : {}),
    headers: {
      'Auto-Submitted': message.automated ? 'auto-replied' : 'no',
      'X-Ticket-Id': ticket.id,
      // RFC 8058 one-click unsubscribe (automated surveys and reminders).
      ...(message.automated && message.email?.listUnsubscribe
        ? { 'List-Unsubscribe': `<${message.email.listUnsubscribe}>`, 'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click' }
        : {}),
    },
  });
  return composer.compile().build();
}

export class SesEmailSender implements Sender {
  readonly #ses: ClientSource<SESv2Client> | undefined;
  readonly #from: string | undefined;
  constructor(ses: ClientSource<SESv2Client> | undefined, fromOverride?: string) {
    this.#ses = ses;
    this.#from = fromOverride;
  }

  async send(ticket: Ticket, message: Message, history: readonly Message[] = []): Promise<SendResult> {
    if (!this.#ses) return { status: 'not_sent', reason: 'EMAIL_SENDER is "none": outbound email is switched off' };
    const raw = await composeReply(ticket, message, history, this.#from);
    try {
      const [ses, { SendEmailCommand }] = await Promise.all([clientOf(this.#ses), import('@aws-sdk/client-sesv2')]);
      const r = await ses.send(new SendEmailCommand({ Content: { Raw: { Data: raw } } }));
      if (!r.MessageId) throw new Error('SES answered without a MessageId');
      return { status: 'sent', providerMessageId: r.MessageId };
    } catch (e) {
      const status = (e as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
      const name = (e as { name?: string }).name ?? '';
      if (status && status >= 400 && status < 500 && status !== 429 && name !== 'TooManyRequestsException') {
        throw new PermanentSendError(`SES refused the message: ${name} ${(e as Error).message}`.trim());
      }
      throw e;
    }
  }
}
