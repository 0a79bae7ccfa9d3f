import t from 'tap'
import { expectMatches, matched } from './keyword-matches.js'

t.test('case folding and NFKC', async (t) => {
  expectMatches(
    t,
    [
      ['spoiler', 'SPOILER'],
      ['SPOILER', 'spoiler'],
      ['strasse', 'Straße'],
      ['straße', 'STRASSE'],
      ['strasse', 'STRAẞE'],
      ['spoiler', 'ｓｐｏｉｌｅｒ'],
      ['spoiler', '𝐬𝐩𝐨𝐢𝐥𝐞𝐫'],
      ['spoiler', 'ⓢⓟⓞⓘⓛⓔⓡ'],
      ['fine', 'ﬁne'],
      ['istanbul', 'İstanbul'],
      ['σοφια', 'ΣΟΦΙΑ'],
      ['σοφιας', 'σοφιας'],
      ['σοφιας', 'σοφιασ']
    ],
    [['spoiler', 'spoiled']]
  )
})

t.test('accents removed on Latin, Greek and Cyrillic letters', async (t) => {
  expectMatches(
    t,
    [
      ['cafe', 'café'],
      ['café', 'cafe'],
      ['cafe', 'CAFÉ'],
      ['cafe', 'cafe\u0301'],
      ['creme brulee', 'crème brûlée'],
      ['sao paulo', 'São Paulo'],
      ['zurich', 'Zürich'],
      ['ελενη', 'Ελένη'],
      ['ежик', 'ёжик'],
      ['spoiler', 's̸̢p̷o̶i̴l̵e̸r̷'],
      ['oresund', 'Øresund'],
      ['lodz', 'Łódź'],
      ['aesir', 'Æsir']
    ],
    [['cafe', 'caf']]
  )
})

t.test('marks that change a letter in other scripts are kept', async (t) => {
  expectMatches(
    t,
    [
      ['が', 'がっこう'],
      ['ガ', 'ｶﾞｯｺｳ'],
      ['ガ', 'カ\u3099'],
      ['한', '한국'],
      ['한', '\u1112\u1161\u11ab국'],
      ['किताब', 'मेरी किताब'],
      ['ไม่', 'ไม่ใช่']
    ],
    [
      ['が', 'かっこう'],
      ['か', 'が'],
      ['한', '하나'],
      ['하', '한'],
      ['किताब', 'कताब'],
      ['कि', 'किताब'],
      ['ไม่', 'ไมใช']
    ]
  )
})

t.test('homoglyphs from other scripts read as Latin letters', async (t) => {
  expectMatches(
    t,
    [
      ['spoiler', 'ѕрoiler'],
      ['spoiler', 'ѕроіlеr'],
      ['cat', 'сат'],
      ['cat', 'cατ'],
      ['hot', 'НОТ'],
      ['spoiler', 'ꜱᴘᴏɪʟᴇʀ'],
      ['ѕpoiler', 'spoiler'],
      ['sky', 'ѕку']
    ],
    [['spoiler', 'ѕрoilег']]
  )
})

t.test('leetspeak is folded inside words that have letters', async (t) => {
  expectMatches(
    t,
    [
      ['cat', 'c@t'],
      ['spoiler', 'sp0iler'],
      ['spoiler', '5P01L3R'],
      ['shit', 'sh!t'],
      ['ass', 'a$$'],
      ['leet', 'l33t'],
      ['test', '7es7'],
      ['idiot', '!d!ot'],
      ['c@t', 'cat'],
      ['sp0iler', 'spoiler'],
      ['spoiler', 'SP0ILERRRR']
    ],
    [
      ['ioi', '101'],
      ['zoza', '2024'],
      ['eat', '347'],
      ['wowi', 'wow!'],
      ['wow', 'wowi']
    ]
  )
})

t.test('the plain reading keeps digits and reads leet symbols as separators', async (t) => {
  expectMatches(
    t,
    [
      ['tsla', '$TSLA to the moon'],
      ['tsla', 'buy $tsla'],
      ['covid19', 'covid19 news'],
      ['covid19', 'COVID-19'],
      ['wow', 'wow!'],
      ['wow', 'wow!!!'],
      ['hello', 'hello!world'],
      ['world', 'hello!world'],
      ['mp3', 'mp3'],
      ['john', '@john'],
      ['5am', 'up at 5am'],
      ['$tsla', '$TSLA']
    ],
    [
      ['tsla', 'stsla'],
      ['$tsla', 'tsla']
    ]
  )
})

t.test('a keyword typed with leet symbols is read only folded', async (t) => {
  expectMatches(t, [['c@t', 'c@t'], ['c@t', 'CAT']], [['c@t', 'c t'], ['c@t', 'c-t']])
})

t.test('invisible characters are ignored', async (t) => {
  expectMatches(t, [['spoiler', 'spo\u200biler'], ['spoiler', 'spo\u00adiler'], ['spoiler', 'spoil\u200der']], [])
})

t.test('lone surrogates are dropped rather than matched', async (t) => {
  expectMatches(t, [['spoiler', 'spo\ud800iler']], [['\udc00', 'a\udc00b']])
})

t.test('words in scripts written without spaces match inside the text, in any language', async (t) => {
  expectMatches(
    t,
    [
      ['東京', '東京タワーに行った'],
      ['東京', 'Trip to 東京!'],
      ['東京', 'tokyo東京tokyo'],
      ['ねこ', 'うちのねこがかわいい'],
      ['ネコ', 'ﾈｺ'],
      ['猫', '我的猫很可爱'],
      ['แมว', 'ฉันรักแมวมาก'],
      ['ແມວ', 'ຂ້ອຍມັກແມວ'],
      ['ឆ្មា', 'ខ្ញុំស្រលាញ់ឆ្មា'],
      ['ကြောင်', 'ကျွန်တော်ကြောင်ကိုချစ်တယ်'],
      ['고양이', '고양이가 좋아요'],
      ['고양이', '우리 고양이는'],
      ['東京 タワー', '東京タワー'],
      ['東京タワー', '東京 タワー'],
      ['すごーい', 'すごーーーい'],
      ['東京 タワー', '東京  タワー'],
      ['iphone 東京', 'my iphone 東京']
    ],
    [
      ['東京', '京東'],
      ['猫', '狗'],
      ['고양이', '고양'],
      ['すごい', 'すごくない'],
      ['iphone 東京', 'iphone東京']
    ]
  )
})

t.test('a Latin word next to Japanese text is still a word', async (t) => {
  expectMatches(t, [['iphone', 'iPhoneを買った'], ['iphone', '新しいiPhone']], [['phone', 'iPhoneを買った']])
})

t.test('emoji keywords ignore variation selectors and skin tones', async (t) => {
  expectMatches(
    t,
    [
      ['👍', 'great 👍'],
      ['👍', 'great 👍🏽'],
      ['👍🏽', 'great 👍'],
      ['👍', 'great👍👍👍'],
      ['❤️', 'love ❤'],
      ['❤', 'love ❤️'],
      ['👨‍👩‍👧', 'family 👨‍👩‍👧 time'],
      ['🍕 party', 'pizza 🍕 party'],
      ['1️⃣', 'number 1️⃣'],
      ['🇺🇸', 'go 🇺🇸']
    ],
    [
      ['👍', 'great 👎'],
      ['🍕', 'pizza'],
      ['1️⃣', 'number 1']
    ]
  )
  t.same(matched('👍', 'great 👍🏽!'), ['👍🏽'])
})
