import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { parseScore, SCALES, summarize, surveyText, SURVEY_KINDS } from '../../functions/core/follow-ups/surveys.ts';

describe('parseScore', () => {
  it.each([
    ['5', 'csat', { score: 5 }],
    [' 4. ', 'csat', { score: 4 }],
    ['1', 'csat', { score: 1 }],
    ['7', 'ces', { score: 7 }],
    ['0', 'nps', { score: 0 }],
    ['10', 'nps', { score: 10 }],
    ['10/10', 'nps', { score: 10 }],
    ['4 / 5', 'csat', { score: 4 }],
    ['4 out of 5', 'csat', { score: 4 }],
    ['5 thanks!', 'csat', { score: 5, comment: 'thanks!' }],
    ['5 - quick and kind', 'csat', { score: 5, comment: 'quick and kind' }],
    ['5! great', 'csat', { score: 5, comment: 'great' }],
    ['5️⃣', 'csat', { score: 5 }],
    ['5⃣', 'csat', { score: 5 }],
    ['🔟', 'nps', { score: 10 }],
    ['９', 'nps', { score: 9 }],
    ['٥', 'csat', { score: 5 }],
    ['𝟒', 'csat', { score: 4 }],
    ['3 ⭐', 'csat', { score: 3, comment: '⭐' }],
  ] as const)('%j (%s) is %j', (text, kind, expected) => {
    expect(parseScore(text, kind)).toEqual(expected);
  });

  it.each([
    ['6', 'csat'],
    ['0', 'csat'],
    ['8', 'ces'],
    ['11', 'nps'],
    ['-1', 'nps'],
    ['4.5', 'csat'],
    ['4,5', 'csat'],
    ['4 or 5', 'csat'],
    ['4-5', 'csat'],
    ['9/10', 'csat'],
    ['5/10', 'csat'],
    ['I waited 3 days', 'csat'],
    ['3 of my orders are still missing, please help', 'csat'],
    ['2 more days and nothing', 'csat'],
    ['5 items are missing', 'csat'],
    ['4 why is it so slow?', 'csat'],
    ['5 thanks, but when does it ship?', 'csat'],
    ['3days', 'csat'],
    ['', 'csat'],
    ['   ', 'csat'],
    ['five', 'csat'],
    ['STOP', 'csat'],
    ['123', 'nps'],
  ] as const)('%j (%s) is not a score', (text, kind) => {
    expect(parseScore(text, kind)).toBeUndefined();
  });

  it('a long message is a message, not a rating', () => {
    expect(parseScore(`5 ${'x'.repeat(400)}`, 'csat')).toBeUndefined();
  });

  it('every in-range integer of every kind parses, every out-of-range one does not', () => {
    fc.assert(
      fc.property(fc.constantFrom(...SURVEY_KINDS), fc.integer({ min: -5, max: 20 }), (kind, n) => {
        const r = parseScore(String(n), kind);
        const inRange = n >= SCALES[kind].min && n <= SCALES[kind].max;
        expect(r).toEqual(inRange ? { score: n } : undefined);
      }),
    );
  });

  it('never throws, and any score it returns is in range', () => {
    fc.assert(
      fc.property(fc.constantFrom(...SURVEY_KINDS), fc.string({ unit: 'grapheme', maxLength: 40 }), (kind, text) => {
        const r = parseScore(text, kind);
        if (r) {
          expect(Number.isInteger(r.score)).toBe(true);
          expect(r.score).toBeGreaterThanOrEqual(SCALES[kind].min);
          expect(r.score).toBeLessThanOrEqual(SCALES[kind].max);
        }
      }),
      { seed: 12, numRuns: 2000 },
    );
  });
});

describe('summarize', () => {
  it('CSAT is the share of 4 and 5', () => {
    const s = summarize('csat', [5, 4, 3, 1]);
    expect(s).toMatchObject({ count: 4, mean: 3.25, headline: 50, headlineName: 'csatPercent' });
    expect(s.distribution).toEqual({ '1': 1, '2': 0, '3': 1, '4': 1, '5': 1 });
  });

  it('NPS is promoters minus detractors', () => {
    // 3 promoters (9, 10, 10), 2 passives (7, 8), 5 detractors (0..6) → 30 % − 50 % = −20.
    expect(summarize('nps', [9, 10, 10, 7, 8, 0, 3, 5, 6, 6]).headline).toBe(-20);
  });

  it('CES is the mean', () => {
    expect(summarize('ces', [7, 6, 2]).headline).toBe(5);
  });

  it('no answers: counts zero, figures null', () => {
    expect(summarize('nps', [])).toMatchObject({ count: 0, mean: null, headline: null });
  });
});

describe('surveyText', () => {
  it('puts the scale into the question', () => {
    expect(surveyText('nps')).toContain('from 0');
    expect(surveyText('nps')).toContain('to 10');
    expect(surveyText('ces', 'Rate {min}-{max}')).toBe('Rate 1-7');
  });
});
