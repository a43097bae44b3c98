import { detectAutoReply } from './auto-reply';
import { normalizeAddress } from './email-address';
import type { MailHeader } from './mail-header';

/**
 * Header the engine puts on every email it sends, with MESSAGE_ID_DOMAIN as its value. A message
 * coming back with it (an alias that forwards to the helpdesk, a robot that copies headers) is our
 * own mail. Only our domain counts, so a stranger cannot silence notifications with any value.
 */
export const LOOP_HEADER = 'X-TWE-Loop';

/** Why a message is machine traffic that must never make the engine send mail. */
export type MachineMailKind = 'auto-reply' | 'bounce' | 'list' | 'own-mail';

export interface LoopGuardContext {
  /** MESSAGE_ID_DOMAIN: the domain of every Message-ID the engine generates. */
  ownMessageIdDomain: string;
  /** Addresses the engine sends from (the ticket types' "email to" addresses). */
  ownAddresses: string[];
}

export interface LoopGuardMessage {
  headers: MailHeader[];
  fromAddress: string | null;
  messageId: string | null;
}

export interface LoopGuardVerdict {
  /** True when no notification, forward or reply may be sent for this message. */
  machine: boolean;
  /** Every kind that applies, without duplicates, in the order first found. */
  kinds: MachineMailKind[];
  /** The evidence (`Header: value`), for the log and the ticket. */
  reasons: string[];
}

const LIST_HEADERS = ['list-id', 'list-unsubscribe', 'list-post'];
const DAEMON_LOCAL_PARTS = new Set(['mailer-daemon', 'mail-daemon', 'mailerdaemon']);

/**
 * Whether answering a message could start a mail loop or a notification storm: RFC 3834
 * auto-replies and the older responder headers (what detectAutoReply reports), bounces (null
 * sender, MAILER-DAEMON, multipart/report), mailing-list traffic, and mail the engine sent itself.
 *
 * Deliberately not a marker: `X-Auto-Response-Suppress`, which Outlook puts on ordinary human mail
 * (it only means "send me no auto-answer"; see suppressAutoResponse). Nor the subject text: people
 * type "Automatic reply" too, and a human message must still notify the staff.
 */
export function detectLoopRisk(message: LoopGuardMessage, context: LoopGuardContext): LoopGuardVerdict {
  const kinds: MachineMailKind[] = [];
  const reasons: string[] = [];
  const add = (kind: MachineMailKind, reason: string): void => {
    if (!kinds.includes(kind)) kinds.push(kind);
    if (!reasons.includes(reason)) reasons.push(reason);
  };

  for (const reason of detectAutoReply(message.headers).reasons) add(autoReplyKind(reason), reason);

  for (const header of message.headers) {
    const key = header.key.trim().toLowerCase();
    const value = header.value.replace(/\s+/g, ' ').trim();
    if (LIST_HEADERS.includes(key)) add('list', `${header.key.trim()}: ${value}`);
    if (key === 'content-type' && /^multipart\/report\b/i.test(value))
      add('bounce', `Content-Type: ${value}`);
    if (key === LOOP_HEADER.toLowerCase() && sameDomain(value, context.ownMessageIdDomain)) {
      add('own-mail', `${LOOP_HEADER}: ${value}`);
    }
  }

  const sender = normalizeAddress(message.fromAddress);
  if (sender !== null) {
    if (DAEMON_LOCAL_PARTS.has(sender.slice(0, sender.lastIndexOf('@')))) add('bounce', `From: ${sender}`);
    const own = new Set(context.ownAddresses.map((address) => normalizeAddress(address)));
    if (own.has(sender)) add('own-mail', `From: ${sender} (a ticket type address)`);
  }
  const messageId = message.messageId?.trim().replace(/^<|>$/g, '') ?? '';
  const at = messageId.lastIndexOf('@');
  if (at > 0 && sameDomain(messageId.slice(at + 1), context.ownMessageIdDomain)) {
    add('own-mail', `Message-ID: <${messageId}>`);
  }
  return { machine: kinds.length > 0, kinds, reasons };
}

/** detectAutoReply's reasons say which header matched; list and bounce traffic get their own kind. */
function autoReplyKind(reason: string): MachineMailKind {
  const lower = reason.toLowerCase();
  if (lower.startsWith('list-id:') || /^precedence: (list|bulk)\b/.test(lower)) return 'list';
  if (lower.startsWith('return-path:')) return 'bounce';
  return 'auto-reply';
}

function sameDomain(value: string, domain: string): boolean {
  const wanted = domain.trim().toLowerCase();
  return wanted !== '' && value.trim().toLowerCase() === wanted;
}
