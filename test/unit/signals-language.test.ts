/**
 * core/signals language on what a desk meets most: one-sentence messages, close language pairs,
 * short CJK, quoted replies and signatures. (The broad labelled sets are in signals.test.ts.)
 */
import { describe, expect, it } from 'vitest';
import { detectSignals } from '../../functions/core/signals/index.ts';
import { functionWordVote } from '../../functions/core/signals/function-words.ts';
import { buildModels, detectLanguage, languageSample, MIN_FUNCTION_WORD_LETTERS, rankLanguages } from '../../functions/core/signals/language.ts';
import { FUNCTION_WORDS } from '../../functions/core/signals/function-words.generated.ts';
import { ISO_639_1, LANGUAGES } from '../../functions/core/signals/languages.ts';
import { ownText } from '../../functions/core/signals/own-text.ts';
import { MODELS } from '../../functions/core/signals/trigrams.generated.ts';
import { CLOSE_PAIRS, HELD_OUT, ONE_LINERS, SENTENCES, SHORT } from '../fixtures/signals/sentences.ts';

const lang = (text: string): string => detectSignals({ text }).language;

describe('one-sentence messages: a function-word vote must agree with the trigrams', () => {
  it.each([
    'My card was stolen, please block it.',
    'Please cancel my subscription.',
    'How do I reset my password?',
    'My package arrived damaged.',
    'The website is down again.',
    'Hello, I need help with my bill.',
    'My order still has not shipped.',
    'Please help me block my card now.',
    'Hi team, quick question about billing.',
    'Terrible. Just terrible.',
    "I can't thank you enough!",
    'I HAVE BEEN WAITING FOR 3 WEEKS',
    'Where is my order?', // 15 letters: below the trigram minimum, the function words are decisive
  ])('English: %s', (text) => {
    expect(lang(text)).toBe('en');
  });

  it('no one-liner is named as a wrong language; most are named', () => {
    const answers = ONE_LINERS.map((s) => [s.lang, detectLanguage(s.text), s.text] as const);
    expect(answers.filter(([want, got]) => got !== want && got !== 'und')).toEqual([]);
    const english = answers.filter(([want]) => want === 'en');
    expect(english.filter(([, got]) => got === 'en').length).toBeGreaterThanOrEqual(30); // 33 of 40 when written
    expect(answers.filter(([want, got]) => got === want).length).toBeGreaterThanOrEqual(48); // 51 of 75
  });

  it.each([
    ['es', '¿Dónde está mi pedido?'], // ¿ and ñ are Spanish, ã õ Portuguese
    ['sv', 'Hej, jag beställde en telefon förra veckan men den har fortfarande inte kommit.'], // ä ö, not æ ø
  ])('%s: %s', (expected, text) => {
    expect(lang(text)).toBe(expected);
  });

  it.each([
    ['es', 'Mi pedido no ha llegado'],
    ['pl', 'Chcę anulować subskrypcję.'],
    ['cs', 'Dobrý den, minulý týden jsem objednal telefon, ale stále nedorazil.'],
    ['da', 'Jeg vil gerne opsige mit abonnement.'],
    ['fr', 'Je n’ai pas reçu ma commande.'], // ç alone does not make it Portuguese
  ])('%s or und, never another: %s', (expected, text) => {
    expect([expected, 'und']).toContain(lang(text));
  });

  it.each(['asdfghjkl qwertyuiop zxcvbnm', 'Hello?', 'Thanks!', 'Diolch'])('no language: %j is und', (text) => {
    expect(lang(text)).toBe('und');
  });

  it('function words name Welsh when trigrams cannot (13 letters)', () => {
    expect(lang('Diolch yn fawr')).toBe('cy');
  });
});

