import type { BounceMessage } from './decoded-recipient';
import { findAddress } from './decoded-recipient';
import { decodeHeaderWords, headerValue, parseHeaderBlock, splitHeaders } from './mime-walker';

export interface OriginalMessage {
  messageId: string | null;
  subject: string | null;
  from: string | null;
}

// Lines after which MTAs quote the returned message (or its headers) as plain text.
const QUOTE_MARKERS = [
  /^-+ ?This is a copy of the message, including all the headers\. ?-+/im,
  /^--- Below this line is a copy of the message\./im,
  /^-+ ?(?:Original|Returned|Undelivered) message (?:follows|headers follow|headers)?/im,
  /^-+ ?Original message follows ?-+/im,
  /^-+ The header of the original message is following\. -+/im,
  /^\s*-+ ?original message ?-+/im,
  /^Content-Type: message\/rfc822/im,
  /^The original message was received at/im,
];

/** The bounced message's Message-ID, Subject and From, when the bounce quotes them. */
export function findOriginal(message: BounceMessage, raw: string): OriginalMessage {
  const enclosed = message.parts.find(
    (p) =>
      p.contentType === 'message/rfc822' ||
      p.contentType === 'text/rfc822-headers' ||
      p.contentType === 'message/rfc822-headers',
  );
  if (enclosed) {
    const { headers } = splitHeaders(enclosed.body.replace(/^\s*\n/, ''));
    const found = fromHeaders(headers);
    if (found.messageId || found.subject) return found;
  }
  // Quoted as text: read a header block from the first marker on.
  const body = splitHeaders(raw).body;
  for (const marker of QUOTE_MARKERS) {
    const match = marker.exec(body);
    if (!match) continue;
    const found = scanHeaderLines(body.slice(match.index + match[0].length));
    if (found.messageId || found.subject) return found;
  }
  return scanHeaderLines(message.text);
}

function fromHeaders(headers: ReturnType<typeof parseHeaderBlock>): OriginalMessage {
  const id = headerValue(headers, 'message-id');
  const subject = headerValue(headers, 'subject');
  const from = headerValue(headers, 'from');
  return {
    messageId: id ? cleanId(id) : null,
    subject: subject !== null ? cleanSubject(subject) : null,
    from: findAddress(from),
  };
}

/** Finds `Message-ID:`/`Subject:`/`From:` lines anywhere in quoted text (often indented or unfolded badly). */
function scanHeaderLines(text: string): OriginalMessage {
  const id = /^\s*Message-Id:\s*(<?[^\s>]+>?)/im.exec(text);
  // Continuation lines count only when the quoted block itself is not indented.
  const subject = /^Subject:[ \t]*(.*(?:\n[ \t]+.*)*)/im.exec(text) ?? /^\s*Subject:[ \t]*(.*)/im.exec(text);
  const from = /^\s*From:\s*(.*)/im.exec(text);
  return {
    messageId: id ? cleanId(id[1]!) : null,
    subject: subject ? cleanSubject(subject[1]!.replace(/\n[ \t]+/g, ' ')) : null,
    from: findAddress(from?.[1]),
  };
}

function cleanId(value: string): string | null {
  const id = value
    .trim()
    .replace(/^<|>$/g, '')
    .replace(/^<|>.*$/g, '')
    .trim();
  return id === '' ? null : id;
}

function cleanSubject(value: string): string | null {
  const decoded = decodeHeaderWords(value.trim());
  if (decoded === null) return null;
  const text = decoded.replace(/\s+/g, ' ').trim();
  return text === '' ? null : text;
}
