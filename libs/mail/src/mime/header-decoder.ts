import { decodeCharset } from './charset-decoder';

// charset, optional RFC 2231 language, encoding, data. The data may hold raw 8-bit bytes (seen in
// real mail inside Q words) but no `?` and no white space.
const ENCODED_WORD = /=\?([^?\s]+)\?([bBqQ])\?([^?\s]*)\?=/g;

interface Segment {
  /** null for text outside encoded-words. */
  charset: string | null;
  bytes: Buffer;
}

/**
 * Decodes one header value from its raw bytes (RFC 5322 unfolding, RFC 2047 encoded-words, raw
 * 8-bit text). Raw 8-bit text is valid UTF-8 (RFC 6532) or, if not, in `fallbackCharset` (the
 * message's declared charset), else windows-1252; mailparser turns such bytes into U+FFFD.
 *
 * Adjacent encoded-words of one charset are joined before decoding, because senders split a
 * multi-byte character (or a base64 quantum) across two words; white space between two
 * encoded-words is dropped (RFC 2047 §6.2). ISO-2022 words are joined too (`joinStateful`).
 */
export function decodeHeaderValue(raw: Buffer | string, fallbackCharset?: string | null): string {
  const text = (typeof raw === 'string' ? raw : raw.toString('latin1'))
    .replace(/\r?\n(?=[ \t])/g, '')
    .replace(/\r?\n/g, '');
  const segments: Segment[] = [];
  let last = 0;
  for (const match of text.matchAll(ENCODED_WORD)) {
    const [word, charset, encoding, data] = match;
    const between = text.slice(last, match.index);
    const afterWord = segments.at(-1)?.charset != null;
    if (between !== '' && !(afterWord && /^[ \t]*$/.test(between))) {
      segments.push({ charset: null, bytes: Buffer.from(between, 'latin1') });
    }
    const bytes = encoding.toLowerCase() === 'b' ? decodeBase64(data) : decodeQ(data);
    const tail = segments.at(-1);
    if (tail !== undefined && tail.charset !== null && sameCharset(tail.charset, charset)) {
      tail.bytes = isStateful(charset) ? joinStateful(tail.bytes, bytes) : Buffer.concat([tail.bytes, bytes]);
    } else {
      segments.push({ charset, bytes });
    }
    last = (match.index ?? 0) + word.length;
  }
  if (last < text.length) segments.push({ charset: null, bytes: Buffer.from(text.slice(last), 'latin1') });
  return segments
    .map((segment) =>
      segment.charset === null
        ? decodeCharset(segment.bytes, null, fallbackCharset)
        : decodeCharset(segment.bytes, segment.charset, fallbackCharset),
    )
    .join('');
}

/**
 * Joins two ISO-2022 words. Each should end in ASCII state (RFC 1468), but some mailers split one
 * escape run across words, so the words are joined; where a word does end with an escape back to
 * ASCII and the next starts with its own escape, the first escape is dropped, because a decoder
 * sees an escape sequence right after another as an error.
 */
function joinStateful(tail: Buffer, next: Buffer): Buffer {
  const endsWithEscape = tail.length >= 3 && tail[tail.length - 3] === 0x1b;
  const trimmed = endsWithEscape && next[0] === 0x1b ? tail.subarray(0, tail.length - 3) : tail;
  return Buffer.concat([trimmed, next]);
}

function isStateful(charset: string): boolean {
  return /^iso-2022-/i.test(charset.trim());
}

function sameCharset(a: string, b: string): boolean {
  return a.replace(/\*.*$/, '').toLowerCase() === b.replace(/\*.*$/, '').toLowerCase();
}

/** Lenient: missing padding and stray characters are tolerated (Buffer's decoder skips them). */
function decodeBase64(data: string): Buffer {
  return Buffer.from(data, 'base64');
}

/** RFC 2047 Q: `_` is a space, `=XX` a byte, anything else (raw 8-bit included) itself. */
function decodeQ(data: string): Buffer {
  const bytes: number[] = [];
  for (let index = 0; index < data.length; index += 1) {
    const char = data[index];
    if (char === '_') {
      bytes.push(0x20);
    } else if (char === '=' && /^[0-9a-fA-F]{2}$/.test(data.slice(index + 1, index + 3))) {
      bytes.push(parseInt(data.slice(index + 1, index + 3), 16));
      index += 2;
    } else {
      bytes.push(data.charCodeAt(index) & 0xff);
    }
  }
  return Buffer.from(bytes);
}
