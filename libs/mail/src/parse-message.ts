import { createHash } from 'node:crypto';

import {
  envelopeRecipientsFromHeaders,
  extractAddresses,
  splitQuotedReply,
  type MailHeader,
} from '@twe/domain';
import { simpleParser, type AddressObject, type Attachment, type ParsedMail } from 'mailparser';

import { decodeHeaderValue } from './mime/header-decoder';
import { sanitizeHtml } from './mime/html-sanitizer';
import { htmlToText } from './mime/html-text';
import { bodyOfTree, fileLeaves, filenameOf, hasTextBody, needsOwnDecoding } from './mime/mime-body';
import { contentOf, headerValue, readMimeTree, type MimeNode } from './mime/mime-tree';
import { readTnef } from './mime/tnef-reader';

/** A file of the message, as a ticket log stores it. */
export interface ParsedAttachment {
  /** Decoded file name (RFC 2231 / RFC 2047), or null when the part has none. */
  filename: string | null;
  contentType: string;
  size: number;
  /** Hex SHA-256 of `content`. */
  sha256: string;
  /** Content-ID without the angle brackets, i.e. what `cid:` URLs in the HTML body refer to. */
  contentId: string | null;
  /** Shown inside the body (inline disposition or part of a multipart/related) rather than as a file. */
  inline: boolean;
  content: Buffer;
  /**
   * For a TNEF part (application/ms-tnef, winmail.dat): the files packed inside it; null for any
   * other part, and for a part labelled TNEF whose bytes are not a TNEF stream.
   */
  tnefFiles?: ParsedAttachment[] | null;
}

/** What the engine needs from a raw message: plain data, no parser objects. */
export interface ParsedInbound {
  /** addr-spec of the first mailbox in From, as written (not lowercased); null without one. */
  fromAddress: string | null;
  fromName: string | null;
  /** Decoded subject; null when the header is absent. */
  subject: string | null;
  /** `<id>` form; null when absent or empty. */
  messageId: string | null;
  inReplyTo: string | null;
  references: string[];
  /** The Date header; null when absent or unreadable. */
  date: Date | null;
  /** addr-specs of every To / Cc field, in header order (group members included). */
  to: string[];
  cc: string[];
  /**
   * Normalized addresses from delivery headers (Delivered-To, X-Original-To, Envelope-To, and the
   * Resent-To/Cc of redirected mail): the only place a BCC'd helpdesk address shows up.
   */
  envelopeRecipients: string[];
  /** Every header line in order, unfolded (`key` as written, without surrounding white space). */
  headers: MailHeader[];
  /** The decoded text body, or, for HTML-only mail, the HTML body as text. */
  text: string | null;
  /**
   * The HTML body, sanitised (no scripts, event handlers or remote loads; `cid:` inline images
   * kept): safe to show to staff as it is.
   */
  html: string | null;
  // The fields below are optional only so that code building a ParsedInbound by hand (structured
  // ingest, tests) keeps compiling; parseMessage always sets them.
  /** What the sender wrote now: `text` without the quoted history of a reply. */
  bodyTextNew?: string | null;
  /** The quoted history of a reply (`>` lines, "On ... wrote:", Outlook's original-message block). */
  quotedText?: string | null;
  /** Top-level `multipart/report; report-type=delivery-status`: a delivery status notification. */
  isBounce?: boolean;
  /**
   * Files in MIME order: every leaf that is not text/plain or text/html, plus text parts with
   * `Content-Disposition: attachment`; a forwarded `message/rfc822` counts once (not descended into).
   */
  attachments: ParsedAttachment[];
}

/**
 * The files a ticket log stores for a message: its attachments in MIME order, each TNEF part
 * (winmail.dat) followed by the files unpacked from it (docs/decisions/0025).
 */
export function ticketFiles(parsed: ParsedInbound): ParsedAttachment[] {
  return parsed.attachments.flatMap((file) => [file, ...(file.tnefFiles ?? [])]);
}