describe('close pairs', () => {
  it('Irish / Scots Gaelic, Indonesian / Malay, Swedish / Danish / Norwegian: none wrong, most right', () => {
    const answers = CLOSE_PAIRS.map((s) => [s.lang, detectLanguage(s.text), s.text] as const);
    expect(answers.filter(([want, got]) => got !== want && got !== 'und')).toEqual([]);
    expect(answers.filter(([want, got]) => got === want).length).toBeGreaterThanOrEqual(9);
  });

  it.each([
    ['gd', 'Tha duilgheadas agam leis a’ chunntas agam, chan urrainn dhomh logadh a-steach idir.'],
    ['gd', 'Halò, cha do ràinig an t-òrdugh agam fhathast agus tha e seachdain bhon uair sin. Am b’ urrainn dhuibh mo chuideachadh?'],
    ['ga', 'Tá fadhb agam le mo chuntas, ní féidir liom logáil isteach.'], // acute: Irish; grave: Gaelic
    ['id', 'Halo, pesanan saya belum sampai padahal sudah seminggu. Tolong bantu cek statusnya ya.'],
    ['id', 'Saya tidak bisa masuk ke akun saya, kata sandinya selalu salah.'],
    ['ms', 'Saya tak boleh log masuk ke akaun saya, kata laluan sentiasa salah.'],
  ])('%s: %s', (expected, text) => {
    expect(lang(text)).toBe(expected);
  });

  it('Indonesian and Malay without a word only one of them uses: und (both would write it so)', () => {
    expect(['id', 'und']).toContain(lang('Terima kasih banyak atas bantuannya, masalah saya sudah selesai.'));
  });
});

describe('short CJK: scripts of one language each', () => {
  it.each([
    ['ko', '비밀번호를 잊어버렸어요'],
    ['ja', '注文番号の商品が届きません'], // more Kanji than Kana: Kana makes it Japanese
    ['zh', '我的账户被锁定了，无法登录。'],
    ['zh', '退款什么时候到账？'],
    ['zh', '我的账户'],
    ['zh', '订单12345还没到'], // a digit inside unspaced text
    ['ja', '注文番号123の商品が届きません'],
    ['ko', 'ORDER-123 주문 확인'],
  ])('%s: %s', (expected, text) => {
    expect(lang(text)).toBe(expected);
  });

  it('fewer than 4 CJK characters, or mostly Latin, is not named from the script', () => {
    expect(lang('OK 好的')).toBe('und');
    expect(lang('Hello 你好 how are you doing today my friend')).toBe('en');
  });
});

describe('quoted replies and signatures do not decide the language', () => {
  it.each([
    ['en', 'Thanks, that fixed it!\n\n> On Mon, Support wrote:\n> Bonjour, avez-vous essayé de redémarrer votre téléphone? Nous sommes là pour vous aider.'],
    ['cy', 'Diolch, mae popeth yn iawn nawr.\n\nOn Mon, 3 Nov 2025, Support <help@x.com> wrote:\n> Hello, thanks for contacting us. Could you please send us your order number so that we can look into this for you?'],
    ['en', 'Hello, my order has not arrived.\n\n--\nJan de Vries\nKlantenservice Manager\nTel +31 20 123 4567\nwww.example.nl'],
  ])('%s: %j', (expected, text) => {
    expect(lang(text)).toBe(expected);
  });

  it('cuts at reply headers in several languages and Outlook forms, drops > lines', () => {
    expect(ownText('Merci !\nLe lun. 3 nov. 2025 à 10:00, Support <a@b.c> a écrit :\n> Hello')).toBe('Merci !');
    expect(ownText('Danke!\n\nAm 3. Nov. 2025 um 10:00 schrieb Support <a@b.c>:\n> Hello')).toBe('Danke!\n');
    expect(ownText('Gracias\nEl lun, 3 nov 2025, Support escribió:\n> Hello')).toBe('Gracias');
    expect(ownText('Thanks\nOn Mon, 3 Nov 2025, Support <help@x.com>\nwrote:\n> Hello')).toBe('Thanks');
    expect(ownText('Thanks\n-----Original Message-----\nFrom: Support')).toBe('Thanks');
    expect(ownText('Merci\n\nFrom: Support <a@b.c>\nSent: Monday\nTo: me\n\nHello')).toBe('Merci\n');
    expect(ownText('Merci\n________________________________\nHello')).toBe('Merci');
    expect(ownText('Hi\n-- \nBob')).toBe('Hi');
    expect(ownText('top\n> quoted\nbottom')).toBe('top\nbottom');
  });

  it('a message that is all quote keeps its text; an ordinary message is unchanged', () => {
    expect(ownText('> only a quote\n> here')).toBe('> only a quote\n> here');
    expect(ownText('On Monday I wrote to you twice.\nNobody answered.')).toBe('On Monday I wrote to you twice.\nNobody answered.');
  });

  it('sentiment reads the own words too', () => {
    expect(detectSignals({ text: 'Thanks, great help!\n\n> On Mon, Bob wrote:\n> This is terrible, awful, the worst.' }).sentiment).toBeGreaterThan(0);
  });
});

