/** An API-channel message -> a channel event. Threads by the source's conversation id; dedupes by `webhook-id`. Pure. */
import { apiProvider } from '../../core/api-channel.ts';
import { normalizeEmail } from '../../core/email.ts';
import { ClientError } from '../../core/errors.ts';
import { toE164 } from '../../core/phone.ts';
import type { ChannelEvent, Identity } from '../../core/types.ts';
import { zodDetails } from '../shared/http.ts';
import { ApiMessageSchema, type ApiMessage } from '../../core/api-channel-schema.ts';

/** Email first, then phone (both shared with the other channels), else the source's opaque id. */
export function apiIdentity(source: string, from: ApiMessage['from']): Identity {
  if (from.email) return { kind: 'email', value: normalizeEmail(from.email) };
  const phone = from.phone && toE164(from.phone);
  if (phone) return { kind: 'phone', value: phone };
  return { kind: 'external', value: `${source}:${from.id!}` };
}

export function normalizeApi(source: string, webhookId: string, body: unknown, receivedAt: string, sentAt?: string): ChannelEvent[] {
  const parsed = ApiMessageSchema.safeParse(body);
  if (!parsed.success) throw new ClientError(400, 'invalid_payload', 'The body is not a valid API-channel message.', zodDetails(parsed.error.issues));
  const m = parsed.data;
  return [
    {
      kind: 'message',
      message: {
        provider: apiProvider(source),
        channel: 'api',
        providerMessageId: webhookId,
        threadKey: m.conversationId,
        // Where replies go: the conversation (the reply event carries it as the ticket's customerAddress).
        from: m.conversationId,
        to: source,
        identity: apiIdentity(source, m.from),
        ...(m.from.name ? { displayName: m.from.name } : {}),
        text: m.text,
        attachments: (m.attachments ?? []).map((a) => ({ url: a.url, ...(a.name ? { name: a.name } : {}), ...(a.contentType ? { contentType: a.contentType } : {}) })),
        receivedAt,
        ...(sentAt ? { sentAt } : {}),
      },
    },
  ];
}
