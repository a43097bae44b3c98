import { encode } from 'iconv-lite';
import { expect } from 'vitest';

import { inspectMessage, type MessageInspection } from '../src/inspect-message';

/** A piece of a raw message: text is written as latin1 (so `\xE9` is the byte 0xE9), Buffers as they are. */
export type Raw = string | Buffer;

/** Bytes of `text` in a legacy charset (iconv-lite), to write raw 8-bit headers and bodies. */
export function bytesIn(text: string, charset: string): Buffer {
  return charset.toLowerCase() === 'iso-2022-jp' ? iso2022jp(text) : encode(text, charset);
}

/**
 * iconv-lite has no ISO-2022-JP encoder: JIS X 0208 runs are the EUC-JP bytes with the high bit
 * cleared, between `ESC $ B` and `ESC ( B` (RFC 1468).
 */
function iso2022jp(text: string): Buffer {
  const euc = encode(text, 'euc-jp');
  const out: number[] = [];
  let kanji = false;
  for (let index = 0; index < euc.length; index += 1) {
    const byte = euc[index];
    if (byte >= 0xa1 && !kanji) out.push(0x1b, 0x24, 0x42);
    if (byte < 0x80 && kanji) out.push(0x1b, 0x28, 0x42);
    kanji = byte >= 0xa1;
    if (kanji) {
      out.push(byte & 0x7f, euc[index + 1] & 0x7f);
      index += 1;
    } else {
      out.push(byte);
    }
  }
  if (kanji) out.push(0x1b, 0x28, 0x42);
  return Buffer.from(out);
}

export function b64(text: string, charset = 'utf-8'): string {
  return bytesIn(text, charset).toString('base64');
}

const DEFAULT_HEADERS: Array<[string, string]> = [
  ['From', 'Alice Example <alice@example.com>'],
  ['To', 'support@helpdesk.example.com'],
  ['Subject', 'Synthetic case'],
  ['Date', 'Tue, 14 May 2024 09:12:40 +0200'],
  ['Message-ID', '<synthetic@example.com>'],
  ['MIME-Version', '1.0'],
];

/**
 * A raw message: the given header lines (each a whole `Name: value`, folds included), then the
 * default headers the case did not write itself, a blank line and the body. CRLF line ends.
 */
export function message(headers: Raw[], body: Raw = 'Hello.\r\n', options: { omit?: string[] } = {}): Buffer {
  const written = headers.map((line) =>
    (Buffer.isBuffer(line) ? line.toString('latin1') : line).split(':')[0].trim().toLowerCase(),
  );
  const omitted = (options.omit ?? []).map((name) => name.toLowerCase());
  const defaults = DEFAULT_HEADERS.filter(
    ([name]) => !written.includes(name.toLowerCase()) && !omitted.includes(name.toLowerCase()),
  ).map(([name, value]) => `${name}: ${value}`);
  const lines = [...headers, ...defaults];
  const parts: Buffer[] = [];
  for (const line of lines) parts.push(toBuffer(line), Buffer.from('\r\n'));
  parts.push(Buffer.from('\r\n'), toBuffer(body));
  return Buffer.concat(parts);
}

/** A multipart body: each part is its header lines and body; the closing delimiter unless `open`. */
export function multipart(
  boundary: string,
  parts: Array<{ headers: Raw[]; body: Raw }>,
  options: { preamble?: string; epilogue?: string; open?: boolean } = {},
): Buffer {
  const chunks: Buffer[] = [];
  if (options.preamble !== undefined) chunks.push(Buffer.from(`${options.preamble}\r\n`));
  for (const part of parts) {
    chunks.push(Buffer.from(`--${boundary}\r\n`));
    for (const line of part.headers) chunks.push(toBuffer(line), Buffer.from('\r\n'));
    chunks.push(Buffer.from('\r\n'), toBuffer(part.body), Buffer.from('\r\n'));
  }
  if (!options.open) chunks.push(Buffer.from(`--${boundary}--\r\n`));
  if (options.epilogue !== undefined) chunks.push(Buffer.from(`${options.epilogue}\r\n`));
  return Buffer.concat(chunks);
}