describe('function words (generated)', () => {
  it('cover every Latin-script language with a model except Igbo, Xhosa and Azerbaijani; at most 100 words each', () => {
    const latin = Object.keys(MODELS['Latin'] ?? {});
    expect(latin).toContain('gla');
    expect(latin.filter((code) => !(code in FUNCTION_WORDS)).sort()).toEqual(['azj', 'ibo', 'xho']);
    for (const [code, words] of Object.entries(FUNCTION_WORDS)) {
      expect(LANGUAGES, code).toContain(code);
      const list = words.split('|');
      expect(list.length, code).toBeLessThanOrEqual(100);
      expect(new Set(list).size, code).toBe(list.length);
      for (const w of list) expect(w, code).toBe(w.toLowerCase());
    }
  });

  it('Scots Gaelic and Indonesian are in the list, reported as gd and id', () => {
    expect(ISO_639_1.gla).toBe('gd');
    expect(ISO_639_1.ind).toBe('id');
  });

  it('a word listed by k languages gives each 1/k', () => {
    const votes = new Map(functionWordVote('please the'));
    expect(votes.get('eng')).toBeGreaterThanOrEqual(1.5);
    expect([...votes.values()].reduce((a, b) => a + b, 0)).toBeCloseTo(2);
  });
});

describe('regression guard: longer messages in many scripts', () => {
  it.each([
    ['ha', 'Sannu, na biya kudin odar amma har yanzu ba a kawo min kayan ba. Don Allah ku taimaka min.'],
    ['cy', 'Helo, dw i wedi talu am fy archeb wythnos diwethaf ond does dim byd wedi cyrraedd eto. Allwch chi helpu os gwelwch yn dda?'],
    ['tr', 'Merhaba, siparişimi geçen hafta verdim ama hâlâ kargoya verilmedi. Lütfen yardımcı olur musunuz?'],
    ['ga', 'Dia dhuit, níor tháinig m’ordú fós agus tá sé seachtain ó shin. An féidir libh cabhrú liom, le do thoil?'],
    ['nl', 'Hallo, ik heb vorige week een bestelling geplaatst maar ik heb nog steeds niets ontvangen. Kunnen jullie me helpen?'],
    ['it', 'Buongiorno, ho ordinato un paio di scarpe due settimane fa ma non sono ancora arrivate. Potete aiutarmi?'],
    ['pl', 'Dzień dobry, zamówiłem telefon tydzień temu i nadal nie dotarł. Proszę o pomoc.'],
    ['vi', 'Xin chào, tôi đã đặt hàng tuần trước nhưng vẫn chưa nhận được. Vui lòng giúp tôi kiểm tra.'],
    ['ja', 'こんにちは。先週注文した商品がまだ届いていません。確認していただけますか？'],
    ['zh', '你好，我上周下的订单到现在还没有收到，请帮我查一下。'],
    ['ko', '안녕하세요, 지난주에 주문한 상품이 아직 도착하지 않았습니다. 확인 부탁드립니다.'],
    ['hi', 'नमस्ते, मैंने पिछले हफ्ते ऑर्डर किया था लेकिन अभी तक नहीं मिला। कृपया मदद करें।'],
    ['ru', 'Здравствуйте, я заказал телефон неделю назад, но до сих пор ничего не получил. Помогите, пожалуйста.'],
    ['el', 'Γεια σας, παρήγγειλα ένα κινητό την περασμένη εβδομάδα και ακόμα δεν έχει έρθει. Μπορείτε να βοηθήσετε;'],
    ['he', 'שלום, הזמנתי טלפון לפני שבוע ועדיין לא קיבלתי אותו. אפשר לבדוק בבקשה?'],
    ['und', '😀😀😀'],
    ['und', 'https://example.com/orders/12345?ref=abc'],
  ])('%s: %s', (expected, text) => {
    expect(lang(text)).toBe(expected);
  });
});

