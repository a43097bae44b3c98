import { describe, it } from 'vitest';

import { b64, bytesIn, expectInspection, message, type Case } from './synthetic-message';

/** A header line with raw bytes after the name (raw 8-bit headers). */
const line = (name: string, value: Buffer | string): Buffer =>
  Buffer.concat([Buffer.from(`${name}: `), Buffer.isBuffer(value) ? value : Buffer.from(value, 'utf8')]);

const ct = (charset: string): string => `Content-Type: text/plain; charset=${charset}`;

/** Subject `text` as one B encoded-word in `charset` (labelled `label`). */
const bWord = (text: string, charset: string, label = charset): string =>
  `=?${label}?B?${b64(text, charset)}?=`;

/** `text` as a Q encoded-word in `charset`. */
const qWord = (text: string, charset: string, label = charset): string =>
  `=?${label}?Q?${[...bytesIn(text, charset)]
    .map((byte) =>
      byte === 0x20
        ? '_'
        : byte >= 0x80 || byte === 0x3d || byte === 0x3f || byte === 0x5f
          ? `=${byte.toString(16).toUpperCase().padStart(2, '0')}`
          : String.fromCharCode(byte),
    )
    .join('')}?=`;

const euro = Buffer.from('€', 'utf8');

// Subjects in each charset the corpus categories meet, as B and as Q words.
const CHARSET_SUBJECTS: Array<[string, string, string?]> = [
  ['utf-8', 'Grüße aus Köln – €5'],
  ['iso-8859-1', 'Café crème à Genève'],
  ['iso-8859-2', 'Zażółć gęślą jaźń'],
  ['iso-8859-5', 'Привет мир'],
  ['iso-8859-7', 'Καλημέρα κόσμε'],
  ['iso-8859-9', 'Günaydın İstanbul'],
  ['iso-8859-15', 'Prix 5 € œuvre'],
  ['windows-1250', 'Příliš žluťoučký kůň'],
  ['windows-1251', 'Заявка на ремонт'],
  ['windows-1252', '“Quoted” — 5 €'],
  ['windows-1253', 'Ελληνικά'],
  ['windows-1254', 'Şikayet ğü'],
  ['windows-1255', 'שלום'],
  ['windows-1256', 'مرحبا'],
  ['windows-1257', 'Ąčęėįšųūž'],
  // windows-1258 writes Vietnamese with combining tone marks (compared after NFC).
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
  ['euc-jp', '日本語の件名'],
];

