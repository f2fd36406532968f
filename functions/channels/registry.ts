import { api } from './api/index.ts';
import { mailgun } from './mailgun/index.ts';
import { messagebird } from './messagebird/index.ts';
import { postmark } from './postmark/index.ts';
import { sendgrid } from './sendgrid/index.ts';
import { ses } from './ses/index.ts';
import { meta } from './meta/index.ts';
import { telegram } from './telegram/index.ts';
import { twilio } from './twilio/index.ts';
import { twilioVoice } from './twilio/voice.ts';
import type { ChannelModule } from './types.ts';
import { vonage } from './vonage/index.ts';
import { vonageVoice } from './vonage/voice.ts';
import { x } from './x/index.ts';

/** Every provider, by the segment after `/webhooks/` of its route (`/webhooks/<provider>`; the API channel: `/webhooks/api/{source}`). */
export const CHANNEL_MODULES: Readonly<Record<string, ChannelModule>> = {
  twilio,
  meta,
  telegram,
  x,
  vonage,
  messagebird,
  sendgrid,
  mailgun,
  postmark,
  ses,
  api,
};

/**
 * Routes below a provider (`/webhooks/<provider>/<sub-path>`), by their path after `/webhooks/`:
 * voice calls (issue 16), whose callbacks are `call` events, not messages.
 */
export const SUB_ROUTE_MODULES: Readonly<Record<string, ChannelModule>> = {
  'twilio/voice': twilioVoice,
  'twilio/voice/status': twilioVoice,
  'twilio/voice/recording': twilioVoice,
  'twilio/voice/transcription': twilioVoice,
  'vonage/voice/answer': vonageVoice,
  'vonage/voice/event': vonageVoice,
  'vonage/voice/recording': vonageVoice,
};