describe('rankLanguages: one lookup per trigram for every language gives franc\'s scores exactly', () => {
  // The reference: franc's distance with one (trigram → rank) map per language, as language.ts had it.
  const allowed = new Set<string>(LANGUAGES);
  const perLanguage = new Map(Object.entries(MODELS).map(([script, raw]) => [script, Object.entries(raw).filter(([c]) => allowed.has(c)).map(([c, j]) => [c, new Map(j.split('|').map((t, r) => [t, r]))] as const)]));
  function reference(text: string): Array<[string, number]> {
    const sample = languageSample(text);
    if ((sample.match(/\p{L}/gu)?.length ?? 0) < MIN_FUNCTION_WORD_LETTERS) return [];
    const ours = rankLanguages(text, MIN_FUNCTION_WORD_LETTERS);
    // The script choice is not what changed: take it from the result's languages.
    const script = [...perLanguage].find(([, models]) => models.some(([c]) => c === ours[0]?.[0]))?.[0];
    if (!script) return ours;
    const clean = ` ${sample.replace(/[\u0021-\u0040]+/g, ' ').replace(/\s+/g, ' ').trim().toLowerCase()} `;
    const counts = new Map<string, number>();
    for (let i = 0; i + 3 <= clean.length; i++) counts.set(clean.slice(i, i + 3), (counts.get(clean.slice(i, i + 3)) ?? 0) + 1);
    const trigrams = [...counts].sort((a, b) => a[1] - b[1]);
    const ranked = perLanguage.get(script)!.map(([code, model]) => {
      let d = 0;
      for (const [t, n] of trigrams) {
        const rank = model.get(t);
        d += rank === undefined ? 300 : Math.abs(n - rank - 1);
      }
      return [code, d] as [string, number];
    }).sort((a, b) => a[1] - b[1]);
    const min = ranked[0]![1];
    const max = sample.length * 300 - min;
    return ranked.map(([code, d]) => [code, 1 - (d - min) / max || 0]);
  }

  it('on every labelled sentence, and on mixed and repetitive text', () => {
    const texts = [...SENTENCES, ...SHORT, ...HELD_OUT, ...ONE_LINERS, ...CLOSE_PAIRS].map((s) => s.text);
    texts.push('aaa aaa aaa aaa aaa aaa', 'the the the the the the the', `${'Bonjour, ma commande '.repeat(40)}`, 'Hola, necesito ayuda con mi pedido. Thanks!', 'Здравствуйте, мой заказ не пришёл уже две недели.');
    let compared = 0;
    for (const text of texts) {
      const ours = rankLanguages(text, MIN_FUNCTION_WORD_LETTERS);
      if (ours.length > 1) compared++;
      expect(ours, text).toEqual(reference(text));
    }
    expect(compared).toBeGreaterThan(100);
  });
});

describe('buildModels: the inverted index of the trigram models', () => {
  const pairsOf = (m: ReturnType<typeof buildModels>, t: string) => {
    const id = m.index.get(t);
    return id === undefined ? undefined : [...m.pairs.subarray(m.start[id]!, m.end[id]!)];
  };

  it('lists, per trigram, every language that ranks it with its rank, in language order', () => {
    const m = buildModels([
      ['aaa', ['x', 'y', 'z']],
      ['bbb', ['z', 'x']],
      ['ccc', ['w']],
    ]);
    expect(m.codes).toEqual(['aaa', 'bbb', 'ccc']);
    expect(pairsOf(m, 'x')).toEqual([0, 0, 1, 1]);
    expect(pairsOf(m, 'y')).toEqual([0, 1]);
    expect(pairsOf(m, 'z')).toEqual([0, 2, 1, 0]);
    expect(pairsOf(m, 'w')).toEqual([2, 0]);
    expect(pairsOf(m, 'v')).toBeUndefined();
  });

  it('a trigram listed twice in one model keeps its last rank, once', () => {
    const m = buildModels([
      ['aaa', ['x', 'y', 'x']],
      ['bbb', ['x']],
    ]);
    expect(pairsOf(m, 'x')).toEqual([0, 2, 1, 0]);
    expect(pairsOf(m, 'y')).toEqual([0, 1]);
  });
});
