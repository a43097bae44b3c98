import { parseStructuredHeader, type StructuredHeader } from './mime-parameters';

/** One header line: name as written, value as latin1 text of the raw bytes (still folded). */
export interface RawHeader {
  name: string;
  value: string;
}

export interface MimeNode {
  headers: RawHeader[];
  /** `type/subtype`, lower case; text/plain when absent or unreadable (RFC 2045 default). */
  contentType: string;
  contentTypeParams: Map<string, string>;
  disposition: StructuredHeader;
  /** Declared charset of this part, or null. */
  charset: string | null;
  /** Body bytes as they stand in the message (transfer encoding not yet removed: see `contentOf`). */
  body: Buffer;
  transferEncoding: string | null;
  children: MimeNode[];
  /** A multipart whose boundary is missing or never occurs: read as a text/plain body. */
  boundaryUnusable: boolean;
}

const MAX_DEPTH = 32;
const MAX_PARTS = 2000;

/**
 * A small MIME reader over the raw bytes, for what mailparser gets wrong: bodies in charsets it
 * does not decode (UTF-7, undeclared 8-bit) and multiparts without a usable boundary, which it
 * turns into an empty body. message/rfc822 parts are not descended into (they are attachments).
 */
export function readMimeTree(raw: Buffer, fallbackCharset?: string | null): MimeNode {
  const budget = { parts: 0 };
  return readNode(raw, 0, budget, fallbackCharset ?? null, 'text/plain');
}

export function splitHeaderBlock(raw: Buffer): { headers: RawHeader[]; body: Buffer } {
  const text = raw.toString('latin1');
  const match = /\r?\n\r?\n/.exec(text);
  const startsWithBody = /^\r?\n/.test(text);
  const headerEnd = startsWithBody ? 0 : match === null ? text.length : match.index;
  const bodyStart = startsWithBody
    ? (/^\r?\n/.exec(text)?.[0].length ?? 0)
    : match === null
      ? text.length
      : match.index + match[0].length;
  const headers: RawHeader[] = [];
  for (const line of text.slice(0, headerEnd).split(/\r?\n/)) {
    if (/^[ \t]/.test(line) && headers.length > 0) {
      headers[headers.length - 1].value += `\r\n${line}`;
      continue;
    }
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    headers.push({ name: line.slice(0, colon).trim(), value: line.slice(colon + 1).replace(/^[ \t]+/, '') });
  }
  return { headers, body: raw.subarray(Buffer.byteLength(text.slice(0, bodyStart), 'latin1')) };
}

/**
 * A body part's header block, which broken mailers end without the blank line: the first line
 * that is neither a header field nor a continuation starts the body (as Python's email reads it).
 */
function splitPartHeaders(raw: Buffer): { headers: RawHeader[]; body: Buffer } {
  const text = raw.toString('latin1');
  const blank = /\r?\n\r?\n/.exec(text);
  const headerEnd = blank === null ? text.length : blank.index;
  const lines = /^\r?\n/.test(text) ? [] : text.slice(0, headerEnd).split(/(?<=\n)/);
  let offset = 0;
  for (const line of lines) {
    if (!/^[ \t]/.test(line) && !/^[!-9;-~]+[ \t]*:/.test(line)) {
      return {
        headers: splitHeaderBlock(Buffer.from(text.slice(0, offset), 'latin1')).headers,
        body: raw.subarray(offset),
      };
    }
    offset += line.length;
  }
  return splitHeaderBlock(raw);
}

export function headerValue(headers: RawHeader[], name: string): string | null {
  const wanted = name.toLowerCase();
  return headers.find((header) => header.name.toLowerCase() === wanted)?.value ?? null;
}

