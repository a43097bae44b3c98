import type { MailHeader } from './mail-header';

export interface AutoReplyVerdict {
  isAutoReply: boolean;
  /** The evidence, as `Header-Name: value` (value with white space collapsed), in rule order. */
  reasons: string[];
}

interface AutoReplyRule {
  /** Canonical spelling, used in reasons. */
  name: string;
  matches(value: string): boolean;
}

const AUTO_PRECEDENCE = new Set(['bulk', 'junk', 'list', 'auto_reply']);
const present = (): boolean => true;

// Only headers, never subject text: "Automatic reply:" and its translations are unreliable, and a
// person can type them. RFC 3834 Auto-Submitted is the standard; Precedence, X-Autoreply & co. are
// what older responders and list managers send; a null sender (Return-Path: <>) marks bounces and
// RFC 3834 responders; X-Loop is set by mail loops' own guards (procmail, ticket systems).
const RULES: readonly AutoReplyRule[] = [
  { name: 'Auto-Submitted', matches: (value) => !['', 'no'].includes(firstToken(value)) },
  { name: 'Precedence', matches: (value) => AUTO_PRECEDENCE.has(firstToken(value)) },
  { name: 'X-Autoreply', matches: present },
  { name: 'X-Autorespond', matches: present },
  { name: 'X-Autoresponder', matches: present },
  { name: 'List-Id', matches: present },
  { name: 'Return-Path', matches: (value) => isNullPath(value) },
  { name: 'X-Loop', matches: present },
];

/**
 * Whether a message was sent automatically (out-of-office, bounce, list traffic, another robot) and
 * must therefore not get an acknowledgement or notification of its own, which is how ticket loops
 * and notification storms start. Staff still see the message on the ticket.
 *
 * `envelopeFrom` is the SMTP MAIL FROM when the caller knows it (from the delivering MTA, not a
 * header): an empty one (`''` or `<>`) is a null sender. null/undefined means unknown.
 */
export function detectAutoReply(headers: MailHeader[], envelopeFrom?: string | null): AutoReplyVerdict {
  const reasons: string[] = [];
  for (const rule of RULES) {
    const wanted = rule.name.toLowerCase();
    for (const header of headers) {
      if (header.key.trim().toLowerCase() !== wanted) continue;
      const value = collapse(header.value);
      if (rule.matches(value)) reasons.push(value === '' ? `${rule.name}:` : `${rule.name}: ${value}`);
    }
  }
  if (typeof envelopeFrom === 'string' && isNullPath(envelopeFrom === '' ? '<>' : envelopeFrom)) {
    reasons.push('MAIL FROM: <>');
  }
  return { isAutoReply: reasons.length > 0, reasons };
}

const SUPPRESSED_RESPONSES = new Set(['all', 'oof', 'autoreply']);

/**
 * True when the sender asked not to get automatic responses (`X-Auto-Response-Suppress` holding
 * `All`, `OOF` or `AutoReply`): send no acknowledgement to the sender. This is not an auto-reply
 * marker: Exchange and Outlook put it on ordinary human mail, which must still become a ticket.
 */
export function suppressAutoResponse(headers: MailHeader[]): boolean {
  return headers.some(
    (header) =>
      header.key.trim().toLowerCase() === 'x-auto-response-suppress' &&
      header.value.split(/[\s,]+/).some((token) => SUPPRESSED_RESPONSES.has(token.toLowerCase())),
  );
}

function collapse(value: string): string {
  return value.replace(/\s+/g, ' ').trim();
}

/** `auto-generated (warning-timeout)` -> `auto-generated`; `Bulk; x=y` -> `bulk`. */
function firstToken(value: string): string {
  return (value.split(/[\s;(]/)[0] ?? '').toLowerCase();
}

/** `<>`, also with spaces or comments inside (`< >`, `<> (bounce)`). */
function isNullPath(value: string): boolean {
  return value.replace(/\([^()]*\)/g, '').replace(/\s+/g, '') === '<>';
}
