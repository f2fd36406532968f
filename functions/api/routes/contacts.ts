/** Contact routes. */
import { ClientError } from '../../core/errors.ts';
import { json } from '../../http.ts';
import { idParam } from '../request.ts';
import { defineRoute, type ApiRoute } from '../route.ts';
import { contactView, ticketView } from '../views.ts';

export const contactRoutes: readonly ApiRoute<any, any>[] = [
  defineRoute({
    method: 'GET',
    path: '/v1/contacts/{id}',
    scope: 'tickets:read',
    summary: 'A contact, its identities and its latest tickets',
    async handle({ deps, params }) {
      const id = idParam(params, 'contact');
      const found = await deps.store.getContact(id);
      if (!found) throw new ClientError(404, 'not_found', `No contact with id "${id}".`);
      const tickets = await deps.store.listTicketsByContact(id, 100);
      return json(200, { contact: contactView(found.contact, found.identities), tickets: tickets.map(ticketView) });
    },
  }),
];
