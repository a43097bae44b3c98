/**
 * Decodes RFC 2047 encoded words (`=?UTF-8?B?...?=`, `=?iso-8859-1?Q?...?=`) in a header value.
 *
 * Parsers normally hand the engine a decoded subject, but raw values still reach the domain logic:
 * subjects from structured ingest, values copied out of a forwarded message's headers, and encoded
 * words a client put inside a quoted string, which strict parsers leave alone. Adjacent encoded words
 * of one charset are decoded together (RFC 2047 §6.2: the white space between them is dropped), so a
 * multi-byte character split across two words comes out whole. An unknown charset or broken base64
 * leaves that word as it was: the caller sees the original text, never an exception.
 */
export function decodeEncodedWords(value: string): string {
  return decodeWords(value, false) ?? value;
}

/**
 * The strict form, for header values read as latin1 byte strings (one char = one byte, as in the
 * bounce MIME walker): a char inside a Q word is its own byte, decoding is fatal, and the result is
 * null when any encoded word cannot be decoded (unknown charset, broken base64, invalid bytes).
 */
export function decodeEncodedWordsStrict(latin1Value: string): string | null {
  return decodeWords(latin1Value, true);
}

function decodeWords(value: string, strict: boolean): string | null {
  if (!value.includes('=?')) return value;
  let failed = false;
  let result = '';
  let pending: { charset: string; bytes: number[]; raw: string } | null = null;
  let lastEnd = 0;

  const flush = (): void => {
    if (pending === null) return;
    const text = decodeBytes(pending.charset, pending.bytes, strict);
    if (text === null) failed = true;
    result += text ?? pending.raw;
    pending = null;
  };

  for (const match of value.matchAll(ENCODED_WORD)) {
    const [raw, charsetWithLanguage, encoding, text] = match;
    const start = match.index;
    const between = value.slice(lastEnd, start);
    // RFC 2231 allows `charset*language`; only the charset matters here.
    const charset = charsetWithLanguage.split('*')[0].toLowerCase();
    const bytes = encoding.toUpperCase() === 'B' ? base64Bytes(text) : qBytes(text, strict);
    if (bytes === null) failed = true;
    const adjacent = pending !== null && /^[ \t\r\n]*$/.test(between);
    if (adjacent && bytes !== null && pending!.charset === charset) {
      pending!.bytes.push(...bytes);
      pending!.raw += between + raw;
    } else {
      flush();
      if (!adjacent) result += between;
      if (bytes === null) result += raw;
      else pending = { charset, bytes: [...bytes], raw };
    }
    lastEnd = start + raw.length;
  }
  flush();
  if (strict && failed) return null;
  return result + value.slice(lastEnd);
}

const ENCODED_WORD = /=\?([^?\s]+)\?([BbQq])\?([^?\s]*)\?=/g;

function base64Bytes(text: string): Uint8Array | null {
  const clean = text.replace(/=+$/, '');
  if (!/^[A-Za-z0-9+/]*$/.test(clean)) return null;
  return Buffer.from(clean, 'base64');
}

/** `latin1`: each char is one byte (latin1 byte strings); otherwise a char is its UTF-8 bytes. */
function qBytes(text: string, latin1: boolean): number[] {
  const bytes: number[] = [];
  for (let i = 0; i < text.length; i++) {
    const char = text[i];
    if (char === '_') bytes.push(0x20);
    else if (char === '=' && /^[0-9A-Fa-f]{2}$/.test(text.slice(i + 1, i + 3))) {
      bytes.push(parseInt(text.slice(i + 1, i + 3), 16));
      i += 2;
    } else bytes.push(...Buffer.from(char, latin1 ? 'latin1' : 'utf8'));
  }
  return bytes;
}

function decodeBytes(charset: string, bytes: number[], fatal: boolean): string | null {
  try {
    return new TextDecoder(charset === 'utf8' ? 'utf-8' : charset, { fatal }).decode(Uint8Array.from(bytes));
  } catch {
    // TextDecoder throws a RangeError for a label it does not know (and, when fatal, a TypeError
    // for bytes that are not valid in the charset).
    return null;
  }
}
