/** core/signals: language, sentiment and abuse of an inbound message, pure and bounded. */
import { iso6393To1 } from 'iso-639-3';
import { describe, expect, it } from 'vitest';
import { detectSignals, INSPECT_CHARS } from '../../functions/core/signals/index.ts';
import { isAbusive, joinSpacedLetters } from '../../functions/core/signals/abuse.ts';
import { detectLanguage, LANGUAGE_INSPECT_CHARS } from '../../functions/core/signals/language.ts';
import { ISO_639_1, LANGUAGES, MACROLANGUAGE } from '../../functions/core/signals/languages.ts';
import { sentimentScore } from '../../functions/core/signals/sentiment.ts';
import { MODELS, SCRIPTS } from '../../functions/core/signals/trigrams.generated.ts';
import { HELD_OUT, SENTENCES, SHORT, UNSURE } from '../fixtures/signals/sentences.ts';

describe('language', () => {
  const byLanguage = Map.groupBy(SENTENCES, (s) => s.lang);

  it.each([...byLanguage.keys()])('%s: at least 3 labelled support messages detected right', (lang) => {
    const right = byLanguage.get(lang)!.filter((s) => detectLanguage(s.text) === lang);
    expect(right.length, byLanguage.get(lang)!.map((s) => `${detectLanguage(s.text)}: ${s.text}`).join('\n')).toBeGreaterThanOrEqual(3);
  });

  it('covers at least ten languages, Hausa, Welsh and Turkish among them', () => {
    expect(byLanguage.size).toBeGreaterThanOrEqual(10);
    for (const lang of ['ha', 'cy', 'tr', 'en', 'es', 'fr', 'de', 'pt', 'ar', 'sw', 'yo']) expect(byLanguage.has(lang)).toBe(true);
  });

  it.each([
    ['cy', 'Mae fy ngherdyn banc wedi cael ei ddwyn y bore ’ma, rhaid i chi ei rwystro ar unwaith.'],
    ['ha', 'An sace katin banki na da safen nan, don Allah ku toshe shi yanzu.'],
    ['tr', 'Bu sabah banka kartım çalındı, lütfen hemen bloke edin.'],
    ['ar', 'سُرقت بطاقتي البنكية هذا الصباح، أرجو إيقافها فوراً.'],
    ['ru', 'Приложение перестало работать на моём телефоне после вчерашнего обновления.'],
    ['ja', 'ご注文の商品がまだ届いていません。配送状況を確認していただけますか。'],
    ['ko', '주문한 상품이 아직 도착하지 않았습니다. 배송 상태를 확인해 주세요.'],
  ])('%s: %s', (lang, text) => {
    expect(detectLanguage(text)).toBe(lang);
  });

  it('names a wrong language for at most 1 of the 75 sentences (precision over recall)', () => {
    const wrong = SENTENCES.filter((s) => !['und', s.lang].includes(detectLanguage(s.text)));
    expect(wrong.length, wrong.map((s) => `${s.lang} → ${detectLanguage(s.text)}: ${s.text}`).join('\n')).toBeLessThanOrEqual(1);
    expect(SENTENCES.filter((s) => detectLanguage(s.text) === s.lang).length).toBeGreaterThanOrEqual(72);
  });

  it('held-out sentences (other intents, written after the thresholds were set): right, none wrong', () => {
    const answers = HELD_OUT.map((s) => [s.lang, detectLanguage(s.text), s.text] as const);
    expect(answers.filter(([want, got]) => got !== want && got !== 'und')).toEqual([]);
    expect(answers.filter(([want, got]) => got === want).length).toBeGreaterThanOrEqual(25);
  });

  it('three or more dotless ı / ğ make a Latin text Turkish, with ə Azerbaijani; one is a name', () => {
    expect(detectLanguage('Faturadaki tutar yanlış, iki kez ücret alınmış.')).toBe('tr');
    expect(detectLanguage('Hesabımdan iki dəfə pul çıxılıb, zəhmət olmasa yoxlayın.')).toBe('az');
    expect(detectLanguage('Please ask Doğan to call me back about the invoice tomorrow.')).toBe('en');
  });

  it.each(UNSURE.map((t) => [t]))('%j has no language: und', (text) => {
    expect(detectLanguage(text)).toBe('und');
  });

  it('short messages are und rather than a guess (none wrong of 23)', () => {
    const answers = SHORT.map((s) => detectLanguage(s.text));
    expect(answers.filter((a, i) => a !== 'und' && a !== SHORT[i]!.lang)).toEqual([]);
    expect(detectLanguage('Thanks!')).toBe('und');
    expect(detectLanguage('Diolch')).toBe('und');
  });

  it('links, addresses, handles and numbers carry no language', () => {
    expect(detectLanguage('https://shop.example.com/orders/12345 bob@example.com @acme_support #A-99 0800 123 456')).toBe('und');
    const welsh = 'Mae fy ngherdyn banc wedi cael ei ddwyn, rhaid i chi ei rwystro ar unwaith.';
    expect(detectLanguage(`${welsh} https://www.example.com/the/english/words/in/a/long/link?what=is&this=thing`)).toBe('cy');
  });

  it('a script we keep no model for is und, not a guess from a near script', () => {
    expect(detectLanguage('შეკვეთა ჯერ არ მოსულა, გთხოვთ შეამოწმოთ მიწოდების სტატუსი.')).toBe('und'); // Georgian
  });

  it('reads only the first LANGUAGE_INSPECT_CHARS characters', () => {
    const welsh = SENTENCES.filter((s) => s.lang === 'cy').map((s) => s.text).join(' ');
    const english = SENTENCES.filter((s) => s.lang === 'en').map((s) => s.text).join(' ');
    const text = welsh.repeat(Math.ceil(LANGUAGE_INSPECT_CHARS / welsh.length)).slice(0, LANGUAGE_INSPECT_CHARS) + ' ' + english.repeat(200);
    expect(detectLanguage(text)).toBe('cy');
  });

  it('reports ISO 639-1 (macrolanguage code for individual languages), as iso-639-3 says', () => {
    const to1 = iso6393To1 as Record<string, string>;
    for (const code of LANGUAGES) expect(ISO_639_1[code], code).toBe(to1[code] ?? to1[MACROLANGUAGE[code]!]);
  });

  it('the generated models are exactly the languages listed (run scripts/signals-trigrams.ts after a change)', () => {
    const modelled = Object.values(MODELS).flatMap((m) => Object.keys(m)); // a language may have a model per script (azj: Latin, Cyrillic)
    for (const code of modelled) expect(LANGUAGES).toContain(code);
    for (const code of LANGUAGES) expect(modelled.includes(code) || code in SCRIPTS, code).toBe(true);
    for (const models of Object.values(MODELS)) for (const m of Object.values(models)) expect(m.split('|')).toHaveLength(300);
  });
});

