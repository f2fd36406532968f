import { twilio } from './twilio/index.ts';
import type { ChannelModule } from './types.ts';

/** Every provider, by the last segment of its webhook route (`/webhooks/<provider>`). */
export const CHANNEL_MODULES: Readonly<Record<string, ChannelModule>> = {
  twilio,
};
