/**
 * core/signals abuse: obfuscations beyond obscenity's transformers, insults aimed at whoever answers
 * (the reader, the bot, the agents, the company), and look-alike false positives.
 * (The first abuse cases are in signals.test.ts.)
 */
import { describe, expect, it } from 'vitest';
import { detectSignals } from '../../functions/core/signals/index.ts';
import { joinSpacedLetters } from '../../functions/core/signals/abuse.ts';

const abusive = (text: string): boolean => detectSignals({ text }).abusive;

describe('abusive', () => {
  it.each([
    'you suck',
    'phuck you',
    'sh*t service',
    'you absolute muppet', // obscenity collapses "pp" before matching: the pattern is "mupet"
    'f/u/c/k you',
    'f,u,c,k you',
    'f  u  c  k you',
    'f | u | c | k',
    'f\u0301u\u0301c\u0301k you', // combining acute on every letter
    'f\u0336u\u0336c\u0336k\u0336 you', // combining strike-through
    'f\uFE0Fuck you', // variation selector
    'ꜰᴜᴄᴋ you', // small capitals
  ])('obfuscated or missing before: %j', (text) => {
    expect(abusive(text)).toBe(true);
  });

  it.each(['stupid bot', 'this bot is stupid', 'dumbass bot', 'useless company', 'your agents are idiots', 'this bot sucks', 'Your bot is a clown'])(
    'aimed at who answers (bot, agents, team, company): %j',
    (text) => {
      expect(abusive(text)).toBe(true);
    },
  );

  it.each([
    'you are an i.d.i.o.t', 'f u c k you', 'f.u.c.k you', 'f_u_c_k off', 'you 1d10t', 'this is $h1t', 'you @$$h0le', 'you b!tch', 'fuuuuuck you',
    'уоu іdіоt', 'fυck you', '𝐟𝐮𝐜𝐤 𝐲𝐨𝐮', 'ｆｕｃｋ ｙｏｕ', 'ⓕⓤⓒⓚ ⓨⓞⓤ', 'f\u200bu\u200bc\u200bk you', 'f\u00ADu\u00ADc\u00ADk you',
    'you are a moron', 'STFU', "you're an idiot", 'n1gg3r', 'f a g g o t',
  ])('still abusive: %j', (text) => {
    expect(abusive(text)).toBe(true);
  });
});

describe('not abusive', () => {
  it.each([
    'I ordered shiitake mushrooms', 'shiitake mushrooms', 'Mr Shitara called about his order', 'I ordered shitake mushrooms',
    // a product or a feature is not who answers: a complaint, not an insult
    'the app is useless', 'the app sucks', 'The useless button on the bot', 'the vacuum sucks up water', 'sucks to be me',
    'I feel stupid, the bot told me to restart', 'Is the bot down?', 'The team was so helpful',
    // separators join only single letters, and at most three separators between them
    'a/b/c testing', 'Options a, b, c, d', 'I/O error on drive C', 'w/o receipt',
    'I live in Scunthorpe', 'I live in Essex', 'Sussex office', 'Please send the assessment', 'The cockpit display failed', 'I need to pass this class',
    'Thanks for the analysis', 'Dick Smith called about his order', 'Hitchcock', 'Cockermouth', 'The button is useless', 'You are amazing', 'Are you a bot?',
    'Café crème brûlée', // accents are dropped for matching only
  ])('%j', (text) => {
    expect(abusive(text)).toBe(false);
  });
});

describe('joinSpacedLetters', () => {
  it('joins single letters across one to three separators of many kinds', () => {
    expect(joinSpacedLetters('f/u/c/k')).toBe('fuck');
    expect(joinSpacedLetters('f  u  c  k')).toBe('fuck');
    expect(joinSpacedLetters('f | u | c | k')).toBe('fuck');
    expect(joinSpacedLetters('x,y,z')).toBe('xyz');
    expect(joinSpacedLetters('a    b    c')).toBe('a    b    c'); // four spaces: not one word
  });

  it('stays one pass on 100,000 letters with triple separators', () => {
    expect(joinSpacedLetters(`${'a | '.repeat(24_999)}a`)).toBe('a'.repeat(25_000));
  });
});
