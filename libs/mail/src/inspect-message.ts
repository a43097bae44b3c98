import { detectAutoReply, findSubjectTag, suppressAutoResponse } from '@twe/domain';

import { MessageParseError, messageIdsOf, parseMessage, type ParsedInbound } from './parse-message';

/**
 * The engine's view of one message, with the field names of the mail corpus
 * (fixtures/mail/README.md): what `twe inspect` prints and what the corpus test compares.
 */
export interface MessageInspection {
  from_address: string | null;
  subject: string | null;
  message_id: string | null;
  in_reply_to: string | null;
  is_auto_reply: boolean;
  suppress_auto_response: boolean;
  is_bounce: boolean;
  to_cc_addresses: string[];
  envelope_recipients: string[];
  attachment_count: number;
  attachment_filenames: Array<string | null>;
  /** Files inside winmail.dat parts, in order (empty when there are none). */
  tnef_embedded_files: Array<string | null>;
  /** The decoded text body, or the HTML body with tags stripped; null without a readable body. */
  text: string | null;
  ticket_tag: { ticket_id: string; log_id: string } | null;
  /** Only when the input is not a readable message. */
  error?: string;
}

// Delivery headers in the corpus's order of names (README: envelope_recipients), canonical spelling.
const ENVELOPE_HEADERS = ['Delivered-To', 'X-Original-To', 'Envelope-To'];

/**
 * Parses a raw message with the processor's own code (parseMessage, detectAutoReply,
 * findSubjectTag) and describes it. Never throws for bad input: a message that cannot be read
 * gives an inspection with empty fields and `error`.
 */
export async function inspectMessage(raw: Buffer): Promise<MessageInspection> {
  let parsed: ParsedInbound;
  try {
    parsed = await parseMessage(raw);
  } catch (error) {
    if (!(error instanceof MessageParseError)) throw error;
    return { ...emptyInspection(), error: error.message };
  }
  return describe(parsed);
}

export function describe(parsed: ParsedInbound): MessageInspection {
  const tag = findSubjectTag(parsed.subject);
  const headerLines = parsed.headers.map((header) => ({ name: header.key.toLowerCase(), header }));
  return {
    from_address: parsed.fromAddress,
    subject: parsed.subject,
    message_id: parsed.messageId,
    in_reply_to: inReplyToOf(parsed),
    is_auto_reply: detectAutoReply(parsed.headers).isAutoReply,
    suppress_auto_response: suppressAutoResponse(parsed.headers),
    is_bounce: parsed.isBounce ?? false,
    to_cc_addresses: [...parsed.to, ...parsed.cc],
    envelope_recipients: ENVELOPE_HEADERS.flatMap((name) =>
      headerLines
        .filter((line) => line.name === name.toLowerCase())
        .map(({ header }) => `${name}: ${header.value}`),
    ),
    attachment_count: parsed.attachments.length,
    attachment_filenames: parsed.attachments.map((file) => file.filename),
    tnef_embedded_files: parsed.attachments.flatMap((file) =>
      (file.tnefFiles ?? []).map((inner) => inner.filename),
    ),
    text: parsed.text,
    ticket_tag: tag === null ? null : { ticket_id: String(tag.ticketId), log_id: String(tag.logId) },
  };
}

/**
 * The corpus gives In-Reply-To as the header value: with several ids, all of them (space-separated,
 * as written). The engine threads on the first (`parsed.inReplyTo`).
 */
function inReplyToOf(parsed: ParsedInbound): string | null {
  const header = parsed.headers.find((candidate) => candidate.key.toLowerCase() === 'in-reply-to');
  const ids = header === undefined ? [] : messageIdsOf(header.value);
  return ids.length > 1 ? ids.join(' ') : parsed.inReplyTo;
}

function emptyInspection(): MessageInspection {
  return {
    from_address: null,
    subject: null,
    message_id: null,
    in_reply_to: null,
    is_auto_reply: false,
    suppress_auto_response: false,
    is_bounce: false,
    to_cc_addresses: [],
    envelope_recipients: [],
    attachment_count: 0,
    attachment_filenames: [],
    tnef_embedded_files: [],
    text: null,
    ticket_tag: null,
  };
}