/** The input is not a message at all (empty, or the parser gave up). Broken but readable mail parses. */
export class MessageParseError extends Error {
  override name = 'MessageParseError';

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

const PARSER_OPTIONS = {
  // Keep `cid:` links as they are: the default turns every inline image into a data: URI inside
  // the HTML, which would store each image twice (once in the body, once as an attachment).
  keepCidLinks: true,
  skipTextToHtml: true,
  skipTextLinks: true,
};

/**
 * Parses raw RFC 5322 bytes with mailparser's simpleParser. mailparser is lenient: messages with
 * broken MIME, missing headers or unknown charsets still parse (best effort). Only input that
 * cannot be a message throws a MessageParseError.
 */
export async function parseMessage(raw: Buffer): Promise<ParsedInbound> {
  if (raw.length === 0) throw new MessageParseError('Message is empty (0 bytes)');
  raw = withLineFeeds(raw);
  let mail: ParsedMail;
  try {
    mail = await simpleParser(withReadableFirstHeader(raw), PARSER_OPTIONS);
  } catch (error) {
    throw new MessageParseError(`Message cannot be parsed: ${errorMessage(error)}`, { cause: error });
  }
  const charset = declaredCharset(raw);
  return repaired(toParsedInbound(mail), mail, readMimeTree(raw, charset), charset);
}

/**
 * Where mailparser is wrong, the engine's own readers decide (see docs/decisions/0025): the
 * subject from its raw bytes (raw 8-bit text in the message's charset, UTF-7 encoded-words),
 * the body when mailparser cannot decode it (UTF-7, undeclared 8-bit, no usable boundary),
 * attachment names from the raw parameters (RFC 2231 with U+FFFD for undecodable bytes).
 */
function repaired(
  parsed: ParsedInbound,
  mail: ParsedMail,
  tree: MimeNode,
  charset: string | null,
): ParsedInbound {
  const subjectLine = rawHeaderValue(mail, 'subject');
  const subject =
    subjectLine === null ? parsed.subject : betterOf(decodeHeaderValue(subjectLine, charset), parsed.subject);

  let { text, html } = parsed;
  const lossy = (value: string | null): boolean => value !== null && value.includes('\uFFFD');
  // Where mailparser took a different part for a file than the corpus rule (see filesOf), its
  // body holds the wrong parts too.
  const filesDiffer =
    fileLeaves(tree)
      .map((leaf) => leaf.partId)
      .join(' ') !== mail.attachments.map((attachment) => attachment.partId ?? '').join(' ');
  if (
    (text === null && html === null) ||
    lossy(text) ||
    lossy(html) ||
    needsOwnDecoding(tree) ||
    filesDiffer
  ) {
    const own = bodyOfTree(tree, charset);
    if (own.text !== null || own.html !== null || filesDiffer) {
      text = own.text ?? (own.html === null ? null : htmlToText(own.html));
      html = own.html;
    }
  }

  const attachments = filesOf(parsed, mail, tree).map((file) => ({ ...file, tnefFiles: tnefFilesOf(file) }));
  // HTML-only mail: the text is the HTML with tags stripped by our reader (mailparser's own
  // conversion runs table cells together and bullets list items), the same for every HTML-only mail.
  if (html !== null && (text === null || text.trim() === '' || !hasTextBody(tree))) text = htmlToText(html);
  // A byte order mark is encoding, not text (mailparser keeps the UTF-8 one).
  if (text !== null) text = text.replace(/^\uFEFF/, '');
  const split = splitQuotedReply(text);
  return {
    ...parsed,
    fromName: repairedName(parsed.fromName, rawHeaderValue(mail, 'from'), charset),
    subject,
    text,
    html: html === null ? null : sanitizeHtml(html),
    bodyTextNew: text === null ? null : split.newText,
    quotedText: split.quotedText,
    isBounce: isDeliveryReport(tree),
    attachments,
  };
}

const ENCODED_WORD_START = /=\?[^?\s]+\?[bBqQ]\?/;

/**
 * The files by the corpus rule, chosen on our MIME tree (`fileLeaves`): mailparser agrees on
 * every public sample but not on parts it reads differently (a garbled `Content-Type: text` is
 * text/plain by RFC 2045, multipart/digest children are message/rfc822). mailparser's reading of
 * the same part (content, type, content id) is kept where it has one; the name is ours.
 */
function filesOf(parsed: ParsedInbound, mail: ParsedMail, tree: MimeNode): ParsedAttachment[] {
  const byPartId = new Map(mail.attachments.map((attachment, index) => [attachment.partId ?? '', index]));
  return fileLeaves(tree).map(({ partId, node, related }) => {
    const index = byPartId.get(partId);
    const ours = filenameOf(node);
    if (index === undefined) return ownAttachment(node, ours, related);
    const file = parsed.attachments[index];
    // U+FFFD is right in a name (the byte could not be decoded; mailparser drops it silently), an
    // encoded-word left undecoded is not.
    const filename =
      ours === null ||
      (file.filename !== null && ENCODED_WORD_START.test(ours) && !ENCODED_WORD_START.test(file.filename))
        ? file.filename
        : ours;
    return { ...file, filename };
  });
}

/** A file mailparser did not see as one, read from our tree. */
function ownAttachment(node: MimeNode, filename: string | null, related: boolean): ParsedAttachment {
  const content = contentOf(node);
  const contentId = headerValue(node.headers, 'content-id');
  return {
    filename,
    contentType: node.contentType,
    size: content.length,
    sha256: createHash('sha256').update(content).digest('hex'),
    contentId: contentId === null ? null : contentId.replace(/\s+/g, '').replace(/^<|>$/g, '') || null,
    inline: node.disposition.value === 'inline' || related,
    content,
    tnefFiles: null,
  };
}

/**
 * Our decoding of a header, unless it left something mailparser did decode: an encoded-word
 * broken by white space (`=?utf-8?Q?hello world?=`, which RFC 2047 forbids and mailparser accepts)
 * or a U+FFFD that mailparser's reading does not have.
 */
function betterOf(ours: string, mailparsers: string | null): string {
  if (mailparsers === null) return ours;
  if (ENCODED_WORD_START.test(ours) && !ENCODED_WORD_START.test(mailparsers)) return mailparsers;
  if (ours.includes('\uFFFD') && !mailparsers.includes('\uFFFD')) return mailparsers;
  return ours;
}

/**
 * A display name mailparser could not decode (raw 8-bit bytes in a legacy charset became U+FFFD),
 * read again from the raw From bytes. Names mailparser read are kept as they are.
 */
function repairedName(name: string | null, rawFrom: string | null, charset: string | null): string | null {
  if (name === null || rawFrom === null || !name.includes('\uFFFD')) return name;
  const decoded = decodeHeaderValue(rawFrom, charset);
  const display = /^\s*"?([^<"]*?)"?\s*</.exec(decoded)?.[1]?.trim();
  return display ? display : name;
}

