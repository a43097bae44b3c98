import { randomUUID } from 'node:crypto';

import { normalizeAddress } from './email-address';
import { formatTaggedSubject } from './subject-tag';

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

/** The parts of a ticket type a notification needs. */
export interface NotifiedType {
  name: string;
  emailTo: string;
  workflowTag: string;
  adminEmail: string;
  emailForward: string | null;
}

export interface NotificationDraft {
  purpose: 'notification' | 'forward';
  /** `"<type name>" <emailTo>`: replies come back to the helpdesk mailbox. */
  fromAddress: string;
  toAddress: string;
  subject: string;
  bodyText: string;
}

/**
 * The emails one new log causes: one to the type's admin, one to its email-forward address (when
 * set and different), never to the author of the message (staff answering a notification by email
 * must not be notified of their own message). Pure: the caller stores them and adds Message-IDs.
 */
export function notificationDrafts(input: {
  type: NotifiedType;
  ticketId: number;
  logId: number;
  newTicket: boolean;
  /** Normalized sender of the message, or null. */
  sender: string | null;
  message: Omit<NotificationContent, 'ticketId' | 'typeName' | 'newTicket' | 'quoteMaxChars'>;
  quoteMaxChars: number;
}): NotificationDraft[] {
  const { type } = input;
  const subject = formatTaggedSubject(
    { workflowTag: type.workflowTag, ticketId: input.ticketId, logId: input.logId },
    input.message.subject,
  );
  const bodyText = notificationText({
    ...input.message,
    ticketId: input.ticketId,
    typeName: type.name,
    newTicket: input.newTicket,
    quoteMaxChars: input.quoteMaxChars,
  });
  const recipients: Array<{ purpose: NotificationDraft['purpose']; address: string }> = [
    { purpose: 'notification', address: type.adminEmail },
  ];
  if (type.emailForward) recipients.push({ purpose: 'forward', address: type.emailForward });
  const drafts: NotificationDraft[] = [];
  const seen = new Set<string>();
  for (const recipient of recipients) {
    const address = normalizeAddress(recipient.address);
    if (address === null || seen.has(address)) continue;
    seen.add(address);
    if (address === input.sender) continue;
    drafts.push({
      purpose: recipient.purpose,
      fromAddress: formatMailbox(type.name, type.emailTo),
      toAddress: recipient.address.trim(),
      subject,
      bodyText,
    });
  }
  return drafts;
}

/**
 * Thread-Index of our reply to a message that carried one (Outlook's conversation header: a
 * 22-byte header block plus 5 bytes per reply, base64). Outlook groups a conversation by the header
 * block, so appending a child block keeps our notification in the customer's thread. The child block
 * here only needs to differ between replies: time delta 0 and a sequence byte. null when the parent
 * has none or it is not a Thread-Index (not base64, shorter than the header block, absurdly long).
 */
export function childThreadIndex(parent: string | null | undefined, sequence = 0): string | null {
  if (typeof parent !== 'string') return null;
  const clean = parent.replace(/\s+/g, '');
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(clean) || clean.length > 140) return null;
  const bytes = Buffer.from(clean, 'base64');
  if (bytes.length < 22 || (bytes.length - 22) % 5 !== 0) return null;
  return Buffer.concat([bytes, Buffer.from([0, 0, 0, 0, sequence & 0xff])]).toString('base64');
}
