/** Throughput of the hot pure paths (Twilio signature check and normalization), as the old bench had it. */
import { expectedTwilioSignature, verifyTwilioRequest } from '../functions/channels/twilio/verify.ts';
import { normalizeTwilio } from '../functions/channels/twilio/normalize.ts';
import { twilioForm } from '../bin/simulate.ts';
import { median } from './stats.ts';

function opsPerSecond(fn: () => void, rounds = 7, perRound = 20_000): number {
  for (let i = 0; i < 2_000; i++) fn(); // warm up
  const rates: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const t0 = performance.now();
    for (let i = 0; i < perRound; i++) fn();
    rates.push(perRound / ((performance.now() - t0) / 1000));
  }
  return Math.round(median(rates));
}

export function benchPure() {
  const form = twilioForm({ from: '+15551230000', to: '+15550001111', body: 'My parcel has not arrived yet, can you help?' });
  const fields = [...form];
  const url = 'https://support.example.com/webhooks/twilio';
  const signature = expectedTwilioSignature('bench-token', url, fields);
  return {
    twilioVerifyOpsPerSec: opsPerSecond(() => {
      verifyTwilioRequest({ authToken: 'bench-token', signature, url, params: fields, rawBody: form.toString() });
    }),
    twilioNormalizeOpsPerSec: opsPerSecond(() => {
      normalizeTwilio(fields, '2026-01-01T00:00:00.000Z');
    }),
  };
}