describe('sentiment', () => {
  it.each([
    'Thank you so much, great service!',
    'Brilliant, the problem is solved. Really helpful team.',
    'The app is working again, thanks!',
    'Absolutely fantastic 👍',
  ])('positive: %s', (text) => {
    expect(sentimentScore(text)).toBeGreaterThan(0.3);
  });

  it.each([
    'Terrible, awful experience. I hate this app.',
    'My card was stolen and nobody answers. Worst support ever.',
    'This is not good at all',
    'I am not happy with the refund',
    "I don't really like the new version",
    'Still not working after three days',
    'The checkout is broken, unacceptable.',
  ])('negative: %s', (text) => {
    expect(sentimentScore(text)).toBeLessThan(-0.3);
  });

  it('negation flips the sign; an intensifier strengthens', () => {
    expect(sentimentScore('good')).toBeGreaterThan(0);
    expect(sentimentScore('not good')).toBeLessThan(0);
    expect(sentimentScore('not very good')).toBeLessThan(0);
    expect(sentimentScore('not bad')).toBeGreaterThan(0);
    expect(sentimentScore('very bad')).toBeLessThan(sentimentScore('bad'));
    expect(sentimentScore('really great')).toBeGreaterThan(sentimentScore('great'));
  });

  it('a negation stops at the end of its sentence', () => {
    expect(sentimentScore('Not sure. Great job!')).toBeGreaterThan(0);
  });

  it('neutral or unknown words score 0', () => {
    expect(sentimentScore('Where is my order? It was shipped on Monday.')).toBe(0);
    expect(sentimentScore('')).toBe(0);
    expect(sentimentScore('Diolch yn fawr iawn')).toBe(0); // English lexicon only
  });

  it('stays within [-1, 1] on long rants and praise', () => {
    const rant = 'awful terrible horrible worst hate '.repeat(400);
    const praise = 'great excellent wonderful love amazing '.repeat(400);
    expect(sentimentScore(rant)).toBeGreaterThanOrEqual(-1);
    expect(sentimentScore(rant)).toBeLessThan(-0.9);
    expect(sentimentScore(praise)).toBeLessThanOrEqual(1);
    expect(sentimentScore(praise)).toBeGreaterThan(0.9);
  });

  it.each(['It does not work.', "Still doesn't work", 'The app keeps crashing', 'Terrible. Just terrible.', 'I HAVE BEEN WAITING FOR 3 WEEKS'])(
    'negative through detectSignals: %j',
    (text) => {
      expect(detectSignals({ text }).sentiment).toBeLessThan(0);
    },
  );

  it('shouting with no positive word is mildly negative; shouted thanks stay positive', () => {
    const shout = detectSignals({ text: 'WHY IS NOBODY ANSWERING' }).sentiment;
    expect(shout).toBeLessThan(0);
    expect(shout).toBeGreaterThan(-0.6);
    expect(detectSignals({ text: 'Why is nobody answering' }).sentiment).toBe(0);
    expect(detectSignals({ text: 'THANK YOU SO MUCH' }).sentiment).toBeGreaterThan(0);
  });

  it('"work" counts only when negated; "thank" is never negated', () => {
    expect(sentimentScore('I work at a bank, send the statement.')).toBe(0);
    expect(sentimentScore("I can't thank you enough!")).toBeGreaterThan(0);
    expect(sentimentScore('🙂')).toBeGreaterThan(0);
    expect(sentimentScore('🙁')).toBeLessThan(0);
  });

  it.each(['Please send me the invoice.', 'Can you please check my order?', 'Hello, I need help with my bill.', 'Hi team, quick question about billing.'])(
    '"please" and "help" do not make a request positive: %j',
    (text) => {
      expect(detectSignals({ text }).sentiment).toBe(0);
    },
  );

  it.each([
    ['Thank you so much, the issue is fixed and everything works perfectly!', 1], ['not bad at all', 1], ['👍👍', 1],
    ['This is the worst service I have ever had.', -1], ['not good', -1], ['Not very good, honestly.', -1], ['THIS IS UNACCEPTABLE!!! WHERE IS MY MONEY???', -1],
    ['😡😡😡', -1], ["I don't like the new update", -1], ['The app is broken and I want a refund.', -1],
  ] as const)('sign of %j', (text, sign) => {
    expect(Math.sign(detectSignals({ text }).sentiment)).toBe(sign);
  });

  it('one bad word weighs less in a long neutral message than alone', () => {
    const long = `${'I placed the order on Monday and the parcel was sent to the address on file. '.repeat(10)}It is late.`;
    expect(Math.abs(sentimentScore(`${long} Bad.`))).toBeLessThan(Math.abs(sentimentScore('Bad.')));
  });
});

