import { randomUUID } from 'node:crypto';

/**
 * `"Support Desk" <support@example.com>`: the display name quoted (RFC 5322 quoted-string, so commas,
 * brackets and quotes in a type name cannot change the address); CR/LF cannot reach the header.
 */
export function formatMailbox(name: string, address: string): string {
  const cleanName = name.replace(/[\r\n]+/g, ' ').trim();
  const cleanAddress = address.replace(/[\s<>]+/g, '');
  if (cleanName === '') return cleanAddress;
  return `"${cleanName.replace(/(["\\])/g, '\\$1')}" <${cleanAddress}>`;
}

/** `<uuid@domain>`: unguessable, so a reply that references it really answers our email. */
export function newMessageId(domain: string): string {
  return `<${randomUUID()}@${domain}>`;
}

/**
 * References of a reply (RFC 5322 3.6.4): the parent's References plus the parent's Message-ID.
 * Only the last few are kept; long threads otherwise grow the header without bound.
 */
export function replyReferences(
  parentReferences: string[],
  parentMessageId: string | null,
  keep = 10,
): string | null {
  const ids = [...parentReferences, ...(parentMessageId ? [parentMessageId] : [])];
  const unique = ids.filter((id, index) => ids.indexOf(id) === index);
  const kept = unique.slice(-keep);
  return kept.length === 0 ? null : kept.join(' ');
}

export interface NotificationContent {
  ticketId: number;
  typeName: string;
  /** true when the log opened the ticket, false for a reply added to it. */
  newTicket: boolean;
  fromAddress: string | null;
  fromName: string | null;
  date: Date | null;
  subject: string | null;
  text: string | null;
  attachmentNames: Array<string | null>;
  quoteMaxChars: number;
}

/** Plain-text body of a notification: who wrote, when, about what, then the original text. */
export function notificationText(content: NotificationContent): string {
  const sender = content.fromAddress
    ? content.fromName
      ? `${content.fromName} <${content.fromAddress}>`
      : content.fromAddress
    : '(no sender address)';
  const lines = [
    content.newTicket
      ? `New enquiry: ticket #${content.ticketId} (${content.typeName})`
      : `New message on ticket #${content.ticketId} (${content.typeName})`,
    '',
    `From: ${sender}`,
    `Date: ${content.date ? content.date.toUTCString() : '(no date)'}`,
    `Subject: ${content.subject ?? '(no subject)'}`,
  ];
  if (content.attachmentNames.length > 0) {
    const names = content.attachmentNames.map((name) => name ?? '(unnamed)').join(', ');
    lines.push(`Attachments: ${content.attachmentNames.length} (${names})`);
  }
  lines.push('', '----- Original message -----', '');
  const text = content.text?.trim() ? content.text : '(The message has no text body.)';
  if (text.length > content.quoteMaxChars) {
    lines.push(
      text.slice(0, content.quoteMaxChars),
      '',
      `[... cut; the full message is on ticket #${content.ticketId}]`,
    );
  } else {
    lines.push(text);
  }
  return lines.join('\n');
}
