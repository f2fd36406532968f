/** Where a call recording's audio lives in the attachments bucket: a function of ids only, so an erase finds it even before the message names it. */
import { ATTACHMENTS } from '../../spec.ts';

const safeName = (id: string): string => id.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 100);

export const recordingKey = (ticketId: string, recordingId: string): string => `${ATTACHMENTS.prefix}voice/${safeName(ticketId)}/${safeName(recordingId)}`;
