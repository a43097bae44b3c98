import {
  type BounceMessage,
  type DecodeResult,
  type DecodedRecipient,
  emptyRecipient,
  findAllAddresses,
} from './decoded-recipient';
import { headerValue } from './mime-walker';
import { finishRecipient } from './rfc3464';

/** Where the human-readable part of a bounce ends and the quoted original begins. */
export const END_OF_REPORT = [
  /^-+ ?This is a copy of (?:the|your) message/im,
  /^--- Below this line is a copy of the message/im,
  /^-+ ?(?:Original|Returned|Undelivered|Unsent) message/im,
  /^-+ ?The (?:header|original message)/im,
  /^Content-Type: message\/rfc822/im,
  /^Return-Path:/im,
  /^Received:/im,
  /^-+ ?Message header follows/im,
];

export function reportPart(text: string): string {
  let end = text.length;
  for (const marker of END_OF_REPORT) {
    const match = marker.exec(text);
    if (match && match.index < end && match.index > 0) end = match.index;
  }
  return text.slice(0, end);
}

const BOUNCE_SUBJECT =
  /(?:undeliver|delivery (?:status|failure|has failed|notification)|returned mail|mail delivery|failure notice|could not be delivered|non[- ]?delivery|nondeliverable|delivery problem|bounce|rejected|not delivered|fehlgeschlagen|unzustellbar|error)/i;
const DAEMON = /^(?:mailer-daemon|postmaster|mail-daemon|mdaemon|bounce)/i;

/**
 * Last resort for bounces in free text: when the message looks like a bounce (daemon sender or
 * bounce-like subject), each address that opens a line in the report part is a failed recipient
 * and the lines under it are the server's words.
 */
export function decodeHeuristic(message: BounceMessage): DecodeResult | null {
  if (!DAEMON.test(message.from) && !BOUNCE_SUBJECT.test(message.subject)) return null;
  const recipients = recipientsInText(reportPart(message.text), excludedAddresses(message));
  if (recipients.length === 0) return null;
  return { recipients, reportingMta: null, decodedBy: 'heuristic' };
}

export function excludedAddresses(message: BounceMessage): Set<string> {
  const excluded = new Set<string>();
  for (const name of ['from', 'to', 'return-path', 'sender', 'reply-to']) {
    for (const address of findAllAddresses(headerValue(message.headers, name) ?? '')) excluded.add(address);
  }
  return excluded;
}

const ADDRESS_LINE =
  /^\s*(?:[-*]\s*)?(?:(?:Recipient|Original-Recipient|Address):\s*)?(?:"[^"@]*"\s*)?"?<?([^\s<>"@]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,})>?"?(?:\.\.\.)?\s*:?\s*(.*)$/;

/** Address-led paragraphs: `addr:` / `<addr>:` / `  addr` followed by its error lines. */
export function recipientsInText(report: string, excluded: ReadonlySet<string>): DecodedRecipient[] {
  const recipients: DecodedRecipient[] = [];
  let current: DecodedRecipient | null = null;
  let lines: string[] = [];
  const flush = () => {
    if (current) {
      current.diagnostic = lines.join(' ');
      finishRecipient(current);
      recipients.push(current);
    }
    current = null;
    lines = [];
  };
  for (const line of report.split(/\r?\n/)) {
    const match = ADDRESS_LINE.exec(line);
    // Postfix wraps its answer so that an indented line may start with the same address again
    // (`    <a@b>: Recipient address rejected: ...`): that is the answer going on, not a new recipient.
    const continues =
      match &&
      current !== null &&
      /^\s/.test(line) &&
      match[1]!.toLowerCase() === (current as DecodedRecipient).recipient;
    if (match && !continues && !excluded.has(match[1]!.toLowerCase())) {
      flush();
      current = emptyRecipient(match[1]!.toLowerCase());
      if (match[2]) lines.push(match[2]);
      continue;
    }
    if (current) {
      if (line.trim() === '' && lines.length > 0) {
        flush();
        continue;
      }
      if (line.trim() !== '') lines.push(line.trim());
    }
  }
  flush();
  return recipients;
}
