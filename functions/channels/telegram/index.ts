import type { HttpRequest } from '../../http.ts';
/** POST /webhooks/telegram: X-Telegram-Bot-Api-Secret-Token compared in constant time. */
import { safeEqual } from '../shared/crypto.ts';
import { forbidden, okJson, parseJsonBody, requireMediaType } from '../shared/http.ts';
import { ProviderNotConfigured, type ChannelModule, type ReceiveResult, type SyncContext } from '../types.ts';
import { normalizeTelegram } from './normalize.ts';

export const telegram = {
  provider: 'telegram',
  receive(req: HttpRequest, ctx: SyncContext): ReceiveResult {
    const secret = ctx.config.secrets.TELEGRAM_SECRET_TOKEN;
    if (!secret) throw new ProviderNotConfigured('telegram', 'TELEGRAM_SECRET_TOKEN is not set');
    const presented = req.headers['x-telegram-bot-api-secret-token'];
    if (!presented) throw forbidden('missing_signature', 'The X-Telegram-Bot-Api-Secret-Token header is missing.');
    if (!safeEqual(presented, secret)) throw forbidden('bad_signature', 'X-Telegram-Bot-Api-Secret-Token does not match TELEGRAM_SECRET_TOKEN.');
    requireMediaType(req, ['application/json'], 'Telegram');
    return { kind: 'events', events: normalizeTelegram(parseJsonBody(req), ctx.now.toISOString()), ok: okJson() };
  },
} satisfies ChannelModule;
