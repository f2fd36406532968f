/**
 * Follow-up settings (issue 12), read from the environment (or the deployed secret) with every bad
 * variable named. Pure: the config module passes the variables in.
 *
 * | variable                      | default        | meaning                                                        |
 * |-------------------------------|----------------|----------------------------------------------------------------|
 * | SURVEY_ENABLED                | true           | ask for a rating after a ticket is resolved                    |
 * | SURVEY_KIND                   | csat           | csat (1–5), ces (1–7) or nps (0–10)                            |
 * | SURVEY_DELAY_SECONDS          | 3600           | wait after resolution before asking                            |
 * | SURVEY_REPLY_WINDOW_SECONDS   | 604800 (7 d)   | a score sent within this time after the survey is a rating     |
 * | SURVEY_TEXT                   | per kind       | the question; `{min}` / `{max}` become the scale               |
 * | PENDING_REMINDER_SECONDS      | 172800 (2 d)   | a `pending` ticket gets one reminder after this; 0 = never     |
 * | PENDING_REMINDER_TEXT         | see below      | the reminder                                                   |
 * | PENDING_AUTO_RESOLVE_SECONDS  | 604800 (7 d)   | a `pending` ticket is resolved by automation after this; 0 = never |
 * | AUTO_CLOSE_SECONDS            | 345600 (4 d)   | a `resolved` ticket is closed after this; 0 = never            |
 * | WHATSAPP_TEMPLATES            | {}             | JSON: purpose (ack, survey, reminder) → {name, language}       |
 * | AUTOMATION_QUIET_HOURS        | true           | hold surveys and reminders until the policy calendar opens     |
 */
import * as z from 'zod';
import type { AutomationPurpose, WhatsAppTemplate } from './channel-rules.ts';
import { DEFAULT_SURVEY_TEXT, SURVEY_KINDS, type SurveyKind } from './surveys.ts';

export interface FollowUpSettings {
  readonly survey: {
    readonly enabled: boolean;
    readonly kind: SurveyKind;
    readonly delaySeconds: number;
    readonly replyWindowSeconds: number;
    readonly text: string;
  };
  readonly reminder: { readonly afterSeconds: number; readonly text: string };
  readonly autoResolveSeconds: number;
  readonly autoCloseSeconds: number;
  readonly whatsappTemplates: Readonly<Partial<Record<AutomationPurpose, WhatsAppTemplate>>>;
  readonly quietHours: boolean;
}

export const DEFAULT_REMINDER_TEXT = 'We are still waiting for your reply about your request. Just answer this message if you still need help.';

const MAX_SECONDS = 365 * 86400;
const seconds = (d: number) =>
  z
    .string()
    .regex(/^\d{1,9}$/, 'must be whole seconds')
    .transform(Number)
    .pipe(z.number().int().min(0).max(MAX_SECONDS, `must be at most ${MAX_SECONDS} (a year)`))
    .optional()
    .transform((v) => v ?? d);
const boolish = (d: boolean) =>
  z
    .enum(['true', 'false', '1', '0'], { message: 'must be true or false' })
    .optional()
    .transform((v) => (v === undefined ? d : v === 'true' || v === '1'));
const text = z.string().trim().min(1, 'must not be empty').max(1000, 'must be at most 1000 characters').optional();

const Template = z.object({ name: z.string().regex(/^[a-z0-9_]{1,512}$/, 'template names are lower-case letters, digits and _'), language: z.string().regex(/^[a-z]{2,3}(_[A-Z]{2})?$/, 'a language code such as en or en_US') }).strict();
const Templates = z
  .string()
  .transform((s, ctx) => {
    try {
      return JSON.parse(s) as unknown;
    } catch {
      ctx.addIssue({ code: 'custom', message: 'is not valid JSON' });
      return z.NEVER;
    }
  })
  .pipe(z.object({ ack: Template.optional(), survey: Template.optional(), reminder: Template.optional() }).strict())
  .optional();

export const FollowUpEnvSchema = z.object({
  SURVEY_ENABLED: boolish(true),
  SURVEY_KIND: z.enum(SURVEY_KINDS, { message: `must be one of ${SURVEY_KINDS.join(', ')}` }).optional(),
  SURVEY_DELAY_SECONDS: seconds(3600),
  SURVEY_REPLY_WINDOW_SECONDS: seconds(7 * 86400),
  SURVEY_TEXT: text,
  PENDING_REMINDER_SECONDS: seconds(2 * 86400),
  PENDING_REMINDER_TEXT: text,
  PENDING_AUTO_RESOLVE_SECONDS: seconds(7 * 86400),
  AUTO_CLOSE_SECONDS: seconds(4 * 86400),
  WHATSAPP_TEMPLATES: Templates,
  AUTOMATION_QUIET_HOURS: boolish(true),
});

export type FollowUpEnv = z.input<typeof FollowUpEnvSchema>;

/** Settings from already-validated variables (FollowUpEnvSchema's output). */
export function followUpSettings(v: z.output<typeof FollowUpEnvSchema>): FollowUpSettings {
  const kind = v.SURVEY_KIND ?? 'csat';
  return {
    survey: { enabled: v.SURVEY_ENABLED, kind, delaySeconds: v.SURVEY_DELAY_SECONDS, replyWindowSeconds: v.SURVEY_REPLY_WINDOW_SECONDS, text: v.SURVEY_TEXT ?? DEFAULT_SURVEY_TEXT[kind] },
    reminder: { afterSeconds: v.PENDING_REMINDER_SECONDS, text: v.PENDING_REMINDER_TEXT ?? DEFAULT_REMINDER_TEXT },
    autoResolveSeconds: v.PENDING_AUTO_RESOLVE_SECONDS,
    autoCloseSeconds: v.AUTO_CLOSE_SECONDS,
    whatsappTemplates: v.WHATSAPP_TEMPLATES ?? {},
    quietHours: v.AUTOMATION_QUIET_HOURS,
  };
}

/** Every follow-up setting at its default (tests and tools; a function builds its own from its env, so nothing is parsed at import). */
export const defaultFollowUps = (): FollowUpSettings => followUpSettings(FollowUpEnvSchema.parse({}));
