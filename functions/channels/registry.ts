/**
 * Every provider's module, by route, each loaded on the first request for it. With code splitting
 * (lib/bundling.ts) each provider is then a chunk of its own: a cold webhook container parses the
 * one provider it was called for (and what that one needs: MIME for email, phone numbers for SMS),
 * not all ten.
 */
import type { ChannelModule } from './types.ts';

/** A provider's module, loaded on first use (the module loader caches it afterwards). */
export type ChannelLoader = () => Promise<ChannelModule>;

/** Every provider, by the segment after `/webhooks/` of its route (`/webhooks/<provider>`; the API channel: `/webhooks/api/{source}`). */
export const CHANNEL_MODULES: Readonly<Record<string, ChannelLoader>> = {
  twilio: async () => (await import('./twilio/index.ts')).twilio,
  meta: async () => (await import('./meta/index.ts')).meta,
  telegram: async () => (await import('./telegram/index.ts')).telegram,
  x: async () => (await import('./x/index.ts')).x,
  vonage: async () => (await import('./vonage/index.ts')).vonage,
  messagebird: async () => (await import('./messagebird/index.ts')).messagebird,
  sendgrid: async () => (await import('./sendgrid/index.ts')).sendgrid,
  mailgun: async () => (await import('./mailgun/index.ts')).mailgun,
  postmark: async () => (await import('./postmark/index.ts')).postmark,
  ses: async () => (await import('./ses/index.ts')).ses,
  api: async () => (await import('./api/index.ts')).api,
};

const twilioVoice: ChannelLoader = async () => (await import('./twilio/voice.ts')).twilioVoice;
const vonageVoice: ChannelLoader = async () => (await import('./vonage/voice.ts')).vonageVoice;

/**
 * Routes below a provider (`/webhooks/<provider>/<sub-path>`), by their path after `/webhooks/`:
 * voice calls (issue 16), whose callbacks are `call` events, not messages.
 */
export const SUB_ROUTE_MODULES: Readonly<Record<string, ChannelLoader>> = {
  'twilio/voice': twilioVoice,
  'twilio/voice/status': twilioVoice,
  'twilio/voice/recording': twilioVoice,
  'twilio/voice/transcription': twilioVoice,
  'vonage/voice/answer': vonageVoice,
  'vonage/voice/event': vonageVoice,
  'vonage/voice/recording': vonageVoice,
};

/** A registry entry (or a module given directly, as tests do) as the module itself. */
export const channelModule = async (entry: ChannelModule | ChannelLoader): Promise<ChannelModule> => (typeof entry === 'function' ? entry() : entry);