function toBuffer(piece: Raw): Buffer {
  return Buffer.isBuffer(piece) ? piece : Buffer.from(piece, 'latin1');
}

/** What a case expects, in the corpus's terms (fixtures/mail/README.md, "Record fields"). */
export interface Expected {
  from_address?: string | null;
  /** Compared with white space runs collapsed and trimmed, as the corpus does. */
  subject?: string | null;
  /** Compared without the surrounding `<` `>`, as the corpus does. */
  message_id?: string | null;
  in_reply_to?: string | null;
  to_cc_addresses?: string[];
  attachment_count?: number;
  attachment_filenames?: Array<string | null>;
  is_bounce?: boolean;
  is_auto_reply?: boolean;
  suppress_auto_response?: boolean;
  envelope_recipients?: string[];
  ticket_tag?: { ticket_id: string; log_id: string } | null;
  /** Phrases the decoded text (or the HTML body's text) must contain. */
  text_contains?: string[];
  /** Phrases it must not contain (scripts, styles, undecoded bytes). */
  text_lacks?: string[];
}

export interface Case {
  situation: string;
  raw: Buffer;
  expected: Expected;
}

const collapse = (value: string | null): string | null =>
  value === null ? null : value.normalize('NFC').replace(/\s+/g, ' ').trim();
const bare = (value: string | null): string | null => (value === null ? null : value.replace(/^<|>$/g, ''));

/** Inspects the raw message with the processor's code and checks each field the case names. */
export async function expectInspection(raw: Buffer, expected: Expected): Promise<MessageInspection> {
  const inspection = await inspectMessage(raw);
  expect(inspection.error).toBeUndefined();
  if ('from_address' in expected)
    expect(inspection.from_address?.toLowerCase() ?? null).toBe(expected.from_address);
  if ('subject' in expected) expect(collapse(inspection.subject)).toBe(collapse(expected.subject ?? null));
  if ('message_id' in expected) expect(bare(inspection.message_id)).toBe(bare(expected.message_id ?? null));
  if ('in_reply_to' in expected)
    expect(bare(inspection.in_reply_to)).toBe(bare(expected.in_reply_to ?? null));
  if (expected.to_cc_addresses !== undefined) {
    expect(inspection.to_cc_addresses.map((address) => address.toLowerCase())).toEqual(
      expected.to_cc_addresses,
    );
  }
  if (expected.attachment_count !== undefined)
    expect(inspection.attachment_count).toBe(expected.attachment_count);
  if (expected.attachment_filenames !== undefined) {
    expect(inspection.attachment_filenames.map((name) => name?.normalize('NFC') ?? null)).toEqual(
      expected.attachment_filenames.map((name) => name?.normalize('NFC') ?? null),
    );
  }
  if (expected.is_bounce !== undefined) expect(inspection.is_bounce).toBe(expected.is_bounce);
  if (expected.is_auto_reply !== undefined) expect(inspection.is_auto_reply).toBe(expected.is_auto_reply);
  if (expected.suppress_auto_response !== undefined) {
    expect(inspection.suppress_auto_response).toBe(expected.suppress_auto_response);
  }
  if (expected.envelope_recipients !== undefined) {
    expect(inspection.envelope_recipients).toEqual(expected.envelope_recipients);
  }
  if ('ticket_tag' in expected) expect(inspection.ticket_tag).toEqual(expected.ticket_tag);
  const text = collapse(inspection.text) ?? '';
  for (const phrase of expected.text_contains ?? [])
    expect(text, `text contains ${phrase}`).toContain(collapse(phrase));
  for (const phrase of expected.text_lacks ?? []) expect(text, `text lacks ${phrase}`).not.toContain(phrase);
  return inspection;
}
