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
  if (!value.includes('=?')) return value;
  let result = '';
  let pending: { charset: string; bytes: number[]; raw: string } | null = null;
  let lastEnd = 0;

  const flush = (): void => {
    if (pending === null) return;
    result += decodeBytes(pending.charset, pending.bytes) ?? pending.raw;
    pending = null;
  };

  for (const match of value.matchAll(ENCODED_WORD)) {
    const [raw, charsetWithLanguage, encoding, text] = match;
    const start = match.index;
    const between = value.slice(lastEnd, start);
    // RFC 2231 allows `charset*language`; only the charset matters here.
    const charset = charsetWithLanguage.split('*')[0].toLowerCase();
    const bytes = encoding.toUpperCase() === 'B' ? base64Bytes(text) : qBytes(text);
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
  return result + value.slice(lastEnd);
}

const ENCODED_WORD = /=\?([^?\s]+)\?([BbQq])\?([^?\s]*)\?=/g;

function base64Bytes(text: string): Uint8Array | null {
  const clean = text.replace(/=+$/, '');
  if (!/^[A-Za-z0-9+/]*$/.test(clean)) return null;
  return Buffer.from(clean, 'base64');
}

function qBytes(text: string): number[] {
  const bytes: number[] = [];
  for (let i = 0; i < text.length; i++) {
    const char = text[i];
    if (char === '_') bytes.push(0x20);
    else if (char === '=' && /^[0-9A-Fa-f]{2}$/.test(text.slice(i + 1, i + 3))) {
      bytes.push(parseInt(text.slice(i + 1, i + 3), 16));
      i += 2;
    } else bytes.push(...Buffer.from(char, 'utf8'));
  }
  return bytes;
}

function decodeBytes(charset: string, bytes: number[]): string | null {
  try {
    return new TextDecoder(charset === 'utf8' ? 'utf-8' : charset).decode(Uint8Array.from(bytes));
  } catch {
    // TextDecoder throws a RangeError for a label it does not know.
    return null;
  }
}
