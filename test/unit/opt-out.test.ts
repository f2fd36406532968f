import { describe, expect, it } from 'vitest';
import { optCommand, OPT_IN_KEYWORDS, OPT_OUT_KEYWORDS } from '../../functions/core/follow-ups/opt-out.ts';

describe('optCommand', () => {
  it.each(OPT_OUT_KEYWORDS)('%s opts out, in any case', (k) => {
    expect(optCommand(k)).toBe('opt-out');
    expect(optCommand(k.toLowerCase())).toBe('opt-out');
    expect(optCommand(` ${k[0]}${k.slice(1).toLowerCase()}. `)).toBe('opt-out');
  });

  it.each(OPT_IN_KEYWORDS)('%s opts back in', (k) => {
    expect(optCommand(k)).toBe('opt-in');
    expect(optCommand(`${k.toLowerCase()}!`)).toBe('opt-in');
  });

  it.each(['stop it', 'Please STOP', 'stop sending me offers', 'STOP STOP', 'the END', 'unsubscribe me', 'started', 'st op', ''])(
    '%j is an ordinary message',
    (text) => {
      expect(optCommand(text)).toBeUndefined();
    },
  );

  it('fullwidth letters count as the keyword', () => {
    expect(optCommand('ＳＴＯＰ')).toBe('opt-out');
  });
});
