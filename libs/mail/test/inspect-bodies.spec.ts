import { describe, it } from 'vitest';

import { b64, bytesIn, expectInspection, message, multipart, type Case } from './synthetic-message';

// Text in each charset the corpus categories meet (windows-1258 with combining tone marks).
const CHARSET_TEXTS: Array<[string, string]> = [
  ['utf-8', 'Grüße aus Köln – €5'],
  ['iso-8859-1', 'Café crème à Genève'],
  ['iso-8859-2', 'Zażółć gęślą jaźń'],
  ['iso-8859-5', 'Привет мир'],
  ['iso-8859-7', 'Καλημέρα κόσμε'],
  ['iso-8859-15', 'Prix 5 € œuvre'],
  ['windows-1250', 'Příliš žluťoučký kůň'],
  ['windows-1251', 'Заявка на ремонт'],
  ['windows-1252', '“Quoted” — 5 €'],
  ['windows-1253', 'Ελληνικά'],
  ['windows-1254', 'Şikayet ğü'],
  ['windows-1255', 'שלום'],
  ['windows-1256', 'مرحبا'],
  ['windows-1257', 'Ąčęėįšųūž'],
  ['windows-1258', 'Tiê\u0301ng Viê\u0323t'],
  ['koi8-r', 'Проверка связи'],
  ['koi8-u', 'Привіт, Україно'],
  ['gb2312', '你好，世界'],
  ['gbk', '打印机卡纸'],
  ['gb18030', '打印机卡纸 𠀀'],
  ['big5', '印表機卡紙'],
  ['euc-kr', '안녕하세요'],
  ['iso-2022-jp', 'プリンターが動きません'],
  ['shift_jis', 'プリンターが動きません'],
  ['euc-jp', '日本語の本文'],
];

const ALIAS_TEXTS: Array<[string, string, string]> = [
  ['utf8', 'utf-8', 'Grüße'],
  ['latin1', 'iso-8859-1', 'Café'],
  ['1252', 'windows-1252', '“Hi” — 5 €'],
  ['cp1252', 'windows-1252', '“Hi” — 5 €'],
  ['win-1251', 'windows-1251', 'Заявка'],
  ['ks_c_5601-1987', 'euc-kr', '안녕하세요'],
  ['x-mac-roman', 'macintosh', 'Café crème'],
  ['x-sjis', 'shift_jis', '日本語'],
  ['cp936', 'gbk', '打印机'],
  ['"ISO-8859-1"', 'iso-8859-1', 'Café'],
  ['unicode-1-1-utf-7', 'utf-7', 'Grüße'],
  ['x-windows-949', 'euc-kr', '안녕하세요'],
  ['x-gb18030', 'gb18030', '你好'],
  ['GB18030-2000', 'gb18030', '你好'],
  ['ISO_8859-1:1987', 'iso-8859-1', 'Café'],
  ['chinese', 'gb2312', '你好'],
  ['Shift-JIS', 'shift_jis', '日本語'],
  ['sjis', 'shift_jis', '日本語'],
  ['koi8', 'koi8-r', 'Привет'],
  ['ibm866', 'cp866', 'Привет'],
  ['cp1200', 'utf-16le', 'Grüße'],
  ['unicode-1-1-utf-8', 'utf-8', 'Grüße'],
];

/** UTF-7 (RFC 2152) of a text, for the UTF-7 body cases (iconv-lite encodes it). */
const utf7 = (text: string): Buffer => bytesIn(text, 'utf-7');

const textPart = (charset: string, encoding: string): string[] => [
  `Content-Type: text/plain; charset=${charset}`,
  `Content-Transfer-Encoding: ${encoding}`,
];

const qp = (bytes: Buffer): string =>
  [...bytes]
    .map((byte) =>
      byte >= 0x80 || byte === 0x3d
        ? `=${byte.toString(16).toUpperCase().padStart(2, '0')}`
        : String.fromCharCode(byte),
    )
    .join('');

