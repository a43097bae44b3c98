import { describe, expect, it } from 'vitest';

import { parseStructuredHeader } from './mime-parameters';

describe('parseStructuredHeader', () => {
  it.each([
    [
      'a quoted filename',
      'attachment; filename="report 2024.pdf"',
      'attachment',
      'filename',
      'report 2024.pdf',
    ],
    ['a token value, type lower-cased', 'Text/Plain; charset=UTF-8', 'text/plain', 'charset', 'UTF-8'],
    ['a semicolon inside quotes', 'attachment; filename="a;b.txt"', 'attachment', 'filename', 'a;b.txt'],
    ['an escaped quote', 'attachment; filename="say \\"hi\\".txt"', 'attachment', 'filename', 'say "hi".txt'],
    [
      'RFC 2231 charset and percent-encoding',
      "attachment; filename*=UTF-8''%E7%AE%A1%E7%90%86.doc",
      'attachment',
      'filename',
      '管理.doc',
    ],
    [
      'RFC 2231 continuations joined in section order',
      "attachment; filename*1*=%20Teil%202.txt; filename*0*=iso-8859-1'de'Gr%FC%DFe",
      'attachment',
      'filename',
      'Grüße Teil 2.txt',
    ],
    [
      'RFC 2231 continuations without encoding',
      'attachment; filename*0="long"; filename*1="name.txt"',
      'attachment',
      'filename',
      'longname.txt',
    ],
    [
      'an RFC 2047 word inside a quoted value (Outlook, Gmail)',
      'attachment; filename="=?utf-8?B?566h55CGLmRvYw==?="',
      'attachment',
      'filename',
      '管理.doc',
    ],
    [
      'raw 8-bit UTF-8',
      Buffer.from('attachment; filename="管理.doc"').toString('latin1'),
      'attachment',
      'filename',
      '管理.doc',
    ],
    [
      'an ISO-2022-JP RFC 2231 name with an invalid byte (U+FFFD, not a silent drop)',
      "attachment; filename*=iso-2022-jp'ja'Dij%8Aat.mp3",
      'attachment',
      'filename',
      'Dij\ufffdat.mp3',
    ],
    ['a folded value', 'multipart/mixed;\r\n\tboundary="b1"', 'multipart/mixed', 'boundary', 'b1'],
  ])('%s', (_situation, raw, value, name, expected) => {
    const parsed = parseStructuredHeader(raw);
    expect(parsed.value).toBe(value);
    expect(parsed.params.get(name)).toBe(expected);
  });

  it('gives an empty value and no parameters for an absent header', () => {
    expect(parseStructuredHeader('')).toEqual({ value: '', params: new Map() });
  });
});