function readNode(
  raw: Buffer,
  depth: number,
  budget: { parts: number },
  fallbackCharset: string | null,
  defaultType: string,
): MimeNode {
  budget.parts += 1;
  const { headers, body } = depth === 0 ? splitHeaderBlock(raw) : splitPartHeaders(raw);
  const typeHeader = headerValue(headers, 'content-type');
  const parsedType = parseStructuredHeader(typeHeader ?? '', fallbackCharset);
  const contentType = /^[\w.+-]+\/[\w.+-]+$/.test(parsedType.value) ? parsedType.value : defaultType;
  const disposition = parseStructuredHeader(
    headerValue(headers, 'content-disposition') ?? '',
    fallbackCharset,
  );
  const node: MimeNode = {
    headers,
    contentType,
    contentTypeParams: parsedType.params,
    disposition,
    charset: parsedType.params.get('charset') ?? null,
    body,
    transferEncoding: headerValue(headers, 'content-transfer-encoding'),
    children: [],
    boundaryUnusable: false,
  };
  if (!contentType.startsWith('multipart/')) return node;
  const boundary = parsedType.params.get('boundary');
  const parts = boundary ? splitMultipart(body, boundary) : null;
  if (parts === null || depth >= MAX_DEPTH) {
    node.contentType = 'text/plain';
    node.boundaryUnusable = true;
    return node;
  }
  const childDefault = contentType === 'multipart/digest' ? 'message/rfc822' : 'text/plain';
  for (const part of parts) {
    if (budget.parts >= MAX_PARTS) break;
    node.children.push(readNode(part, depth + 1, budget, fallbackCharset, childDefault));
  }
  return node;
}

/** Body parts between `--boundary` lines; null when the boundary never occurs. */
function splitMultipart(body: Buffer, boundary: string): Buffer[] | null {
  const text = body.toString('latin1');
  const delimiter = new RegExp(`(?:^|\\r?\\n)--${escapeRegExp(boundary)}(--)?[ \\t]*(?=\\r?\\n|$)`, 'g');
  const parts: Buffer[] = [];
  let start: number | null = null;
  for (const match of text.matchAll(delimiter)) {
    const index = match.index ?? 0;
    if (start !== null) parts.push(Buffer.from(text.slice(start, index), 'latin1'));
    if (match[1] === '--') {
      start = null;
      break;
    }
    const after = index + match[0].length;
    start = text.startsWith('\r\n', after) ? after + 2 : text.startsWith('\n', after) ? after + 1 : after;
  }
  // No closing delimiter (truncated mail): the last part runs to the end.
  if (start !== null) parts.push(Buffer.from(text.slice(start), 'latin1'));
  return parts.length === 0 ? null : parts;
}

/** The part's bytes with the transfer encoding removed (decoded on demand: most parts never are). */
export function contentOf(node: MimeNode): Buffer {
  return decodeTransfer(node.body, node.transferEncoding);
}

export function decodeTransfer(body: Buffer, encoding: string | null): Buffer {
  const name = (encoding ?? '').trim().toLowerCase();
  if (name === 'base64') {
    return Buffer.from(body.toString('latin1').replace(/[^A-Za-z0-9+/]/g, ''), 'base64');
  }
  if (name === 'quoted-printable') return decodeQuotedPrintable(body);
  return body;
}

function decodeQuotedPrintable(body: Buffer): Buffer {
  const text = body
    .toString('latin1')
    .replace(/[ \t]+(?=\r?\n)/g, '')
    .replace(/=\r?\n/g, '');
  // Written into one buffer (never longer than the text): large parts must not become arrays of numbers.
  const bytes = Buffer.alloc(text.length);
  let length = 0;
  for (let index = 0; index < text.length; index += 1) {
    const code = text.charCodeAt(index);
    if (code === 0x3d && isHex(text.charCodeAt(index + 1)) && isHex(text.charCodeAt(index + 2))) {
      bytes[length] = parseInt(text.slice(index + 1, index + 3), 16);
      index += 2;
    } else {
      bytes[length] = code & 0xff;
    }
    length += 1;
  }
  return bytes.subarray(0, length);
}

function isHex(code: number): boolean {
  return (code >= 0x30 && code <= 0x39) || (code >= 0x41 && code <= 0x46) || (code >= 0x61 && code <= 0x66);
}

function escapeRegExp(value: string): string {
  return value.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