function tnefFilesOf(file: ParsedAttachment): ParsedAttachment[] | null {
  const labelled =
    file.contentType.toLowerCase() === 'application/ms-tnef' ||
    file.contentType.toLowerCase() === 'application/vnd.ms-tnef' ||
    file.filename?.toLowerCase() === 'winmail.dat';
  if (!labelled) return null;
  try {
    return readTnef(file.content).map((embedded) => ({
      filename: embedded.filename,
      contentType: 'application/octet-stream',
      size: embedded.content.length,
      sha256: createHash('sha256').update(embedded.content).digest('hex'),
      contentId: null,
      inline: false,
      content: embedded.content,
      tnefFiles: null,
    }));
  } catch {
    // Labelled TNEF but not a TNEF stream: it stays the opaque file it claims to be.
    return null;
  }
}

function isDeliveryReport(tree: MimeNode): boolean {
  return (
    tree.contentType === 'multipart/report' &&
    (tree.contentTypeParams.get('report-type') ?? '').trim().toLowerCase() === 'delivery-status'
  );
}

/** The raw value (latin1 text of the bytes, still folded) of the first header with this name. */
function rawHeaderValue(mail: ParsedMail, name: string): string | null {
  const line = (mail.headerLines ?? []).find((candidate) => candidate.key === name)?.line;
  if (line === undefined) return null;
  const colon = line.indexOf(':');
  return colon < 0 ? null : line.slice(colon + 1).replace(/^[ \t]+/, '');
}

/** The first `charset=` of the message (header or any part): the guess for undeclared 8-bit text. */
function declaredCharset(raw: Buffer): string | null {
  const head = raw.subarray(0, Math.min(raw.length, 256 * 1024)).toString('latin1');
  const match = /charset\s*=\s*"?([A-Za-z0-9_.:+-]+)/i.exec(head);
  return match?.[1] ?? null;
}

/**
 * Only the header block (the first blank line ends it; at most `maxHeaderBytes` are read): enough to
 * describe a message that cannot be processed as a whole (too big, truncated, unparseable body).
 * Never throws; returns null when not even the headers can be read.
 */