// Labels senders use that are not the canonical names.
const ALIAS_SUBJECTS: Array<[string, string, string]> = [
  ['utf8', 'utf-8', 'Grüße'],
  ['UTF8', 'utf-8', 'Grüße'],
  ['latin1', 'iso-8859-1', 'Café'],
  ['ks_c_5601-1987', 'euc-kr', '안녕하세요'],
  ['x-mac-roman', 'macintosh', 'Café'],
  ['macintosh', 'macintosh', 'Café'],
  ['cp1252', 'windows-1252', '“Hi”'],
  ['1252', 'windows-1252', '“Hi”'],
  ['win-1251', 'windows-1251', 'Заявка'],
  ['cp1251', 'windows-1251', 'Заявка'],
  ['x-sjis', 'shift_jis', '日本語'],
  ['ms932', 'shift_jis', '日本語'],
  ['cp936', 'gbk', '打印机'],
  ['x-gbk', 'gbk', '打印机'],
  ['ISO8859-1', 'iso-8859-1', 'Café'],
  ['iso_8859-1', 'iso-8859-1', 'Café'],
  ['ISO-8859-1*en', 'iso-8859-1', 'Café'],
  ['tis-620', 'tis-620', 'สวัสดี'],
  ['windows-874', 'windows-874', 'สวัสดี'],
  ['iso-8859-8-i', 'iso-8859-8', 'שלום'],
  ['csShiftJIS', 'shift_jis', '日本語'],
  ['"utf-8"', 'utf-8', 'Grüße'],
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

const cases: Case[] = [
  ...CHARSET_SUBJECTS.map(([charset, text]): Case => ({
    situation: `B encoded-word in ${charset}`,
    raw: message([`Subject: ${bWord(text, charset)}`]),
    expected: { subject: text },
  })),
  ...CHARSET_SUBJECTS.filter(([charset]) => charset !== 'iso-2022-jp').map(([charset, text]): Case => ({
    situation: `Q encoded-word in ${charset}`,
    raw: message([`Subject: ${qWord(text, charset)}`]),
    expected: { subject: text },
  })),
  ...ALIAS_SUBJECTS.map(([label, charset, text]): Case => ({
    situation: `charset label ${label} read as ${charset}`,
    raw: message([`Subject: ${bWord(text, charset, label)}`]),
    expected: { subject: text },
  })),
  {
    situation: 'lower-case ?b? encoding letter',
    raw: message([`Subject: =?utf-8?b?${b64('Grüße')}?=`]),
    expected: { subject: 'Grüße' },
  },
  {
    situation: 'lower-case ?q? encoding letter',
    raw: message(['Subject: =?iso-8859-1?q?Caf=e9_cr=E8me?=']),
    expected: { subject: 'Café crème' },
  },
  {
    situation: 'UTF-8 character split across two B words',
    raw: message([
      `Subject: =?UTF-8?B?${Buffer.from('Gr\xC3', 'latin1').toString('base64')}?= =?UTF-8?B?${Buffer.from('\xBC\xC3\x9Fe', 'latin1').toString('base64')}?=`,
    ]),
    expected: { subject: 'Grüße' },
  },
  {
    situation: 'UTF-8 character split across two Q words on folded lines',
    raw: message(['Subject: =?UTF-8?Q?Gr=C3?=\r\n =?UTF-8?Q?=BC=C3=9Fe?=']),
    expected: { subject: 'Grüße' },
  },
  {
    situation: 'Shift_JIS double-byte character split across two B words',
    raw: (() => {
      const bytes = bytesIn('日本語', 'shift_jis');
      return message([
        `Subject: =?shift_jis?B?${bytes.subarray(0, 3).toString('base64')}?=\r\n\t=?shift_jis?B?${bytes.subarray(3).toString('base64')}?=`,
      ]);
    })(),
    expected: { subject: '日本語' },
  },
  {
    situation: 'ISO-2022-JP escape run split across two B words (no return to ASCII)',
    raw: (() => {
      const bytes = bytesIn('日本語の件名', 'iso-2022-jp');
      return message([
        `Subject: =?ISO-2022-JP?B?${bytes.subarray(0, 7).toString('base64')}?=\r\n =?ISO-2022-JP?B?${bytes.subarray(7).toString('base64')}?=`,
      ]);
    })(),
    expected: { subject: '日本語の件名' },
  },
  {
    situation: 'ISO-2022-JP double-byte character split across two B words',
    raw: (() => {
      const bytes = bytesIn('日本語', 'iso-2022-jp');
      return message([
        `Subject: =?ISO-2022-JP?B?${bytes.subarray(0, 5).toString('base64')}?= =?ISO-2022-JP?B?${bytes.subarray(5).toString('base64')}?=`,
      ]);
    })(),
    expected: { subject: '日本語' },
  },
  {
    situation: 'adjacent encoded-words without white space between them',
    raw: message(['Subject: =?UTF-8?Q?Hello_?==?UTF-8?Q?W=C3=B6rld?=']),
    expected: { subject: 'Hello Wörld' },
  },
  {
    situation: 'adjacent encoded-words in two different charsets',
    raw: message([`Subject: ${bWord('Привет', 'koi8-r')} ${bWord('Café', 'iso-8859-1')}`]),
    expected: { subject: 'ПриветCafé' },
  },
  {
    situation: 'white space between an encoded-word and plain text is kept',
    raw: message(['Subject: =?UTF-8?Q?Caf=C3=A9?= au lait']),
    expected: { subject: 'Café au lait' },
  },
  {
    situation: 'plain text then an encoded-word',
    raw: message(['Subject: Re: =?UTF-8?Q?Caf=C3=A9?=']),
    expected: { subject: 'Re: Café' },
  },
  {
    situation: 'encoded-word glued to the text before it',
    raw: message(['Subject: Re:=?UTF-8?Q?Caf=C3=A9?=']),
    expected: { subject: 'Re:Café' },
  },
  {
    situation: 'encoded-word with an encoded space and underscores',
    raw: message(['Subject: =?UTF-8?Q?a=20b_c=5Fd?=']),
    expected: { subject: 'a b c_d' },
  },
  {
    situation: 'B word without base64 padding',
    raw: message([`Subject: =?UTF-8?B?${b64('Grüße!').replace(/=+$/, '')}?=`]),
    expected: { subject: 'Grüße!' },
  },
  {
    // Not an encoded-word (RFC 2047 §2): Python's email, mailparser and Thunderbird keep it as text.
    situation: 'missing ?= terminator: kept as written',
    raw: message(['Subject: Bestellung =?UTF-8?Q?Gr=C3=BC=C3=9Fe']),
    expected: { subject: 'Bestellung =?UTF-8?Q?Gr=C3=BC=C3=9Fe' },
  },
  {
    situation: 'missing ?= terminator after a complete encoded-word: the complete one is decoded',
    raw: message([`Subject: ${bWord('Grüße', 'utf-8')} =?UTF-8?B?${b64('Köln')}`]),
    expected: { subject: `Grüße =?UTF-8?B?${b64('Köln')}` },
  },
  {
    situation: 'Q word with a space inside (forbidden, sent by broken mailers)',
    raw: message(['Subject: =?UTF-8?Q?Gr=C3=BC=C3=9Fe aus K=C3=B6ln?=']),
    expected: { subject: 'Grüße aus Köln' },
  },
  {
    situation: 'UTF-7 encoded-word',
    raw: message(['Subject: =?utf-7?Q?Fr+APY-sche?=']),
    expected: { subject: 'Frösche' },
  },
  {
    situation: 'unknown charset label with ASCII data',
    raw: message(['Subject: =?x-unknown-thing?Q?plain_words?=']),
    expected: { subject: 'plain words' },
  },
  {
    situation: 'unknown charset label with UTF-8 data',
    raw: message(['Subject: =?x-bogus?Q?Gr=C3=BC=C3=9Fe?=']),
    expected: { subject: 'Grüße' },
  },
  {
    situation: 'RFC 2231 language tag in an encoded-word',
    raw: message(['Subject: =?UTF-8*de?Q?Gr=C3=BC=C3=9Fe?=']),
    expected: { subject: 'Grüße' },
  },
  {
    situation: 'raw UTF-8 subject (RFC 6532)',
    raw: message([line('Subject', 'Grüße aus Köln 日本')]),
    expected: { subject: 'Grüße aus Köln 日本' },
  },
  {
    situation: 'raw ISO-8859-1 subject with the charset declared on the body',
    raw: message([line('Subject', bytesIn('Café crème', 'iso-8859-1')), ct('iso-8859-1')], 'Hi\r\n'),
    expected: { subject: 'Café crème' },
  },
  {
    situation: 'raw windows-1252 subject without any declared charset',
    raw: message([line('Subject', bytesIn('“Hi” – 5 €', 'windows-1252'))]),
    expected: { subject: '“Hi” – 5 €' },
  },
  {
    situation: 'raw windows-1251 subject with the charset declared on the body',
    raw: message([line('Subject', bytesIn('Заявка на ремонт', 'windows-1251')), ct('windows-1251')]),
    expected: { subject: 'Заявка на ремонт' },
  },
  {
    situation: 'raw KOI8-R subject with the charset declared on the body',
    raw: message([line('Subject', bytesIn('Проверка связи', 'koi8-r')), ct('koi8-r')]),
    expected: { subject: 'Проверка связи' },
  },
  {
    situation: 'raw Shift_JIS subject with the charset declared on the body',
    raw: message([line('Subject', bytesIn('日本語の件名', 'shift_jis')), ct('shift_jis')]),
    expected: { subject: '日本語の件名' },
  },
  {
    situation: 'raw GB2312 subject with the charset declared on the body',
    raw: message([line('Subject', bytesIn('打印机卡纸', 'gb2312')), ct('gb2312')]),
    expected: { subject: '打印机卡纸' },
  },
  {
    situation: 'raw Big5 subject with the charset declared on the body',
    raw: message([line('Subject', bytesIn('印表機卡紙', 'big5')), ct('big5')]),
    expected: { subject: '印表機卡紙' },
  },
  {
    situation: 'raw EUC-KR subject with the charset declared on the body',
    raw: message([line('Subject', bytesIn('안녕하세요', 'euc-kr')), ct('euc-kr')]),
    expected: { subject: '안녕하세요' },
  },
  {
    situation: 'raw ISO-2022-JP subject (7-bit escapes) with the charset declared on the body',
    raw: message([line('Subject', bytesIn('日本語の件名', 'iso-2022-jp')), ct('iso-2022-jp')]),
    expected: { subject: '日本語の件名' },
  },
  {
    situation: 'raw 8-bit byte inside a Q word decoded with the word charset',
    raw: message([
      Buffer.concat([Buffer.from('Subject: =?iso-8859-1?Q?Fr'), Buffer.from([0xf6]), Buffer.from('sche?=')]),
    ]),
    expected: { subject: 'Frösche' },
  },
  {
    situation: 'raw UTF-8 display name and address in From',
    raw: message([line('From', 'Jörg Müller <joerg@example.com>')]),
    expected: { from_address: 'joerg@example.com' },
  },
  {
    situation: 'raw ISO-8859-1 display name in From',
    raw: message([
      line(
        'From',
        Buffer.concat([bytesIn('"Müller, Jörg"', 'iso-8859-1'), Buffer.from(' <joerg@example.com>')]),
      ),
      ct('iso-8859-1'),
    ]),
    expected: { from_address: 'joerg@example.com' },
  },
  {
    situation: 'subject folded with a tab',
    raw: message(['Subject: Printer on floor 3\r\n\tis jammed again']),
    expected: { subject: 'Printer on floor 3 is jammed again' },
  },
  {
    situation: 'encoded-words folded with a tab between them',
    raw: message(['Subject: =?UTF-8?Q?Gr=C3=BC=C3=9Fe?=\r\n\t=?UTF-8?Q?_aus_K=C3=B6ln?=']),
    expected: { subject: 'Grüße aus Köln' },
  },
  {
    situation: 'subject of 20,000 characters on folded lines',
    raw: message([
      `Subject: ${Array.from({ length: 2000 }, (_, index) => `word${index % 10}xxxx`).join('\r\n ')}`,
    ]),
    expected: { subject: Array.from({ length: 2000 }, (_, index) => `word${index % 10}xxxx`).join(' ') },
  },
  {
    situation: 'To with 3,000 recipients on folded lines',
    raw: message([
      `To: ${Array.from({ length: 3000 }, (_, index) => `user${index}@example.com`).join(',\r\n ')}`,
    ]),
    expected: { to_cc_addresses: Array.from({ length: 3000 }, (_, index) => `user${index}@example.com`) },
  },
  {
    situation: 'To and Cc with display names, then Cc again (every field, in order)',
    raw: message([
      'To: "Doe, John" <john@example.com>, =?UTF-8?Q?M=C3=BCller=2C_J=C3=B6rg?= <joerg@example.com>',
      'Cc: team: a@example.com, b@example.com;, c@example.com',
      'Cc: d@example.com',
    ]),
    expected: {
      to_cc_addresses: [
        'john@example.com',
        'joerg@example.com',
        'a@example.com',
        'b@example.com',
        'c@example.com',
        'd@example.com',
      ],
    },
  },
  {
    situation: 'two Subject headers: the first wins',
    raw: message(['Subject: First subject', 'Subject: Second subject']),
    expected: { subject: 'First subject' },
  },
  {
    situation: 'two From headers: the first wins',
    raw: message(['From: first@example.com', 'From: second@example.com']),
    expected: { from_address: 'first@example.com' },
  },
  {
    situation: 'two Message-ID headers: the first wins',
    raw: message(['Message-ID: <first@example.com>', 'Message-ID: <second@example.com>']),
    expected: { message_id: 'first@example.com' },
  },
  {
    situation: 'From with group syntax: the first mailbox of the group',
    raw: message(['From: Helpdesk team: alice@example.com, bob@example.com;']),
    expected: { from_address: 'alice@example.com' },
  },
  {
    situation: 'From with an empty group: no address',
    raw: message(['From: undisclosed-recipients:;']),
    expected: { from_address: null },
  },
  {
    situation: 'From with a display name only: no address',
    raw: message(['From: Mail Delivery System']),
    expected: { from_address: null },
  },
  {
    situation: 'From <> (null sender): no address',
    raw: message(['From: <>']),
    expected: { from_address: null },
  },
  {
    situation: 'From as bare addr-spec with a comment',
    raw: message(['From: alice@example.com (Alice Example)']),
    expected: { from_address: 'alice@example.com' },
  },
  {
    situation: 'From with an encoded-word inside quotes in the display name',
    raw: message(['From: "=?UTF-8?Q?M=C3=BCller=2C_J=C3=B6rg?=" <joerg@example.com>']),
    expected: { from_address: 'joerg@example.com' },
  },
  {
    situation: 'From with an unquoted comma in an encoded display name',
    raw: message(['From: =?UTF-8?Q?M=C3=BCller=2C_J=C3=B6rg?= <joerg@example.com>']),
    expected: { from_address: 'joerg@example.com' },
  },
  {
    situation: 'From with an angle-bracket address in a quoted display name',
    raw: message(['From: "bob@example.com" <alice@example.com>']),
    expected: { from_address: 'alice@example.com' },
  },
  {
    situation: 'From address without angle brackets after a display name',
    raw: message(['From: Alice Example alice@example.com']),
    expected: { from_address: 'alice@example.com' },
  },
  {
    situation: 'From with the whole mailbox in quotes (broken mailer): the bracketed address',
    raw: message(['From: "Name <user@example.com>"']),
    expected: { from_address: 'user@example.com' },
  },
  {
    situation: 'From with a missing closing bracket',
    raw: message(['From: Name <user@example.com']),
    expected: { from_address: 'user@example.com' },
  },
  {
    situation: 'From with the display name glued to the bracket',
    raw: message(['From: Name<user@example.com>']),
    expected: { from_address: 'user@example.com' },
  },
  {
    situation: 'From with the bracketed address before the name',
    raw: message(['From: <user@example.com> Name']),
    expected: { from_address: 'user@example.com' },
  },
  {
    situation: 'From with an empty quoted display name',
    raw: message(['From: "" <user@example.com>']),
    expected: { from_address: 'user@example.com' },
  },
  {
    situation: 'From with a domain literal',
    raw: message(['From: user@[192.0.2.1]']),
    expected: { from_address: 'user@[192.0.2.1]' },
  },
  {
    situation: 'From with two mailboxes: the first',
    raw: message(['From: Name <user@example.com>, Other <o@example.com>']),
    expected: { from_address: 'user@example.com' },
  },
  {
    situation: 'From with doubled angle brackets',
    raw: message(['From: Name <<user@example.com>>']),
    expected: { from_address: 'user@example.com' },
  },
  {
    situation: 'From whose encoded-word only looks like an address: a display name, no address',
    raw: message(['From: =?UTF-8?B?Sm9obiBEb2UgPGpkQGV4YW1wbGUuY29tPg==?=']),
    expected: { from_address: null },
  },
  {
    situation: 'From with an apostrophe in an unquoted name',
    raw: message(["From: O'Brien <ob@example.com>"]),
    expected: { from_address: 'ob@example.com' },
  },
  {
    situation: 'no From header',
    raw: message([], 'Hello.\r\n', { omit: ['From'] }),
    expected: { from_address: null },
  },
  {
    situation: 'no Subject header',
    raw: message([], 'Hello.\r\n', { omit: ['Subject'] }),
    expected: { subject: null },
  },
  {
    situation: 'empty Subject header',
    raw: message(['Subject: ']),
    expected: { subject: '' },
  },
  {
    situation: 'no Message-ID header',
    raw: message([], 'Hello.\r\n', { omit: ['Message-ID'] }),
    expected: { message_id: null },
  },
  {
    situation: 'Message-ID with a trailing comment',
    raw: message(['Message-ID: <abc.123@example.com> (added by relay)']),
    expected: { message_id: 'abc.123@example.com' },
  },
  {
    situation: 'Message-ID without angle brackets',
    raw: message(['Message-ID: abc.123@example.com']),
    expected: { message_id: 'abc.123@example.com' },
  },
  {
    situation: 'Message-ID with spaces inside the brackets',
    raw: message(['Message-ID: < abc.123@example.com >']),
    expected: { message_id: 'abc.123@example.com' },
  },
  {
    situation: 'Message-ID folded onto the next line',
    raw: message(['Message-ID:\r\n <abc.123@example.com>']),
    expected: { message_id: 'abc.123@example.com' },
  },
  {
    situation: 'Message-ID case kept as written',
    raw: message(['Message-ID: <AbC.123@Example.COM>']),
    expected: { message_id: 'AbC.123@Example.COM' },
  },
  {
    situation: 'empty Message-ID header',
    raw: message(['Message-ID: ']),
    expected: { message_id: null },
  },
  {
    situation: 'In-Reply-To with one id',
    raw: message(['In-Reply-To: <orig@example.com>']),
    expected: { in_reply_to: 'orig@example.com' },
  },
  {
    situation: 'In-Reply-To with an old-style phrase around the id',
    raw: message(['In-Reply-To: Your message of "Mon, 13 May 2024" <orig@example.com>']),
    expected: { in_reply_to: 'orig@example.com' },
  },
  {
    situation: 'In-Reply-To with a comment after the id',
    raw: message(['In-Reply-To: <orig@example.com> (Alice Example)']),
    expected: { in_reply_to: 'orig@example.com' },
  },
  {
    // The corpus keeps the header value (unfolded, trimmed); threading uses the first id.
    situation: 'In-Reply-To with two ids',
    raw: message(['In-Reply-To: <first@example.com>\r\n <second@example.com>']),
    expected: { in_reply_to: 'first@example.com> <second@example.com' },
  },
  {
    situation: 'no In-Reply-To header',
    raw: message([]),
    expected: { in_reply_to: null },
  },
  {
    situation: 'header names in odd case and white space before the colon',
    raw: message(['SUBJECT : shouting subject', 'from: alice@example.com']),
    expected: { subject: 'shouting subject', from_address: 'alice@example.com' },
  },
  {
    situation: 'subject with a euro sign as raw UTF-8 next to an encoded-word',
    raw: message([line('Subject', Buffer.concat([euro, Buffer.from(' =?UTF-8?Q?Gr=C3=BC=C3=9Fe?=')]))]),
    expected: { subject: '€ Grüße' },
  },
  {
    situation: 'LF-only line ends with a folded subject',
    raw: Buffer.from('From: alice@example.com\nSubject: one\n two\nMessage-ID: <lf@example.com>\n\nHello.\n'),
    expected: { subject: 'one two', message_id: 'lf@example.com', from_address: 'alice@example.com' },
  },
];

describe('inspectMessage reads headers as the mail corpus defines them', () => {
  it.each(cases.map((entry) => [entry.situation, entry] as const))('%s', async (_situation, entry) => {
    await expectInspection(entry.raw, entry.expected);
  });
});