describe('abuse', () => {
  it.each([
    'you idiot',
    'You are an IDIOT',
    "you're useless",
    'you are all completely useless',
    'ur such a moron',
    'you 1d10t',
    'y0u ar3 an 1d10t',
    'you i d i o t',
    'you i.d.i.o.t',
    'f u c k you',
    'f.u.c.k off',
    'fuuuuuck this',
    'sh!t service',
    'you @ss',
    'a$$hole',
    'b1tch',
    'уоu іdіоt', // Cyrillic у о і
    'ｆｕｃｋ you', // fullwidth
    'you absolute clown',
    'asshole',
    'you are a dick',
    'you i\u200Bd\u200Bi\u200Bo\u200Bt', // zero-width spaces
    'you ɪᴅɪᴏᴛ', // small capitals
    'you 𝐢𝐝𝐢𝐨𝐭', // mathematical bold
    'f**k you',
    'stfu',
    'kiss my a$$',
    'screw you',
  ])('abusive: %j', (text) => {
    expect(isAbusive(text)).toBe(true);
  });

  it.each([
    'Scunthorpe',
    'I live in Scunthorpe, near the station',
    'I booked a first class ticket',
    'Your assistant was very helpful',
    'A cocktail glass arrived broken',
    'My therapist recommended your app',
    'hello sir, where is my parcel?',
    'The grape juice was out of stock',
    'Please take a closer look at my order',
    'The button is useless, it does nothing', // a complaint about a thing, not an insult to the reader
    'I feel stupid, I forgot my password',
    'Dick Smith called about his refund',
    'My pussycat needs the grain-free food',
    'The assessment of my claim is wrong',
    'Can you pass this to your manager?',
    'El coche negro llegó rayado', // Spanish "black"
    'The sex education book I ordered is missing pages',
    'Can you screw your lid on tighter next time?',
    'a b c d',
    '',
  ])('not abusive: %j', (text) => {
    expect(isAbusive(text)).toBe(false);
  });

  it('joins spaced letters in one pass: a run of 50,000 letters is one word, with or without a word after it', () => {
    expect(joinSpacedLetters('a '.repeat(50_000).trim())).toBe('a'.repeat(50_000));
    expect(joinSpacedLetters(`${'a '.repeat(50_000)}bc`)).toBe(`${'a'.repeat(50_000)} bc`);
  });

  it('joins letters spaced out, and only runs of single letters', () => {
    expect(joinSpacedLetters('you i d i o t!')).toBe('you idiot!');
    expect(joinSpacedLetters('f.u.c.k off')).toBe('fuck off');
    expect(joinSpacedLetters('I need a hand')).toBe('I need a hand');
    expect(joinSpacedLetters('a b cd')).toBe('a b cd');
    expect(joinSpacedLetters('x a b c de')).toBe('xabc de');
    expect(joinSpacedLetters('plan a b c')).toBe('plan abc');
    expect(joinSpacedLetters('ab c d e')).toBe('ab cde');
  });
});