export async function parseMessageHeaders(
  raw: Buffer,
  maxHeaderBytes = 256 * 1024,
): Promise<Pick<
  ParsedInbound,
  'fromAddress' | 'fromName' | 'subject' | 'messageId' | 'date' | 'headers'
> | null> {
  if (raw.length === 0) return null;
  const window = raw.subarray(0, Math.min(raw.length, maxHeaderBytes));
  const end = headerBlockEnd(window);
  try {
    const headerBlock = Buffer.concat([window.subarray(0, end), Buffer.from('\r\n\r\n')]);
    const mail = await simpleParser(withReadableFirstHeader(headerBlock), PARSER_OPTIONS);
    const parsed = toParsedInbound(mail);
    const subjectLine = rawHeaderValue(mail, 'subject');
    return {
      fromAddress: parsed.fromAddress,
      fromName: parsed.fromName,
      subject:
        subjectLine === null ? parsed.subject : decodeHeaderValue(subjectLine, declaredCharset(window)),
      messageId: parsed.messageId,
      date: parsed.date,
      headers: parsed.headers,
    };
  } catch {
    return null;
  }
}

/**
 * Old Mac mailers end lines with CR alone; with no LF anywhere the whole message would read as
 * one header line. Such a message gets CRLF line ends; any other is read as it is.
 */
function withLineFeeds(raw: Buffer): Buffer {
  if (raw.includes(0x0a) || !raw.includes(0x0d)) return raw;
  return Buffer.from(raw.toString('latin1').replace(/\r/g, '\r\n'), 'latin1');
}

/**
 * RFC 2822 obsolete syntax allows white space before the colon. In the first line that makes
 * `From  : John <j@x>` look like an mbox `From ` separator line, which mailparser skips, losing
 * the sender. Only the white space before the colon is removed.
 */
function withReadableFirstHeader(raw: Buffer): Buffer {
  const match = /^From[ \t]+:/.exec(raw.subarray(0, 64).toString('latin1'));
  if (match === null) return raw;
  return Buffer.concat([Buffer.from('From:'), raw.subarray(match[0].length)]);
}

function toParsedInbound(mail: ParsedMail): ParsedInbound {
  const headers = headerList(mail);
  const from = bracketedFrom(obsoleteFrom(headers) ?? firstMailbox(mail.from), headers);
  return {
    fromAddress: from?.address ?? null,
    fromName: from?.name ?? null,
    subject: typeof mail.subject === 'string' ? mail.subject : null,
    messageId: messageIdOf(mail.messageId),
    inReplyTo: messageIdOf(mail.inReplyTo),
    references: referencesOf(mail.references),
    date: dateOf(headers),
    to: addressesOf(mail.to),
    cc: addressesOf(mail.cc),
    envelopeRecipients: envelopeRecipientsFromHeaders(headers),
    headers,
    text: typeof mail.text === 'string' && mail.text !== '' ? mail.text : null,
    html: typeof mail.html === 'string' && mail.html !== '' ? mail.html : null,
    bodyTextNew: null,
    quotedText: null,
    isBounce: false,
    attachments: mail.attachments.map(toParsedAttachment),
  };
}

function toParsedAttachment(attachment: Attachment): ParsedAttachment {
  const content = Buffer.isBuffer(attachment.content)
    ? attachment.content
    : Buffer.from(attachment.content ?? '');
  return {
    filename: attachment.filename ?? null,
    contentType: attachment.contentType || 'application/octet-stream',
    size: content.length,
    sha256: createHash('sha256').update(content).digest('hex'),
    contentId: attachment.cid ?? null,
    inline: attachment.contentDisposition === 'inline' || attachment.related === true,
    content,
    tnefFiles: null,
  };
}

function headerList(mail: ParsedMail): MailHeader[] {
  const headers: MailHeader[] = [];
  for (const { line } of mail.headerLines ?? []) {
    const colon = line.indexOf(':');
    // A line without a colon is a broken continuation that mailparser could not attach anywhere.
    if (colon <= 0) continue;
    headers.push({
      key: line.slice(0, colon).trim(),
      value: line
        .slice(colon + 1)
        .replace(/\r?\n[ \t]+/g, ' ')
        .trim(),
    });
  }
  return headers;
}

