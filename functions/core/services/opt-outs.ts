/**
 * A contact's opt-outs (issue 12), for `GET /v1/contacts/{id}`: for every channel and address its
 * tickets were with (and its email identities), whether automated messages there are switched off
 * (STOP, or the one-click unsubscribe of a survey or reminder email) and since when.
 */
import type { CoreDeps } from '../ports.ts';
import type { Channel, IdentityLink, Ticket } from '../types.ts';

export interface OptOutState {
  readonly channel: Channel;
  readonly address: string;
  readonly optedOut: boolean;
  /** When it last changed; null when the address never opted out. */
  readonly at: string | null;
}

/** The addresses automation writes to: each ticket's customer address on its channel, and email identities. */
export function contactAddresses(tickets: readonly Pick<Ticket, 'channel' | 'customerAddress'>[], identities: readonly IdentityLink[]): Array<{ channel: Channel; address: string }> {
  const seen = new Map<string, { channel: Channel; address: string }>();
  const add = (channel: Channel, address: string) => {
    const key = `${channel}#${address.toLowerCase()}`;
    if (!seen.has(key)) seen.set(key, { channel, address });
  };
  for (const t of tickets) add(t.channel, t.customerAddress);
  for (const i of identities) if (i.kind === 'email') add('email', i.value);
  return [...seen.values()];
}

export async function optOutsOf(deps: CoreDeps, tickets: readonly Pick<Ticket, 'channel' | 'customerAddress'>[], identities: readonly IdentityLink[]): Promise<OptOutState[]> {
  const addresses = contactAddresses(tickets, identities);
  const records = await deps.store.getOptOuts(addresses);
  const byKey = new Map(records.map((r) => [`${r.channel}#${r.address.toLowerCase()}`, r]));
  return addresses.map((a) => {
    const r = byKey.get(`${a.channel}#${a.address.toLowerCase()}`);
    return { channel: a.channel, address: a.address, optedOut: r?.optedOut ?? false, at: r?.at ?? null };
  });
}
