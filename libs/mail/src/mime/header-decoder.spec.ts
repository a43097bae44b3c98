import { describe, expect, it } from 'vitest';

import { decodeHeaderValue } from './header-decoder';

const latin1 = (value: string): Buffer => Buffer.from(value, 'latin1');

describe('decodeHeaderValue', () => {
  it.each([
    ['plain ASCII', latin1('Hello world'), null, 'Hello world'],
    [
      'folded lines unfolded (white space kept)',
      latin1('Die Hasen und\r\n   die Frosche'),
      null,
      'Die Hasen und   die Frosche',
    ],
    [
      'raw 8-bit byte in the message charset (mailparser gives U+FFFD)',
      latin1('Fr\xf6sche'),
      'iso-8859-1',
      'Frösche',
    ],
    ['raw 8-bit byte without any charset: windows-1252', latin1('Fr\xf6sche \x80'), null, 'Frösche €'],
    [
      'raw UTF-8 (RFC 6532) even when the message says otherwise',
      Buffer.from('Säying Hello'),
      'iso-8859-1',
      'Säying Hello',
    ],
    ['a Q word', latin1('=?iso-8859-1?Q?Fr=F6sche?='), null, 'Frösche'],
    [
      'a Q word with a raw 8-bit byte inside (mailparser gives mojibake)',
      latin1('=?iso-8859-1?Q?Fr\xf6sche?='),
      null,
      'Frösche',
    ],
    [
      'a Q word in UTF-7 (mailparser leaves it encoded)',
      latin1('=?utf-7?Q?Die_Fr+APY-sche?='),
      null,
      'Die Frösche',
    ],
    [
      'white space between two encoded-words is dropped',
      latin1('=?utf-8?Q?a?= \r\n =?utf-8?Q?b?='),
      null,
      'ab',
    ],
    ['text between encoded-words is kept', latin1('=?utf-8?Q?a?= and =?utf-8?Q?b?='), null, 'a and b'],
    ['a UTF-8 character split across two B words', latin1('=?UTF-8?B?5Zue?= =?UTF-8?B?5aSN?='), null, '回复'],
    [
      'a UTF-8 character split mid-sequence across two Q words',
      latin1('=?utf-8?Q?=E5=9B?= =?utf-8?Q?=9E?='),
      null,
      '回',
    ],
    [
      'two ISO-2022-JP words, each decoded on its own',
      latin1('Re: =?ISO-2022-JP?B?GyRCJUYlOSVIGyhC?=\r\n =?ISO-2022-JP?B?GyRCJUYlOSVIGyhC?='),
      null,
      'Re: テストテスト',
    ],
    ['an RFC 2231 language in the charset', latin1('=?utf-8*en?Q?hello?='), null, 'hello'],
    ['windows-1252 named "1252" in an encoded-word', latin1('=?1252?Q?=80_5?='), null, '€ 5'],
    ['a B word without padding', latin1('=?utf-8?B?w6Q?='), null, 'ä'],
    ['a malformed word stays as text', latin1('=?utf-8?X?abc?='), null, '=?utf-8?X?abc?='],
  ])('%s', (_situation, raw, fallback, expected) => {
    expect(decodeHeaderValue(raw, fallback)).toBe(expected);
  });
});