interface Mailbox {
  address: string;
  name: string | null;
}

function flatten(
  objects: AddressObject | AddressObject[] | undefined,
): Array<{ address?: string; name: string }> {
  if (objects === undefined) return [];
  return (Array.isArray(objects) ? objects : [objects])
    .flatMap((object) => object.value ?? [])
    .flatMap((entry) => (entry.group ? entry.group : [entry]));
}

function firstMailbox(from: AddressObject | undefined): Mailbox | null {
  const entry = flatten(from).find((candidate) => candidate.address);
  if (!entry?.address) return null;
  return { address: entry.address, name: entry.name ? entry.name : null };
}

/**
 * mailparser misreads RFC 2822 obsolete syntax (`John Doe <jdoe@machine(comment).  example>` gives
 * `jdoe@machine`): for a From with a comment or white space inside the angle brackets, the domain's
 * address reader (which drops comments and CFWS) is used instead. Its result is normalized (lower
 * case), which is how contacts are stored anyway.
 */
function obsoleteFrom(headers: MailHeader[]): Mailbox | null {
  const header = headers.find((candidate) => candidate.key.toLowerCase() === 'from');
  if (header === undefined || !/\(|<[^>]*\s[^>]*>/.test(header.value)) return null;
  const address = extractAddresses(header.value)[0];
  if (address === undefined) return null;
  const name = /^\s*([^<"(]*?)\s*</.exec(header.value)?.[1] ?? '';
  return { address, name: name === '' ? null : name };
}

/**
 * A whole From quoted by a broken mailer (`"Name <user@example.com>"`) reads as a quoted local
 * part with brackets in it; the address inside the brackets is the one meant.
 */
function bracketedFrom(from: Mailbox | null, headers: MailHeader[]): Mailbox | null {
  if (from === null || !/[<>]/.test(from.address)) return from;
  const header = headers.find((candidate) => candidate.key.toLowerCase() === 'from');
  const inner = /<([^<>\s"]+@[^<>\s"]+)>/.exec(header?.value ?? '')?.[1];
  return inner === undefined ? from : { address: inner, name: from.name };
}

function addressesOf(objects: AddressObject | AddressObject[] | undefined): string[] {
  return flatten(objects)
    .map((entry) => entry.address)
    .filter((address): address is string => typeof address === 'string' && address !== '');
}

/**
 * `<id>`; comments and white space (obsolete syntax, `<1234   @   local(blah)  .machine .example>`)
 * are not part of a msg-id and are removed. mailparser adds the brackets when they are missing.
 * Of a value with text around the id (old mailers' `In-Reply-To: Your message of "..." <id>`) or
 * several ids, the first bracketed id is the one.
 */
function messageIdOf(value: unknown): string | null {
  if (typeof value !== 'string') return null;
  const ids = messageIdsOf(value);
  if (ids.length > 0) return ids[0];
  const bare = value
    .replace(/\([^()]*\)/g, '')
    .replace(/\s+/g, '')
    .replace(/^<+|>+$/g, '');
  return bare === '' ? null : `<${bare}>`;
}

/** Every bracketed msg-id of a header value, comments and inner white space removed. */
export function messageIdsOf(value: string): string[] {
  return [...value.replace(/\([^()]*\)/g, '').matchAll(/<([^<>]*)>/g)]
    .map((match) => match[1].replace(/\s+/g, ''))
    .filter((id) => id !== '')
    .map((id) => `<${id}>`);
}

function referencesOf(value: unknown): string[] {
  const list = Array.isArray(value) ? value : typeof value === 'string' ? value.split(/\s+/) : [];
  return list.map(messageIdOf).filter((id): id is string => id !== null);
}

/** mailparser replaces an unreadable Date with the current time; read the header ourselves instead. */
function dateOf(headers: MailHeader[]): Date | null {
  const header = headers.find((candidate) => candidate.key.toLowerCase() === 'date');
  if (!header) return null;
  const date = new Date(header.value.replace(/\([^()]*\)/g, ' '));
  return Number.isNaN(date.getTime()) ? null : date;
}

function headerBlockEnd(window: Buffer): number {
  const crlf = window.indexOf('\r\n\r\n');
  const lf = window.indexOf('\n\n');
  const ends = [crlf, lf].filter((index) => index >= 0);
  return ends.length === 0 ? window.length : Math.min(...ends);
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
