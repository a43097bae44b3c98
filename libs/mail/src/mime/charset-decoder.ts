import { decode as iconvDecode, encodingExists } from 'iconv-lite';

import { decodeUtf7 } from './utf7-decoder';

const STRICT_UTF8 = new TextDecoder('utf-8', { fatal: true });

/** Labels seen in real mail that no registry knows, mapped to what the sender meant. */
const ALIASES: Record<string, string> = {
  'unicode-1-1-utf-7': 'utf-7',
  utf7: 'utf-7',
  'x-unicode-2-0-utf-7': 'utf-7',
  ks_c_5601: 'euc-kr',
  'x-gbk': 'gbk',
  cp936: 'gbk',
  ms936: 'gbk',
  ms932: 'shift_jis',
  cp932: 'shift_jis',
  'windows-31j': 'shift_jis',
  'x-mac-roman': 'macintosh',
  'ansi_x3.4-1968': 'us-ascii',
  '646': 'us-ascii',
  ascii: 'us-ascii',
  'iso-8859-8-i': 'iso-8859-8',
  // Korean: WHATWG's euc-kr is Microsoft's code page 949 (Unified Hangul Code).
  'x-windows-949': 'euc-kr',
  'windows-949': 'euc-kr',
  'ks_c_5601-1989': 'euc-kr',
  uhc: 'euc-kr',
  // UTF-16 named by its Windows code page.
  cp1200: 'utf-16le',
  cp1201: 'utf-16be',
};

// eslint-disable-next-line no-control-regex -- ESC is the byte that marks ISO-2022-JP
const ISO_2022_JP_ESCAPE = /\x1b\$[@B]/;

const UTF8_SEQUENCE = /[\xC2-\xDF][\x80-\xBF]|[\xE0-\xEF][\x80-\xBF]{2}|[\xF0-\xF4][\x80-\xBF]{3}/;
const UTF8_SEQUENCES = new RegExp(UTF8_SEQUENCE.source, 'g');

/** 7-bit text holding ISO-2022-JP escapes into JIS X 0208 (undeclared Japanese mail). */
export function looksLikeIso2022Jp(bytes: Uint8Array): boolean {
  return isAscii(bytes) && ISO_2022_JP_ESCAPE.test(Buffer.from(bytes).toString('latin1'));
}

const WESTERN_SINGLE_BYTE = new Set(['iso-8859-1', 'iso-8859-15', 'latin1', 'l1', 'windows-1252']);

/** Charsets that carry no information beyond "7-bit": 8-bit bytes under them are guessed. */
export const NO_INFORMATION = new Set([
  '',
  'us-ascii',
  'x-unknown',
  'unknown',
  'unknown-8bit',
  'default',
  'none',
]);

/**
 * The canonical name for a charset label as mail carries it: lower case, no quotes or white space,
 * the RFC 2231 language suffix (`utf-8*en`) removed, bare code page numbers (`1252`, `cp1252`,
 * `win-1252`) named as the windows code page they mean. Returns '' for a missing label.
 */
