/** The REST API's JSON shapes for contacts (camelCase); locks and internal state stay inside. */
import type { StoredContact } from '../core/contacts.ts';
import type { AttachmentStore } from '../core/ports.ts';
import type { IdentityLink, Message } from '../core/types.ts';
import { messageView } from './views.ts';

export const identityView = (i: IdentityLink) => ({ kind: i.kind, value: i.value, linkedAt: i.linkedAt, linkedVia: i.linkedVia });

export const contactView = (c: StoredContact, identities: readonly IdentityLink[]) => ({
  id: c.id,
  name: c.name ?? null,
  attributes: c.attributes ?? {},
  createdAt: c.createdAt,
  updatedAt: c.updatedAt ?? null,
  identities: identities.map(identityView),
  erasedAt: c.erasedAt ?? null,
  version: c.version,
});

/** A message with short-lived download links for its stored bytes (the bucket stays private). */
export async function linkedMessageView(attachments: Pick<AttachmentStore, 'downloadUrl'>, m: Message) {
  const v = messageView(m);
  const files = await Promise.all(
    m.attachments.map(async (a, i) => (a.key ? { ...v.attachments[i], downloadUrl: await attachments.downloadUrl(a.key, a.name) } : v.attachments[i])),
  );
  const fullTextUrl = m.fullTextKey ? await attachments.downloadUrl(m.fullTextKey, 'body.txt') : null;
  const htmlUrl = m.email?.htmlKey ? await attachments.downloadUrl(m.email.htmlKey, 'body.html') : null;
  return { ...v, attachments: files, fullTextUrl, ...(v.email ? { email: { ...v.email, htmlUrl } } : {}) };
}
