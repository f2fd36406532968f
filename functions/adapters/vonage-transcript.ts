/**
 * Vonage's transcription file (fetched by the worker, adapters/vonage-recordings.ts): the spoken
 * text of `channels[].transcript[].sentence`, bounded. Pure parsing; lives apart from the channel
 * module so the worker bundle carries no webhook parsing.
 */
import * as z from 'zod';
import { clip } from '../core/text.ts';

const TranscriptFileSchema = z
  .object({
    channels: z
      .array(z.object({ transcript: z.array(z.object({ sentence: z.string().max(100_000).optional() }).loose()).max(10_000).optional() }).loose())
      .max(32),
  })
  .loose();

/** The spoken text of a Vonage transcription file (`channels[].transcript[].sentence`), bounded. */
export function transcriptText(json: unknown, maxChars = 20_000): string {
  const p = TranscriptFileSchema.safeParse(json);
  if (!p.success) return '';
  const sentences = p.data.channels.flatMap((c) => (c.transcript ?? []).map((t) => (t.sentence ?? '').trim())).filter(Boolean);
  return clip(sentences.join(' '), maxChars);
}