export function normalizeCharset(label: string | null | undefined): string {
  const name = (label ?? '')
    .trim()
    .replace(/^["']+|["']+$/g, '')
    .replace(/\*.*$/, '')
    .trim()
    .toLowerCase();
  const codePage = /^(?:cp|win|windows|x-cp|ms)?[-_]?(12[5][0-8])$/.exec(name);
  if (codePage !== null) return `windows-${codePage[1]}`;
  return ALIASES[name] ?? name;
}

export function isValidUtf8(bytes: Uint8Array): boolean {
  try {
    STRICT_UTF8.decode(bytes);
    return true;
  } catch {
    return false;
  }
}

function isAscii(bytes: Uint8Array): boolean {
  for (const byte of bytes) if (byte >= 0x80) return false;
  return true;
}

/**
 * Text of bytes in the given charset. A missing, 7-bit-only (`us-ascii`) or unknown label means
 * the sender did not say: then valid UTF-8 is UTF-8 (also under a Latin-1 label, which is the
 * common mislabelling), otherwise `fallbackCharset` (the message's
 * declared charset) if given, otherwise windows-1252 (what unlabelled 8-bit Western mail is in
 * practice; ISO-8859-1 is its subset). Never throws; undecodable bytes become U+FFFD.
 *
 * Decoders: UTF-7 is ours (RFC 2152); everything in the WHATWG Encoding Standard (ISO-2022-JP,
 * Shift_JIS, GBK/GB18030, KOI8-R, windows-125x, ...) is Node's TextDecoder (full ICU); other labels
 * (IBM code pages and the like) go to iconv-lite.
 */
export function decodeCharset(
  bytes: Uint8Array,
  charset: string | null | undefined,
  fallbackCharset?: string | null,
): string {
  const name = normalizeCharset(charset);
  if (name === 'utf-7') return decodeUtf7(Buffer.from(bytes).toString('latin1'));
  if (NO_INFORMATION.has(name)) return guess(bytes, fallbackCharset);
  if (name === 'utf-8' || name === 'utf8') {
    if (isAscii(bytes)) return Buffer.from(bytes).toString('latin1');
    // Labelled UTF-8 but without a single UTF-8 sequence: legacy 8-bit text under a wrong label
    // (a form or script that always says utf-8). Text with some valid sequences stays UTF-8.
    if (!isValidUtf8(bytes) && !UTF8_SEQUENCE.test(Buffer.from(bytes).toString('latin1'))) {
      return guess(bytes, fallbackCharset);
    }
  }
  // UTF-8 labelled as Latin-1 (webmail forms, scripts): multi-byte UTF-8 sequences are all but
  // impossible in real Latin-1 text ("Ã¤"), so valid UTF-8 with 8-bit bytes is read as UTF-8.
  if (WESTERN_SINGLE_BYTE.has(name) && !isAscii(bytes) && isValidUtf8(bytes))
    return new TextDecoder('utf-8').decode(bytes);
  const decoded = decodeKnown(bytes, name);
  return decoded ?? guess(bytes, fallbackCharset);
}

function guess(bytes: Uint8Array, fallbackCharset: string | null | undefined): string {
  // 7-bit ISO-2022-JP (Japanese mailers' raw headers and unlabelled bodies) announces itself by
  // its escape sequences into JIS X 0208 (`ESC $ B`, `ESC $ @`).
  if (looksLikeIso2022Jp(bytes)) return new TextDecoder('iso-2022-jp').decode(bytes);
  if (isAscii(bytes)) return Buffer.from(bytes).toString('latin1');
  if (isValidUtf8(bytes)) return new TextDecoder('utf-8').decode(bytes);
  const fallback = normalizeCharset(fallbackCharset);
  // Mostly UTF-8 with a stray Western byte (a signature or a pasted name): each part as it is.
  // Not under a multi-byte fallback (GBK, Shift_JIS), whose byte pairs can look like UTF-8.
  const western = NO_INFORMATION.has(fallback) || fallback === 'utf-8' || WESTERN_SINGLE_BYTE.has(fallback);
  if (western && UTF8_SEQUENCE.test(Buffer.from(bytes).toString('latin1'))) {
    return decodeMixedUtf8(bytes, (run) => guess(run, fallbackCharset));
  }
  if (fallback === 'utf-7') return decodeUtf7(Buffer.from(bytes).toString('latin1'));
  const decoded = NO_INFORMATION.has(fallback) || fallback === 'utf-8' ? null : decodeKnown(bytes, fallback);
  return decoded ?? iconvDecode(Buffer.from(bytes), 'windows-1252');
}

/** Valid UTF-8 sequences as UTF-8, the bytes between them by `legacy` (never valid UTF-8). */
function decodeMixedUtf8(bytes: Uint8Array, legacy: (run: Uint8Array) => string): string {
  const text = Buffer.from(bytes).toString('latin1');
  let output = '';
  let last = 0;
  for (const match of text.matchAll(UTF8_SEQUENCES)) {
    const index = match.index ?? 0;
    if (index > last) output += legacy(bytes.subarray(last, index));
    output += new TextDecoder('utf-8').decode(bytes.subarray(index, index + match[0].length));
    last = index + match[0].length;
  }
  if (last < bytes.length) output += legacy(bytes.subarray(last));
  return output;
}

/**
 * Spellings of one label to try in turn: as given, then without the `x-` of an unregistered
 * name (`x-gb18030`), without a year (`gb18030-2000`), with `_` for `-` and the reverse.
 */
function spellings(name: string): string[] {
  const bare = name.replace(/^x-/, '');
  const undated = bare.replace(/[-_:](19|20)\d\d$/, '');
  return [...new Set([name, bare, undated, undated.replace(/_/g, '-'), undated.replace(/-/g, '_')])].map(
    (spelling) => ALIASES[spelling] ?? spelling,
  );
}

/** null when no decoder knows the label. */
function decodeKnown(bytes: Uint8Array, label: string): string | null {
  if (label === '') return null;
  for (const name of spellings(label)) {
    const decoded = decodeExactly(bytes, name);
    if (decoded !== null) return decoded;
  }
  return null;
}

function decodeExactly(bytes: Uint8Array, name: string): string | null {
  try {
    const decoder = new TextDecoder(name);
    // Node 20's TextDecoder reads windows-1252 (and so iso-8859-1, ascii) as ISO-8859-1: 0x80-0x9F
    // come out as C1 controls instead of € “ ” …, so that one goes to iconv-lite.
    if (decoder.encoding === 'windows-1252') return iconvDecode(Buffer.from(bytes), 'windows-1252');
    // WHATWG maps some dangerous labels (ISO-2022-KR, HZ) to "replacement", which yields only U+FFFD.
    if (decoder.encoding !== 'replacement') return decoder.decode(bytes);
  } catch {
    // Not a WHATWG label: try iconv-lite below.
  }
  if (encodingExists(name)) return iconvDecode(Buffer.from(bytes), name);
  return null;
}