describe('detectSignals', () => {
  it('gives all three for a message', () => {
    expect(detectSignals({ text: 'Mae fy ngherdyn banc wedi cael ei ddwyn y bore ’ma, rhaid i chi ei rwystro ar unwaith.' })).toEqual({ language: 'cy', sentiment: 0, abusive: false });
    const angry = detectSignals({ text: 'My order never arrived and nobody answers. You are useless, worst service ever.' });
    expect(angry.language).toBe('en');
    expect(angry.sentiment).toBeLessThan(-0.5);
    expect(angry.abusive).toBe(true);
  });

  it('scores English words only in English or undetected text; emoji in any language', () => {
    const welsh = 'Mae fy ngherdyn banc wedi cael ei ddwyn y bore ’ma, rhaid i chi ei rwystro ar unwaith.'; // "bore": morning
    expect(sentimentScore(welsh)).toBeLessThan(0); // what the English lexicon alone would say
    expect(detectSignals({ text: welsh }).sentiment).toBe(0);
    expect(detectSignals({ text: `${welsh} 😡😡` }).sentiment).toBeLessThan(0);
    expect(detectSignals({ text: 'Terrible service, I hate this.' }).sentiment).toBeLessThan(-0.5);
  });

  it('reads abuse and sentiment in the subject too, the language from the text', () => {
    const s = detectSignals({ subject: 'you idiots', text: 'Bu sabah banka kartım çalındı, lütfen hemen bloke edin.' });
    expect(s).toMatchObject({ language: 'tr', abusive: true });
    expect(detectSignals({ subject: 'Great news', text: 'ok' }).sentiment).toBeGreaterThan(0);
  });

  it('reads at most INSPECT_CHARS characters: what follows is not seen', () => {
    const padding = 'The parcel was sent to the address on file. '.repeat(Math.ceil(INSPECT_CHARS / 44));
    expect(detectSignals({ text: `${padding} you idiot` }).abusive).toBe(false);
    expect(detectSignals({ text: `you idiot ${padding}` }).abusive).toBe(true);
  });

  it('a 1 MB hostile message gives the answer of its bounded prefix', () => {
    for (const unit of ['a ', 'a.', 'i d ', '@$!1', 'х', 'ы', '😀', 'you ', 'not ']) {
      const huge = unit.repeat(Math.ceil(1_000_000 / unit.length));
      expect(detectSignals({ text: huge, subject: huge })).toEqual(detectSignals({ text: huge.slice(0, INSPECT_CHARS), subject: huge.slice(0, 200) }));
    }
  });

  it.each([
    ['1 MB of one letter', 'a'.repeat(1 << 20)],
    ['1 MB of spaced letters', 'a '.repeat(1 << 19)],
    ['1 MB of letters between triple separators', 'a | '.repeat(1 << 18)],
    ['lone surrogates', `${'\uD800'.repeat(5000)}hello \uDC00 world ${'\uDFFF\uD83D'.repeat(1000)}`],
    ['a surrogate pair cut at the bound', `${'x'.repeat(1999)}😀tail`],
    ['control characters', `${'\u0000\u0001\u0007\u001b[31m'.repeat(2000)}you idiot`],
    ['a storm of combining marks', `a${'\u0301'.repeat(1 << 20)}`],
    ['a storm of zero-width joiners', '\u200d'.repeat(1 << 20)],
    ['1 MB of emoji', '😡'.repeat(1 << 19)],
    ['one sentence repeated', 'You are an idiot. '.repeat(60_000)],
    ['1 MB of CJK', '你'.repeat(1 << 20)],
    ['1 MB of quote markers and headers', '> On Mon, a wrote:\n-- \n'.repeat(50_000)],
  ])('hostile input (%s): no throw, values in range', (_name, text) => {
    const s = detectSignals({ text, subject: text });
    expect(typeof s.language).toBe('string');
    expect(s.sentiment).toBeGreaterThanOrEqual(-1);
    expect(s.sentiment).toBeLessThanOrEqual(1);
    expect(typeof s.abusive).toBe('boolean');
  });

  it('empty text: und, 0, false', () => {
    expect(detectSignals({ text: '' })).toEqual({ language: 'und', sentiment: 0, abusive: false });
  });
});
