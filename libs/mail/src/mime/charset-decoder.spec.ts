import { describe, expect, it } from 'vitest';

import { decodeCharset, isValidUtf8, normalizeCharset } from './charset-decoder';

const hex = (value: string): Buffer => Buffer.from(value, 'hex');

describe('decodeCharset', () => {
  it.each([
    ['windows-1252 named by its bare code page number "1252"', hex('80207072696365'), '1252', '€ price'],
    ['windows-1252 named "cp1252"', hex('9371756f746573'), 'cp1252', '“quotes'],
    [
      'ISO-8859-1 label with a C1 byte (decoded as windows-1252, as every client does)',
      hex('80'),
      'iso-8859-1',
      '€',
    ],
    ['windows-1258 with a combining tone mark', hex('5669eaf274'), 'windows-1258', 'Việt'],
    ['ISO-2022-JP', hex('1b2442467c4b5c1b2842'), 'ISO-2022-JP', '日本'],
    ['Shift_JIS', hex('93fa967b'), 'Shift_JIS', '日本'],
    ['Shift_JIS under its Microsoft name', hex('93fa967b'), 'x-sjis', '日本'],
    ['KOI8-R', hex('f0d2c9d7c5d4'), 'koi8-r', 'Привет'],
    ['GB2312 (decoded as its superset GBK)', hex('d6d0cec4'), 'gb2312', '中文'],
    ['GBK', hex('d6d0cec4'), 'GBK', '中文'],
    ['UTF-7', Buffer.from('Fr+APY-sche'), 'utf-7', 'Frösche'],
    ['UTF-7 under the name Outlook gives it', Buffer.from('Fr+APY-sche'), 'unicode-1-1-utf-7', 'Frösche'],
    ['a quoted, upper-case label', hex('c3a4'), '"UTF-8"', 'ä'],
    ['an IBM code page only iconv-lite knows (cp850)', hex('8e'), 'cp850', 'Ä'],
    [
      'UTF-8 declared over windows-1252 bytes with no UTF-8 sequence',
      hex('43616fe920809c'),
      'utf-8',
      'Caoé €œ',
    ],
    ['no charset, 7-bit ISO-2022-JP recognised by its escapes', hex('1b2442467c4b5c1b2842'), null, '日本'],
    ['no charset, UTF-8 with one stray Latin-1 byte', hex('c3a420c9'), null, 'ä É'],
    ['an x- prefixed label', hex('c4e3bac3'), 'x-gb18030', '你好'],
    ['a label with a year', hex('c4e3bac3'), 'GB18030-2000', '你好'],
    ['Korean under its Microsoft code page name', hex('c7d1'), 'x-windows-949', '한'],
    ['no charset, valid UTF-8', hex('c3a4'), null, 'ä'],
    ['no charset, not UTF-8: windows-1252', hex('e4'), null, 'ä'],
    ['us-ascii declared but 8-bit UTF-8 sent', hex('c3a4'), 'us-ascii', 'ä'],
    ['an unknown label with UTF-8 bytes', hex('c3a4'), 'x-user-defined-nonsense', 'ä'],
    [
      'ISO-2022-KR, which the WHATWG decoder refuses, read as a guess instead of U+FFFD',
      Buffer.from('abc'),
      'iso-2022-kr',
      'abc',
    ],
    [
      'UTF-8 declared with an invalid tail: the valid part survives',
      hex('d097d0b4d180ff'),
      'utf-8',
      'Здр\ufffd',
    ],
  ])('%s', (_situation, bytes, charset, expected) => {
    expect(decodeCharset(bytes, charset).normalize('NFC')).toBe(expected);
  });

  it.each([
    ['the declared charset of the message', 'koi8-r', 'Привет'],
    ['windows-1252 without a declared charset', null, 'ðÒÉ×ÅÔ'],
  ])('reads undeclared 8-bit text that is not UTF-8 in %s', (_situation, fallback, expected) => {
    expect(decodeCharset(hex('f0d2c9d7c5d4'), null, fallback)).toBe(expected);
  });
});

describe('normalizeCharset', () => {
  it.each([
    ['1252', 'windows-1252'],
    ['win-1250', 'windows-1250'],
    ['CP1258', 'windows-1258'],
    ['"UTF-8"', 'utf-8'],
    ['utf-8*en', 'utf-8'],
    ['UTF7', 'utf-7'],
    ['', ''],
  ])('%s -> %s', (label, expected) => {
    expect(normalizeCharset(label)).toBe(expected);
  });
});

describe('isValidUtf8', () => {
  it.each([
    ['ASCII', '616263', true],
    ['two-byte sequence', 'c3a4', true],
    ['a lone latin1 byte', 'e4', false],
    ['a truncated sequence', 'e282', false],
  ])('%s', (_situation, bytes, expected) => {
    expect(isValidUtf8(hex(bytes))).toBe(expected);
  });
});

describe('decodeCharset on mislabelled text', () => {
  it.each([
    ['UTF-8 labelled ISO-8859-1', 'c3a4', 'iso-8859-1', 'ä'],
    ['UTF-8 labelled windows-1252', 'e282ac', 'windows-1252', '€'],
    ['real ISO-8859-1 that is not UTF-8', 'e4', 'iso-8859-1', 'ä'],
    [
      'UTF-8 bytes labelled KOI8-R stay KOI8-R (only Latin-1 labels are second-guessed)',
      'c3a4',
      'koi8-r',
      'ц╓',
    ],
  ])('%s', (_situation, bytes, charset, expected) => {
    expect(decodeCharset(Buffer.from(bytes, 'hex'), charset)).toBe(expected);
  });
});