const cases: Case[] = [
  ...CHARSET_TEXTS.map(([charset, text]): Case => ({
    situation: `text/plain in ${charset}, 8bit`,
    raw: message(
      textPart(charset, charset === 'iso-2022-jp' ? '7bit' : '8bit'),
      Buffer.concat([bytesIn(`${text}\r\n`, charset)]),
    ),
    expected: { text_contains: [text] },
  })),
  ...CHARSET_TEXTS.map(([charset, text]): Case => ({
    situation: `text/plain in ${charset}, base64`,
    raw: message(textPart(charset, 'base64'), `${b64(text, charset)}\r\n`),
    expected: { text_contains: [text] },
  })),
  ...CHARSET_TEXTS.map(([charset, text]): Case => ({
    situation: `HTML-only body in ${charset}, quoted-printable`,
    raw: message(
      [`Content-Type: text/html; charset=${charset}`, 'Content-Transfer-Encoding: quoted-printable'],
      qp(bytesIn(`<html><body><p>${text}</p></body></html>`, charset)),
    ),
    expected: { text_contains: [text], text_lacks: ['<p>'] },
  })),
  ...ALIAS_TEXTS.map(([label, charset, text]): Case => ({
    situation: `text/plain labelled ${label} read as ${charset}`,
    raw: message(textPart(label, '8bit'), bytesIn(`${text}\r\n`, charset)),
    expected: { text_contains: [text] },
  })),
  {
    situation: 'UTF-7 body (Outlook)',
    raw: message(
      textPart('utf-7', '7bit'),
      Buffer.concat([utf7('Grüße aus Köln, 5 € bitte.'), Buffer.from('\r\n')]),
    ),
    expected: { text_contains: ['Grüße aus Köln, 5 € bitte.'] },
  },
  {
    situation: 'UTF-7 HTML-only body',
    raw: message(
      ['Content-Type: text/html; charset=utf-7'],
      Buffer.concat([utf7('<p>Frösche &amp; Kröten</p>'), Buffer.from('\r\n')]),
    ),
    expected: { text_contains: ['Frösche & Kröten'] },
  },
  {
    situation: 'UTF-7 text part next to an HTML part in multipart/alternative',
    raw: message(
      ['Content-Type: multipart/alternative; boundary="a"'],
      multipart('a', [
        { headers: ['Content-Type: text/plain; charset=utf-7'], body: utf7('Übergabe morgen.') },
        { headers: ['Content-Type: text/html; charset=utf-7'], body: utf7('<p>Übergabe morgen.</p>') },
      ]),
    ),
    expected: { text_contains: ['Übergabe morgen.'] },
  },
  {
    situation: 'UTF-8 body with a byte order mark: the mark is not text',
    raw: message(['Content-Type: text/plain; charset=utf-8'], Buffer.from('\uFEFFMarked text.\r\n', 'utf8')),
    expected: { text_contains: ['Marked text.'], text_lacks: ['\uFEFF'] },
  },
  {
    situation: 'UTF-16 body with a byte order mark',
    raw: message(
      ['Content-Type: text/plain; charset=utf-16', 'Content-Transfer-Encoding: base64'],
      Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('Grüße in UTF-16', 'utf16le')]).toString(
        'base64',
      ),
    ),
    expected: { text_contains: ['Grüße in UTF-16'] },
  },
  {
    situation: 'HTML numeric entities in the windows-1252 range (&#150;)',
    raw: message(['Content-Type: text/html; charset=utf-8'], '<p>a &#150; b &apos;c&apos; &hellip;</p>'),
    expected: { text_contains: ["a – b 'c' …"] },
  },
  {
    situation: 'undeclared charset with UTF-8 bytes',
    raw: message(['Content-Type: text/plain'], Buffer.from('Grüße aus Köln.\r\n', 'utf8')),
    expected: { text_contains: ['Grüße aus Köln.'] },
  },
  {
    situation: 'no Content-Type at all with UTF-8 bytes',
    raw: message([], Buffer.from('Grüße ohne Content-Type.\r\n', 'utf8'), { omit: ['MIME-Version'] }),
    expected: { text_contains: ['Grüße ohne Content-Type.'] },
  },
  {
    situation: 'undeclared charset with windows-1252 bytes',
    raw: message(['Content-Type: text/plain'], bytesIn('“Quoted” café — 5 €\r\n', 'windows-1252')),
    expected: { text_contains: ['“Quoted” café — 5 €'] },
  },
  {
    situation: 'us-ascii declared but ISO-8859-1 bytes',
    raw: message(['Content-Type: text/plain; charset=us-ascii'], bytesIn('Café crème.\r\n', 'iso-8859-1')),
    expected: { text_contains: ['Café crème.'] },
  },
  {
    situation: 'utf-8 declared but windows-1252 bytes (wrong charset)',
    raw: message(
      ['Content-Type: text/plain; charset=utf-8'],
      bytesIn('Café crème — 5 €.\r\n', 'windows-1252'),
    ),
    expected: { text_contains: ['Café crème — 5 €.'] },
  },
  {
    situation: 'iso-8859-1 declared but UTF-8 bytes (wrong charset)',
    raw: message(
      ['Content-Type: text/plain; charset=iso-8859-1'],
      Buffer.from('Grüße aus Köln.\r\n', 'utf8'),
    ),
    expected: { text_contains: ['Grüße aus Köln.'] },
  },
  {
    situation: 'iso-8859-1 declared but windows-1252 curly quotes in 0x80-0x9F',
    raw: message(
      ['Content-Type: text/plain; charset=iso-8859-1'],
      bytesIn('“Quoted” — 5 €\r\n', 'windows-1252'),
    ),
    expected: { text_contains: ['“Quoted” — 5 €'] },
  },
  {
    situation: 'unknown charset label with UTF-8 bytes',
    raw: message(
      ['Content-Type: text/plain; charset=x-user-defined-thing'],
      Buffer.from('Grüße unbekannt.\r\n', 'utf8'),
    ),
    expected: { text_contains: ['Grüße unbekannt.'] },
  },
  {
    situation: 'unknown charset label with KOI8-R bytes and KOI8-R declared on another part',
    raw: message(
      ['Content-Type: multipart/mixed; boundary="k"'],
      multipart('k', [
        { headers: ['Content-Type: text/plain; charset=koi8-r'], body: bytesIn('Проверка связи.', 'koi8-r') },
        { headers: ['Content-Type: text/plain; charset=x-unknown'], body: bytesIn('Второй раз.', 'koi8-r') },
      ]),
    ),
    expected: { text_contains: ['Проверка связи.', 'Второй раз.'] },
  },
  {
    situation: 'undeclared 7-bit ISO-2022-JP body',
    raw: message(
      ['Content-Type: text/plain'],
      Buffer.concat([bytesIn('日本語の本文です。', 'iso-2022-jp'), Buffer.from('\r\n')]),
    ),
    expected: { text_contains: ['日本語の本文です。'] },
  },
  {
    situation: 'HTML-only: entities decoded',
    raw: message(
      ['Content-Type: text/html; charset=utf-8'],
      '<p>Fish &amp; chips &lt;3 &eacute;t&eacute; &#8364;5 &#x20AC;6 &quot;q&quot; a&nbsp;b</p>',
    ),
    expected: { text_contains: ['Fish & chips <3 été €5 €6 "q" a b'] },
  },
  {
    situation: 'HTML-only: <br> and <p> become line breaks',
    raw: message(
      ['Content-Type: text/html; charset=utf-8'],
      '<p>First paragraph</p><p>Second<br>line<br/>three</p>',
    ),
    expected: {
      text_contains: ['First paragraph', 'Second line three'],
      text_lacks: ['paragraphSecond', 'Secondline'],
    },
  },
  {
    situation: 'HTML-only: scripts, styles, head and comments dropped',
    raw: message(
      ['Content-Type: text/html; charset=utf-8'],
      '<html><head><title>Title text</title><style>p { color: red }</style><script>alert("x")</script></head><body><!-- hidden comment --><p>Visible body</p><script type="text/javascript">var y = 1;</script></body></html>',
    ),
    expected: {
      text_contains: ['Visible body'],
      text_lacks: ['alert', 'color: red', 'hidden comment', 'var y', 'Title text'],
    },
  },
  {
    situation: 'HTML-only: table cells and list items readable',
    raw: message(
      ['Content-Type: text/html; charset=utf-8'],
      '<table><tr><td>Order</td><td>4711</td></tr></table><ul><li>one</li><li>two</li></ul>',
    ),
    expected: { text_contains: ['Order', '4711', 'one', 'two'], text_lacks: ['Order4711', 'onetwo'] },
  },
  {
    situation: 'HTML-only with the charset only in a meta tag',
    raw: message(
      ['Content-Type: text/html'],
      Buffer.concat([
        Buffer.from(
          '<html><head><meta http-equiv="Content-Type" content="text/html; charset=windows-1251"></head><body><p>',
        ),
        bytesIn('Заявка на ремонт', 'windows-1251'),
        Buffer.from('</p></body></html>'),
      ]),
    ),
    expected: { text_contains: ['Заявка на ремонт'] },
  },
  {
    situation: 'HTML-only with an HTML5 meta charset',
    raw: message(
      ['Content-Type: text/html'],
      Buffer.concat([
        Buffer.from('<html><head><meta charset="shift_jis"></head><body>'),
        bytesIn('日本語の本文', 'shift_jis'),
        Buffer.from('</body></html>'),
      ]),
    ),
    expected: { text_contains: ['日本語の本文'] },
  },
  {
    situation: 'multipart/alternative: the text part is the text',
    raw: message(
      ['Content-Type: multipart/alternative; boundary="a"'],
      multipart('a', [
        { headers: ['Content-Type: text/plain; charset=utf-8'], body: 'Plain alternative.' },
        { headers: ['Content-Type: text/html; charset=utf-8'], body: '<p>HTML alternative.</p>' },
      ]),
    ),
    expected: { text_contains: ['Plain alternative.'] },
  },
  {
    situation: 'multipart/alternative with an empty text part: the HTML as text',
    raw: message(
      ['Content-Type: multipart/alternative; boundary="a"'],
      multipart('a', [
        { headers: ['Content-Type: text/plain; charset=utf-8'], body: '' },
        { headers: ['Content-Type: text/html; charset=utf-8'], body: '<p>Only the HTML says it.</p>' },
      ]),
    ),
    expected: { text_contains: ['Only the HTML says it.'] },
  },
  {
    situation: 'format=flowed: soft line breaks joined',
    raw: message(
      ['Content-Type: text/plain; charset=utf-8; format=flowed'],
      'This line is \r\nflowed into the next.\r\n',
    ),
    expected: { text_contains: ['This line is flowed into the next.'] },
  },
  {
    situation: 'format=flowed with DelSp=yes: the space before the break is removed',
    raw: message(
      ['Content-Type: text/plain; charset=utf-8; format=flowed; delsp=yes'],
      Buffer.from('日本語の \r\n本文です。\r\n', 'utf8'),
    ),
    expected: { text_contains: ['日本語の本文です。'] },
  },
  {
    situation: 'format=flowed: space-stuffed line unstuffed',
    raw: message(
      ['Content-Type: text/plain; charset=utf-8; format=flowed'],
      ' From the start of a line.\r\n',
    ),
    expected: { text_contains: ['From the start of a line.'] },
  },
  {
    situation: 'two inline text parts in multipart/mixed both in the body',
    raw: message(
      ['Content-Type: multipart/mixed; boundary="m"'],
      multipart('m', [
        { headers: ['Content-Type: text/plain; charset=utf-8'], body: 'First text part.' },
        { headers: ['Content-Type: image/png; name="a.png"'], body: 'x' },
        {
          headers: ['Content-Type: text/plain; charset=iso-8859-1'],
          body: bytesIn('Zweiter Teil, café.', 'iso-8859-1'),
        },
      ]),
    ),
    expected: { text_contains: ['First text part.', 'Zweiter Teil, café.'] },
  },
  {
    situation: 'text inside a forwarded message/rfc822 is not the body',
    raw: message(
      ['Content-Type: multipart/mixed; boundary="m"'],
      multipart('m', [
        { headers: ['Content-Type: text/plain; charset=utf-8'], body: 'Outer note.' },
        {
          headers: ['Content-Type: message/rfc822'],
          body: message(['Subject: inner'], 'Inner forwarded words.\r\n'),
        },
      ]),
    ),
    expected: { text_contains: ['Outer note.'], attachment_count: 1 },
  },
];

describe('inspectMessage decodes bodies as the mail corpus defines them', () => {
  it.each(cases.map((entry) => [entry.situation, entry] as const))('%s', async (_situation, entry) => {
    await expectInspection(entry.raw, entry.expected);
  });
});
