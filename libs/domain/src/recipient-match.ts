import { extractAddresses, normalizeAddress } from './email-address';
import type { MailHeader } from './mail-header';

export interface MessageRecipients {
  to: string[];
  cc: string[];
  /** Addresses from delivery headers; see envelopeRecipientsFromHeaders. */
  envelope: string[];
}

/**
 * The ticket types a message is addressed to: every type whose "email to" matches a To, Cc or
 * envelope recipient, each type once, in the order of `types`.
 *
 * Recipients may be bare addresses or full mailboxes (`Helpdesk <support@example.com>`); comparison
 * ignores case and display names. Subaddressing counts: `support+printer@example.com` reaches the
 * type `support@example.com`, unless a type owns that exact subaddress. Only `+`
 * is treated as the separator: `-` is the qmail convention but also common in real local parts
 * (`customer-service@`), so treating it as a separator would merge unrelated addresses.
 */
export function matchTicketTypes<T extends { emailTo: string }>(
  recipients: MessageRecipients,
  types: T[],
): T[] {
  const typeAddresses = types.map((type) => normalizeAddress(type.emailTo));
  const known = new Set(typeAddresses.filter((address): address is string => address !== null));
  const reached = new Set<string>();
  for (const raw of [...recipients.to, ...recipients.cc, ...recipients.envelope]) {
    for (const address of extractAddresses(raw)) {
      // The most specific address wins, as in the MTA's own lookup: when a type owns
      // `support+billing@`, mail to that address is not also a ticket for `support@`.
      const target = known.has(address) ? address : withoutSubaddress(address);
      if (target !== null) reached.add(target);
    }
  }
  return types.filter((_type, index) => {
    const address = typeAddresses[index];
    return address !== null && reached.has(address);
  });
}

const ENVELOPE_HEADERS = new Set(['delivered-to', 'x-original-to', 'envelope-to', 'resent-to', 'resent-cc']);

/**
 * Recipient addresses from delivery headers, in header order and without duplicates.
 *
 * BCC recipients never appear in To/Cc; the receiving MTA records them in `Delivered-To` (Postfix,
 * qmail, Gmail), `X-Original-To` (Postfix, before alias expansion) or `Envelope-To` (Exim). Without
 * these a helpdesk address in BCC would turn every such message into an invalid ticket. `Resent-To`
 * and `Resent-Cc` name the addresses a message was redirected to, which is how some clients "bounce"
 * a message into the helpdesk.
 *
 * These headers are not proof of delivery: a forwarded or crafted message can carry older ones from
 * other hops. That only decides which ticket type a message lands in, never who may read a ticket.
 */
export function envelopeRecipientsFromHeaders(headers: MailHeader[]): string[] {
  const addresses: string[] = [];
  for (const header of headers) {
    if (!ENVELOPE_HEADERS.has(header.key.trim().toLowerCase())) continue;
    for (const address of extractAddresses(header.value)) {
      if (!addresses.includes(address)) addresses.push(address);
    }
  }
  return addresses;
}

function withoutSubaddress(address: string): string | null {
  if (address.startsWith('"')) return null;
  const at = address.lastIndexOf('@');
  const plus = address.indexOf('+');
  // `+support@` has no base mailbox; `support+@` is the same mailbox as `support@`.
  if (plus <= 0 || plus > at) return null;
  return `${address.slice(0, plus)}${address.slice(at)}`;
}
