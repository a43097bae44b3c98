/**
 * A minimal MIME reader for delivery reports: enough to find the report's parts (headers, nested
 * multiparts, base64 / quoted-printable bodies, message/rfc822 and text/rfc822-headers), nothing
 * more. The full mail parser (mailparser) is async and heavy; bounce decoding must stay a pure,
 * synchronous function, so this reader works on a latin1 ("binary") string where one char = one byte.
 */

import { decodeEncodedWordsStrict } from '../encoded-words';

export interface HeaderField {
  /** Lower-cased field name. */
  name: string;
  /** Unfolded raw value (bytes as latin1 chars), trimmed. */
  value: string;
}

export interface MimePart {
  headers: HeaderField[];
  /** Lower-cased media type, e.g. `text/plain`; `text/plain` when absent. */
  contentType: string;
  params: Record<string, string>;
  /** Body after transfer decoding, still as latin1 bytes (see `decodeText`). */
  body: string;
}

/** Splits "headers\n\nbody" (LF or CRLF) and unfolds the header block. */
export function splitHeaders(text: string): { headers: HeaderField[]; body: string } {
  const match = /\r?\n\r?\n/.exec(text);
  const head = match ? text.slice(0, match.index) : text;
  const body = match ? text.slice(match.index + match[0].length) : '';
  return { headers: parseHeaderBlock(head), body };
}

export function parseHeaderBlock(head: string): HeaderField[] {
  const headers: HeaderField[] = [];
  for (const line of head.split(/\r?\n/)) {
    if (/^[ \t]/.test(line) && headers.length > 0) {
      const last = headers[headers.length - 1]!;
      last.value = `${last.value} ${line.trim()}`.trim();
      continue;
    }
    const colon = line.indexOf(':');
    if (colon <= 0 || /\s/.test(line.slice(0, colon).trim())) {
      // Broken folding (a parameter line without leading white space) still belongs to the field.
      const last = headers[headers.length - 1];
      if (last && line.trim() !== '' && /^[\w-]+=/.test(line.trim()))
        last.value = `${last.value} ${line.trim()}`;
      continue;
    }
    const name = line.slice(0, colon).trim().toLowerCase();
    if (!/^[\x21-\x39\x3b-\x7e]+$/.test(name)) continue;
    headers.push({ name, value: line.slice(colon + 1).trim() });
  }
  return headers;
}

export function headerValue(headers: HeaderField[], name: string): string | null {
  const found = headers.find((h) => h.name === name);
  return found ? found.value : null;
}

/** `type/subtype; a=b; c="d"` -> type and parameters. */
export function parseContentType(value: string | null): { type: string; params: Record<string, string> } {
  if (!value) return { type: 'text/plain', params: {} };
  const [first, ...rest] = value.split(';');
  const params: Record<string, string> = {};
  for (const match of rest.join(';').matchAll(/([\w*-]+)\s*=\s*(?:"([^"]*)"|([^\s;]+))/g)) {
    params[match[1]!.toLowerCase()] = match[2] ?? match[3] ?? '';
  }
  return { type: (first ?? '').trim().toLowerCase() || 'text/plain', params };
}

export function decodeTransfer(body: string, encoding: string | null): string {
  const enc = (encoding ?? '').trim().toLowerCase();
  if (enc === 'base64') {
    return Buffer.from(body.replace(/[^A-Za-z0-9+/=]/g, ''), 'base64').toString('latin1');
  }
  if (enc === 'quoted-printable') return decodeQuotedPrintable(body);
  return body;
}

export function decodeQuotedPrintable(body: string): string {
  return body
    .replace(/=\r?\n/g, '')
    .replace(/=([0-9A-Fa-f]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
}

/** latin1 bytes -> text in the given charset; falls back to UTF-8 (then latin1) when unknown. */
export function decodeText(bytes: string, charset?: string | null): string {
  const buffer = Buffer.from(bytes, 'latin1');
  const label = (charset ?? '').trim().toLowerCase();
  if (label && label !== 'us-ascii' && label !== 'utf-8' && label !== 'utf8') {
    try {
      return new TextDecoder(label, { fatal: true }).decode(buffer);
    } catch {
      // Mislabelled or unknown charset: try UTF-8 below.
    }
  }
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(buffer);
  } catch {
    return bytes;
  }
}

/**
 * RFC 2047 encoded words -> text (see `decodeEncodedWordsStrict`); null when an encoded word cannot
 * be decoded. A value with no encoded words but raw 8-bit bytes is read as UTF-8 (else latin1).
 */
export function decodeHeaderWords(value: string): string | null {
  if (!/=\?/.test(value)) return /[\x80-\xff]/.test(value) ? decodeText(value) : value;
  return decodeEncodedWordsStrict(value);
}

/**
 * Every leaf part of the message, depth first, in order. message/rfc822 parts are kept as one leaf
 * (their body is the enclosed message) so callers can read the original's headers.
 */
export function walkParts(raw: string, depth = 0): MimePart[] {
  const { headers, body } = splitHeaders(raw);
  return walkEntity(headers, body, depth);
}

function walkEntity(headers: HeaderField[], body: string, depth: number): MimePart[] {
  const { type, params } = parseContentType(headerValue(headers, 'content-type'));
  if (type.startsWith('multipart/') && params['boundary'] && depth < 8) {
    const parts: MimePart[] = [];
    for (const section of splitMultipart(body, params['boundary'])) {
      const inner = splitHeaders(section.replace(/^\r?\n/, ''));
      // A part with no header block at all: the whole section is the body.
      const hasHeaders = /^[\w-]+:/.test(section.replace(/^\r?\n/, ''));
      parts.push(
        ...walkEntity(
          hasHeaders ? inner.headers : [],
          hasHeaders ? inner.body : section.replace(/^\r?\n/, ''),
          depth + 1,
        ),
      );
    }
    return parts;
  }
  return [
    {
      headers,
      contentType: type,
      params,
      body: decodeTransfer(body, headerValue(headers, 'content-transfer-encoding')),
    },
  ];
}

function splitMultipart(body: string, boundary: string): string[] {
  const delimiter = `--${boundary}`;
  const lines = body.split(/\n/);
  const sections: string[] = [];
  let current: string[] | null = null;
  for (const line of lines) {
    const trimmed = line.replace(/\r$/, '').trimEnd();
    if (trimmed === delimiter || trimmed === `${delimiter}--`) {
      if (current) sections.push(current.join('\n'));
      current = trimmed === delimiter ? [] : null;
      if (trimmed !== delimiter) break;
      continue;
    }
    if (current) current.push(line);
  }
  // A truncated report (no closing delimiter) still yields its last part.
  if (current && current.length > 0) sections.push(current.join('\n'));
  return sections;
}
