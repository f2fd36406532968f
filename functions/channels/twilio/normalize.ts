/** Twilio inbound SMS/MMS/WhatsApp -> channel-neutral InboundMessage. Pure. */
import { ClientError } from '../../core/errors.ts';
import { phoneIdentity } from '../../core/phone.ts';
import type { Attachment, InboundMessage } from '../../core/types.ts';
import { TwilioInboundSchema } from './schema.ts';

const WHATSAPP = 'whatsapp:';

const stripPrefix = (a: string): string => (a.toLowerCase().startsWith(WHATSAPP) ? a.slice(WHATSAPP.length) : a);

/** Parse the decoded form fields (repeated keys keep their first value) and normalize. */
export function normalizeTwilio(fields: ReadonlyArray<readonly [string, string]>, receivedAt: string): InboundMessage {
  const record: Record<string, string> = {};
  for (const [k, v] of fields) if (!(k in record)) record[k] = v;
  const parsed = TwilioInboundSchema.safeParse(record);
  if (!parsed.success) {
    throw new ClientError(400, 'invalid_payload', 'The Twilio webhook body is not a valid inbound message.', parsed.error.issues.map((i) => ({
      path: i.path.join('.'),
      message: i.message,
    })));
  }
  const p = parsed.data;
  const whatsapp = p.From.toLowerCase().startsWith(WHATSAPP);
  const from = stripPrefix(p.From);
  const to = stripPrefix(p.To);

  const attachments: Attachment[] = [];
  for (let i = 0; i < p.NumMedia; i++) {
    const url = record[`MediaUrl${i}`];
    if (!url) continue;
    const contentType = record[`MediaContentType${i}`];
    const sid = /\/Media\/([A-Za-z0-9]+)$/.exec(url)?.[1];
    attachments.push({ url, ...(contentType ? { contentType } : {}), ...(sid ? { providerMediaId: sid } : {}) });
  }

  let text = p.Body;
  if (!text && p.ButtonText) text = p.ButtonText;
  if (!text && p.Latitude && p.Longitude) text = `Location: ${p.Latitude},${p.Longitude}`;

  return {
    provider: 'twilio',
    channel: whatsapp ? 'whatsapp' : 'sms',
    providerMessageId: p.MessageSid,
    threadKey: `${to}|${from}`,
    from: p.From,
    to: p.To,
    identity: phoneIdentity(from),
    ...(p.ProfileName ? { displayName: p.ProfileName } : {}),
    text,
    attachments,
    receivedAt,
    ...(p.AccountSid ? { providerAccount: p.AccountSid } : {}),
  };
}
